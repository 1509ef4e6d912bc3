// Carries out an export plan into OUT: verifies what is already there, fetches only what is missing or wrong (a
// few files at a time, within a memory budget), writes the generated YAML only when it changed, and keeps
// OUT/manifest.json saying exactly what is complete — also after a cancel, a failure or a kill.
import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../common/atomicWrite';
import { UserError, errorMessage } from '../common/errors';
import type { Logger } from '../common/logger';
import { ManifestWriter, emptyManifest, readManifest, MANIFEST_FILE, type AssetRef, type FileSource, type Manifest, type ManifestEntry } from './manifest';
import { ByteBudget, runPool } from './pool';
import { throwIfAborted, type RetryPolicy } from '../azure/retry';
import type { PathReport } from './safePaths';
import { downloadVerified, hashFile, sweepPartials, type RangeReader, type RemoteFile } from './transfer';

export interface PlannedDownload {
  /** Relative to OUT, already made safe. */
  local: string;
  source: FileSource;
  asset: AssetRef;
  remote: RemoteFile;
  reader: RangeReader;
}

export interface PlannedWrite {
  local: string;
  source: FileSource;
  asset: AssetRef;
  content: string;
}

export interface PlanFailure {
  source: FileSource;
  asset: AssetRef;
  error: string;
}

export interface ExportPlan {
  downloads: PlannedDownload[];
  writes: PlannedWrite[];
  /** Names refused or renamed while planning. */
  names: PathReport[];
  /** Things the user should know that are not failures (e.g. a reference left pinned in a job). */
  warnings: string[];
  failed: PlanFailure[];
  /** Whether an entry of an earlier manifest belongs to what this run exports (else it is kept as it was). */
  inScope(entry: ManifestEntry): boolean;
}

export interface ExportProgress {
  files: number;
  filesDone: number;
  bytes: number;
  bytesDone: number;
  /** The file just finished, relative to OUT. */
  last?: string;
}

export interface RunOptions {
  outDir: string;
  signal: AbortSignal;
  logger: Logger;
  /** Files in flight at once. */
  concurrency?: number;
  /** Bytes held in memory at once across all transfers. */
  memoryBudgetBytes?: number;
  policy?: RetryPolicy;
  onProgress?: (p: ExportProgress) => void;
}

export interface ExportResult {
  outDir: string;
  manifestPath: string;
  /** Files downloaded in this run. */
  fetched: number;
  /** Files found complete and left untouched. */
  verified: number;
  bytesFetched: number;
  /** Generated files (YAML) written because they were new or changed. */
  written: number;
  unchanged: number;
  retries: number;
  failed: PlanFailure[];
  names: PathReport[];
  warnings: string[];
  complete: boolean;
  cancelled: boolean;
}

// Small files are latency-bound: many in flight hide per-request latency; the byte budget bounds memory.
export const DEFAULT_CONCURRENCY = 64;
export const DEFAULT_MEMORY_BUDGET = 32 * 1024 * 1024;

export async function runExport(plan: ExportPlan, options: RunOptions): Promise<ExportResult> {
  const { outDir, signal } = options;
  // Every request in flight listens on the signal; hundreds at once are expected, not a leak.
  setMaxListeners(0, signal);
  await fs.mkdir(outDir, { recursive: true });
  const releaseLock = await lockOutDir(outDir);
  try {
    return await runLocked(plan, options);
  } finally {
    await releaseLock();
  }
}

export const LOCK_FILE = '.aml-failover-export.lock';

/**
 * One export at a time per folder: a second one would sweep the first one's partial files. A lock left by a killed
 * export (its process is gone) is taken over.
 */
async function lockOutDir(outDir: string): Promise<() => Promise<void>> {
  const lock = path.join(outDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await fs.writeFile(lock, String(process.pid), { flag: 'wx' });
      return () => fs.rm(lock, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(await fs.readFile(lock, 'utf8').catch(() => ''));
      // Our own pid means another export in this process (the extension host runs several) holds it.
      if (pid && isAlive(pid)) {
        throw new UserError(`Another export (process ${pid}) is writing to ${outDir}; wait for it or cancel it, or export to another folder.`);
      }
      await fs.rm(lock, { force: true });
    }
  }
  throw new UserError(`Cannot lock ${outDir} for the export.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function runLocked(plan: ExportPlan, options: RunOptions): Promise<ExportResult> {
  const { outDir, signal, logger } = options;
  const swept = await sweepPartials(outDir);
  if (swept) logger.info(`Removed ${swept} partial file(s) left by an interrupted export.`);

  const previous = await readManifest(outDir);
  const previousByPath = new Map((previous?.files ?? []).map((e) => [e.path, e]));
  const planned = new Set([...plan.downloads.map((d) => d.local), ...plan.writes.map((w) => w.local)]);
  const kept = (previous?.files ?? []).filter((e) => !planned.has(e.path) && !plan.inScope(e));

  const done = new Map<string, ManifestEntry>();
  const failed: PlanFailure[] = [...plan.failed];
  const manifest = (files: ManifestEntry[]): Manifest => ({ ...emptyManifest(), complete: false, files, names: plan.names, failed });
  // While running, files of an earlier run not yet looked at stay listed: a kill must not forget them.
  const checkpointState = () => manifest([...kept, ...(previous?.files ?? []).filter((e) => planned.has(e.path) && !done.has(e.path)), ...done.values()]);
  let finalState: Manifest | undefined;
  const writer = new ManifestWriter(outDir, () => finalState ?? checkpointState());
  await writer.init();

  const result: ExportResult = {
    outDir,
    manifestPath: path.join(outDir, MANIFEST_FILE),
    fetched: 0,
    verified: 0,
    bytesFetched: 0,
    written: 0,
    unchanged: 0,
    retries: 0,
    failed,
    names: plan.names,
    warnings: plan.warnings,
    complete: false,
    cancelled: false,
  };
  const progress: ExportProgress = {
    files: plan.downloads.length + plan.writes.length,
    filesDone: 0,
    bytes: plan.downloads.reduce((n, d) => n + d.remote.size, 0),
    bytesDone: 0,
  };
  const report = (last?: string) => options.onProgress?.({ ...progress, last });

  const budget = new ByteBudget(options.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET);
  const abs = (local: string) => path.join(outDir, ...local.split('/'));

  const exportOne = async (d: PlannedDownload) => {
    const target = abs(d.local);
    const entryBase = { path: d.local, source: d.source, asset: d.asset, etag: d.remote.etag, contentMD5: d.remote.contentMD5 };
    try {
      const existing = await verifyExisting(target, d.remote, previousByPath.get(d.local), signal);
      if (existing) {
        done.set(d.local, { ...entryBase, size: existing.size, sha256: existing.sha256 });
        result.verified++;
        progress.bytesDone += d.remote.size;
      } else {
        let counted = 0;
        const got = await downloadVerified(d.reader, d.remote, target, {
          signal,
          policy: options.policy,
          budget,
          onBytes: (n) => {
            counted += n;
            progress.bytesDone += n;
          },
          onRetry: (err, attempt, waitMs) => {
            result.retries++;
            logger.warn(`${d.local}: ${errorMessage(err)} — retry ${attempt} in ${waitMs} ms.`);
          },
        });
        // Bytes thrown away by retries were counted as progress; settle on the file's size.
        progress.bytesDone += d.remote.size - counted;
        done.set(d.local, { ...entryBase, size: got.size, sha256: got.sha256 });
        result.fetched++;
        result.bytesFetched += got.size;
        writer.checkpoint();
      }
      progress.filesDone++;
      report(d.local);
    } catch (err) {
      if (signal.aborted) throw err;
      logger.error(`${d.local}: ${errorMessage(err)}`);
      failed.push({ source: d.source, asset: d.asset, error: errorMessage(err) });
    }
  };

  try {
    // Small files first: many finish early, and the progress bar moves.
    const ordered = [...plan.downloads].sort((a, b) => a.remote.size - b.remote.size);
    await runPool(ordered, options.concurrency ?? DEFAULT_CONCURRENCY, exportOne, signal);
    for (const w of plan.writes) {
      throwIfAborted(signal);
      const content = Buffer.from(w.content, 'utf8');
      const target = abs(w.local);
      const current = await fs.readFile(target).catch(() => undefined);
      if (current && current.equals(content)) result.unchanged++;
      else {
        await writeFileAtomic(target, content);
        result.written++;
      }
      done.set(w.local, { path: w.local, size: content.length, sha256: createHash('sha256').update(content).digest('hex'), source: w.source, asset: w.asset });
      progress.filesDone++;
      report(w.local);
    }
    result.complete = failed.length === 0;
  } catch (err) {
    if (!signal.aborted) throw err;
    result.cancelled = true;
  } finally {
    finalState = { ...manifest([...kept, ...done.values()]), complete: result.complete };
    await writer.flush();
  }
  return result;
}

/**
 * A file already in OUT counts as exported when its size matches and either its MD5 matches the service's
 * Content-MD5, or the earlier manifest recorded the same remote version (ETag) and the file still has the sha256
 * recorded then. Anything else is fetched again.
 */
async function verifyExisting(target: string, remote: RemoteFile, previous: ManifestEntry | undefined, signal: AbortSignal): Promise<{ size: number; sha256: string } | undefined> {
  let stat;
  try {
    stat = await fs.stat(target);
  } catch {
    return undefined;
  }
  if (!stat.isFile() || stat.size !== remote.size) return undefined;
  const byMD5 = Boolean(remote.contentMD5);
  const byManifest = previous !== undefined && previous.size === remote.size && (remote.etag === undefined || previous.etag === remote.etag);
  if (!byMD5 && !byManifest) return undefined;
  const local = await hashFile(target, signal);
  if (byMD5 && local.md5 === remote.contentMD5) return local;
  if (!byMD5 && byManifest && local.sha256 === previous!.sha256) return local;
  return undefined;
}
