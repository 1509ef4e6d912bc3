// `npm run demo`: the whole product on this machine, no Azure needed.
//   1. builds and packages the extension (dist/aml-failover.vsix);
//   2. starts the sandbox cloud (two emulated Azure ML regions on 127.0.0.1) on a fresh sample project, through the
//      built CLI exactly as a user runs `aml-failover sandbox`;
//   3. starts a real VS Code (code-server 4.100.3) with the .vsix installed and that project open, and prints its URL.
// Ctrl-C stops both (by PID). The sample project is kept; its path is printed.
//
//   npm run demo [-- --project DIR] [-- --port N]
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO, startCodeServer, type RunningCodeServer } from '../test/support/codeServer';
import { startSandbox, type RunningSandbox } from '../test/support/sandbox';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  console.log('1/3 building and packaging the extension …');
  execFileSync('npm', ['run', '--silent', 'package'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });

  const projectDir = path.resolve(option('--project') ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'aml-failover-demo-'))));
  await fs.mkdir(projectDir, { recursive: true });
  console.log(`2/3 starting the sandbox cloud on ${projectDir} …`);
  let sandbox: RunningSandbox | undefined;
  let server: RunningCodeServer | undefined;
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      console.log('\nstopping VS Code and the sandbox …');
      await server?.stop();
      await sandbox?.stop();
      console.log(`stopped. The sample project stays in ${projectDir}`);
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void stopAll().then(() => process.exit(0)));
  }

  try {
    sandbox = await startSandbox({ projectDir, cli: 'dist', largeModelMb: 20 });
    console.log(`    ARM ${sandbox.armUrl}, ready in ${(sandbox.startupMs / 1000).toFixed(1)} s (pid ${sandbox.pid})`);
    console.log('3/3 starting VS Code (code-server) with the .vsix installed …');
    server = await startCodeServer({ port: option('--port') ? Number(option('--port')) : undefined });
  } catch (err) {
    await stopAll();
    throw err;
  }

  const { primary, secondary } = sandbox;
  console.log(`
AML Failover demo is running.

  Open in your browser:  ${server.workbenchUrl(projectDir)}

  Project:    ${projectDir}
  Primary:    ${primary.workspace_name} (${primary.region})
  Secondary:  ${secondary.workspace_name} (${secondary.region})

Try: the Failover view in the activity bar; "Switch to this workspace" on Secondary; and from another terminal
  node ${path.relative(process.cwd(), path.join(REPO, 'dist', 'cli.js')) || 'dist/cli.js'} fault primary outage --project ${projectDir}
to take the primary region down (\`fault primary none\` heals it) and watch the status bar.

Ctrl-C stops VS Code and the sandbox.`);
  // Keeps running until a signal; the child processes hold the event loop open.
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
