#!/usr/bin/env node
// `npm test`: the whole suite, with its own set-up, in stages.
//   setup → check (typecheck + lint) → build → package → unit → integration → ci → vscode → ui
// The first four stop the run when they fail (nothing after them would mean anything); the test stages all run.
// Prints each stage's output as it comes, a table of stages, and a last line `N passed, N failed`.
//
//   npm test                      everything
//   npm test -- unit integration  only these test stages (set-up, check, build and package still run)
//   npm test -- --only unit       only these test stages, nothing before them (quick runs while developing;
//                                 the vscode and ui stages still get a freshly packaged .vsix)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TEST_STAGES = ['unit', 'integration', 'ci', 'vscode', 'ui'];
const STAGE_TIMEOUT_MS = 10 * 60_000;

const requested = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const name of requested) {
  if (!TEST_STAGES.includes(name)) {
    console.error(`npm test: unknown stage ${name} (stages: ${TEST_STAGES.join(', ')})`);
    process.exit(2);
  }
}
const only = process.argv.includes('--only');
const wanted = (stage) => requested.length === 0 || requested.includes(stage);

/** @type {{stage: string, ok: boolean, passed: number, failed: number, seconds: number, note: string}[]} */
const results = [];
const startedAll = Date.now();

/** Stage processes still running; each leads a process group of its own (detached), stopped with all it started. */
const running = new Set();
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    for (const child of running) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    process.exit(130);
  });
}

/**
 * Runs a command and returns its exit code and captured stdout. Its output is streamed as it comes, or with
 * `buffered` held back and returned as `all` (for steps that run side by side).
 */
function run(command, args, { buffered = false, env = {} } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: REPO,
      env: { ...testEnv(), FORCE_COLOR: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // A group of its own, so a stage that hangs is stopped with everything it started.
      detached: true,
    });
    let out = '';
    let all = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (buffered) all += chunk;
      else process.stdout.write(chunk);
    });
    child.stderr.on('data', (chunk) => {
      if (buffered) all += chunk;
      else process.stderr.write(chunk);
    });
    const timer = setTimeout(() => {
      console.error(`\nnpm test: ${command} ${args.join(' ')} ran longer than ${STAGE_TIMEOUT_MS / 60_000} min; stopping it`);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, STAGE_TIMEOUT_MS);
    running.add(child);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code: code ?? (signal ? 1 : 0), out, all });
    });
  });
}

/**
 * The environment of every stage: DefaultAzureCredential restricted so that no credential reaches beyond loopback
 * (test/support/credentialEnv.json; test support applies the same when a test file is run on its own).
 */
function testEnv() {
  const { tokenCredentials, remove } = JSON.parse(readFileSync(path.join(REPO, 'test', 'support', 'credentialEnv.json'), 'utf8'));
  const env = { ...process.env, AZURE_TOKEN_CREDENTIALS: tokenCredentials };
  for (const name of remove) delete env[name];
  return env;
}

function banner(stage) {
  console.log(`\n════ ${stage} ════`);
}

/** A step that must pass for the rest to mean anything. */
async function step(stage, command, args) {
  await parallelSteps([[stage, command, args]]);
}

/** Steps run side by side (each on its own core); their outputs are printed one after the other. */
async function parallelSteps(steps) {
  const outcomes = await Promise.all(
    steps.map(async ([stage, command, args]) => {
      const started = Date.now();
      if (steps.length === 1) banner(stage);
      const { code, all } = await run(command, args, { buffered: steps.length > 1 });
      return { stage, ok: code === 0, all, seconds: (Date.now() - started) / 1000 };
    }),
  );
  for (const o of outcomes) {
    if (steps.length > 1) {
      banner(o.stage);
      process.stdout.write(o.all);
    }
    results.push({ stage: o.stage, ok: o.ok, passed: 0, failed: o.ok ? 0 : 1, seconds: o.seconds, note: '' });
  }
  const failed = outcomes.filter((o) => !o.ok).map((o) => o.stage);
  if (failed.length) finish(`${failed.join(' and ')} failed`);
}

/** test/<dir>/**\/*.test.ts, sorted (Node 20's --test takes no globs). */
function testFiles(dir) {
  const root = path.join(REPO, 'test', dir);
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.test.ts'))
    .map((e) => path.relative(REPO, path.join(e.parentPath ?? e.path, e.name)))
    .sort();
}

/**
 * A node:test stage; counts come from the spec reporter's summary (`ℹ pass N`, `ℹ fail N`). A test running longer
 * than `testTimeoutMs` fails (and the stage goes on) instead of hanging the run.
 */
async function nodeTestStage(stage, files, testTimeoutMs, { concurrency = 1, env = {}, buffered = false } = {}) {
  if (!buffered) banner(stage);
  if (files.length === 0) {
    if (!buffered) console.log(`(no test files under test/${stage})`);
    results.push({ stage, ok: true, passed: 0, failed: 0, seconds: 0, note: 'no tests' });
    return '';
  }
  const started = Date.now();
  const { code, out, all } = await run(process.execPath, [
    '--import', 'tsx', '--test', '--test-reporter=spec', `--test-timeout=${testTimeoutMs}`,
    `--test-concurrency=${concurrency}`, ...files,
  ], { env, buffered });
  const count = (label) => Number(new RegExp(`^ℹ ${label} (\\d+)$`, 'm').exec(out)?.[1] ?? NaN);
  let passed = count('pass');
  let failed = count('fail') + (count('cancelled') || 0);
  let note = '';
  if (Number.isNaN(passed) || Number.isNaN(failed)) {
    // The runner died before its summary: count the stage as one failure.
    passed = Number.isNaN(passed) ? 0 : passed;
    failed = 1;
    note = `no summary (exit ${code})`;
  } else if (code !== 0 && failed === 0) {
    failed = 1;
    note = `exit ${code}`;
  }
  results.push({ stage, ok: failed === 0, passed, failed, seconds: (Date.now() - started) / 1000, note });
  return all;
}

async function vscodeStage() {
  banner('vscode');
  const started = Date.now();
  const { code, out } = await run(process.execPath, ['--import', 'tsx', 'test/vscode/run.ts', '--no-package']);
  const m = /^vscode: (\d+) passed, (\d+) failed$/m.exec(out);
  let passed = m ? Number(m[1]) : 0;
  let failed = m ? Number(m[2]) : 1;
  if (code !== 0 && failed === 0) failed = 1;
  results.push({ stage: 'vscode', ok: failed === 0, passed, failed, seconds: (Date.now() - started) / 1000, note: m ? '' : `exit ${code}` });
}

function finish(reason) {
  console.log('\n════ summary ════');
  for (const r of results) {
    const counts = TEST_STAGES.includes(r.stage) ? `${r.passed} passed, ${r.failed} failed` : '';
    console.log(`${r.ok ? 'ok  ' : 'FAIL'}  ${r.stage.padEnd(12)} ${counts.padEnd(24)} ${r.seconds.toFixed(1).padStart(6)} s  ${r.note}`);
  }
  const total = (Date.now() - startedAll) / 1000;
  console.log(`total ${total.toFixed(1)} s${reason ? ` — stopped: ${reason}` : ''}`);
  // Set-up and build steps are not tests: the closing count is test results only (plus one failure per broken step).
  const tests = results.filter((r) => TEST_STAGES.includes(r.stage));
  const brokenSteps = results.filter((r) => !TEST_STAGES.includes(r.stage) && !r.ok).length;
  const passed = tests.reduce((n, r) => n + r.passed, 0);
  const failed = tests.reduce((n, r) => n + r.failed, 0) + brokenSteps;
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 || results.some((r) => !r.ok) ? 1 : 0);
}

if (!only) await setUpAndBuild();
else if (wanted('vscode') || wanted('ui')) await step('package', 'npm', ['run', '--silent', 'package']);
else if (wanted('unit') || wanted('integration') || wanted('ci')) await step('build', 'npm', ['run', '--silent', 'build']);
// Tests that start the CLI (and the sandbox) start it from the bundle the build step just wrote, as users run it:
// several times faster to start than src/ through tsx.
const FROM_DIST = { AML_FAILOVER_CLI: 'dist' };
// The pre-commit hook and the GitHub Action install the package with npm (minutes, mostly waiting on the disk and the
// registry's cache): a stage of its own, so its time is seen apart, and its two files run side by side. It runs beside
// the unit stage (measured: both in 114 s, against 55 + 93 s in series); its output is printed after the unit stage's.
// Beside the VS Code stages it slowed them more than it saved (vscode 358 s and ui 280 s, against 139 and 80 s).
const ciStage = wanted('ci')
  ? nodeTestStage('ci', testFiles(path.join('integration', 'ci')), 600_000, { concurrency: 2, env: FROM_DIST, buffered: true })
  : Promise.resolve(undefined);
// Unit test files are independent and mostly CPU-bound: two at a time on two cores.
if (wanted('unit')) await nodeTestStage('unit', testFiles('unit'), 120_000, { concurrency: Math.min(2, availableParallelism()), env: FROM_DIST });
const ciOutput = await ciStage;
if (ciOutput !== undefined) {
  banner('ci');
  process.stdout.write(ciOutput);
}
// Integration files each start their own sandbox on ports of its own and spend most of their time waiting on it
// (job timers, retries, fault switches): three files at a time (measured 315 s against 352 s at two; CPU 1.45 of 2
// cores at two).
const CI_DIR = path.join('test', 'integration', 'ci') + path.sep;
if (wanted('integration')) {
  await nodeTestStage('integration', testFiles('integration').filter((f) => !f.startsWith(CI_DIR)), 300_000, { concurrency: 3, env: FROM_DIST });
}
if (wanted('vscode')) await vscodeStage();
if (wanted('ui')) await nodeTestStage('ui', testFiles('ui'), 300_000);
finish('');

async function setUpAndBuild() {
  // Dependencies, Debian packages, code-server.
  banner('setup');
  const setupStarted = Date.now();
  if (!existsSync(path.join(REPO, 'node_modules', '.package-lock.json'))) {
    console.log('node_modules is missing: npm ci');
    if (spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: REPO, stdio: 'inherit' }).status !== 0) {
      results.push({ stage: 'setup', ok: false, passed: 0, failed: 1, seconds: 0, note: 'npm ci failed' });
      finish('npm ci failed');
    }
  }
  const { code } = await run('bash', ['scripts/setup-test-env.sh']);
  results.push({ stage: 'setup', ok: code === 0, passed: 0, failed: code === 0 ? 0 : 1, seconds: (Date.now() - setupStarted) / 1000, note: '' });
  if (code !== 0) finish('setup failed');

  await parallelSteps([
    ['typecheck', 'npm', ['run', '--silent', 'typecheck']],
    ['lint', 'npm', ['run', '--silent', 'lint']],
  ]);
  await step('build', 'npm', ['run', '--silent', 'build']);
  await step('package', 'npm', ['run', '--silent', 'package:vsix']);
}
