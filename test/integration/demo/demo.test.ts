// `npm run demo`, the README's main command, as a user runs it: it prints a URL where VS Code answers with the
// sample project, the sandbox cloud answers on the endpoint in the pair file, VS Code forwards none of the sandbox's
// ports, and a SIGINT or SIGTERM sent to the npm process alone (not its process group: a terminal's Ctrl-C, `kill`,
// a process manager) stops everything the demo started, keeping the project.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fs, readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { readSandboxRecord } from '../../../src/sandbox/control';
import { launchChromium } from '../../support/codeServer';

const REPO = path.resolve(__dirname, '..', '..', '..');

const projectDirs: string[] = [];
after(async () => {
  for (const dir of projectDirs) await fs.rm(dir, { recursive: true, force: true });
});

/** Running, not a zombie waiting to be reaped. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Every process below `root` (from /proc), with its command line. */
function descendants(root: number): Map<number, string> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const found = new Map<number, string>();
  const queue = [...(children.get(root) ?? [])];
  while (queue.length) {
    const pid = queue.shift()!;
    let cmd = '?';
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    } catch {
      // gone meanwhile
    }
    found.set(pid, cmd);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** Every process whose command line names `text`. */
function processesMentioning(text: string): Map<number, string> {
  const found = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (cmd.includes(text)) found.set(Number(entry), cmd);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Waits until none of `pids` runs (they are stopped while the demo exits; their children may take a moment). */
async function survivors(pids: Map<number, string>, timeoutMs = 15_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = [...pids].filter(([pid]) => alive(pid)).map(([pid, cmd]) => `${pid} ${cmd}`);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The demo's workbench in Chromium, with a server started from its terminal (listening on a port and printing its
 * URL, which VS Code forwards by default); returns every text the status bar's forwarded-ports item showed meanwhile.
 */
async function forwardedPortsShown(url: string, projectDir: string): Promise<string[]> {
  const browser = await launchChromium();
  try {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 760 } })).newPage();
    await page.goto(url);
    const portsItem = page.locator('[id="status.forwardedPorts"]');
    await portsItem.waitFor({ timeout: 60_000 });
    await page.keyboard.press('Control+Backquote');
    const terminal = page.locator('.part.panel .xterm').first();
    await terminal.waitFor({ timeout: 30_000 });
    await terminal.click();
    const listening = path.join(projectDir, 'listening');
    await page.keyboard.type(
      `node -e "const s = require('http').createServer().listen(0, '127.0.0.1', () => { console.log('http://127.0.0.1:' + s.address().port + '/'); require('fs').writeFileSync('listening', '') })"\n`,
    );
    while (!existsSync(listening)) await new Promise((r) => setTimeout(r, 100));
    // A port left alone raises no event to wait for: watch for 30 s, longer than the ~20 s this workbench took to
    // forward the first port without the demo's settings.
    const shown = new Set<string>();
    for (const until = Date.now() + 30_000; Date.now() < until; await new Promise((r) => setTimeout(r, 250))) shown.add((await portsItem.innerText()).trim());
    return [...shown];
  } finally {
    await browser.close();
  }
}

interface Demo {
  npm: ChildProcess;
  exited: Promise<number | null>;
  output(): string;
  /** Resolves with the output so far once `pattern` is printed; rejects if the demo exits first. */
  printed(pattern: RegExp): Promise<RegExpExecArray>;
}

/** `group`: npm leads a process group of its own, as in a terminal, where Ctrl-C signals the whole group. */
async function startDemo(options: { group?: boolean } = {}): Promise<{ demo: Demo; projectDir: string }> {
  const projectDir = await fs.mkdtemp(path.join(os.tmpdir(), 'aml-failover-demo-test-'));
  projectDirs.push(projectDir);
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  const npm = spawn('npm', ['run', 'demo', '--', '--project', projectDir], {
    cwd: REPO,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.group ?? false,
  });
  const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
  let out = '';
  const waiting = new Set<() => void>();
  const onData = (d: string) => {
    out += d;
    for (const check of waiting) check();
  };
  npm.stdout.setEncoding('utf8').on('data', onData);
  npm.stderr.setEncoding('utf8').on('data', onData);
  const demo: Demo = {
    npm,
    exited,
    output: () => out,
    printed: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const m = pattern.exec(out);
          if (m) {
            waiting.delete(check);
            resolve(m);
          }
        };
        waiting.add(check);
        check();
        void exited.then((code) => reject(new Error(`the demo exited with ${code} before printing ${pattern}:\n${out}`)));
      }),
  };
  return { demo, projectDir };
}

/** The demo's exit code, or a failure naming what still runs if it has not exited within `ms` of a signal. */
async function exitCode(demo: Demo, ms = 60_000): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  const result = await Promise.race([demo.exited, late]);
  clearTimeout(timer);
  if (result === 'late') {
    const running = [...descendants(demo.npm.pid!)].map(([pid, cmd]) => `${pid} ${cmd}`);
    assert.fail(`npm run demo still runs ${ms / 1000} s after the signal, with:\n${running.join('\n')}`);
  }
  return result;
}

/** After a failure: everything the demo started, killed by PID, so that no VS Code or sandbox outlives the test. */
async function killDemo(demo: Demo): Promise<void> {
  const pids = [demo.npm.pid!, ...descendants(demo.npm.pid!).keys()];
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  await demo.exited;
  demo.npm.stdout?.destroy();
  demo.npm.stderr?.destroy();
}

const CASES = [
  { signal: 'SIGINT', to: 'the npm process alone' },
  { signal: 'SIGTERM', to: 'the npm process alone' },
  // A terminal's Ctrl-C: npm and the demo both get it, and npm passes its own on: the demo must survive the second.
  { signal: 'SIGINT', to: 'the process group (Ctrl-C)' },
] as const;

for (const { signal, to } of CASES) {
  const group = to.startsWith('the process group');
  test(`npm run demo serves VS Code on the sandbox project, and ${signal} to ${to} stops everything it started`, { timeout: 300_000 }, async () => {
    const { demo, projectDir } = await startDemo({ group });
    try {
      const url = (await demo.printed(/Open in your browser:\s+(\S+)/))[1]!;
      const [, serverPid, settingsFile] = (await demo.printed(/VS Code:\s+pid (\d+), settings in (\S+)/)).map(String);
      const workbench = new URL(url);
      assert.equal(workbench.hostname, '127.0.0.1');
      assert.equal(workbench.searchParams.get('folder'), projectDir);
      assert.equal((await fetch(new URL('/healthz', workbench))).status, 200);
      assert.equal((await fetch(workbench)).status, 200);

      // VS Code offers none of the sandbox's dozen local ports for forwarding (browser and servers share the machine).
      const settings = JSON.parse(await fs.readFile(settingsFile!, 'utf8')) as Record<string, unknown>;
      assert.equal(settings['remote.autoForwardPorts'], false);
      assert.equal(settings['remote.restoreForwardedPorts'], false);

      if (signal === 'SIGINT' && !group) assert.deepEqual(await forwardedPortsShown(url, projectDir), ['0'], 'VS Code forwarded ports');

      const sandbox = await readSandboxRecord(projectDir);
      assert.ok(alive(sandbox.pid), 'the sandbox is running');
      assert.match(demo.output(), new RegExp(`Sandbox:\\s+pid ${sandbox.pid}\\b`));
      assert.ok(existsSync(path.join(projectDir, 'aml-failover.yaml')), 'the sample project has its pair file');

      // Everything the demo started: the sandbox with its Azurite, code-server with its extension host and helpers.
      const started = descendants(demo.npm.pid!);
      assert.ok(started.has(sandbox.pid), `the sandbox is the demo's: ${[...started.values()].join('\n')}`);
      assert.ok(started.has(Number(serverPid)), 'code-server is the demo\'s');
      assert.ok([...started.values()].some((cmd) => /azurite/.test(cmd)), 'Azurite runs under the demo');

      // The npm process only, as `kill -INT <pid>` or a process manager does (its process group gets nothing); or the
      // group, as a terminal does.
      if (group) process.kill(-demo.npm.pid!, signal);
      else demo.npm.kill(signal);
      assert.equal(await exitCode(demo), 0, demo.output());
      assert.deepEqual(await survivors(started), [], `still running after ${signal} to ${to}`);
      await assert.rejects(fetch(new URL('/healthz', workbench)), `VS Code still answers after ${signal}`);
      assert.ok(existsSync(path.join(projectDir, 'aml-failover.yaml')), 'the sample project is kept');
      assert.match(demo.output(), /stopped\. The sample project stays in/);
    } finally {
      await killDemo(demo);
    }
  });
}

test('a SIGTERM while the sandbox is starting stops it once it is up, and VS Code is never started', { timeout: 300_000 }, async () => {
  const { demo, projectDir } = await startDemo();
  try {
    await demo.printed(/2\/3 starting the sandbox cloud/);
    const starting = descendants(demo.npm.pid!);
    assert.ok([...starting.values()].some((cmd) => cmd.includes(projectDir)), 'the sandbox is starting');
    demo.npm.kill('SIGTERM');
    assert.equal(await exitCode(demo), 0, demo.output());
    assert.doesNotMatch(demo.output(), /3\/3 starting VS Code/);
    assert.match(demo.output(), /stopped\. The sample project stays in/);
    assert.deepEqual(await survivors(starting), [], 'still running after SIGTERM to npm');
    // Azurite is started later than the snapshot above: nothing on this machine may still serve the project.
    assert.deepEqual(await survivors(processesMentioning(projectDir)), [], 'still running after SIGTERM to npm');
  } finally {
    await killDemo(demo);
  }
});
