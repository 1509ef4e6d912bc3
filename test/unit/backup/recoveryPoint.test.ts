import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { changesSince, describeRecoveryPoint, isTooOld } from '../../../src/backup/recoveryPoint';
import type { ManifestEntry } from '../../../src/export/manifest';
import type { AssetRef } from '../../../src/export/manifest';

const notebooks: AssetRef = { kind: 'notebooks', name: '/' };
const model: AssetRef = { kind: 'model', name: 'credit', version: '1' };
const job: AssetRef = { kind: 'job', name: 'train' };
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const entry = (path: string, asset: AssetRef, extra: Partial<ManifestEntry>): ManifestEntry => ({ path, asset, size: 1, sha256: '', source: { workspace: 'w', path }, ...extra });
const download = (local: string, asset: AssetRef, etag: string, size = 1) => ({ local, asset, source: { workspace: 'w', path: local }, remote: { path: local, size, etag }, reader: undefined as never });
const write = (local: string, asset: AssetRef, content: string) => ({ local, asset, source: { workspace: 'w', path: local }, content });

describe('recovery point', () => {
  it('counts notebook files and assets added, changed or gone since the snapshot', () => {
    const manifest = {
      files: [
        entry('notebooks/a.ipynb', notebooks, { etag: '"1"' }),
        entry('notebooks/gone.ipynb', notebooks, { etag: '"1"' }),
        entry('models/credit/1/model.pkl', model, { etag: '"1"' }),
        entry('models/credit/1/model.yml', model, { sha256: sha('name: credit\n') }),
        entry('jobs/train.yml', job, { sha256: sha('x') }),
      ],
    };
    const unchanged = {
      downloads: [download('notebooks/a.ipynb', notebooks, '"1"'), download('notebooks/gone.ipynb', notebooks, '"1"'), download('models/credit/1/model.pkl', model, '"1"')],
      writes: [write('models/credit/1/model.yml', model, 'name: credit\n'), write('jobs/train.yml', job, 'x')],
    };
    assert.deepEqual(changesSince(unchanged, manifest), { notebooks: 0, assets: 0 });
    const changed = {
      downloads: [download('notebooks/a.ipynb', notebooks, '"2"'), download('notebooks/new.ipynb', notebooks, '"1"'), download('models/credit/1/model.pkl', model, '"1"')],
      writes: [write('models/credit/1/model.yml', model, 'name: credit\ndescription: new\n')],
    };
    // a.ipynb changed, new.ipynb added, gone.ipynb removed; the model's YAML changed; the job is gone.
    assert.deepEqual(changesSince(changed, manifest), { notebooks: 3, assets: 2 });
  });

  it('says how old, where, whether verified and what changed; too old past maxAgeHours', () => {
    const now = new Date('2026-12-07T10:00:00Z');
    const point = { path: '/p/aml-backup/primary/20261206T070000Z', takenAt: '2026-12-06T07:00:00.000Z', verified: true, changedSince: { notebooks: 2, assets: 1 } };
    assert.equal(describeRecoveryPoint(point, now, '/p'), 'backup 27 h old (verified), 2 notebook files and 1 asset changed since — aml-backup/primary/20261206T070000Z');
    assert.equal(describeRecoveryPoint(null, now), 'no backup');
    assert.equal(isTooOld(new Date(point.takenAt), now, 24), true);
    assert.equal(isTooOld(new Date(point.takenAt), now, 48), false);
  });
});
