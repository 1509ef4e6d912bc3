// `npm run demo`, the README's main command, as a user runs it: it prints a URL where VS Code answers with the
// sample project, the sandbox cloud answers on the endpoint in the pair file, and Ctrl-C (SIGINT) stops both,
// keeping the project.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { readSandboxRecord } from '../../../src/sandbox/control';

const REPO = path.resolve(__dirname, '..', '..', '..');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

let projectDir: string | undefined;
after(async () => {
  if (projectDir) await fs.rm(projectDir, { recursive: true, force: true });
});

test('npm run demo serves VS Code on the sandbox project, and Ctrl-C stops VS Code and the sandbox', { timeout: 240_000 }, async () => {
  projectDir = await fs.mkdtemp(path.join(os.tmpdir(), 'aml-failover-demo-test-'));
  const demo = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--project', projectDir], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => demo.once('exit', (code) => resolve(code)));
  let out = '';
  demo.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      demo.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const m = /Open in your browser:\s+(\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      void exited.then((code) => reject(new Error(`the demo exited with ${code} before printing its URL:\n${out}`)));
    });

    const workbench = new URL(url);
    assert.equal(workbench.hostname, '127.0.0.1');
    assert.equal(workbench.searchParams.get('folder'), projectDir);
    assert.equal((await fetch(new URL('/healthz', workbench))).status, 200);
    assert.equal((await fetch(workbench)).status, 200);

    const sandbox = await readSandboxRecord(projectDir);
    assert.ok(alive(sandbox.pid), 'the sandbox is running');
    assert.ok(existsSync(path.join(projectDir, 'aml-failover.yaml')), 'the sample project has its pair file');

    demo.kill('SIGINT');
    assert.equal(await exited, 0, out);
    assert.ok(!alive(sandbox.pid), `the sandbox (pid ${sandbox.pid}) still runs after Ctrl-C`);
    await assert.rejects(fetch(new URL('/healthz', workbench)), 'VS Code still answers after Ctrl-C');
    assert.ok(existsSync(path.join(projectDir, 'aml-failover.yaml')), 'the sample project is kept');
    assert.match(out, /stopped\. The sample project stays in/);
  } finally {
    if (demo.exitCode === null && demo.signalCode === null) {
      demo.kill('SIGKILL');
      await exited;
    }
  }
});
