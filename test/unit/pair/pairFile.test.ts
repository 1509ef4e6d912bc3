import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserError } from '../../../src/common/errors';
import { loadPairFile, parsePairFile, suggestKey, workspaceArmId, type PairProblem } from '../../../src/pair/pairFile';

const GOOD = `workspaces:
  primary:   {subscription_id: 00000000-0000-0000-0000-000000000001, resource_group: rg-east, workspace_name: ml-east, region: eastus}
  secondary: {subscription_id: 00000000-0000-0000-0000-000000000001, resource_group: rg-west, workspace_name: ml-west, region: westus}
availability: {inference: hot/hot, training: hot/cold}
lint:
  ignore: ['legacy/**']
`;

/** The text a problem's range covers. */
function covered(text: string, p: PairProblem): string {
  const lines = text.split('\n');
  if (p.range.startLine === p.range.endLine) return lines[p.range.startLine].slice(p.range.startCol, p.range.endCol);
  return [lines[p.range.startLine].slice(p.range.startCol), ...lines.slice(p.range.startLine + 1, p.range.endLine), lines[p.range.endLine].slice(0, p.range.endCol)].join('\n');
}

function errors(text: string) {
  const r = parsePairFile(text, '/proj');
  assert.equal(r.ok, false, 'expected the pair file to be rejected');
  return r.problems.filter((p) => p.severity === 'error');
}

test('a valid pair file gives both workspaces, availability, the default cloud, and keeps unknown sections', () => {
  const r = parsePairFile(GOOD, '/proj');
  assert.ok(r.ok);
  assert.deepEqual(r.problems, []);
  assert.equal(r.config.workspaces.primary.workspace_name, 'ml-east');
  assert.equal(r.config.workspaces.secondary.region, 'westus');
  assert.deepEqual(r.config.availability, { inference: 'hot/hot', training: 'hot/cold' });
  assert.equal(r.config.cloud.name, 'AzureCloud');
  assert.deepEqual(r.config.sections.lint, { ignore: ['legacy/**'] });
});

test('YAML syntax errors are reported with a position and nothing else is checked', () => {
  const text = 'workspaces:\n  primary: {subscription_id: x\n';
  const problems = errors(text);
  assert.ok(problems.every((p) => p.code === 'yaml-syntax'));
  assert.match(problems[0].message, /^Not valid YAML/);
});

test('an empty file and a list are rejected as not a mapping', () => {
  assert.equal(errors('')[0].code, 'pair-structure');
  assert.equal(errors('- a\n- b\n')[0].code, 'pair-structure');
});

test('a missing key points at the workspace that lacks it', () => {
  const text = GOOD.replace(', region: westus', '');
  const [p] = errors(text);
  assert.equal(p.code, 'missing-key');
  assert.equal(p.message, 'workspaces.secondary.region is missing.');
  assert.equal(covered(text, p), 'secondary');
});

test('a bad value is underlined exactly, with a fix when one is obvious', () => {
  const text = GOOD.replace('region: westus', 'region: West US');
  const [p] = errors(text);
  assert.equal(p.code, 'invalid-value');
  assert.equal(covered(text, p), 'West US');
  assert.equal(p.fix?.newText, 'westus');
  const bad = GOOD.replace('subscription_id: 00000000-0000-0000-0000-000000000001, resource_group: rg-west', 'subscription_id: not-a-guid, resource_group: rg-west');
  const [q] = errors(bad);
  assert.equal(covered(bad, q), 'not-a-guid');
  assert.match(q.message, /GUID/);
  assert.equal(q.fix, undefined);
});

test('a workspace key written another way is an error with a rename fix, not a second "missing" error', () => {
  const text = GOOD.replace('workspace_name: ml-west', 'workspaceName: ml-west');
  const problems = errors(text);
  assert.equal(problems.length, 1, JSON.stringify(problems));
  assert.equal(problems[0].code, 'unknown-key');
  assert.equal(covered(text, problems[0]), 'workspaceName');
  assert.equal(problems[0].fix?.newText, 'workspace_name');
  assert.equal(suggestKey('location'), 'region');
  assert.equal(suggestKey('subscripton_id'), 'subscription_id');
  assert.equal(suggestKey('colour'), undefined);
});

test('a misspelt workspaces section is pointed at, with a rename fix', () => {
  const text = GOOD.replace('workspaces:', 'workspace:');
  const [p] = errors(text);
  assert.equal(covered(text, p), 'workspace');
  assert.equal(p.fix?.newText, 'workspaces');
});

test('an unrelated extra key is only a warning', () => {
  const text = GOOD.replace('region: westus}', 'region: westus, owner: team-a}');
  const r = parsePairFile(text, '/proj');
  assert.ok(r.ok);
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0].severity, 'warning');
  assert.equal(covered(text, r.problems[0]), 'owner');
});

test('the same workspace twice is rejected (case-insensitively)', () => {
  const text = GOOD.replace('rg-west, workspace_name: ml-west', 'RG-EAST, workspace_name: ML-EAST');
  assert.equal(errors(text)[0].code, 'same-workspace');
});

test('availability must be hot/hot, hot/warm or hot/cold, with a fix for near misses', () => {
  const text = GOOD.replace('training: hot/cold', 'training: Hot-Cold');
  const [p] = errors(text);
  assert.equal(p.code, 'availability');
  assert.equal(covered(text, p), 'Hot-Cold');
  assert.equal(p.fix?.newText, 'hot/cold');
  assert.equal(errors(GOOD.replace('training: hot/cold', 'training: lukewarm'))[0].fix, undefined);
});

test('cloud problems point at the offending value', () => {
  const text = `${GOOD}cloud:\n  name: sandbox\n  resourceManager: http://127.0.0.1:1234\n  storageSuffix: core.windows.net\n`;
  const [p] = errors(text);
  assert.equal(p.code, 'cloud');
  assert.equal(covered(text, p), 'http://127.0.0.1:1234');
  assert.equal(errors(`${GOOD}cloud: Mars\n`)[0].code, 'cloud');
});

test('duplicate keys are a YAML error', () => {
  assert.equal(errors(`${GOOD}availability: {}\n`)[0].code, 'yaml-syntax');
});

test('loadPairFile names the file, line and column of each problem and is a usage error', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pair-'));
  try {
    await assert.rejects(loadPairFile(dir), (e: unknown) => e instanceof UserError && e.kind === 'usage' && /No aml-failover\.yaml/.test(e.message));
    await fs.writeFile(path.join(dir, 'aml-failover.yaml'), GOOD.replace('region: westus', 'region: West US'));
    await assert.rejects(loadPairFile(dir), (e: unknown) => e instanceof UserError && e.kind === 'usage' && e.message.includes(`${path.join(dir, 'aml-failover.yaml')}:3:`));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('workspaceArmId is the Azure ML workspace resource id', () => {
  assert.equal(
    workspaceArmId({ subscription_id: 's', resource_group: 'rg', workspace_name: 'ws' }),
    '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws',
  );
});

test('an alias bomb ("billion laughs") is one problem on the file, found fast, never an exception', () => {
  const levels = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < 9; i++) {
    const name = String.fromCharCode(97 + i);
    const prev = String.fromCharCode(96 + i);
    levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
  }
  for (const where of ['top', 'cloud']) {
    const bomb = where === 'top' ? `${GOOD}${levels.join('\n')}\n` : `${GOOD}cloud:\n${levels.map((l) => `  ${l}`).join('\n')}\n`;
    const r = parsePairFile(bomb, '/proj');
    assert.equal(r.ok, false);
    assert.equal(r.problems.length, 1, JSON.stringify(r.problems));
    assert.equal(r.problems[0].code, 'yaml-syntax');
    assert.match(r.problems[0].message, /alias/i);
    // On the first alias, where the expansion starts.
    assert.equal(covered(bomb, r.problems[0]), '*a');
  }
});

test('aliases are followed: in the cloud section, for the whole cloud, and for workspace values', () => {
  const cloudWithAliases = `${GOOD}defaults: {endpoint: &arm 'https://management.azure.com/', suffix: &sfx core.windows.net}
cloud:
  name: AzureCloud
  resourceManager: *arm
  storageSuffix: *sfx
`;
  const r = parsePairFile(cloudWithAliases, '/proj');
  assert.equal(r.ok, true, JSON.stringify(r.problems));
  if (r.ok) assert.equal(r.config.cloud.name, 'AzureCloud');

  const wholeCloud = `${GOOD}clouds: {public: &public AzureCloud}\ncloud: *public\n`;
  const w = parsePairFile(wholeCloud, '/proj');
  assert.equal(w.ok, true, JSON.stringify(w.problems));
  if (w.ok) assert.equal(w.config.cloud.name, 'AzureCloud');

  const sharedSub = `workspaces:
  primary:   {subscription_id: &sub 00000000-0000-0000-0000-000000000001, resource_group: rg-east, workspace_name: ml-east, region: eastus}
  secondary: {subscription_id: *sub, resource_group: rg-west, workspace_name: ml-west, region: westus}
`;
  const s = parsePairFile(sharedSub, '/proj');
  assert.equal(s.ok, true, JSON.stringify(s.problems));
  if (s.ok) assert.equal(s.config.workspaces.secondary.subscription_id, '00000000-0000-0000-0000-000000000001');
});

test('nesting too deep to read is a problem on the file, never an exception', () => {
  for (const text of [`${GOOD}cloud: ${'['.repeat(20000)}`, `${GOOD}deep: ${'{a: '.repeat(5000)}1${'}'.repeat(5000)}\n`, `${GOOD}deep:\n${Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i + 2)}- `).join('\n')}x\n`]) {
    const r = parsePairFile(text, '/proj');
    if (!r.ok) assert.ok(r.problems.length >= 1 && r.problems.every((p) => p.range.startLine >= 0));
  }
});
