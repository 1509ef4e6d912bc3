// Test launcher for the sandbox cloud: spawns `aml-failover sandbox` on a fresh temporary project, waits for its
// `ready` line, and hands back what a test needs to talk to it through the real Azure SDKs. See src/sandbox/README.md.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TokenCredential } from '@azure/core-auth';
import { loadPairFile, type PairConfig, type Role, type WorkspaceRef } from '../../src/pair/pairFile';
import { sendFault, type FaultMode, type FaultOptions } from '../../src/sandbox/control';
import { loopbackCredentialEnv, restrictCredentialsInProcess } from './credentialEnv';

// Tests that start a sandbox also build product connections in their own process, and spawn CLIs that inherit it.
restrictCredentialsInProcess();

export type { FaultMode, FaultOptions } from '../../src/sandbox/control';

const REPO = path.resolve(__dirname, '..', '..');

export interface SandboxOptions {
  /** Size of the one large model in MB (the CLI defaults to 200; tests default to 2 to stay fast). */
  largeModelMb?: number;
  /** Extra small notebooks seeded under Users/<alias>/ on the primary's share (export bench: 1000). */
  notebooks?: number;
  /** Multiply the seeded assets (drift bench). */
  scale?: number;
  /** Seed hostile blob and file names (`..`, absolute paths, control characters, case-only differences). */
  hostile?: boolean;
  /** Items per page in ARM list answers (default 10), so paging is exercised. */
  pageSize?: number;
  /** How long a submitted job stays Running before it completes (seconds; default 3). */
  jobSeconds?: number;
  /** Use this folder instead of a fresh temporary one (it is then not removed on stop). */
  projectDir?: string;
  /** Further CLI arguments, e.g. ['--force']. */
  extraArgs?: string[];
  /** How long to wait for `ready` (default 120 s). */
  readyTimeoutMs?: number;
  /** 'source' runs src/cli.ts through tsx (default); 'dist' runs the built dist/cli.js. Env AML_FAILOVER_CLI=dist too. */
  cli?: 'source' | 'dist';
}

export interface RunningSandbox {
  projectDir: string;
  /** DIR/aml-failover.yaml, written by the sandbox. */
  pairFile: string;
  /** The pair file as the product reads it (cloud mapping, both workspaces). */
  pair: PairConfig;
  primary: WorkspaceRef;
  secondary: WorkspaceRef;
  /** ARM endpoint, e.g. https://127.0.0.1:41234 */
  armUrl: string;
  /** Bearer token the sandbox's ARM accepts (also in DIR/.aml-failover/sandbox-token). */
  token: string;
  /** Bearer token its storage accepts (audience https://storage.azure.com/; DIR/.aml-failover/sandbox-storage-token). */
  storageToken: string;
  /** PEM of the sandbox CA; trust it per client (`tlsOptions: { ca }`). */
  ca: string;
  /** A TokenCredential handing out the sandbox's token for the scope asked: storage's for storage, else ARM's. */
  credential: TokenCredential;
  pid: number;
  /** Time from spawn to the `ready` line, in milliseconds. */
  startupMs: number;
  /** Everything the sandbox printed so far. */
  output(): string;
  /** Switch a region's fault at run time (`none` heals). Resolves once the sandbox applied it. */
  fault(role: Role, mode: FaultMode, opts?: FaultOptions): Promise<void>;
  /** Stops the sandbox by PID, waits for its exit, removes the temporary project. Safe to call twice. */
  stop(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const ownDir = !options.projectDir;
  const projectDir = options.projectDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'aml-failover-sandbox-')));
  const args = ['sandbox', '--project', projectDir, '--large-model-mb', String(options.largeModelMb ?? 2), '--stop-on-stdin-end'];
  if (options.notebooks !== undefined) args.push('--notebooks', String(options.notebooks));
  if (options.scale !== undefined) args.push('--scale', String(options.scale));
  if (options.hostile) args.push('--hostile');
  if (options.pageSize !== undefined) args.push('--page-size', String(options.pageSize));
  if (options.jobSeconds !== undefined) args.push('--job-seconds', String(options.jobSeconds));
  args.push(...(options.extraArgs ?? []));

  const useDist = (options.cli ?? process.env.AML_FAILOVER_CLI) === 'dist';
  const distCli = path.join(REPO, 'dist', 'cli.js');
  if (useDist && !existsSync(distCli)) throw new Error(`${distCli} is missing; run npm run build first.`);
  const nodeArgs = useDist ? [distCli, ...args] : ['--import', 'tsx', path.join(REPO, 'src', 'cli.ts'), ...args];

  const started = Date.now();
  // Own process group, so that a sandbox that ignores SIGTERM can be killed together with its Azurite.
  const child = spawn(process.execPath, nodeArgs, { cwd: REPO, env: loopbackCredentialEnv(), stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  // Its stdin is our pipe: if this process dies without stop(), the sandbox sees stdin end and stops itself.
  child.stdin.on('error', () => undefined);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const cleanupDir = async () => {
    if (ownDir) await fs.rm(projectDir, { recursive: true, force: true });
  };
  try {
    await waitForReady(child, () => out, exited, options.readyTimeoutMs ?? 120_000);
  } catch (err) {
    await stopProcess(child, exited);
    await cleanupDir();
    throw err;
  }
  const startupMs = Date.now() - started;

  const pair = await loadPairFile(projectDir);
  const token = (await fs.readFile(pair.cloud.tokenFile ?? path.join(projectDir, '.aml-failover', 'sandbox-token'), 'utf8')).trim();
  const storageToken = (await fs.readFile(pair.cloud.storageTokenFile ?? path.join(projectDir, '.aml-failover', 'sandbox-storage-token'), 'utf8')).trim();
  const ca = await fs.readFile(pair.cloud.caFile ?? path.join(projectDir, '.aml-failover', 'sandbox-ca.pem'), 'utf8');
  let stopped: Promise<void> | undefined;
  return {
    projectDir,
    pairFile: path.join(projectDir, 'aml-failover.yaml'),
    pair,
    primary: pair.workspaces.primary,
    secondary: pair.workspaces.secondary,
    armUrl: pair.cloud.resourceManager,
    token,
    storageToken,
    ca,
    credential: {
      getToken: async (scopes) => ({ token: [scopes].flat().some((s) => s.startsWith('https://storage.azure.com')) ? storageToken : token, expiresOnTimestamp: Date.now() + 3_600_000 }),
    },
    pid: child.pid ?? -1,
    startupMs,
    output: () => out,
    fault: (role, mode, opts) => sendFault(projectDir, role, mode, opts ?? {}),
    stop() {
      stopped ??= (async () => {
        await stopProcess(child, exited);
        await cleanupDir();
      })();
      return stopped;
    },
  };
}

async function waitForReady(child: ChildProcess, output: () => string, exited: Promise<number | null>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let onData: (() => void) | undefined;
  try {
    await Promise.race([
      new Promise<void>((resolve) => {
        onData = () => {
          if (/^.*\bready\b.*$/m.test(output())) resolve();
        };
        child.stdout?.on('data', onData);
        onData();
      }),
      exited.then((code) => {
        throw new Error(`aml-failover sandbox exited with code ${code} before it was ready:\n${output()}`);
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`aml-failover sandbox was not ready within ${timeoutMs} ms:\n${output()}`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (onData) child.stdout?.off('data', onData);
  }
}

/** SIGTERM by PID (the sandbox stops Azurite and its servers), then SIGKILL of the group if it does not exit. */
async function stopProcess(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), 20_000)));
  const result = await Promise.race([exited, late]);
  clearTimeout(timer);
  if (result === 'late') {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await exited;
  }
}
