// The GitHub Action (action.yml) as a runner executes it: its `run:` steps, with the `${{ }}` expressions a runner
// fills in and the variables it sets, in bash, on a copy of this working tree as the action's folder and a scratch
// repository as the workspace. The install step (`npm ci && npm run build`) runs once; the lint step runs per case.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { CLEAN_JOB, cleanEnv, PINNED_JOB, REPO, sarifErrors, scratchRepository, snapshotWorkingTree } from './support';

interface Step {
  name?: string;
  id?: string;
  if?: string;
  shell?: string;
  run?: string;
  uses?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
  'working-directory'?: string;
}
interface Action {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
}

const action = parse(readFileSync(path.join(REPO, 'action.yml'), 'utf8')) as Action;

let scratch: string;
let actionPath: string;
let workspace: string;

interface Run {
  code: number | null;
  out: string;
  /** Outputs per step id, as written to GITHUB_OUTPUT. */
  steps: Record<string, Record<string, string>>;
}

/** `${{ … }}` as a runner fills it in; an expression this runner does not know fails the test instead of passing as text. */
function expand(text: string, inputs: Record<string, string>, steps: Run['steps']): string {
  return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_, expr: string) => {
    const input = /^inputs\.([\w-]+)$/.exec(expr);
    if (input) {
      assert.ok(input[1]! in inputs, `action.yml uses an undeclared input ${input[1]}`);
      return inputs[input[1]!]!;
    }
    if (expr === 'github.action_path') return actionPath;
    if (expr === 'github.workspace') return workspace;
    const output = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr);
    if (output) return steps[output[1]!]?.[output[2]!] ?? '';
    throw new Error(`this test does not evaluate \${{ ${expr} }}`);
  });
}

/** Runs the action's `run:` steps from `first` on, stopping at the first failing one, as a runner does. */
async function runAction(given: Record<string, string>, first = 1): Promise<Run> {
  for (const name of Object.keys(given)) assert.ok(name in action.inputs, `no input ${name} in action.yml`);
  const inputs = Object.fromEntries(Object.entries(action.inputs).map(([name, spec]) => [name, given[name] ?? spec.default ?? '']));
  const result: Run = { code: 0, out: '', steps: {} };
  for (const step of action.runs.steps.slice(first)) {
    if (step.run === undefined) continue;
    const outputFile = path.join(scratch, `output-${step.id ?? 'step'}-${Date.now()}`);
    await fs.writeFile(outputFile, '');
    const env = cleanEnv({
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      GITHUB_ACTION_PATH: actionPath,
      GITHUB_WORKSPACE: workspace,
      GITHUB_OUTPUT: outputFile,
      RUNNER_TEMP: path.join(scratch, 'runner-temp'),
      ...Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expand(String(v), inputs, result.steps)])),
    });
    assert.equal(step.shell, 'bash', `${step.name}: composite run steps need shell: bash`);
    // The runner's bash: `bash --noprofile --norc -eo pipefail {0}` on a file holding the expanded script.
    const script = path.join(scratch, 'step.sh');
    await fs.writeFile(script, expand(step.run, inputs, result.steps));
    const cwd = step['working-directory'] ? expand(step['working-directory'], inputs, result.steps) : workspace;
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (text += d));
      child.once('error', reject);
      child.once('close', (c) => resolve({ code: c, out: text }));
    });
    result.out += out;
    if (step.id) {
      result.steps[step.id] = Object.fromEntries(
        (await fs.readFile(outputFile, 'utf8'))
          .split('\n')
          .filter((l) => l.includes('='))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
    }
    result.code = code;
    if (code !== 0) break;
  }
  return result;
}

before(async () => {
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'aml-failover-action-'));
  await fs.mkdir(path.join(scratch, 'runner-temp'));
  actionPath = path.join(scratch, 'action');
  await snapshotWorkingTree(actionPath);
  workspace = await scratchRepository(path.join(scratch, 'workspace'), {
    'jobs/pinned.yml': PINNED_JOB,
    'jobs/clean.yml': CLEAN_JOB,
    'train.py': 'from azure.ai.ml import MLClient\nml_client = MLClient.from_config(credential=None)\n',
  });
  // The install step, once for every case below: npm ci (whose prepare builds too) and the build, in the action's folder.
  const install = action.runs.steps[0]!;
  assert.match(install.run ?? '', /^npm ci\b.*&& npm run build$/);
  assert.equal(install['working-directory'], '${{ github.action_path }}');
  const r = await runAction({}, 0).catch((err: unknown) => ({ code: -1, out: String(err), steps: {} }));
  // Only the install step must pass here (the lint step after it fails on the pinned job, as tested below).
  assert.ok(existsSync(path.join(actionPath, 'dist', 'cli.js')), `the install step built no CLI:\n${r.out}`);
}, { timeout: 600_000 });

after(async () => {
  if (scratch) await fs.rm(scratch, { recursive: true, force: true });
});

type Sarif = { runs: { results: { ruleId: string; level: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[] };

test('on a pinned job the step fails, with an annotation, a valid SARIF report and the step outputs code scanning uploads', { timeout: 120_000 }, async () => {
  const r = await runAction({});
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /^::warning file=jobs\/pinned\.yml,line=3,col=14,title=workspace-arm-id::/m);
  const sarifFile = r.steps.lint?.['sarif-file'];
  assert.equal(sarifFile, path.join(scratch, 'runner-temp', 'aml-failover-lint.sarif'));
  assert.equal(r.steps.lint?.findings, '1');
  const sarif = JSON.parse(await fs.readFile(sarifFile, 'utf8')) as Sarif;
  assert.deepEqual(sarifErrors(sarif), []);
  assert.deepEqual(
    sarif.runs[0]!.results.map((x) => [x.ruleId, x.level, x.locations[0]!.physicalLocation.artifactLocation.uri, x.locations[0]!.physicalLocation.region.startLine]),
    [['workspace-arm-id', 'warning', 'jobs/pinned.yml', 3]],
  );

  // The upload step: code scanning's own action, fed with the lint step's report, also after a failing lint.
  const upload = action.runs.steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'));
  assert.ok(upload, 'action.yml uploads to code scanning');
  assert.equal(upload.with?.sarif_file, '${{ steps.lint.outputs.sarif-file }}');
  assert.match(upload.if ?? '', /!cancelled\(\)/);
  assert.match(upload.if ?? '', /inputs\.upload-sarif == 'true'/);
  assert.equal(action.outputs['sarif-file']?.value, '${{ steps.lint.outputs.sarif-file }}');
});

test('fail-on: never passes with the same report; fail-on: error passes on warnings', { timeout: 120_000 }, async () => {
  for (const failOn of ['never', 'error']) {
    const r = await runAction({ 'fail-on': failOn });
    assert.equal(r.code, 0, `${failOn}: ${r.out}`);
    assert.equal(r.steps.lint?.findings, '1');
    assert.match(r.out, /::warning file=jobs\/pinned\.yml/);
  }
  const wrong = await runAction({ 'fail-on': 'sometimes' });
  assert.equal(wrong.code, 2, wrong.out);
  assert.match(wrong.out, /fail-on must be one of/);
});

test('paths and sarif-file: only the named files are linted, the report goes where asked', { timeout: 120_000 }, async () => {
  const sarifFile = path.join(scratch, 'clean.sarif');
  const r = await runAction({ paths: 'jobs/clean.yml train.py', 'sarif-file': sarifFile });
  assert.equal(r.code, 0, r.out);
  assert.equal(r.steps.lint?.['sarif-file'], sarifFile);
  assert.equal(r.steps.lint?.findings, '0');
  const sarif = JSON.parse(await fs.readFile(sarifFile, 'utf8')) as Sarif;
  assert.deepEqual(sarifErrors(sarif), []);
  assert.deepEqual(sarif.runs[0]!.results, []);

  // A glob reaches aml-failover unexpanded by the shell (bash alone would not walk `**`).
  const glob = await runAction({ paths: 'jobs/**/*.yml' });
  assert.equal(glob.code, 1, glob.out);
  assert.equal(glob.steps.lint?.findings, '1');
});

test('a lint that cannot run fails the step with its own exit code and leaves no report to upload', { timeout: 120_000 }, async () => {
  await fs.mkdir(path.join(workspace, 'broken'), { recursive: true });
  await fs.writeFile(path.join(workspace, 'broken', 'aml-failover.yaml'), 'workspaces: [\n');
  const r = await runAction({ project: 'broken' });
  assert.equal(r.code, 2, r.out);
  assert.equal(r.steps.lint?.['sarif-file'], undefined, 'no report is offered for upload');
  assert.ok(!existsSync(path.join(scratch, 'runner-temp', 'aml-failover-lint.sarif')), 'the empty report is removed');
});
