// The export lock between real processes: several race for one folder (with locks of dead processes planted along
// the way), and never two hold it at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { LOCK_FILE, lockFolder } from '../../../src/export/lock';
import { scratchDir } from '../../support/scratch';

const RACER = path.join(import.meta.dirname, '..', '..', 'fixtures', 'export', 'lockRacer.ts');

const tmp = () => scratchDir('export-lock-');

test('processes racing for one folder never hold its lock at the same time, also while taking over dead locks', async () => {
  const dir = await tmp();
  // A lock left by a killed export, before anyone starts.
  await fs.writeFile(path.join(dir, LOCK_FILE), '2147483646');
  const racers = Array.from({ length: 4 }, () => spawn(process.execPath, ['--import', 'tsx', RACER, dir, '40'], { stdio: ['pipe', 'pipe', 'pipe'] }));
  const exits = racers.map((r) => once(r, 'exit') as Promise<[number]>);
  const lines = racers.map((r) => createInterface({ input: r.stdout! })[Symbol.asyncIterator]());
  const errors = racers.map((r) => {
    let text = '';
    r.stderr!.setEncoding('utf8').on('data', (d: string) => (text += d));
    return () => text;
  });
  // All loaded, then all let go at once.
  for (const l of lines) assert.equal((await l.next()).value, 'ready');
  for (const r of racers) r.stdin!.end('go\n');
  const results = [];
  for (const i of racers.keys()) {
    const line = await lines[i]!.next();
    const [code] = await exits[i]!;
    assert.equal(code, 0, errors[i]!());
    results.push(JSON.parse(String(line.value)) as { taken: number; refused: number; doubles: number });
  }
  assert.deepEqual(results.map((r) => r.doubles), [0, 0, 0, 0], JSON.stringify(results));
  assert.ok(results.reduce((n, r) => n + r.taken, 0) >= 4, `the lock was taken: ${JSON.stringify(results)}`);
  const left = (await fs.readdir(dir)).filter((f) => f !== LOCK_FILE);
  assert.deepEqual(left, [], 'no claim or temporary file left behind');
});

test('an empty lock file (an owner still writing it) is not taken for a dead one', async () => {
  const dir = await tmp();
  await fs.writeFile(path.join(dir, LOCK_FILE), '');
  await assert.rejects(lockFolder(dir), /is writing to/);
  // Left that way for long (a crash of an older version mid-write): taken over.
  const past = new Date(Date.now() - 60_000);
  await fs.utimes(path.join(dir, LOCK_FILE), past, past);
  await (await lockFolder(dir))();
  assert.deepEqual(await fs.readdir(dir), []);
});

test('release removes only its own lock, never one another export holds by then', async () => {
  const dir = await tmp();
  const release = await lockFolder(dir);
  // Someone else's lock in its place (as if it had been taken over).
  const other = JSON.stringify({ host: os.hostname(), pid: process.pid, token: 'someone-else', since: '' });
  await fs.writeFile(path.join(dir, LOCK_FILE), other);
  await release();
  assert.equal(await fs.readFile(path.join(dir, LOCK_FILE), 'utf8'), other);
});

test('a second export in the same process is refused while the first holds the lock; a live process\'s lock too', async () => {
  const dir = await tmp();
  const release = await lockFolder(dir);
  await assert.rejects(lockFolder(dir), /Another export in this window is writing to/);
  await release();
  await (await lockFolder(dir))();
  await fs.writeFile(path.join(dir, LOCK_FILE), JSON.stringify({ host: os.hostname(), pid: process.ppid, token: 't', since: '' }));
  await assert.rejects(lockFolder(dir), new RegExp(`Another export \\(process ${process.ppid}\\)`));
});
