// Runs the VS Code suites (test/vscode/suite/*.test.ts) inside a real VS Code: for each suite file, a fresh
// code-server with the packaged .vsix installed, the suite's fixture folder open, and the bundled suite loaded as the
// workbench's extensionTestsPath; Chromium (playwright-core) is the window. See test/vscode/README.md.
//
//   node --import tsx test/vscode/run.ts [--no-package] [suite files…]
//
// Prints each suite's mocha output, then `vscode: N passed, N failed`; exits 1 if anything failed.
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { format } from 'node:util';
import * as esbuild from 'esbuild';
import type { Browser } from 'playwright-core';
import { DEFAULT_VSIX, REPO, ensureTestEnvironment, launchChromium, startCodeServer } from '../support/codeServer';
import type { SuiteResult } from './suite/index';

const SUITE_DIR = path.join(REPO, 'test', 'vscode', 'suite');
const SUITE_TIMEOUT_MS = Number(process.env.AML_FAILOVER_SUITE_TIMEOUT_MS ?? 5 * 60_000);
/** Suites run side by side (AML_FAILOVER_VSCODE_CONCURRENCY; 1 runs them one after another). */
const SUITE_CONCURRENCY = Number(process.env.AML_FAILOVER_VSCODE_CONCURRENCY ?? 2);

/** Where a suite's output goes: collected, and printed whole when the suite ends. */
interface SuiteOutput {
  log(text: string): void;
  error(text: string): void;
}

/** What a suite file declares in its leading `//` comment lines. */
export interface SuiteDirectives {
  /** `// @fixture test/fixtures/…` — copied to a fresh folder that the window opens. */
  fixture?: string;
  /** `// @sandbox` or `// @sandbox {"largeModelMb":2}` — a sandbox on that folder (or on a fresh project). */
  sandbox?: Record<string, unknown>;
  /** `// @settings {"amlFailover.x": true}` — user settings. */
  settings: Record<string, unknown>;
  /** `// @env NAME=value` — environment for the extension host (repeatable). */
  env: Record<string, string>;
  /** `// @workspaceTrust` — Workspace Trust stays on: the folder opens untrusted (Restricted Mode). */
  workspaceTrust?: boolean;
  /**
   * `// @testExtension test/fixtures/vscode/…` — a folder whose package.json `contributes` and `capabilities` the
   * suite's test host takes on (e.g. authentication providers the suite registers).
   */
  testExtension?: string;
}

export function parseDirectives(source: string, file = 'suite'): SuiteDirectives {
  const directives: SuiteDirectives = { settings: {}, env: {} };
  for (const line of source.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (!trimmed.startsWith('//')) break; // only the leading comment block counts
    const m = /^\/\/\s*@(\w+)\s*(.*)$/.exec(trimmed);
    if (!m) continue;
    const [, name, rest] = m;
    const json = (): Record<string, unknown> => {
      let value: unknown;
      try {
        value = rest ? JSON.parse(rest) : {};
      } catch (err) {
        throw new Error(`${file}: @${name} needs a JSON object: ${(err as Error).message}`);
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new Error(`${file}: @${name} needs a JSON object, not ${rest}`);
      }
      return value as Record<string, unknown>;
    };
    switch (name) {
      case 'fixture':
        if (!rest) throw new Error(`${file}: @fixture needs a folder relative to the repository`);
        directives.fixture = rest;
        break;
      case 'sandbox':
        directives.sandbox = json();
        break;
      case 'settings':
        Object.assign(directives.settings, json());
        break;
      case 'env': {
        const eq = rest.indexOf('=');
        if (eq <= 0) throw new Error(`${file}: @env needs NAME=value`);
        directives.env[rest.slice(0, eq)] = rest.slice(eq + 1);
        break;
      }
      case 'workspaceTrust':
        directives.workspaceTrust = true;
        break;
      case 'testExtension':
        if (!rest) throw new Error(`${file}: @testExtension needs a folder relative to the repository`);
        directives.testExtension = rest;
        break;
      default:
        throw new Error(`${file}: unknown directive @${name} (known: @fixture, @sandbox, @settings, @env, @workspaceTrust, @testExtension)`);
    }
  }
  return directives;
}

interface SuiteOutcome {
  suite: string;
  result: SuiteResult;
  seconds: number;
}

async function main(argv: string[]): Promise<number> {
  const skipPackage = argv.includes('--no-package');
  const requested = argv.filter((a) => !a.startsWith('--'));
  const suites = requested.length
    ? requested.map((f) => path.resolve(f))
    : (await fs.readdir(SUITE_DIR)).filter((f) => f.endsWith('.test.ts')).sort().map((f) => path.join(SUITE_DIR, f));
  if (suites.length === 0) {
    console.log('vscode: no suites in test/vscode/suite');
    return 1;
  }

  ensureTestEnvironment();
  if (!skipPackage) execFileSync('npm', ['run', '--silent', 'package'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  if (!existsSync(DEFAULT_VSIX)) throw new Error(`${DEFAULT_VSIX} is missing: run \`npm run package\` first.`);

  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'aml-failover-vscode-tests-'));
  const outcomes: SuiteOutcome[] = [];
  let browser: Browser | undefined;
  try {
    const testHost = await writeTestHost(scratch);
    browser = await launchChromium();
    const window = browser;
    // Each suite has a code-server, a window and (maybe) a sandbox of its own, so suites can run side by side; most of
    // a suite's time is start-up spent waiting. Each suite's output is printed whole when it ends, so none interleave.
    // The suites with a sandbox are the longest: they start first, so the short ones fill in beside them.
    const withSandbox = (f: string) => (parseDirectives(readFileSync(f, 'utf8'), f).sandbox ? 0 : 1);
    const queue = [...suites].sort((a, b) => withSandbox(a) - withSandbox(b));
    const worker = async () => {
      for (let suite = queue.shift(); suite; suite = queue.shift()) {
        const started = Date.now();
        const name = path.basename(suite, '.test.ts');
        const lines: string[] = [`\n── vscode suite: ${name} ──`];
        const out: SuiteOutput = { log: (text) => lines.push(text), error: (text) => lines.push(text) };
        let result: SuiteResult;
        try {
          result = await runOne(suite, testHost, path.join(scratch, name), window, out);
        } catch (err) {
          out.log(`  ${name}: the suite could not run: ${err instanceof Error ? err.message : String(err)}`);
          result = { passed: 0, failed: 1, pending: 0, failures: [{ title: `${name} (runner)`, error: String(err) }] };
        }
        console.log(lines.join('\n'));
        outcomes.push({ suite: name, result, seconds: (Date.now() - started) / 1000 });
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(SUITE_CONCURRENCY, suites.length)) }, worker));
  } finally {
    await browser?.close();
    if (process.env.AML_FAILOVER_KEEP_SCRATCH !== '1') await fs.rm(scratch, { recursive: true, force: true });
  }
  outcomes.sort((a, b) => a.suite.localeCompare(b.suite));

  console.log('');
  for (const o of outcomes) {
    console.log(`  ${o.suite}: ${o.result.passed} passed, ${o.result.failed} failed (${o.seconds.toFixed(1)} s)`);
    for (const f of o.result.failures) console.log(`    ✗ ${f.title}`);
  }
  const passed = outcomes.reduce((n, o) => n + o.result.passed, 0);
  const failed = outcomes.reduce((n, o) => n + o.result.failed, 0);
  console.log(`vscode: ${passed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

/**
 * code-server only runs extensionTestsPath for a window that also has an extensionDevelopmentPath, so the suites
 * live in a tiny extension of their own ("test host") with no code and no activation. The product itself is the
 * installed .vsix, in production mode, exactly as a user has it; `require('vscode')` in the suite resolves to the
 * test host's API instance because the bundle sits in its folder.
 */
async function writeTestHost(scratch: string, extension?: string): Promise<string> {
  const dir = path.join(scratch, 'test-host');
  await fs.mkdir(path.join(dir, 'out'), { recursive: true });
  // A suite's @testExtension lends the host its contributions (what the suite registers must be declared).
  const lent = extension ? (JSON.parse(await fs.readFile(path.join(REPO, extension, 'package.json'), 'utf8')) as Record<string, unknown>) : {};
  await fs.writeFile(
    path.join(dir, 'package.json'),
    JSON.stringify({
      name: 'aml-failover-test-host',
      publisher: 'aml-failover-tests',
      version: '0.0.0',
      engines: { vscode: '^1.100.0' },
      activationEvents: [],
      ...(lent.contributes ? { contributes: lent.contributes } : {}),
      ...(lent.capabilities ? { capabilities: lent.capabilities } : {}),
    }),
  );
  return dir;
}

async function bundleSuite(suite: string, testHost: string): Promise<string> {
  const outfile = path.join(testHost, 'out', `${path.basename(suite, '.ts')}.js`);
  const index = path.join(SUITE_DIR, 'index.ts');
  await esbuild.build({
    stdin: {
      // require() inside run(), so mocha's globals exist before the suite body runs.
      contents: `const { runSuite } = require(${JSON.stringify(index)});\n` +
        `exports.run = () => runSuite(() => require(${JSON.stringify(suite)}));\n`,
      resolveDir: REPO,
      sourcefile: 'suite-entry.js',
      loader: 'js',
    },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile,
    external: ['vscode'],
    sourcemap: 'inline',
    logLevel: 'warning',
    // mocha's parallel mode (unused here) resolves worker files at run time.
    logOverride: { 'require-resolve-not-external': 'silent' },
  });
  return outfile;
}

async function runOne(suite: string, testHost: string, suiteScratch: string, browser: Browser, out: SuiteOutput): Promise<SuiteResult> {
  const directives = parseDirectives(readFileSync(suite, 'utf8'), path.relative(REPO, suite));
  await fs.mkdir(suiteScratch, { recursive: true });
  if (directives.testExtension) testHost = await writeTestHost(suiteScratch, directives.testExtension);
  const bundle = await bundleSuite(suite, testHost);

  // The folder the window opens: a fresh copy of the fixture, so suites may change it freely.
  let projectDir: string | undefined;
  if (directives.fixture) {
    const source = path.resolve(REPO, directives.fixture);
    if (!existsSync(source)) throw new Error(`@fixture ${directives.fixture} does not exist`);
    projectDir = path.join(suiteScratch, path.basename(source));
    await fs.cp(source, projectDir, { recursive: true });
  }

  const cleanups: Array<() => Promise<void>> = [];
  const env: Record<string, string> = { ...directives.env, AML_FAILOVER_TEST_REPO: REPO };
  try {
    if (directives.sandbox) {
      const { startSandbox } = await import('../support/sandbox');
      const sb = await startSandbox({ ...directives.sandbox, ...(projectDir ? { projectDir } : {}) });
      cleanups.push(() => sb.stop());
      projectDir = sb.projectDir;
      env.AML_FAILOVER_TEST_SANDBOX = JSON.stringify({ projectDir: sb.projectDir, armUrl: sb.armUrl, pid: sb.pid });
    }
    if (!projectDir) {
      projectDir = path.join(suiteScratch, 'empty-project');
      await fs.mkdir(projectDir);
    }
    env.AML_FAILOVER_TEST_PROJECT = projectDir;
    const resultFile = path.join(suiteScratch, 'result.json');
    env.AML_FAILOVER_SUITE_RESULT = resultFile;

    // A suite lending the host authentication providers registers them under the real ids: VS Code's own
    // Microsoft authentication is left out of that window, so no request can reach it first.
    const host = JSON.parse(readFileSync(path.join(testHost, 'package.json'), 'utf8')) as { contributes?: { authentication?: unknown[] } };
    const authentication = host.contributes?.authentication ?? [];
    const server = await startCodeServer({
      env,
      settings: directives.settings,
      workspaceTrust: directives.workspaceTrust,
      ...(authentication.length ? { builtinExtensions: { without: ['microsoft-authentication'] } } : {}),
    });
    cleanups.push(() => server.stop());
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    cleanups.push(() => context.close());
    const page = await context.newPage();

    let settle: (code: number) => void = () => {};
    const exited = new Promise<number>((resolve) => (settle = resolve));
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => forwardLog(out, type, args));
    await page.exposeFunction('codeAutomationExit', (code: number) => settle(Number(code)));
    page.once('crash', () => {
      out.log('  the workbench page crashed');
      settle(1);
    });

    const payload: Array<[string, string]> = [
      ['extensionDevelopmentPath', server.remoteUri(testHost)],
      ['extensionTestsPath', server.remoteUri(bundle)],
    ];
    await page.goto(server.workbenchUrl(projectDir, payload));

    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), SUITE_TIMEOUT_MS)));
    const code = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    if (code === 'timeout') throw new Error(`no result within ${SUITE_TIMEOUT_MS / 1000} s`);

    if (!existsSync(resultFile)) {
      // The suite never reached mocha (a bundling or load error): the log above says why.
      return { passed: 0, failed: 1, pending: 0, failures: [{ title: 'suite did not load', error: `exit code ${code}` }] };
    }
    const result = JSON.parse(await fs.readFile(resultFile, 'utf8')) as SuiteResult;
    if (code !== 0 && result.failed === 0) {
      result.failed = 1;
      result.failures.push({ title: 'the extension host reported failure', error: `exit code ${code}` });
    }
    return result;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err) => out.error(`cleanup: ${String(err)}`));
  }
}

/** The workbench's own start-up chatter; shown only with AML_FAILOVER_VERBOSE=1. */
const WORKBENCH_CHATTER =
  /^(Resolving connection token|Resolved connection token|Creating a socket|Ignoring fetching additional builtin|ChatSessionStore:|\[Service Worker\]|Updating additional builtin|\[lifecycle\] Long running operations during shutdown)/;

/** The workbench hands the extension host's console output to codeAutomationLog(type, args). */
function forwardLog(out: SuiteOutput, type: string, args: unknown[]): void {
  // console.log arguments, format string first (mocha's reporter prints with `%d passing (%s)`).
  const text = format(...(Array.isArray(args) ? args : [args]));
  if (WORKBENCH_CHATTER.test(text) && process.env.AML_FAILOVER_VERBOSE !== '1') return;
  if (type === 'error') out.error(text);
  else out.log(text);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exit(1);
    },
  );
}
