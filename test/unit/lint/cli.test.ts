// `aml-failover lint` as CI runs it: a child process, its output and its exit code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { scratchDir } from '../../support/scratch';
import { cliNodeArgs } from '../../support/cli';

const REPO = path.resolve(import.meta.dirname, '../../..');
const SUB = '92c76a2f-0e1c-4216-b65e-abf7a3f34c1e';
const ARM = (kind: string) => `/subscriptions/${SUB}/resourceGroups/demorg/providers/Microsoft.MachineLearningServices/workspaces/devplatv2/${kind}`;

function run(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, cliNodeArgs(['lint', ...args]), { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}


async function project(files: Record<string, string>): Promise<string> {
  const dir = await scratchDir('aml-lint-');
  for (const [name, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), text);
  }
  return dir;
}

const PINNED_JOB = `$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json\ncommand: python train.py\nenvironment: azureml:${ARM('environments/pytorch/versions/3')}\ncompute: azureml:${ARM('computes/gpu')}\n`;
const NOTEBOOK = JSON.stringify({ cells: [{ cell_type: 'code', metadata: {}, outputs: [], source: [`ml = MLClient(cred, "${SUB}", "demorg", "devplatv2")\n`] }], metadata: {}, nbformat: 4, nbformat_minor: 2 }, null, 1);

test('folders are walked (node_modules and .git skipped); --format json; exit 1 on warnings', async () => {
  const dir = await project({
    'jobs/train.yml': PINNED_JOB,
    'jobs/ok.yaml': 'environment: azureml:pytorch:3\ncompute: azureml:gpu\n',
    'src/train.py': `import mlflow\nmlflow.set_tracking_uri("azureml://eastus.api.azureml.ms/mlflow/v1.0${ARM('')}")\n`,
    'notebooks/explore.ipynb': NOTEBOOK,
    'payloads/job.json': JSON.stringify({ properties: { computeId: ARM('computes/gpu') } }),
    'node_modules/pkg/job.yml': PINNED_JOB,
    '.git/job.yml': PINNED_JOB,
    'README.md': ARM('computes/gpu'),
  });
  const r = run(['.', '--format', 'json'], dir);
  assert.equal(r.code, 1, r.err);
  const findings = JSON.parse(r.out) as { file: string; line: number; column: number; endLine: number; endColumn: number; rule: string; severity: string; message: string }[];
  assert.deepEqual(
    findings.map((f) => [f.file, f.line, f.rule, f.severity]),
    [
      ['jobs/train.yml', 3, 'workspace-arm-id', 'warning'],
      ['jobs/train.yml', 4, 'workspace-arm-id', 'warning'],
      ['notebooks/explore.ipynb', 8, 'literal-workspace-client', 'warning'],
      ['payloads/job.json', 1, 'workspace-arm-id', 'warning'],
      ['src/train.py', 2, 'region-tracking-uri', 'warning'],
    ],
  );
  const env = findings[0]!;
  assert.equal(env.column, 'environment: '.length + 1);
  assert.equal(env.endColumn - env.column, `azureml:${ARM('environments/pytorch/versions/3')}`.length);
  assert.match(env.message, /workspace 'devplatv2'/);
});

test('--fix rewrites what it can, atomically, and reports the rest; exit 0 once only info is left', async () => {
  const dir = await project({ 'train.yml': PINNED_JOB, 'n.ipynb': NOTEBOOK, 'note.yml': `# was: ${ARM('computes/gpu')}\ncompute: azureml:gpu\n` });
  const r = run(['--fix'], dir);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.err, /Fixed 3 findings/);
  assert.match(r.out, /^note\.yml:1:8: info reference-in-comment: in a comment: /m);
  const job = parse(await fs.readFile(path.join(dir, 'train.yml'), 'utf8')) as Record<string, string>;
  assert.equal(job.environment, 'azureml:pytorch:3');
  assert.equal(job.compute, 'azureml:gpu');
  const nb = JSON.parse(await fs.readFile(path.join(dir, 'n.ipynb'), 'utf8')) as { cells: { source: string[] }[] };
  assert.deepEqual(nb.cells[0]!.source, ['ml = MLClient.from_config(credential=cred)\n']);
});

test('globs, the lint: section (severities, ignored paths), explicit and missing files', async () => {
  const dir = await project({
    'aml-failover.yaml': [
      'workspaces:',
      '  primary: {subscription_id: ' + SUB + ', resource_group: demorg, workspace_name: devplatv2, region: eastus}',
      '  secondary: {subscription_id: ' + SUB + ', resource_group: rg-west, workspace_name: ml-west, region: westus}',
      'lint:',
      '  rules:',
      '    workspace-arm-id: error',
      '    job-output-reference: warning',
      '  ignore:',
      '    - legacy/**',
      '',
    ].join('\n'),
    'pipelines/a.yml': PINNED_JOB,
    'pipelines/b.yml': 'inputs:\n  model:\n    path: azureml://jobs/busy_bee_1/outputs/model\n',
    'legacy/old.yml': PINNED_JOB,
  });
  const r = run(['pipelines/*.yml', 'legacy', 'missing.yml', '--format', 'json'], dir);
  assert.equal(r.code, 1, r.err);
  const findings = JSON.parse(r.out) as { file: string; rule: string; severity: string; message: string }[];
  assert.deepEqual(findings.map((f) => [f.file, f.rule, f.severity]), [
    ['missing.yml', 'unreadable-file', 'error'],
    ['pipelines/a.yml', 'workspace-arm-id', 'error'],
    ['pipelines/a.yml', 'workspace-arm-id', 'error'],
    ['pipelines/b.yml', 'job-output-reference', 'warning'],
  ]);
  assert.match(findings[1]!.message, /the primary workspace of this pair/);
  // An explicitly named file is linted even under an ignored path.
  const explicit = run(['legacy/old.yml'], dir);
  assert.equal(explicit.code, 1);
  assert.match(explicit.out, /^legacy\/old\.yml:3:14: error workspace-arm-id: /m);
});

test('exit 2 on bad usage only; invalid files are findings', async () => {
  const dir = await project({ 'bad.yml': 'a: [1,\n', 'bad.ipynb': '{"cells": [', 'x.py': 'print(1)\n' });
  assert.equal(run(['--format', 'xml'], dir).code, 2);
  assert.equal(run(['--nope'], dir).code, 2);
  const r = run([], dir);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /^bad\.yml:\d+:\d+: info invalid-yaml: not valid YAML: /m);
  assert.match(r.out, /^bad\.ipynb:1:\d+: info invalid-json: not a readable notebook: /m);
  const broken = await project({ 'aml-failover.yaml': 'workspaces: [\n', 'a.yml': 'a: 1\n' });
  assert.equal(run([], broken).code, 2);
});

test('--format sarif is valid SARIF 2.1.0 with relative paths and fixes', async () => {
  const dir = await project({ 'jobs/train.yml': PINNED_JOB, 'ok.yml': 'a: 1\n' });
  const r = run(['--format', 'sarif'], dir);
  assert.equal(r.code, 1, r.err);
  const sarif = JSON.parse(r.out) as { runs: { results: { ruleId: string; level: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[]; fixes?: unknown[] }[] }[] };
  const schema = JSON.parse(readFileSync(path.join(REPO, 'test/fixtures/lint/sarif-2.1.0-rtm.5.json'), 'utf8')) as Record<string, unknown>;
  // The OASIS schema is draft-04; Ajv 8 reads it once `id` is spelled `$id` (formats are not checked).
  delete schema.$schema;
  schema.$id = schema.id;
  delete schema.id;
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true, unicodeRegExp: false });
  const validate = ajv.compile(schema);
  assert.ok(validate(sarif), JSON.stringify(validate.errors?.slice(0, 5), null, 1));
  const results = sarif.runs[0]!.results;
  assert.equal(results.length, 2);
  assert.deepEqual(results.map((x) => [x.ruleId, x.level, x.locations[0]!.physicalLocation.artifactLocation.uri, x.locations[0]!.physicalLocation.region.startLine]), [
    ['workspace-arm-id', 'warning', 'jobs/train.yml', 3],
    ['workspace-arm-id', 'warning', 'jobs/train.yml', 4],
  ]);
  assert.equal(results[0]!.fixes?.length, 1);
});

test('the 575 official files: exit 0', () => {
  const r = run(['azureml-examples-cli', '--format', 'json'], path.join(REPO, 'test/fixtures/corpus'));
  assert.equal(r.code, 0, r.err);
  const findings = JSON.parse(r.out) as { rule: string; severity: string }[];
  assert.deepEqual([...new Set(findings.map((f) => `${f.rule}/${f.severity}`))], ['invalid-yaml/info']);
  assert.equal(findings.length, 9);
});

const PAIR_WITH_LINT = (rules: string) =>
  [
    'workspaces:',
    `  primary: {subscription_id: ${SUB}, resource_group: demorg, workspace_name: devplatv2, region: eastus}`,
    `  secondary: {subscription_id: ${SUB}, resource_group: rg-west, workspace_name: ml-west, region: westus}`,
    'lint:',
    '  rules:',
    rules,
    '',
  ].join('\n');

test('--project DIR from another folder: lints DIR with its lint: settings; path arguments stay relative to the current folder', async () => {
  const dir = await project({ 'aml-failover.yaml': PAIR_WITH_LINT('    workspace-arm-id: error'), 'jobs/train.yml': PINNED_JOB });
  const elsewhere = await project({ 'here.yml': PINNED_JOB });
  const r = run(['--project', dir, '--format', 'json'], elsewhere);
  assert.equal(r.code, 1, r.err);
  const findings = JSON.parse(r.out) as { file: string; rule: string; severity: string }[];
  // The project's file, shown relative to where the command ran; the project's severity; nothing from the cwd.
  const rel = path.relative(elsewhere, path.join(dir, 'jobs/train.yml'));
  assert.deepEqual(findings.map((f) => [f.file, f.severity]), [[rel, 'error'], [rel, 'error']]);
  // A path argument is the current folder's, linted with DIR's settings.
  const named = run(['here.yml', '--project', dir, '--format', 'json'], elsewhere);
  assert.deepEqual((JSON.parse(named.out) as { file: string; severity: string }[]).map((f) => [f.file, f.severity]), [['here.yml', 'error'], ['here.yml', 'error']]);
});

test('text output reads like a compiler: file:line:col: severity rule: short message; --explain adds the explanation and the rule link', async () => {
  const dir = await project({ 'jobs/train.yml': PINNED_JOB, 'n.ipynb': NOTEBOOK, 'bad.yml': 'a: [1,\n' });
  const r = run([], dir);
  assert.equal(r.code, 1, r.err);
  const lines = r.out.trimEnd().split('\n');
  const findingLines = lines.filter((l) => /^\S+:\d+:\d+: /.test(l));
  assert.equal(findingLines.length, 4, r.out);
  for (const line of findingLines) {
    const m = /^(\S+):(\d+):(\d+): (error|warning|info|hint) ([a-z-]+): (.+)$/.exec(line);
    assert.ok(m, `not compiler-style: ${line}`);
    assert.ok(m[6]!.length <= 100, `message over 100 characters: ${m[6]}`);
  }
  assert.match(r.out, /^jobs\/train\.yml:3:14: warning workspace-arm-id: .*pins workspace 'devplatv2'; write azureml:pytorch:3$/m);
  assert.match(r.out, /^n\.ipynb:8:\d+: warning literal-workspace-client: cell 1, line 1: MLClient\(\.\.\.\) names workspace 'devplatv2' literally; use MLClient\.from_config\(\)$/m);
  assert.match(lines.at(-2)!, /^4 findings \(3 warnings, 1 info\) in 3 files checked\.$/);
  const explained = run(['jobs/train.yml', '--explain'], dir);
  const [first, long, link] = explained.out.split('\n');
  assert.match(first!, /^jobs\/train\.yml:3:14: warning workspace-arm-id: /);
  assert.match(long!, /^ {4}This reference to environment pytorch version 3 pins workspace 'devplatv2' \(resource group demorg, subscription [-0-9a-f]+\): it breaks when you fail over; write azureml:pytorch:3 to follow the active workspace\.$/);
  assert.match(link!, /^ {4}see \S*docs\/lint-rules\.md#workspace-arm-id$/);
  assert.ok(readFileSync(path.join(REPO, 'docs/lint-rules.md'), 'utf8').includes('## workspace-arm-id'));
});

const EXPORT_MANIFEST = `${JSON.stringify({ version: 1, tool: 'aml-failover', complete: true, files: [], names: [], failed: [] }, null, 2)}\n`;

test("the linter skips its own output: folders holding an aml-failover manifest.json, and the default export folder", async () => {
  const dir = await project({
    'jobs/train.yml': PINNED_JOB,
    // An export to a folder of the user's choosing, recognised by its manifest, not by its name or place.
    'backup/2024/manifest.json': EXPORT_MANIFEST,
    'backup/2024/jobs/train.yml': PINNED_JOB,
    'backup/2024/notebooks/Users/a/n.ipynb': NOTEBOOK,
    // The default export folder, even before its manifest is written (an export in progress).
    'aml-export/primary/models/m/1/model.yml': PINNED_JOB,
    // Someone else's manifest.json is an ordinary file in an ordinary folder.
    'webapp/manifest.json': JSON.stringify({ name: 'app', tool: 'other', id: ARM('computes/gpu') }),
    'webapp/job.yml': PINNED_JOB,
  });
  const r = run(['--format', 'json'], dir);
  const files = [...new Set((JSON.parse(r.out) as { file: string }[]).map((f) => f.file))];
  assert.deepEqual(files, ['jobs/train.yml', 'webapp/job.yml', 'webapp/manifest.json']);
  // Named as a folder: said, not linted. Named as a file: linted (explicit files always are).
  const named = run(['backup/2024'], dir);
  assert.equal(named.code, 0, named.out);
  assert.match(named.err, /backup\/2024 holds an aml-failover export \(manifest\.json\); it is not linted/);
  // A folder or glob inside it is the export too.
  for (const inside of ['backup/2024/jobs', 'backup/2024/**/*.yml']) {
    const r2 = run([inside], dir);
    assert.equal(r2.code, 0, r2.out);
    assert.match(r2.err, /backup\/2024 holds an aml-failover export/);
  }
  assert.equal(run(['backup/2024/jobs/train.yml'], dir).code, 1);
});
test('--fix edits in place: the mode is kept, a link is edited through to its target, a link out of the project is refused', { skip: process.platform === 'win32' }, async () => {
  const dir = await project({ 'jobs/real.yml': PINNED_JOB });
  const outside = await project({ 'victim.yml': PINNED_JOB });
  await fs.chmod(path.join(dir, 'jobs/real.yml'), 0o640);
  await fs.symlink('real.yml', path.join(dir, 'jobs/link.yml'));
  await fs.symlink(path.join(outside, 'victim.yml'), path.join(dir, 'jobs/out.yml'));
  const r = run(['jobs/link.yml', 'jobs/out.yml'], dir);
  assert.equal(r.code, 1, 'both still have findings before --fix');
  const fixed = run(['--fix', 'jobs/link.yml', 'jobs/out.yml'], dir);
  assert.match(fixed.err, /not fixed: .*out\.yml is a symbolic link to .*victim\.yml, outside the project/);
  assert.equal(await fs.readFile(path.join(outside, 'victim.yml'), 'utf8'), PINNED_JOB, 'nothing written outside the project');
  assert.ok((await fs.lstat(path.join(dir, 'jobs/out.yml'))).isSymbolicLink());
  assert.ok((await fs.lstat(path.join(dir, 'jobs/link.yml'))).isSymbolicLink(), 'the link is still a link');
  assert.equal(await fs.readlink(path.join(dir, 'jobs/link.yml')), 'real.yml');
  const job = parse(await fs.readFile(path.join(dir, 'jobs/real.yml'), 'utf8')) as Record<string, string>;
  assert.equal(job.compute, 'azureml:gpu', 'the target was fixed');
  assert.equal((await fs.stat(path.join(dir, 'jobs/real.yml'))).mode & 0o777, 0o640);
  assert.deepEqual((await fs.readdir(path.join(dir, 'jobs'))).sort(), ['link.yml', 'out.yml', 'real.yml'], 'no temporary file left');
});

test('Ctrl-C stops a long lint between files: exit 1, saying how far it got, no report that passes for a clean run', async () => {
  const child = spawn(process.execPath, cliNodeArgs(['--verbose', 'lint', '.']), { cwd: path.join(REPO, 'test/fixtures/corpus'), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Once it says how many files it is about to lint, it is linting them.
  await new Promise<void>((resolve) =>
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      if (/Linting \d+ files/.test(err)) resolve();
    }),
  );
  child.kill('SIGINT');
  assert.equal(await exited, 1, err);
  const [, linted, total] = /aml-failover: Interrupted: (\d+) of (\d+) files were linted\./.exec(err) ?? [];
  assert.ok(Number(linted) < Number(total), err);
  assert.doesNotMatch(out, /files? checked/);
});
