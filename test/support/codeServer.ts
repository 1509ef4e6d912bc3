// A real VS Code for tests: code-server 4.100.3 (installed by scripts/setup-test-env.sh into a cache outside the
// repository) on 127.0.0.1, with scratch HOME / user-data / extensions folders, the packaged .vsix installed the way a
// user installs it, and Debian's Chromium driven by playwright-core as the window. Recipe: shared notes on real VS Code,
// summarised in test/vscode/README.md.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fs, rmSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { loopbackCredentialEnv } from './credentialEnv';

export const REPO = path.resolve(__dirname, '..', '..');
export const CODE_SERVER_VERSION = '4.100.3';
export const DEFAULT_VSIX = path.join(REPO, 'dist', 'aml-failover.vsix');

const execFileAsync = promisify(execFile);

/** Same path rule as scripts/setup-test-env.sh. */
export function codeServerBin(): string {
  const cacheRoot =
    process.env.AML_FAILOVER_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'aml-failover');
  return path.join(cacheRoot, `code-server-${CODE_SERVER_VERSION}`, 'node_modules', '.bin', 'code-server');
}

/** code-server's own built-in extensions folder in the cached install. */
function builtinExtensionsDir(): string {
  return path.join(path.dirname(path.dirname(codeServerBin())), 'code-server', 'lib', 'vscode', 'extensions');
}

/** A folder of links to the built-in extensions, less `without`, plus `with` (see CodeServerOptions.builtinExtensions). */
async function linkBuiltinExtensions(dir: string, change: NonNullable<CodeServerOptions['builtinExtensions']>): Promise<void> {
  const without = new Set(change.without ?? []);
  const source = builtinExtensionsDir();
  for (const name of without) {
    if (!existsSync(path.join(source, name))) throw new Error(`code-server has no built-in extension folder ${name} to leave out (${source})`);
  }
  await fs.mkdir(dir, { recursive: true });
  for (const name of await fs.readdir(source)) {
    if (!without.has(name)) await fs.symlink(path.join(source, name), path.join(dir, name));
  }
  for (const extension of change.with ?? []) await fs.symlink(path.resolve(extension), path.join(dir, path.basename(extension)));
}

/** Runs the (idempotent, sub-second when done) set-up script if code-server or Chromium is missing. */
export function ensureTestEnvironment(): void {
  if (existsSync(codeServerBin()) && existsSync('/usr/bin/chromium')) return;
  execFileSync('bash', [path.join(REPO, 'scripts', 'setup-test-env.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
}

export interface CodeServerOptions {
  /** The .vsix to install (default dist/aml-failover.vsix, made by `npm run package`). `null` installs nothing. */
  vsix?: string | null;
  /** Extra environment for code-server; it reaches the extension host (and so the extension and test suites). */
  env?: Record<string, string>;
  /** User settings written to <user-data>/User/settings.json on top of the quiet defaults below. */
  settings?: Record<string, unknown>;
  /** Keep Workspace Trust on (default off: `--disable-workspace-trust`), so a folder opens untrusted. */
  workspaceTrust?: boolean;
  /** Listen on this port (default: a free one). */
  port?: number;
  /** Keep the scratch folder after stop (for debugging); also AML_FAILOVER_KEEP_SCRATCH=1. */
  keepScratch?: boolean;
  /** Called with every chunk code-server prints (stdout and stderr). */
  onOutput?: (text: string) => void;
  /**
   * code-server's built-in extensions, changed for this window only (`--builtin-extensions-dir` pointing at a folder
   * of links to the cached install's): `without` leaves out these folders of its extensions dir (e.g.
   * `microsoft-authentication`, which `--disable-extension` cannot: code-server refuses that flag); `with` adds
   * extension folders of our own as built-in ones. The cached install is never changed.
   */
  builtinExtensions?: { without?: string[]; with?: string[] };
}

export interface RunningCodeServer {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  pid: number;
  /** Scratch root holding home/, udd/ (user data), ext/ (extensions), tmp/ and, when changed, builtin/. */
  scratch: string;
  extensionsDir: string;
  /** URL of the workbench with `folder` open and an optional payload (extensionDevelopmentPath, extensionTestsPath). */
  workbenchUrl(folder: string, payload?: Array<[string, string]>): string;
  /** A path on this machine as the workbench's remote URI (for payload entries). */
  remoteUri(absPath: string): string;
  /** Everything code-server printed so far. */
  output(): string;
  /** Stops code-server and everything it started (its process group) by PID; waits for exit. Safe to call twice. */
  stop(): Promise<void>;
}

const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'chat.disableAIFeatures': true,
};

/**
 * Live code-servers of this process, each with its guard: a tiny detached process holding a pipe from us that kills
 * the code-server's process group when the pipe closes. So a runner that is killed (node --test sends SIGTERM to a
 * timed-out test file; CI may SIGKILL) leaves no VS Code behind. A normal exit kills them at once.
 */
const live = new Map<ChildProcess, ChildProcess>();
process.once('exit', () => {
  for (const child of live.keys()) killGroup(child, 'SIGKILL');
});

// argv: <code-server pid> [scratch folder to remove once it is dead]
const GUARD_SCRIPT = `process.stdin.on('end', () => {
  try { process.kill(-Number(process.argv[1]), 'SIGKILL'); } catch {}
  if (process.argv[2]) require('node:fs').rmSync(process.argv[2], { recursive: true, force: true, maxRetries: 5 });
  process.exit(0);
}).resume();`;

function track(child: ChildProcess, scratch: string | undefined): void {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const guard = spawn(process.execPath, ['-e', GUARD_SCRIPT, String(child.pid), ...(scratch ? [scratch] : [])], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
    env,
  });
  // Neither the guard nor its pipe may keep this process alive.
  guard.unref();
  (guard.stdin as unknown as { unref?: () => void }).unref?.();
  live.set(child, guard);
}

/** After an orderly stop: the guard is not needed (and must not remove a scratch folder that is being reused). */
function untrack(child: ChildProcess): void {
  live.get(child)?.kill('SIGKILL');
  live.delete(child);
}

export async function startCodeServer(options: CodeServerOptions = {}): Promise<RunningCodeServer> {
  ensureTestEnvironment();
  const bin = codeServerBin();
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'aml-failover-code-server-'));
  const dirs = {
    home: path.join(scratch, 'home'),
    udd: path.join(scratch, 'udd'),
    ext: path.join(scratch, 'ext'),
    tmp: path.join(scratch, 'tmp'),
  };
  for (const dir of Object.values(dirs)) await fs.mkdir(dir, { recursive: true });
  await fs.mkdir(path.join(dirs.udd, 'User'), { recursive: true });
  await fs.writeFile(
    path.join(dirs.udd, 'User', 'settings.json'),
    JSON.stringify({ ...QUIET_SETTINGS, ...(options.workspaceTrust ? { 'security.workspace.trust.enabled': true } : {}), ...options.settings }, null, 2),
  );

  // The extension probes whatever cloud a fixture's pair file names: its credential chain must stay on loopback.
  const env: NodeJS.ProcessEnv = {
    ...loopbackCredentialEnv(),
    HOME: dirs.home,
    TMPDIR: dirs.tmp,
    XDG_CONFIG_HOME: path.join(dirs.home, '.config'),
    XDG_DATA_HOME: path.join(dirs.home, '.local', 'share'),
    // Without an empty gallery code-server tries to reach a marketplace host.
    EXTENSIONS_GALLERY: '{"serviceUrl":""}',
    ...options.env,
  };
  // Our own test-runner variables must not leak into the product under test by accident.
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  const common = ['--config', '/dev/null', '--user-data-dir', dirs.udd, '--extensions-dir', dirs.ext];
  if (options.builtinExtensions) {
    const builtin = path.join(scratch, 'builtin');
    await linkBuiltinExtensions(builtin, options.builtinExtensions);
    common.push('--builtin-extensions-dir', builtin);
  }

  const vsix = options.vsix === undefined ? DEFAULT_VSIX : options.vsix;
  if (vsix !== null) {
    if (!existsSync(vsix)) throw new Error(`${vsix} is missing: run \`npm run package\` first.`);
    await execFileAsync(bin, [...common, '--install-extension', vsix], { env, timeout: 120_000 });
  }

  const keep = options.keepScratch ?? process.env.AML_FAILOVER_KEEP_SCRATCH === '1';
  let lastError: unknown;
  for (let attempt = 0; attempt < (options.port ? 1 : 3); attempt++) {
    const port = options.port ?? (await freePort());
    const child = spawn(
      bin,
      [
        ...common,
        '--bind-addr', `127.0.0.1:${port}`,
        '--auth', 'none',
        '--disable-telemetry',
        '--disable-update-check',
        ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']),
        '--disable-getting-started-override',
        '--ignore-last-opened',
      ],
      // Its own process group, so stop() ends the extension hosts and watchers it starts too.
      { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    track(child, keep ? undefined : scratch);
    let printed = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      printed += text;
      options.onOutput?.(text);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitForHealthz(url, exited, () => printed);
    } catch (err) {
      lastError = err;
      killGroup(child, 'SIGKILL');
      await exited;
      untrack(child);
      if (/EADDRINUSE/.test(printed)) continue; // someone took the port between probe and bind: try another
      break;
    }
    let stopped: Promise<void> | undefined;
    return {
      url,
      port,
      pid: child.pid!,
      scratch,
      extensionsDir: dirs.ext,
      remoteUri: (absPath) => `vscode-remote://127.0.0.1:${port}${absPath}`,
      workbenchUrl(folder, payload) {
        const query = new URLSearchParams({ folder });
        if (payload && payload.length > 0) query.set('payload', JSON.stringify(payload));
        return `${url}/?${query.toString()}`;
      },
      output: () => printed,
      stop() {
        stopped ??= (async () => {
          killGroup(child, 'SIGTERM');
          const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5_000);
          await exited;
          clearTimeout(timer);
          // Stragglers that ignored SIGTERM but outlived the leader.
          killGroup(child, 'SIGKILL');
          untrack(child);
          if (!keep) await fs.rm(scratch, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
  }
  if (!keep) rmSync(scratch, { recursive: true, force: true });
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

/** Debian's Chromium, headless, with a fresh profile (playwright-core never downloads a browser here). */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is gone already.
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Polls /healthz until code-server answers; fails at once if it exits. */
async function waitForHealthz(url: string, exited: Promise<void>, printed: () => string, timeoutMs = 60_000): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`code-server exited before answering:\n${printed()}`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`code-server did not answer ${url}/healthz within ${timeoutMs} ms:\n${printed()}`);
}
