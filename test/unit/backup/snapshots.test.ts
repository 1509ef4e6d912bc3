import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { linkUnchanged } from '../../../src/backup/linkUnchanged';
import { backupDir, listSnapshots, parseSnapshotName, pruneSnapshots, snapshotName } from '../../../src/backup/snapshots';
import type { ExportPlan } from '../../../src/export/engine';
import { emptyManifest, readManifest, serializeManifest, type ManifestEntry } from '../../../src/export/manifest';
import { OutFolder } from '../../../src/export/safePaths';
import { scratchDir } from '../../support/scratch';

/** A snapshot folder as backup leaves it: manifest.json and backup.json, complete or not. */
async function fakeSnapshot(roleDir: string, name: string, complete: boolean): Promise<void> {
  const dir = path.join(roleDir, name);
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'manifest.json'), serializeManifest({ ...emptyManifest(), complete }));
  await fs.writeFile(path.join(dir, 'backup.json'), JSON.stringify({ tool: 'aml-failover', kind: 'backup', role: 'primary', complete, takenAt: parseSnapshotName(name)!.toISOString() }));
}

describe('backup snapshots', () => {
  it('names snapshots by UTC time so that names sort by time, and reads the time back', () => {
    const at = new Date('2026-12-06T22:02:38.123Z');
    assert.equal(snapshotName(at), '20261206T220238Z');
    assert.equal(snapshotName(at, 2), '20261206T220238Z-2');
    assert.equal(parseSnapshotName('20261206T220238Z-2')?.toISOString(), '2026-12-06T22:02:38.000Z');
    assert.equal(parseSnapshotName('latest'), undefined);
    assert.ok(snapshotName(at) < snapshotName(at, 2) && snapshotName(at, 2) < snapshotName(new Date('2026-12-06T22:02:39Z')));
  });

  it('--keep removes the oldest complete snapshots and never the only complete one; incomplete ones are left alone', async () => {
    const role = await scratchDir('prune-');
    await fakeSnapshot(role, '20260101T000000Z', true);
    await fakeSnapshot(role, '20260102T000000Z', true);
    await fakeSnapshot(role, '20260103T000000Z', false);
    await fakeSnapshot(role, '20260104T000000Z', false);
    assert.deepEqual(await pruneSnapshots(role, 1), ['20260101T000000Z']);
    // The only complete snapshot is older than two failed ones: it stays, whatever N.
    assert.deepEqual(await pruneSnapshots(role, 1), []);
    assert.deepEqual((await listSnapshots(role)).map((s) => [s.name, s.complete]), [
      ['20260102T000000Z', true],
      ['20260103T000000Z', false],
      ['20260104T000000Z', false],
    ]);
    await assert.rejects(pruneSnapshots(role, 0), /at least 1/);
  });

  it('takes DIR from --out, else from backup.dir inside the project, else aml-backup/; refuses a pair file pointing out of the project', () => {
    const project = path.resolve('/p');
    assert.equal(backupDir(project, { sections: {} }), path.join(project, 'aml-backup'));
    assert.equal(backupDir(project, { sections: { backup: { dir: 'safe/backups' } } }), path.join(project, 'safe', 'backups'));
    assert.equal(backupDir(project, { sections: { backup: { dir: '/etc' } } }, '/mnt/b'), path.resolve('/mnt/b'));
    for (const dir of ['/etc', '../elsewhere', '.']) assert.throws(() => backupDir(project, { sections: { backup: { dir } } }), /must be a folder inside the project/);
    assert.throws(() => backupDir(project, { sections: { backup: 'x' } }), /must be a mapping/);
  });

  it('copies a file locally where a hard link is impossible, and links nothing whose ETag changed', async () => {
    const root = await scratchDir('link-');
    const previous = path.join(root, 'a');
    await fs.mkdir(path.join(previous, 'notebooks'), { recursive: true });
    await fs.writeFile(path.join(previous, 'notebooks', 'same.ipynb'), 'same');
    await fs.writeFile(path.join(previous, 'notebooks', 'changed.ipynb'), 'old!');
    const entry = (p: string, etag: string): ManifestEntry => ({ path: p, size: 4, sha256: 'x', etag, source: { workspace: 'w', path: p }, asset: { kind: 'notebooks', name: '/' } });
    const manifest = { ...emptyManifest(), complete: true, files: [entry('notebooks/same.ipynb', '"1"'), entry('notebooks/changed.ipynb', '"1"')] };
    const download = (p: string, etag: string) => ({ local: p, source: { workspace: 'w', path: p }, asset: { kind: 'notebooks' as const, name: '/' }, remote: { path: p, size: 4, etag }, reader: undefined as never });
    const plan: ExportPlan = { downloads: [download('notebooks/same.ipynb', '"1"'), download('notebooks/changed.ipynb', '"2"')], writes: [], names: [], warnings: [], failed: [], inScope: () => true };
    const next = await OutFolder.open(path.join(root, 'b'));
    const noLinks = async () => {
      throw Object.assign(new Error('cross-device link'), { code: 'EXDEV' });
    };
    const r = await linkUnchanged(plan, previous, manifest, next, noLinks);
    assert.deepEqual([r.linkedFiles, r.copiedFiles], [0, 1]);
    assert.equal(await fs.readFile(path.join(root, 'b', 'notebooks', 'same.ipynb'), 'utf8'), 'same');
    assert.ok(!(await fs.stat(path.join(root, 'b', 'notebooks', 'changed.ipynb')).catch(() => undefined)));
    assert.deepEqual((await readManifest(path.join(root, 'b')))!.files.map((f) => f.path), ['notebooks/same.ipynb']);
  });
});
