import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { silentLogger } from '../../../src/common/logger';
import { LOCK_FILE, runExport, type ExportPlan, type PlannedDownload } from '../../../src/export/engine';
import { watchSyncs } from '../../support/watchSyncs';
import { summarize } from '../../../src/export/exportWorkspace';
import { readManifest } from '../../../src/export/manifest';
import { scratchDir } from '../../support/scratch';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A plan over in-memory files; `reads` counts what the engine fetched. */
function plan(files: Record<string, Buffer>, opts: { gate?: Promise<void> } = {}) {
  const reads: string[] = [];
  const downloads: PlannedDownload[] = Object.entries(files).map(([name, data]) => ({
    local: `notebooks/${name}`,
    source: { workspace: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w', datastore: 'workspaceworkingdirectory', path: name },
    asset: { kind: 'notebooks', name: '/' },
    remote: { path: name, size: data.length, etag: `"${createHash('md5').update(data).digest('hex')}"` },
    reader: {
      async read(offset, count) {
        reads.push(name);
        await opts.gate;
        return { body: Readable.from([data.subarray(offset, offset + count)]) };
      },
    },
  }));
  const p: ExportPlan = { downloads, writes: [{ local: 'jobs/a.yml', source: downloads[0].source, asset: { kind: 'job', name: 'a' }, content: 'type: command\n' }], names: [], warnings: [], failed: [], inScope: () => true };
  return { plan: p, reads };
}

const tmp = () => scratchDir('export-engine-');

test('a second run over a complete export downloads nothing and rewrites nothing', async () => {
  const out = await tmp();
  const files = { 'a.ipynb': randomBytes(1000), 'Users/b.ipynb': randomBytes(5000) };
  const first = plan(files);
  const r1 = await runExport(first.plan, { outDir: out, signal: new AbortController().signal, logger: silentLogger });
  assert.equal(r1.fetched, 2);
  assert.equal(r1.complete, true);
  const stamp = (await fs.stat(path.join(out, 'manifest.json'))).mtimeMs;
  const yml = (await fs.stat(path.join(out, 'jobs/a.yml'))).mtimeMs;
  const second = plan(files);
  const r2 = await runExport(second.plan, { outDir: out, signal: new AbortController().signal, logger: silentLogger });
  assert.deepEqual(second.reads, []);
  assert.equal(r2.verified, 2);
  assert.equal(r2.unchanged, 1);
  assert.equal((await fs.stat(path.join(out, 'manifest.json'))).mtimeMs, stamp);
  assert.equal((await fs.stat(path.join(out, 'jobs/a.yml'))).mtimeMs, yml);
});

test('a file edited in OUT is kept and reported, not replaced; --force replaces it; the manifest records every file with its sha256', async () => {
  const out = await tmp();
  const files = { 'a.ipynb': randomBytes(1000), 'b.ipynb': randomBytes(2000) };
  await runExport(plan(files).plan, { outDir: out, signal: new AbortController().signal, logger: silentLogger });
  const edited = Buffer.from('{"cells": [], "mine": true}');
  await fs.writeFile(path.join(out, 'notebooks/a.ipynb'), edited);
  await fs.writeFile(path.join(out, 'jobs/a.yml'), 'type: command\n# my note\n');
  const again = plan(files);
  const r = await runExport(again.plan, { outDir: out, signal: new AbortController().signal, logger: silentLogger });
  assert.deepEqual(r.localEdits.sort(), ['jobs/a.yml', 'notebooks/a.ipynb']);
  assert.equal(r.complete, false, 'an export that kept local edits is not complete');
  assert.deepEqual(await fs.readFile(path.join(out, 'notebooks/a.ipynb')), edited);
  assert.equal(await fs.readFile(path.join(out, 'jobs/a.yml'), 'utf8'), 'type: command\n# my note\n');
  assert.match(summarize(r).join('\n'), /kept: notebooks\/a\.ipynb .*--force/);
  assert.deepEqual((await readManifest(out))!.localEdits?.sort(), ['jobs/a.yml', 'notebooks/a.ipynb']);

  const forced = plan(files);
  const f = await runExport(forced.plan, { outDir: out, signal: new AbortController().signal, logger: silentLogger, force: true });
  assert.deepEqual(forced.reads, ['a.ipynb']);
  assert.equal(f.fetched, 1);
  assert.equal(f.written, 1);
  assert.equal(f.complete, true);
  assert.deepEqual(await fs.readFile(path.join(out, 'notebooks/a.ipynb')), files['a.ipynb']);
  assert.equal(await fs.readFile(path.join(out, 'jobs/a.yml'), 'utf8'), 'type: command\n');
  const m = (await readManifest(out))!;
  assert.equal(m.complete, true);
  for (const [name, data] of Object.entries(files)) {
    const e = m.files.find((x) => x.path === `notebooks/${name}`)!;
    assert.equal(e.sha256, createHash('sha256').update(data).digest('hex'));
    assert.equal(e.size, data.length);
  }
});

test('a file the last export wrote and no one touched is replaced when the service has a new version', async () => {
  const out = await tmp();
  await runExport(plan({ 'a.ipynb': randomBytes(1000) }).plan, { outDir: out, signal: new AbortController().signal, logger: silentLogger });
  const v2 = randomBytes(1500);
  const r = await runExport(plan({ 'a.ipynb': v2 }).plan, { outDir: out, signal: new AbortController().signal, logger: silentLogger });
  assert.deepEqual(r.localEdits, []);
  assert.equal(r.fetched, 1);
  assert.deepEqual(await fs.readFile(path.join(out, 'notebooks/a.ipynb')), v2);
});

test('files already in OUT that no export wrote: kept when they differ, adopted when they hold the same bytes', async () => {
  const out = await tmp();
  const files = { 'same.ipynb': randomBytes(700), 'mine.ipynb': randomBytes(700) };
  await fs.mkdir(path.join(out, 'notebooks'), { recursive: true });
  await fs.writeFile(path.join(out, 'notebooks/same.ipynb'), files['same.ipynb']);
  await fs.writeFile(path.join(out, 'notebooks/mine.ipynb'), randomBytes(700));
  const before = (await fs.stat(path.join(out, 'notebooks/same.ipynb'))).ino;
  const r = await runExport(plan(files).plan, { outDir: out, signal: new AbortController().signal, logger: silentLogger });
  assert.deepEqual(r.localEdits, ['notebooks/mine.ipynb']);
  assert.equal((await fs.stat(path.join(out, 'notebooks/same.ipynb'))).ino, before, 'the same bytes are not written again');
  const m = (await readManifest(out))!;
  assert.deepEqual(m.files.map((f) => f.path).sort(), ['jobs/a.yml', 'notebooks/same.ipynb']);
  assert.deepEqual((await fs.readdir(path.join(out, 'notebooks'))).sort(), ['mine.ipynb', 'same.ipynb'], 'no side copy left');
});

test('a local edit the service\'s Content-MD5 already rules out is kept without downloading anything', async () => {
  const out = await tmp();
  const data = randomBytes(700);
  await fs.mkdir(path.join(out, 'notebooks'), { recursive: true });
  await fs.writeFile(path.join(out, 'notebooks/a.ipynb'), randomBytes(700));
  const p = plan({ 'a.ipynb': data });
  p.plan.downloads[0]!.remote.contentMD5 = createHash('md5').update(data).digest('base64');
  const r = await runExport(p.plan, { outDir: out, signal: new AbortController().signal, logger: silentLogger });
  assert.deepEqual(r.localEdits, ['notebooks/a.ipynb']);
  assert.deepEqual(p.reads, []);
});

test('entries of other kinds stay in the manifest and their files are left alone', async () => {
  const out = await tmp();
  const first = plan({ 'a.ipynb': randomBytes(300) });
  await runExport(first.plan, { outDir: out, signal: new AbortController().signal, logger: silentLogger });
  // A models-only export: nothing of the notebooks is in its scope.
  const models: ExportPlan = { downloads: [], writes: [{ local: 'models/m/1/model.yml', source: first.plan.writes[0]!.source, asset: { kind: 'model', name: 'm', version: '1' }, content: 'name: m\n' }], names: [], warnings: [], failed: [], inScope: (e) => e.asset.kind === 'model' };
  const r = await runExport(models, { outDir: out, signal: new AbortController().signal, logger: silentLogger });
  assert.equal(r.complete, true);
  const m = (await readManifest(out))!;
  assert.deepEqual(m.files.map((f) => f.path).sort(), ['jobs/a.yml', 'models/m/1/model.yml', 'notebooks/a.ipynb']);
});

test('symbolic links in OUT are never written through: a folder link and a file link are refused, naming them', { skip: process.platform === 'win32' }, async () => {
  const out = await tmp();
  const elsewhere = await tmp();
  await fs.writeFile(path.join(elsewhere, 'a.yml'), 'precious\n');
  await fs.mkdir(path.join(out, 'jobs'));
  await fs.symlink(elsewhere, path.join(out, 'notebooks'));
  await fs.symlink(path.join(elsewhere, 'a.yml'), path.join(out, 'jobs', 'a.yml'));
  const p = plan({ 'x.ipynb': randomBytes(100), 'Users/y.ipynb': randomBytes(100) });
  const r = await runExport(p.plan, { outDir: out, signal: new AbortController().signal, logger: silentLogger, force: true });
  assert.deepEqual(await fs.readdir(elsewhere), ['a.yml'], 'nothing landed outside OUT');
  assert.equal(await fs.readFile(path.join(elsewhere, 'a.yml'), 'utf8'), 'precious\n');
  assert.equal(r.complete, false);
  assert.equal(r.failed.length, 3);
  const text = summarize(r).join('\n');
  assert.match(text, new RegExp(`${escape(path.join(out, 'notebooks'))} is a symbolic link \\(to ${escape(elsewhere)}\\)`));
  assert.match(text, new RegExp(`${escape(path.join(out, 'jobs', 'a.yml'))} is a symbolic link`));
  assert.ok((await fs.lstat(path.join(out, 'jobs', 'a.yml'))).isSymbolicLink(), 'the link itself is left as it was');
});

test('OUT given through a symbolic link is resolved once, and works', { skip: process.platform === 'win32' }, async () => {
  const real = await tmp();
  const via = path.join(await tmp(), 'link-to-out');
  await fs.symlink(real, via);
  const r = await runExport(plan({ 'a.ipynb': randomBytes(100) }).plan, { outDir: via, signal: new AbortController().signal, logger: silentLogger });
  assert.equal(r.complete, true);
  assert.ok((await fs.stat(path.join(real, 'notebooks', 'a.ipynb'))).isFile());
});

test('an export folder inside the project is reached without following links: a committed aml-export link is refused', { skip: process.platform === 'win32' }, async () => {
  const project = await tmp();
  const elsewhere = await tmp();
  await fs.symlink(elsewhere, path.join(project, 'aml-export'));
  const outDir = path.join(project, 'aml-export', 'primary');
  await assert.rejects(
    runExport(plan({ 'a.ipynb': randomBytes(100) }).plan, { outDir, projectDir: project, signal: new AbortController().signal, logger: silentLogger }),
    new RegExp(`${escape(path.join(await fs.realpath(project), 'aml-export'))} is a symbolic link \\(to ${escape(elsewhere)}\\)`),
  );
  assert.deepEqual(await fs.readdir(elsewhere), [], 'nothing written through the link');
  await fs.rm(path.join(project, 'aml-export'));
  const r = await runExport(plan({ 'a.ipynb': randomBytes(100) }).plan, { outDir, projectDir: project, signal: new AbortController().signal, logger: silentLogger });
  assert.equal(r.complete, true);
  assert.ok((await fs.lstat(path.join(project, 'aml-export', 'primary', 'notebooks', 'a.ipynb'))).isFile());
});

test('the folders files were renamed into are flushed before the manifest lists them', { skip: process.platform === 'win32' }, async () => {
  const out = await tmp();
  const { synced, restore } = watchSyncs();
  try {
    await runExport(plan({ 'Users/a.ipynb': randomBytes(100) }).plan, { outDir: out, signal: new AbortController().signal, logger: silentLogger });
  } finally {
    restore();
  }
  const root = await fs.realpath(out);
  const folder = synced.indexOf(path.join(root, 'notebooks', 'Users'));
  const manifest = synced.findIndex((p) => path.basename(p).startsWith('.manifest.json.tmp-'));
  assert.ok(folder >= 0, `the notebook's folder was flushed: ${JSON.stringify(synced)}`);
  assert.ok(folder < manifest, 'before the manifest was written');
  assert.ok(synced.includes(path.join(root, 'jobs')), 'the generated YAML\'s folder too');
});

test('one export at a time per folder; a lock left by a dead process is taken over', async () => {
  const out = await tmp();
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const slow = plan({ 'a.ipynb': randomBytes(100) }, { gate });
  const running = runExport(slow.plan, { outDir: out, signal: new AbortController().signal, logger: silentLogger });
  // Wait until the first export is fetching (it holds the lock by then).
  while (slow.reads.length === 0) await new Promise((r) => setTimeout(r, 5));
  await assert.rejects(runExport(plan({ 'b.ipynb': randomBytes(100) }).plan, { outDir: out, signal: new AbortController().signal, logger: silentLogger }), /Another export/);
  open();
  await running;
  assert.equal((await fs.readdir(out)).includes(LOCK_FILE), false);
  // A killed export's lock: a pid that no longer exists.
  await fs.writeFile(path.join(out, LOCK_FILE), '999999999');
  const r = await runExport(plan({ 'c.ipynb': randomBytes(100) }).plan, { outDir: out, signal: new AbortController().signal, logger: silentLogger });
  assert.equal(r.fetched, 1);
});
