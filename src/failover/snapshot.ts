// The backup the failover restores from when the source no longer answers. The backups library (src/backup/, issue
// 14) owns dated verified snapshots; until it is wired in, the failover keeps its own small one: the jobs as listed
// (definition + status) and the definitions of the environment versions they use — JSON only, verified by a sha256
// beside it, under .aml-failover/backups/<time>/. No secret is kept: datastore credentials are never read.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createFileExclusive } from '../common/atomicWrite';
import type { SourceJob } from './resubmitPlan';

export const STATE_DIR = '.aml-failover';
export const BACKUPS_DIR = 'backups';
const SNAPSHOT_FILE = 'snapshot.json';
const CHECKSUM_FILE = 'snapshot.json.sha256';

export interface SnapshotJob extends SourceJob {
  status: string;
  failureReason?: string;
}

export interface BackupSnapshot {
  /** Folder name: the time it was taken, file-name safe. */
  id: string;
  takenAt: string;
  workspace: { name: string; region: string; storageAccount?: string };
  jobs: SnapshotJob[];
  /** Environment version properties by `name:version` (lower case). */
  environments: Record<string, Record<string, unknown>>;
  datastores: { name: string; accountName?: string }[];
}

export interface BackupStore {
  take(snapshot: Omit<BackupSnapshot, 'id'>): Promise<BackupSnapshot & { folder: string }>;
  /** The newest snapshot whose checksum matches, or undefined. */
  newestVerified(): Promise<(BackupSnapshot & { folder: string }) | undefined>;
}

export function folderBackupStore(projectDir: string): BackupStore {
  const root = path.join(projectDir, STATE_DIR, BACKUPS_DIR);
  return {
    async take(s) {
      const id = s.takenAt.replace(/[:.]/g, '-');
      const folder = path.join(root, id);
      await fs.mkdir(folder, { recursive: true });
      const text = JSON.stringify({ ...s, id }, null, 1) + '\n';
      await createFileExclusive(path.join(folder, SNAPSHOT_FILE), text);
      await createFileExclusive(path.join(folder, CHECKSUM_FILE), sha256(text) + '\n');
      return { ...s, id, folder };
    },
    async newestVerified() {
      let names: string[];
      try {
        names = (await fs.readdir(root)).sort().reverse();
      } catch {
        return undefined;
      }
      for (const name of names) {
        const folder = path.join(root, name);
        try {
          const [text, sum] = await Promise.all([fs.readFile(path.join(folder, SNAPSHOT_FILE), 'utf8'), fs.readFile(path.join(folder, CHECKSUM_FILE), 'utf8')]);
          if (sha256(text) !== sum.trim()) continue;
          return { ...(JSON.parse(text) as BackupSnapshot), folder };
        } catch {
          continue;
        }
      }
      return undefined;
    },
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** "2026-12-06T22:00:00Z (3 min old)". */
export function describeAge(takenAt: string, now = Date.now()): { description: string; ageSeconds: number } {
  const ageSeconds = Math.max(0, (now - Date.parse(takenAt)) / 1000);
  const age = ageSeconds < 90 ? `${Math.round(ageSeconds)} s` : ageSeconds < 5400 ? `${Math.round(ageSeconds / 60)} min` : `${(ageSeconds / 3600).toFixed(1)} h`;
  return { description: `the backup of ${takenAt} (${age} old)`, ageSeconds };
}
