// The backup folder: DIR/<role>/<UTC timestamp>/ snapshots, DIR/<role>/latest naming the newest complete one, and
// the records a snapshot holds besides the export's manifest (backup.json, verified.json). Reading and pruning only;
// taking a snapshot is backup.ts.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../common/atomicWrite';
import { UserError } from '../common/errors';
import { MANIFEST_FILE, type Manifest } from '../export/manifest';
import type { JobStatus } from '../export/plan';
import type { PairConfig, Role } from '../pair/pairFile';

/** The default backup folder, relative to the project folder. */
export const DEFAULT_BACKUP_FOLDER = 'aml-backup';
export const LATEST_FILE = 'latest';
export const BACKUP_RECORD_FILE = 'backup.json';
export const VERIFIED_FILE = 'verified.json';
export const RECORD_VERSION = 1;

/** `20261206T220238Z`, with `-2`, `-3` … when two snapshots start within one second. Sorts by time as text. */
const SNAPSHOT_NAME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z(?:-(\d+))?$/;

/** What a snapshot records besides the export's own manifest: when, from where, and every job's status then. */
export interface BackupRecord {
  version: number;
  tool: 'aml-failover';
  kind: 'backup';
  role: Role;
  /** The workspace's ARM id. */
  workspace: string;
  /** When the workspace was listed (ISO 8601, UTC). */
  takenAt: string;
  finishedAt: string;
  /** The export in the snapshot completed (its manifest says so too). */
  complete: boolean;
  /** The snapshot unchanged files were linked from (its folder name), if any. */
  previous?: string;
  jobs: JobStatus[];
  /** The workspace's datastores and their storage accounts (the failover names those in the region that is down). */
  datastores?: { name: string; account?: string }[];
  stats: BackupStats;
}

export interface BackupStats {
  /** Bytes downloaded from the workspace. */
  bytesDownloaded: number;
  /** Bytes of file content this snapshot holds that no earlier snapshot shares (downloaded, generated or copied). */
  newContentBytes: number;
  /** Files hard-linked from the previous snapshot, and their bytes. */
  linkedFiles: number;
  linkedBytes: number;
  /** Files copied locally from the previous snapshot because a hard link was impossible. */
  copiedFiles: number;
}

/** What `aml-failover verify` found, kept in the snapshot. */
export interface VerifiedRecord {
  version: number;
  tool: 'aml-failover';
  verifiedAt: string;
  ok: boolean;
  /** sha256 of manifest.json when verified: a manifest changed since is not verified any more. */
  manifestSha256: string;
  files: number;
  bytes: number;
  problems: string[];
}

export interface Snapshot {
  /** Folder name, e.g. 20261206T220238Z. */
  name: string;
  /** Absolute path. */
  path: string;
  role?: Role;
  /** From backup.json, else from the name. */
  takenAt: Date;
  /** The manifest says complete and backup.json too. */
  complete: boolean;
  /** verified.json says ok for the manifest as it is now. */
  verified: boolean;
  record?: BackupRecord;
}

export function snapshotName(at: Date, attempt = 1): string {
  const iso = at.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
  return attempt > 1 ? `${iso}-${attempt}` : iso;
}

/** The time in a snapshot's folder name, or undefined when the name is not one. */
export function parseSnapshotName(name: string): Date | undefined {
  const m = SNAPSHOT_NAME.exec(name);
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/**
 * DIR: `--out` (absolute, as the adapter resolved it), else `backup: {dir}` of the pair file, else aml-backup/ in the
 * project. The pair file is the repository's: its folder must lie inside the project (a folder elsewhere is the
 * user's to name, with --out).
 */
export function backupDir(projectDir: string, pair: Pick<PairConfig, 'sections'> | undefined, out?: string): string {
  if (out !== undefined) return path.resolve(out);
  const configured = backupSection(pair).dir;
  if (configured === undefined) return path.join(projectDir, DEFAULT_BACKUP_FOLDER);
  const resolved = path.resolve(projectDir, configured);
  const rel = path.relative(projectDir, resolved);
  if (path.isAbsolute(configured) || rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new UserError(`backup.dir in aml-failover.yaml must be a folder inside the project, not "${configured}"; give --out for a folder elsewhere.`, 'usage');
  }
  return resolved;
}

/** The `backup:` section of the pair file: `{dir}` (a string), nothing else yet. */
export function backupSection(pair: Pick<PairConfig, 'sections'> | undefined): { dir?: string } {
  const section = pair?.sections.backup;
  if (section === undefined || section === null) return {};
  if (typeof section !== 'object' || Array.isArray(section)) throw new UserError('backup: in aml-failover.yaml must be a mapping such as {dir: aml-backup}.', 'usage');
  const dir = (section as Record<string, unknown>).dir;
  if (dir === undefined || dir === null) return {};
  if (typeof dir !== 'string' || !dir.trim()) throw new UserError('backup.dir in aml-failover.yaml must be a folder name.', 'usage');
  return { dir };
}

export function roleDir(dir: string, role: Role): string {
  return path.join(dir, role);
}

/** The snapshots in DIR/<role>, oldest first (by name, which is by time). Folders only; links are not followed. */
export async function listSnapshots(dirOfRole: string): Promise<Snapshot[]> {
  let names: string[];
  try {
    names = await fs.readdir(dirOfRole);
  } catch {
    return [];
  }
  const out: Snapshot[] = [];
  for (const name of names.filter((n) => parseSnapshotName(n)).sort()) {
    const abs = path.join(dirOfRole, name);
    const stat = await fs.lstat(abs).catch(() => undefined);
    if (!stat?.isDirectory()) continue;
    out.push(await readSnapshot(abs));
  }
  return out;
}

/** What a snapshot folder says about itself. */
export async function readSnapshot(dir: string): Promise<Snapshot> {
  const name = path.basename(dir);
  const [manifestText, record, verified] = await Promise.all([
    fs.readFile(path.join(dir, MANIFEST_FILE)).catch(() => undefined),
    readJson<BackupRecord>(path.join(dir, BACKUP_RECORD_FILE)),
    readJson<VerifiedRecord>(path.join(dir, VERIFIED_FILE)),
  ]);
  const manifest = manifestText ? parseManifest(manifestText) : undefined;
  const complete = Boolean(manifest?.complete && record?.complete && record.tool === 'aml-failover');
  const takenAt = record?.takenAt && !Number.isNaN(Date.parse(record.takenAt)) ? new Date(record.takenAt) : (parseSnapshotName(name) ?? new Date(0));
  return {
    name,
    path: dir,
    role: record?.role,
    takenAt,
    complete,
    verified: Boolean(complete && verified?.ok && manifestText && verified.manifestSha256 === sha256(manifestText)),
    record,
  };
}

/** The newest complete snapshot, verified or not. */
export async function newestComplete(dirOfRole: string): Promise<Snapshot | undefined> {
  return (await listSnapshots(dirOfRole)).filter((s) => s.complete).pop();
}

/** The newest verified snapshot of `role` in DIR, or undefined. A library call (the failover capability uses it). */
export async function newestVerifiedSnapshot(dir: string, role: Role): Promise<Snapshot | undefined> {
  return (await listSnapshots(roleDir(dir, role))).filter((s) => s.verified).pop();
}

/** DIR/<role>/latest: one line naming the newest complete snapshot's folder. */
export async function writeLatest(dirOfRole: string, name: string): Promise<void> {
  await writeFileAtomic(path.join(dirOfRole, LATEST_FILE), `${name}\n`);
}

export async function readLatest(dirOfRole: string): Promise<string | undefined> {
  const text = await fs.readFile(path.join(dirOfRole, LATEST_FILE), 'utf8').catch(() => undefined);
  const name = text?.trim();
  return name && parseSnapshotName(name) ? name : undefined;
}

/**
 * Keeps the newest `keep` complete snapshots and removes older complete ones. `keep` is at least 1, so the newest
 * complete snapshot always stays; incomplete snapshots (running, cancelled, failed) are left alone.
 */
export async function pruneSnapshots(dirOfRole: string, keep: number): Promise<string[]> {
  if (!Number.isInteger(keep) || keep < 1) throw new UserError('--keep must be a whole number of at least 1: the newest complete snapshot is never removed.', 'usage');
  const complete = (await listSnapshots(dirOfRole)).filter((s) => s.complete);
  const remove = complete.slice(0, Math.max(0, complete.length - keep));
  for (const s of remove) {
    // rm never follows a link inside; the folder itself was checked to be one (listSnapshots).
    await fs.rm(s.path, { recursive: true, force: true });
  }
  return remove.map((s) => s.name);
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function parseManifest(text: Buffer): Manifest | undefined {
  try {
    const m = JSON.parse(text.toString('utf8')) as Manifest;
    return m && Array.isArray(m.files) ? m : undefined;
  } catch {
    return undefined;
  }
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
