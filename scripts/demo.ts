// `npm run demo`: the whole product on this machine, no Azure needed.
//   1. builds and packages the extension (dist/aml-failover.vsix), unless that is newer than its sources (--rebuild);
//   2. starts the sandbox cloud (two emulated Azure ML regions on 127.0.0.1) on a fresh sample project, through the
//      built CLI exactly as a user runs `aml-failover sandbox`;
//   3. starts a real VS Code (code-server 4.100.3) with the .vsix installed and that project open, and prints its URL.
// Ctrl-C, or SIGINT / SIGTERM / SIGHUP sent to this process alone (npm passes them on; package.json `exec`s node so
// that this process is npm's own child), stops everything it started, by PID — also part-way through starting.
// The sample project is kept; its path is printed.
//
//   npm run demo [-- --project DIR] [-- --port N] [-- --rebuild]
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO, startCodeServer, type RunningCodeServer } from '../test/support/codeServer';
import { startSandbox, type RunningSandbox } from '../test/support/sandbox';

/**
 * The demo's VS Code on top of the quiet test defaults: the sandbox listens on a dozen local ports, and VS Code
 * would offer every one of them in its Ports view; browser and servers share this machine, so nothing needs it.
 */
const DEMO_SETTINGS = {
  'remote.autoForwardPorts': false,
  'remote.restoreForwardedPorts': false,
  'remote.forwardOnOpen': false,
};

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

/** What the demo started or is starting; `stop()` ends each by PID, waiting for a start in flight to finish first. */
class Started {
  private build: ChildProcess | undefined;
  private sandbox: Promise<RunningSandbox | undefined> | undefined;
  private server: Promise<RunningCodeServer | undefined> | undefined;
  private stopping: Promise<void> | undefined;

  get stopRequested(): boolean {
    return this.stopping !== undefined;
  }

  /** `npm run package` in a process group of its own, so that stopping ends the tools it runs too. */
  async runBuild(): Promise<void> {
    const child = spawn('npm', ['run', '--silent', 'package'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'], detached: true });
    this.build = child;
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (c) => resolve(c));
    });
    this.build = undefined;
    if (code !== 0 && !this.stopRequested) throw new Error(`npm run package failed (exit ${code}).`);
  }

  startSandbox(start: () => Promise<RunningSandbox>): Promise<RunningSandbox> {
    const started = start();
    this.sandbox = started.catch(() => undefined);
    return started;
  }

  startServer(start: () => Promise<RunningCodeServer>): Promise<RunningCodeServer> {
    const started = start();
    this.server = started.catch(() => undefined);
    return started;
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.build?.pid) {
        try {
          process.kill(-this.build.pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
      await (await this.server)?.stop();
      await (await this.sandbox)?.stop();
    })();
    return this.stopping;
  }
}

/** What `npm run package` reads, and what it writes that the demo runs (the .vsix, the CLI and sandbox bundles). */
const PACKAGE_INPUTS = ['src', 'media', 'schemas', 'docs', 'package.json', 'package-lock.json', 'tsconfig.json', 'scripts/build.mjs', '.vscodeignore', 'README.md', 'LICENSE', 'CHANGELOG.md'];
const PACKAGE_OUTPUTS = ['dist/aml-failover.vsix', 'dist/cli.js', 'dist/sandbox.js', 'dist/extension.js'];

/** Why the package must be built again (a missing output, or the newest input changed after the oldest output), or undefined: as make decides. */
async function packageStale(): Promise<string | undefined> {
  let oldestOutput = Infinity;
  for (const out of PACKAGE_OUTPUTS) {
    const stat = await fs.stat(path.join(REPO, out)).catch(() => undefined);
    if (!stat) return `${out} is missing`;
    oldestOutput = Math.min(oldestOutput, stat.mtimeMs);
  }
  const newer = async (entry: string): Promise<string | undefined> => {
    const stat = await fs.lstat(path.join(REPO, entry)).catch(() => undefined);
    if (!stat) return undefined;
    if (stat.isDirectory()) {
      for (const child of await fs.readdir(path.join(REPO, entry))) {
        const found = await newer(path.join(entry, child));
        if (found) return found;
      }
      return undefined;
    }
    return stat.mtimeMs > oldestOutput ? entry : undefined;
  };
  for (const input of PACKAGE_INPUTS) {
    const changed = await newer(input);
    if (changed) return `${changed} changed since the last build`;
  }
  return undefined;
}

async function main(): Promise<void> {
  const started = new Started();
  const projectDir = path.resolve(option('--project') ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'aml-failover-demo-'))));
  let stopped: Promise<void> | undefined;
  const stopAll = () =>
    (stopped ??= (async () => {
      console.log('\nstopping VS Code and the sandbox …');
      await started.stop();
      console.log(`stopped. The sample project stays in ${projectDir}`);
    })());
  // `on`, not `once`: a terminal's Ctrl-C reaches this process twice (from the terminal and through npm), and a
  // second signal must not kill it half-way through stopping.
  for (const signal of SIGNALS) process.on(signal, () => void stopAll().then(() => process.exit(0)));

  try {
    const stale = process.argv.includes('--rebuild') ? 'asked to (--rebuild)' : await packageStale();
    if (stale) {
      console.log(`1/3 building and packaging the extension (${stale}) …`);
      await started.runBuild();
      if (started.stopRequested) return;
    } else {
      console.log('1/3 the extension is up to date (dist/aml-failover.vsix is newer than its sources; --rebuild builds anyway)');
    }

    await fs.mkdir(projectDir, { recursive: true });
    console.log(`2/3 starting the sandbox cloud on ${projectDir} …`);
    const sandbox = await started.startSandbox(() => startSandbox({ projectDir, cli: 'dist', largeModelMb: 20 }));
    console.log(`    ARM ${sandbox.armUrl}, ready in ${(sandbox.startupMs / 1000).toFixed(1)} s (pid ${sandbox.pid})`);
    if (started.stopRequested) return;

    console.log('3/3 starting VS Code (code-server) with the .vsix installed …');
    const server = await started.startServer(() => startCodeServer({ port: option('--port') ? Number(option('--port')) : undefined, settings: DEMO_SETTINGS }));
    if (started.stopRequested) return;

    const { primary, secondary } = sandbox;
    console.log(`
AML Failover demo is running.

  Open in your browser:  ${server.workbenchUrl(projectDir)}

  Project:    ${projectDir}
  Primary:    ${primary.workspace_name} (${primary.region})
  Secondary:  ${secondary.workspace_name} (${secondary.region})
  Sandbox:    pid ${sandbox.pid}
  VS Code:    pid ${server.pid}, settings in ${path.join(server.scratch, 'udd', 'User', 'settings.json')}

Try: the Failover view in the activity bar; "Switch to this workspace" on Secondary; and from another terminal
  node ${path.relative(process.cwd(), path.join(REPO, 'dist', 'cli.js')) || 'dist/cli.js'} fault primary outage --project ${projectDir}
to take the primary region down (\`fault primary none\` heals it) and watch the status bar.

Ctrl-C stops VS Code and the sandbox.`);
    // Keeps running until a signal; the child processes hold the event loop open.
  } catch (err) {
    await stopAll();
    throw err;
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
