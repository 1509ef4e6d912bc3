import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { silentLogger } from '../../../src/common/logger';
import { LOCK_FILE, runExport, type ExportPlan, type PlannedDownload } from '../../../src/export/engine';
import { readManifest } from '../../../src/export/manifest';

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

const madeDirs: string[] = [];
after(() => Promise.all(madeDirs.map((d) => fs.rm(d, { recursive: true, force: true }))));
const tmp = async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'export-engine-'));
  madeDirs.push(dir);
  return dir;
};

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

test('a file changed on disk is fetched again; the manifest records every file with its sha256', async () => {
  const out = await tmp();
  const files = { 'a.ipynb': randomBytes(1000), 'b.ipynb': randomBytes(2000) };
  await runExport(plan(files).plan, { outDir: out, signal: new AbortController().signal, logger: silentLogger });
  await fs.writeFile(path.join(out, 'notebooks/a.ipynb'), Buffer.alloc(1000));
  const again = plan(files);
  const r = await runExport(again.plan, { outDir: out, signal: new AbortController().signal, logger: silentLogger });
  assert.deepEqual(again.reads, ['a.ipynb']);
  assert.equal(r.fetched, 1);
  assert.deepEqual(await fs.readFile(path.join(out, 'notebooks/a.ipynb')), files['a.ipynb']);
  const m = (await readManifest(out))!;
  assert.equal(m.complete, true);
  for (const [name, data] of Object.entries(files)) {
    const e = m.files.find((f) => f.path === `notebooks/${name}`)!;
    assert.equal(e.sha256, createHash('sha256').update(data).digest('hex'));
    assert.equal(e.size, data.length);
  }
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
