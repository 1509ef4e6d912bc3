// One backup: a dated snapshot DIR/<role>/<UTC timestamp>/ holding what `export all` writes (the export engine
// itself, run into the new folder) plus backup.json with every job's status at that moment. Files unchanged since
// the previous snapshot are hard-linked from it before the engine runs, so they are neither downloaded nor written.
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isInside, writeFileAtomic } from '../common/atomicWrite';
import type { Logger } from '../common/logger';
import { exportWorkspace, summarize, type ExportOutcome, type ExportRequest } from '../export/exportWorkspace';
import { ignoreNewFolder, type GitignoreChange } from '../export/gitignore';
import { MANIFEST_FILE, readManifest } from '../export/manifest';
import { EXPORT_KINDS, type JobStatus } from '../export/plan';
import { OutFolder } from '../export/safePaths';
import { loadPairFile, workspaceArmId, type Role } from '../pair/pairFile';
import { linkUnchanged, type LinkFile, type LinkResult } from './linkUnchanged';
import {
  BACKUP_RECORD_FILE,
  RECORD_VERSION,
  backupDir,
  listSnapshots,
  pruneSnapshots,
  roleDir,
  snapshotName,
  writeLatest,
  type BackupRecord,
  type BackupStats,
  type Snapshot,
} from './snapshots';

/** What an export takes too: the cancel signal, the log, progress, trust, a connection to reuse, files in flight. */
type SharedWithExport = Pick<ExportRequest, 'signal' | 'logger' | 'onProgress' | 'trust' | 'connection' | 'concurrency'>;

export interface BackupRequest extends SharedWithExport {
  projectDir: string;
  from: Role;
  /** DIR, absolute. Default: `backup: {dir}` of the pair file, else <project>/aml-backup. */
  outDir?: string;
  /** Keep only the newest N complete snapshots of this role (never fewer than one). */
  keep?: number;
  /** The clock (tests and the bench pass their own). */
  now?: () => Date;
  /** Hard link (tests stand in a file system without links). */
  link?: LinkFile;
}

export interface BackupOutcome {
  /** The new snapshot's folder. */
  snapshot: string;
  role: Role;
  takenAt: string;
  complete: boolean;
  cancelled: boolean;
  /** The snapshot unchanged files were linked from. */
  previous?: string;
  stats: BackupStats;
  export: ExportOutcome;
  /** Snapshots removed by --keep (folder names). */
  removed: string[];
  /** DIR/<role>/latest now names this snapshot. */
  latest: boolean;
  gitignore?: GitignoreChange;
}

/** Takes one snapshot of `from`. A library call: the failover capability backs up before it acts. */
export async function backupWorkspace(req: BackupRequest): Promise<BackupOutcome> {
  const pair = await loadPairFile(req.projectDir);
  const dir = backupDir(req.projectDir, pair, req.outDir);
  const gitignore = await ignoreBackupFolder(req.projectDir, dir, req.logger);
  const rolePath = roleDir(dir, req.from);
  const roleFolder = await OutFolder.open(rolePath, isInside(path.relative(req.projectDir, rolePath)) ? req.projectDir : undefined);
  const previous = await previousSnapshot(roleFolder.root);
  const takenAt = (req.now ?? (() => new Date()))();
  const snapshot = await createSnapshotFolder(roleFolder.root, takenAt);
  req.logger.info(`Backing up the ${req.from} workspace into ${snapshot}${previous ? `, linking what is unchanged since ${previous.name}` : ''}.`);

  let linked: LinkResult = { linkedFiles: 0, linkedBytes: 0, copiedFiles: 0, entries: [] };
  let jobs: JobStatus[] = [];
  let datastores: BackupRecord['datastores'];
  const result = await removeIfEmptyOnError(snapshot, () => exportWorkspace({
    projectDir: req.projectDir,
    from: req.from,
    kinds: [...EXPORT_KINDS],
    outDir: snapshot,
    signal: req.signal,
    logger: req.logger,
    onProgress: req.onProgress,
    trust: req.trust,
    connection: req.connection,
    concurrency: req.concurrency,
    // A fresh folder holds nothing of the user's: whatever the engine finds there that is not right is replaced.
    force: true,
    beforeRun: async (plan) => {
      jobs = plan.jobStatuses;
      datastores = (await plan.datastores()).map((d) => ({ name: d.name, account: d.account }));
      if (!previous) return;
      const manifest = await readManifest(previous.path);
      if (manifest) linked = await linkUnchanged(plan, previous.path, manifest, await OutFolder.open(snapshot), req.link);
    },
  }));

  const stats: BackupStats = {
    bytesDownloaded: result.bytesFetched,
    newContentBytes: await newContentBytes(snapshot, previous?.path),
    linkedFiles: linked.linkedFiles,
    linkedBytes: linked.linkedBytes,
    copiedFiles: linked.copiedFiles,
  };
  const record: BackupRecord = {
    version: RECORD_VERSION,
    tool: 'aml-failover',
    kind: 'backup',
    role: req.from,
    workspace: workspaceArmId(pair.workspaces[req.from]),
    takenAt: takenAt.toISOString(),
    finishedAt: new Date().toISOString(),
    complete: result.complete,
    previous: previous?.name,
    jobs,
    datastores,
    stats,
  };
  const outcome: BackupOutcome = { snapshot, role: req.from, takenAt: record.takenAt, complete: result.complete, cancelled: result.cancelled, previous: previous?.name, stats, export: result, removed: [], latest: false, gitignore };
  // Cancelled before anything was listed: no snapshot to speak of.
  if (result.cancelled && !existsSync(result.manifestPath)) {
    await fs.rm(snapshot, { recursive: true, force: true });
    return outcome;
  }
  await writeFileAtomic(path.join(snapshot, BACKUP_RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`);
  if (result.complete) {
    await writeLatest(roleFolder.root, path.basename(snapshot));
    outcome.latest = true;
  }
  if (req.keep !== undefined) outcome.removed = await pruneSnapshots(roleFolder.root, req.keep);
  return outcome;
}

/** The workspace could not be listed (an outage, say): the snapshot folder made for it goes again if still empty. */
async function removeIfEmptyOnError<T>(snapshot: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    await fs.rmdir(snapshot).catch(() => undefined);
    throw err;
  }
}

/** The newest complete snapshot; before there is one, the newest with a manifest (what a cancelled one fetched). */
async function previousSnapshot(dirOfRole: string): Promise<Snapshot | undefined> {
  const all = await listSnapshots(dirOfRole);
  return all.filter((s) => s.complete).pop() ?? all.filter((s) => existsSync(path.join(s.path, MANIFEST_FILE))).pop();
}

/** DIR/<role>/<timestamp>, created exclusively: two backups in one second get `-2`, never one folder. */
async function createSnapshotFolder(dirOfRole: string, at: Date): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const dir = path.join(dirOfRole, snapshotName(at, attempt));
    try {
      await fs.mkdir(dir);
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 100) throw err;
    }
  }
}

/** DIR created inside a git repository's project: one .gitignore line keeps the snapshots out of commits. */
async function ignoreBackupFolder(projectDir: string, dir: string, logger: Logger): Promise<GitignoreChange | undefined> {
  const rel = path.relative(projectDir, dir);
  if (!isInside(rel) || existsSync(path.join(projectDir, rel.split(path.sep)[0]!))) return undefined;
  try {
    return await ignoreNewFolder(projectDir, rel.split(path.sep).join('/'));
  } catch (err) {
    logger.warn(`Could not add ${rel}/ to .gitignore: ${(err as Error).message}`);
    return undefined;
  }
}

/**
 * Bytes of file content in the snapshot that the previous one does not share (by inode): what this backup really
 * added to the disk, metadata (manifest, backup.json) aside.
 */
async function newContentBytes(snapshot: string, previous: string | undefined): Promise<number> {
  const manifest = await readManifest(snapshot);
  let bytes = 0;
  for (const e of manifest?.files ?? []) {
    const local = e.path.split('/');
    const now = await fs.lstat(path.join(snapshot, ...local)).catch(() => undefined);
    if (!now) continue;
    const before = previous ? await fs.lstat(path.join(previous, ...local)).catch(() => undefined) : undefined;
    if (!before || before.ino !== now.ino || before.dev !== now.dev) bytes += now.size;
  }
  return bytes;
}

/** The summary lines both adapters show. */
export function summarizeBackup(o: BackupOutcome): string[] {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  const lines = summarize(o.export).filter((l) => !l.startsWith('Manifest:'));
  lines.push(
    `${o.complete ? 'Backed up' : o.cancelled ? 'Backup cancelled' : 'Backup incomplete'}: ${o.snapshot} — ${mb(o.stats.bytesDownloaded)} downloaded, ${mb(o.stats.newContentBytes)} of new file content, ${o.stats.linkedFiles} file(s) (${mb(o.stats.linkedBytes)}) linked from ${o.previous ?? 'no earlier snapshot'}${o.stats.copiedFiles ? `, ${o.stats.copiedFiles} copied (no hard links here)` : ''}.`,
  );
  if (!o.complete && !o.cancelled) lines.push('Not marked latest; the last complete snapshot stays the recovery point.');
  for (const r of o.removed) lines.push(`Removed ${r} (--keep).`);
  if (o.gitignore) lines.push(`Added ${o.gitignore.line} to ${o.gitignore.file} so the backups stay out of git.`);
  return lines;
}
