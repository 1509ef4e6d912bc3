// The backups a project already holds, offered first by "Restore from Backup…" so nobody has to browse for them: the
// export folders (`aml-export/<role>`, written by Export…) and the complete snapshots in the backup folder
// (`DIR/<role>/<UTC>`, written by Back Up Now), newest first. Only complete ones: restore refuses the others (the CLI's
// `--partial` is for those). Reads the disk only; links are not followed.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { backupDir, listSnapshots, roleDir } from '../backup/snapshots';
import { formatAge } from '../backup/recoveryPoint';
import { DEFAULT_EXPORT_FOLDER } from '../export/exportFolder';
import { MANIFEST_FILE, readManifest } from '../export/manifest';
import { ROLES, type PairConfig, type Role } from '../pair/pairFile';

export interface BackupChoice {
  /** Absolute path of the folder holding manifest.json. */
  dir: string;
  kind: 'export' | 'snapshot';
  /** The workspace it was taken from. */
  role: Role;
  /** When it was taken (a snapshot's record), or when its manifest was last written (an export). */
  at: Date;
  verified: boolean;
  /** The folder relative to the project (or absolute when outside it). */
  label: string;
  /** `snapshot of the primary · 3 h old · verified`. */
  description: string;
}

export async function findBackups(projectDir: string, pair: Pick<PairConfig, 'sections'> | undefined, now = new Date()): Promise<BackupChoice[]> {
  const found: Omit<BackupChoice, 'label' | 'description'>[] = [];
  // A pair file whose backup.dir points out of the project offers no snapshots here (backup says why when it runs).
  let snapshotsDir: string | undefined;
  try {
    snapshotsDir = backupDir(projectDir, pair);
  } catch {
    snapshotsDir = undefined;
  }
  for (const role of ROLES) {
    const exportDir = path.join(projectDir, DEFAULT_EXPORT_FOLDER, role);
    const manifest = (await realFolder(projectDir, exportDir)) ? await readManifest(exportDir) : undefined;
    const stat = manifest?.complete ? await fs.lstat(path.join(exportDir, MANIFEST_FILE)).catch(() => undefined) : undefined;
    if (stat?.isFile()) found.push({ dir: exportDir, kind: 'export', role, at: stat.mtime, verified: false });
    const snapshots = snapshotsDir && (await realFolder(projectDir, roleDir(snapshotsDir, role))) ? roleDir(snapshotsDir, role) : undefined;
    for (const s of snapshots ? await listSnapshots(snapshots) : []) {
      if (s.complete) found.push({ dir: s.path, kind: 'snapshot', role: s.role ?? role, at: s.takenAt, verified: s.verified });
    }
  }
  return found
    .sort((a, b) => b.at.getTime() - a.at.getTime())
    .map((c) => {
      const rel = path.relative(projectDir, c.dir);
      return {
        ...c,
        label: rel.startsWith('..') || path.isAbsolute(rel) ? c.dir : rel.split(path.sep).join('/'),
        description: [`${c.kind} of the ${c.role}`, `${formatAge(now.getTime() - c.at.getTime())} old`, c.verified ? 'verified' : ''].filter(Boolean).join(' · '),
      };
    });
}

/** True when every folder from `root` down to `dir` is a folder of its own, not a link (nothing is read through one). */
async function realFolder(root: string, dir: string): Promise<boolean> {
  const rel = path.relative(root, dir);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return (await fs.lstat(dir).catch(() => undefined))?.isDirectory() ?? false;
  let at = root;
  for (const part of rel.split(path.sep).filter(Boolean)) {
    at = path.join(at, part);
    if (!(await fs.lstat(at).catch(() => undefined))?.isDirectory()) return false;
  }
  return true;
}
