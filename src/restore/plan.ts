// The decisions of a restore, pure: whether a file or asset of the backup is created, already there, or a conflict
// with what the target holds; where a renamed notebook goes; the upload folder an asset's files get; the report.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { ItemKind } from './backup';

/** Metadata on every file restore writes: the content's sha256 (the same key replicate writes). */
export const SHA256_METADATA = 'amlfailover_sha256';
/** Metadata a share file carries while restore writes it: the sha256 it will have. Another run may finish it. */
export const PENDING_METADATA = 'amlfailover_pending_sha256';

/** One line of the report: a file of the backup (path relative to the backup folder). */
export interface ReportEntry {
  kind: ItemKind;
  path: string;
  name?: string;
  version?: string;
  reason?: string;
  error?: string;
}

/** `--json` prints exactly this. */
export interface RestoreReport {
  created: ReportEntry[];
  unchanged: ReportEntry[];
  conflicts: ReportEntry[];
  failed: ReportEntry[];
}

export function emptyReport(): RestoreReport {
  return { created: [], unchanged: [], conflicts: [], failed: [] };
}

/** A file of the backup, as verified. */
export interface SourceFile {
  size: number;
  sha256: string;
  /** Base64 MD5. */
  md5: string;
}

/** A file in the target, as far as its listing or properties tell. */
export interface TargetFile {
  size: number;
  contentMD5?: string;
  metadata?: Record<string, string>;
}

export type FileDecision =
  | { action: 'create'; resume?: boolean }
  | { action: 'unchanged' }
  | { action: 'conflict'; reason: string }
  /** Only reading the target's bytes can tell. */
  | { action: 'compare' };

/**
 * Whether `source` can be written where `target` is. The sha256 a restore or replication recorded decides; otherwise
 * the service's Content-MD5 does. A file an interrupted restore left unfinished for this very content is written
 * again; any other file with other content is a conflict, never overwritten.
 */
export function decideFile(source: SourceFile, target: TargetFile | undefined): FileDecision {
  if (!target) return { action: 'create' };
  const recorded = target.metadata?.[SHA256_METADATA];
  if (recorded) return recorded === source.sha256 && target.size === source.size ? { action: 'unchanged' } : { action: 'conflict', reason: otherContent(source, target) };
  if (target.metadata?.[PENDING_METADATA] === source.sha256) return { action: 'create', resume: true };
  if (target.size !== source.size) return { action: 'conflict', reason: otherContent(source, target) };
  if (target.contentMD5) return target.contentMD5 === source.md5 ? { action: 'unchanged' } : { action: 'conflict', reason: otherContent(source, target) };
  return { action: 'compare' };
}

function otherContent(source: SourceFile, target: TargetFile): string {
  return target.size === source.size ? 'the target holds other content there' : `the target holds other content there (${target.size} bytes; the backup's has ${source.size})`;
}

/** `Users/alice/x.ipynb` → `Users/alice/x (restored 2026-12-06).ipynb` (the date in UTC). */
export function renamedPath(sharePath: string, now: Date): string {
  const dir = path.posix.dirname(sharePath);
  const base = path.posix.basename(sharePath);
  const ext = path.posix.extname(base);
  const stem = ext ? base.slice(0, -ext.length) : base;
  const renamed = `${stem} (restored ${now.toISOString().slice(0, 10)})${ext}`;
  return dir === '.' ? renamed : `${dir}/${renamed}`;
}

/**
 * The folder an asset's files go to in the target's default blob datastore, as `az ml … create` lays them out:
 * `LocalUpload/<hash>/` followed by the asset's folder or file name. The hash is of the names and contents, so the
 * same files always go to the same place and a re-run finds them there.
 */
export function uploadFolder(files: readonly { relative: string; sha256: string }[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0))) h.update(`${f.relative}\u0000${f.sha256}\n`);
  return `LocalUpload/${h.digest('hex').slice(0, 32)}/`;
}

/** How two file sets compare by name (relative paths): what is only on one side. */
export function sameNames(backup: readonly string[], target: readonly string[]): string | undefined {
  const there = new Set(target);
  const here = new Set(backup);
  const missing = backup.filter((n) => !there.has(n));
  const extra = target.filter((n) => !here.has(n));
  if (missing.length) return `the version there has no ${missing[0]}${missing.length > 1 ? ` (and ${missing.length - 1} more file(s))` : ''}`;
  if (extra.length) return `the version there has ${extra[0]}, which the backup does not${extra.length > 1 ? ` (and ${extra.length - 1} more file(s))` : ''}`;
  return undefined;
}

/** Exit code of a restore: 0 when nothing failed (conflicts included), 1 otherwise. */
export function exitCodeOf(report: RestoreReport, cancelled: boolean): number {
  return cancelled || report.failed.length ? 1 : 0;
}

/** The report sorted for stable output (by path). */
export function sortedReport(r: RestoreReport): RestoreReport {
  const by = (a: ReportEntry, b: ReportEntry) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  return { created: [...r.created].sort(by), unchanged: [...r.unchanged].sort(by), conflicts: [...r.conflicts].sort(by), failed: [...r.failed].sort(by) };
}

/** Text lines for the CLI and the log: counts, then each conflict and failure with its reason. */
export function summarizeRestore(r: RestoreReport, opts: { plan: boolean; cancelled: boolean; target: string; done?: string }): string[] {
  const done = opts.done ?? 'Restored';
  const lead = opts.plan ? `Plan for ${opts.target} (nothing written)` : opts.cancelled ? `Cancelled: ${done.toLowerCase()} into ${opts.target}` : `${done} into ${opts.target}`;
  const lines = [
    `${lead}: ${r.created.length} file(s) ${opts.plan ? 'to create' : 'created'}, ${r.unchanged.length} already there, ${r.conflicts.length} conflict(s), ${r.failed.length} failed.`,
  ];
  const what = (e: ReportEntry) => `${e.kind}${e.name ? ` ${e.name}${e.version ? `:${e.version}` : ''}` : ''} ${e.path}`;
  if (opts.plan) for (const e of r.created) lines.push(`  create: ${what(e)}${e.reason ? ` (${e.reason})` : ''}`);
  for (const e of r.conflicts) lines.push(`  conflict: ${what(e)}: ${e.reason}; not overwritten.`);
  for (const e of r.failed) lines.push(`  failed: ${what(e)}: ${e.error}`);
  return lines;
}
