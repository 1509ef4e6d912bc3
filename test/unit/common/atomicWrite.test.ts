import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { watchSyncs } from '../../support/watchSyncs';
import { createFileExclusive, rewriteFileWithin, writeFileAtomic } from '../../../src/common/atomicWrite';
import { scratchDir } from '../../support/scratch';

const tmp = () => scratchDir('atomic-write-');

test('after the rename, the folder is flushed too (not on Windows)', { skip: process.platform === 'win32' }, async () => {
  const dir = await tmp();
  const file = path.join(dir, 'config.json');
  const watch = watchSyncs();
  try {
    await writeFileAtomic(file, '{"a": 1}\n');
  } finally {
    watch.restore();
  }
  assert.equal(await fs.readFile(file, 'utf8'), '{"a": 1}\n');
  // The temporary file is flushed before the rename, the folder after it.
  assert.equal(watch.synced.length, 2, JSON.stringify(watch.synced));
  assert.match(path.basename(watch.synced[0]!), /^\.config\.json\.tmp-/);
  assert.equal(watch.synced[1], dir);
});

test('the mode asked for is kept exactly, whatever the umask', { skip: process.platform === 'win32' }, async () => {
  const dir = await tmp();
  const file = path.join(dir, 'shared.yml');
  await writeFileAtomic(file, 'a: 1\n', 0o664);
  assert.equal((await fs.stat(file)).mode & 0o777, 0o664);
});

test('rewriteFileWithin edits through a link inside the root and refuses one that leads out', { skip: process.platform === 'win32' }, async () => {
  const root = await tmp();
  const outside = await tmp();
  await fs.writeFile(path.join(root, 'real.yml'), 'old\n', { mode: 0o600 });
  await fs.symlink('real.yml', path.join(root, 'link.yml'));
  await fs.writeFile(path.join(outside, 'victim.yml'), 'old\n');
  await fs.symlink(path.join(outside, 'victim.yml'), path.join(root, 'out.yml'));
  await rewriteFileWithin(root, path.join(root, 'link.yml'), 'new\n');
  assert.ok((await fs.lstat(path.join(root, 'link.yml'))).isSymbolicLink());
  assert.equal(await fs.readFile(path.join(root, 'real.yml'), 'utf8'), 'new\n');
  assert.equal((await fs.stat(path.join(root, 'real.yml'))).mode & 0o777, 0o600);
  await assert.rejects(rewriteFileWithin(root, path.join(root, 'out.yml'), 'new\n'), /out\.yml is a symbolic link to .*victim\.yml, outside the project \(/);
  assert.equal(await fs.readFile(path.join(outside, 'victim.yml'), 'utf8'), 'old\n');
});

test('createFileExclusive never replaces a file that appeared meanwhile, and leaves no temporary file', async () => {
  const dir = await tmp();
  const file = path.join(dir, 'aml-failover.yaml');
  // Many writers race for one name: exactly one wins, the others are told EEXIST, and the winner's bytes are whole.
  const texts = Array.from({ length: 8 }, (_, i) => `workspaces: ${i}\n${'x'.repeat(100_000)}\n`);
  const results = await Promise.allSettled(texts.map((t) => createFileExclusive(file, t)));
  const won = results.filter((r) => r.status === 'fulfilled');
  assert.equal(won.length, 1);
  for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as NodeJS.ErrnoException).code, 'EEXIST');
  const winner = texts[results.findIndex((r) => r.status === 'fulfilled')];
  assert.equal(await fs.readFile(file, 'utf8'), winner);
  assert.deepEqual(await fs.readdir(dir), ['aml-failover.yaml']);
  // A link planted at the name counts as taken: nothing is written through it.
  const victim = path.join(dir, 'victim');
  await fs.writeFile(victim, 'keep');
  await fs.symlink(victim, path.join(dir, 'planted.yaml'));
  await assert.rejects(createFileExclusive(path.join(dir, 'planted.yaml'), 'new'), { code: 'EEXIST' });
  assert.equal(await fs.readFile(victim, 'utf8'), 'keep');
});
