import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { sha256 } from '../../../src/backup/snapshots';
import { emptyManifest, serializeManifest } from '../../../src/export/manifest';
import { findBackups } from '../../../src/restore/choices';
import { scratchDir } from '../../support/scratch';

async function writeManifest(dir: string, complete: boolean): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  const text = serializeManifest({ ...emptyManifest(), complete });
  await fs.writeFile(path.join(dir, 'manifest.json'), text);
  return text;
}

async function snapshot(dir: string, role: string, takenAt: string, complete: boolean, verified = false): Promise<void> {
  const text = await writeManifest(dir, complete);
  await fs.writeFile(path.join(dir, 'backup.json'), JSON.stringify({ tool: 'aml-failover', kind: 'backup', role, complete, takenAt }));
  if (verified) await fs.writeFile(path.join(dir, 'verified.json'), JSON.stringify({ tool: 'aml-failover', ok: true, manifestSha256: sha256(text) }));
}

describe('the backups "Restore from Backup…" offers', () => {
  it('lists complete export folders and snapshots of both workspaces, newest first, with their age and whether verified', async () => {
    const project = await scratchDir('choices-');
    const now = new Date('2026-12-07T12:00:00Z');
    await writeManifest(path.join(project, 'aml-export', 'primary'), true);
    await fs.utimes(path.join(project, 'aml-export', 'primary', 'manifest.json'), now, new Date('2026-12-07T11:55:00Z'));
    await writeManifest(path.join(project, 'aml-export', 'secondary'), false); // an export that did not finish
    await snapshot(path.join(project, 'aml-backup', 'primary', '20261207T090000Z'), 'primary', '2026-12-07T09:00:00Z', true, true);
    await snapshot(path.join(project, 'aml-backup', 'primary', '20261207T100000Z'), 'primary', '2026-12-07T10:00:00Z', false);
    await snapshot(path.join(project, 'aml-backup', 'secondary', '20261205T130000Z'), 'secondary', '2026-12-05T13:00:00Z', true);
    await fs.writeFile(path.join(project, 'aml-backup', 'primary', 'latest'), '20261207T090000Z\n');

    const found = await findBackups(project, { sections: {} }, now);
    assert.deepEqual(
      found.map((c) => [c.label, c.description]),
      [
        ['aml-export/primary', 'export of the primary · 5 min old'],
        ['aml-backup/primary/20261207T090000Z', 'snapshot of the primary · 3 h old · verified'],
        ['aml-backup/secondary/20261205T130000Z', 'snapshot of the secondary · 47 h old'],
      ],
    );
    assert.equal(found[1].dir, path.join(project, 'aml-backup', 'primary', '20261207T090000Z'));
  });

  it('reads the backup folder the pair file names, and offers the exports alone when it points out of the project', async () => {
    const project = await scratchDir('choices-dir-');
    await snapshot(path.join(project, 'safe', 'primary', '20261207T090000Z'), 'primary', '2026-12-07T09:00:00Z', true);
    await writeManifest(path.join(project, 'aml-export', 'secondary'), true);
    const labels = async (backup: unknown) => (await findBackups(project, { sections: { backup } })).map((c) => c.label).sort();
    assert.deepEqual(await labels({ dir: 'safe' }), ['aml-export/secondary', 'safe/primary/20261207T090000Z']);
    assert.deepEqual(await labels({ dir: '../elsewhere' }), ['aml-export/secondary']);
  });

  it('offers nothing in a project without backups, and follows no link out of the project', async () => {
    const project = await scratchDir('choices-none-');
    assert.deepEqual(await findBackups(project, undefined), []);
    const outside = await scratchDir('choices-outside-');
    await writeManifest(path.join(outside, 'primary'), true);
    await fs.symlink(outside, path.join(project, 'aml-export'));
    await fs.mkdir(path.join(project, 'aml-backup'));
    await fs.symlink(path.join(outside, 'primary'), path.join(project, 'aml-backup', 'primary'));
    assert.deepEqual(await findBackups(project, undefined), []);
  });
});
