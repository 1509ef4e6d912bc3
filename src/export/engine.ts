// Carries out an export plan into OUT: verifies what is already there, fetches only what is missing or wrong (a
// few files at a time, within a memory budget), writes the generated YAML only when it changed, and keeps
// OUT/manifest.json saying exactly what is complete — also after a cancel, a failure or a kill.
import { createHash, randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { syncDir, writeFileAtomic } from '../common/atomicWrite';
import { UserError, errorMessage } from '../common/errors';
import type { Logger } from '../common/logger';
import { lockFolder } from './lock';
import { ManifestWriter, emptyManifest, readManifest, MANIFEST_FILE, type AssetRef, type FileSource, type Manifest, type ManifestEntry } from './manifest';
import { ByteBudget, runPool } from './pool';
import { throwIfAborted, type RetryPolicy } from '../azure/retry';
import { OutFolder, PARTIAL_SUFFIX, UnsafeTargetError, type PathReport } from './safePaths';
import { bareETag, downloadVerified, hashFile, sweepPartials, type RangeReader, type RemoteFile } from './transfer';

export { LOCK_FILE } from './lock';

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
  /** All files of the run: downloads, then the generated YAML written after them. */
  files: number;
  filesDone: number;
  bytes: number;
  bytesDone: number;
  /** The two phases apart, so a progress line can give one total per phase. */
  downloads: number;
  downloadsDone: number;
  writes: number;
  writesDone: number;
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
  /** Replace files in OUT that were edited locally (they differ from what the last export wrote). */
  force?: boolean;
  /** The project folder: when OUT lies in it, no link between the two is followed either. */
  projectDir?: string;
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
  /** Files in OUT (relative) this export would have replaced but kept: they were edited locally. `force` replaces them. */
  localEdits: string[];
  complete: boolean;
  cancelled: boolean;
}

// Small files are latency-bound: many in flight hide per-request latency; the byte budget bounds memory.
export const DEFAULT_CONCURRENCY = 64;
export const DEFAULT_MEMORY_BUDGET = 32 * 1024 * 1024;

export async function runExport(plan: ExportPlan, options: RunOptions): Promise<ExportResult> {
  // Every request in flight listens on the signal; hundreds at once are expected, not a leak.
  setMaxListeners(0, options.signal);
  let out: OutFolder;
  try {
    out = await OutFolder.open(options.outDir, options.projectDir);
  } catch (err) {
    throw err instanceof UnsafeTargetError ? new UserError(err.message) : err;
  }
  const releaseLock = await lockFolder(out.root);
  try {
    return await runLocked(plan, out, options);
  } finally {
    await releaseLock();
  }
}

/** What the steps of one export run share, passed to each explicitly. */
interface Run {
  plan: ExportPlan;
  out: OutFolder;
  options: RunOptions;
  /** The manifest entries of the previous export, by path. */
  previousByPath: Map<string, ManifestEntry>;
  /** Entries of the files this run has verified, fetched or written. */
  done: Map<string, ManifestEntry>;
  /** Folders that got a file by rename since the last manifest write: flushed before the manifest lists the file. */
  renamedInto: Set<string>;
  result: ExportResult;
  progress: ExportProgress;
  budget: ByteBudget;
  writer: ManifestWriter;
}

async function runLocked(plan: ExportPlan, out: OutFolder, options: RunOptions): Promise<ExportResult> {
  await prepareOut(out, options.logger);
  const previous = (await readManifest(out.root))?.files ?? [];
  const planned = new Set([...plan.downloads.map((d) => d.local), ...plan.writes.map((w) => w.local)]);
  const kept = previous.filter((e) => !planned.has(e.path) && !plan.inScope(e));
  let finalState: Manifest | undefined;
  const run: Run = {
    plan,
    out,
    options,
    previousByPath: new Map(previous.map((e) => [e.path, e])),
    done: new Map(),
    renamedInto: new Set(),
    result: newResult(plan, options.outDir),
    progress: newProgress(plan),
    budget: new ByteBudget(options.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET),
    // While running, files of an earlier run not yet looked at stay listed: a kill must not forget them.
    writer: new ManifestWriter(
      out.root,
      () => finalState ?? manifestOf(run, [...kept, ...previous.filter((e) => planned.has(e.path) && !run.done.has(e.path)), ...run.done.values()]),
      () => flushFolders(run.renamedInto),
    ),
  };
  await run.writer.init();
  const { result, progress } = run;
  const { signal } = options;
  try {
    // Small files first: many finish early, and the progress bar moves.
    const ordered = [...plan.downloads].sort((a, b) => a.remote.size - b.remote.size);
    await runPool(ordered, options.concurrency ?? DEFAULT_CONCURRENCY, (d) => exportOne(run, d), signal);
    for (const w of plan.writes) {
      throwIfAborted(signal);
      await writeOne(run, w);
      progress.filesDone++;
      progress.writesDone++;
      report(run, w.local);
    }
    result.complete = result.failed.length === 0 && result.localEdits.length === 0;
  } catch (err) {
    if (!signal.aborted) throw err;
    result.cancelled = true;
  } finally {
    finalState = { ...manifestOf(run, [...kept, ...run.done.values()]), complete: result.complete };
    await run.writer.flush();
  }
  return result;
}

/** OUT made ready (its manifest's place checked) and cleared of partial files an interrupted export left. */
async function prepareOut(out: OutFolder, logger: Logger): Promise<void> {
  try {
    await out.prepare(MANIFEST_FILE);
  } catch (err) {
    throw err instanceof UnsafeTargetError ? new UserError(err.message) : err;
  }
  const swept = await sweepPartials(out.root);
  if (swept) logger.info(`Removed ${swept} partial file(s) left by an interrupted export.`);
}

function newResult(plan: ExportPlan, outDir: string): ExportResult {
  return {
    outDir,
    manifestPath: path.join(outDir, MANIFEST_FILE),
    fetched: 0,
    verified: 0,
    bytesFetched: 0,
    written: 0,
    unchanged: 0,
    retries: 0,
    failed: [...plan.failed],
    names: plan.names,
    warnings: plan.warnings,
    localEdits: [],
    complete: false,
    cancelled: false,
  };
}

function newProgress(plan: ExportPlan): ExportProgress {
  return {
    files: plan.downloads.length + plan.writes.length,
    filesDone: 0,
    bytes: plan.downloads.reduce((n, d) => n + d.remote.size, 0),
    bytesDone: 0,
    downloads: plan.downloads.length,
    downloadsDone: 0,
    writes: plan.writes.length,
    writesDone: 0,
  };
}

/** The manifest listing `files`, with the run's names, failures and local edits; not (yet) complete. */
function manifestOf(run: Run, files: ManifestEntry[]): Manifest {
  return { ...emptyManifest(), complete: false, files, names: run.plan.names, failed: run.result.failed, localEdits: run.result.localEdits };
}

/** Flushes the folders files were renamed into, so the manifest never lists a file a power loss could take back. */
async function flushFolders(renamedInto: Set<string>): Promise<void> {
  const dirs = [...renamedInto];
  renamedInto.clear();
  await Promise.all(dirs.map(syncDir));
}

function report(run: Run, last?: string): void {
  run.options.onProgress?.({ ...run.progress, last });
}

/** Download options for one file: progress and retries counted for the run, and the bytes this file counted. */
function transferOptions(run: Run, d: PlannedDownload) {
  const { options, progress, result } = run;
  let counted = 0;
  return {
    counted: () => counted,
    options: {
      signal: options.signal,
      policy: options.policy,
      budget: run.budget,
      onBytes: (n: number) => {
        counted += n;
        progress.bytesDone += n;
      },
      onRetry: (err: unknown, attempt: number, waitMs: number) => {
        result.retries++;
        options.logger.warn(`${d.local}: ${errorMessage(err)} — retry ${attempt} in ${waitMs} ms.`);
      },
    },
  };
}

function keepLocalEdit(run: Run, local: string): void {
  run.result.localEdits.push(local);
  run.options.logger.warn(`${local}: edited here since the last export (it differs from what that export wrote); kept, not replaced.`);
}

/** One planned download: verified in place, kept as a local edit, or fetched; a failure is recorded, not thrown. */
async function exportOne(run: Run, d: PlannedDownload): Promise<void> {
  const { options, progress, result } = run;
  const { signal } = options;
  const entryBase = { path: d.local, source: d.source, asset: d.asset, etag: d.remote.etag, contentMD5: d.remote.contentMD5 };
  try {
    const target = await run.out.prepare(d.local);
    const local = await inspectLocal(target, d.remote, run.previousByPath.get(d.local), signal);
    if (local.state === 'same') {
      run.done.set(d.local, { ...entryBase, size: local.size, sha256: local.sha256 });
      result.verified++;
      progress.bytesDone += d.remote.size;
    } else if (local.state === 'other' && !options.force && (local.size !== d.remote.size || d.remote.contentMD5)) {
      // Cannot be the service's bytes (another size, or another MD5): a local edit, kept without downloading.
      keepLocalEdit(run, d.local);
      progress.bytesDone += d.remote.size;
    } else {
      // A file there that the last export did not write: fetched beside it and compared, never written over it.
      const beside = local.state === 'other' && !options.force;
      const into = beside ? path.join(path.dirname(target), `.${path.basename(target).slice(0, 100)}.${randomBytes(4).toString('hex')}.remote${PARTIAL_SUFFIX}`) : target;
      const t = transferOptions(run, d);
      let got;
      try {
        got = await downloadVerified(d.reader, d.remote, into, t.options);
      } finally {
        if (beside) await fs.rm(into, { force: true }).catch(() => undefined);
      }
      // Bytes thrown away by retries were counted as progress; settle on the file's size.
      progress.bytesDone += got.size - t.counted();
      result.bytesFetched += got.size;
      if (beside && local.state === 'other' && got.sha256 !== local.sha256) keepLocalEdit(run, d.local);
      else {
        // The version fetched may be newer than the one listed (the file changed while it was read).
        run.done.set(d.local, { ...entryBase, etag: got.remote.etag, contentMD5: got.remote.contentMD5, size: got.size, sha256: got.sha256 });
        if (beside) result.verified++;
        else {
          result.fetched++;
          run.renamedInto.add(path.dirname(target));
        }
        run.writer.checkpoint();
      }
    }
    progress.filesDone++;
    progress.downloadsDone++;
    report(run, d.local);
  } catch (err) {
    if (signal.aborted) throw err;
    options.logger.error(`${d.local}: ${errorMessage(err)}`);
    result.failed.push({ source: d.source, asset: d.asset, error: errorMessage(err) });
  }
}

/** One generated file: left alone when unchanged, kept when edited locally (unless forced), else written atomically. */
async function writeOne(run: Run, w: PlannedWrite): Promise<void> {
  const { options, result } = run;
  const content = Buffer.from(w.content, 'utf8');
  const sha256 = createHash('sha256').update(content).digest('hex');
  let target;
  try {
    target = await run.out.prepare(w.local);
  } catch (err) {
    if (!(err instanceof UnsafeTargetError)) throw err;
    options.logger.error(`${w.local}: ${err.message}`);
    result.failed.push({ source: w.source, asset: w.asset, error: err.message });
    return;
  }
  const current = await fs.readFile(target).catch(() => undefined);
  const previousSha = run.previousByPath.get(w.local)?.sha256;
  if (current && current.equals(content)) result.unchanged++;
  else if (current && !options.force && createHash('sha256').update(current).digest('hex') !== previousSha) {
    keepLocalEdit(run, w.local);
    return;
  } else {
    // Its folder is flushed with the others before the manifest lists the file.
    await writeFileAtomic(target, content, { syncFolder: false });
    run.renamedInto.add(path.dirname(target));
    result.written++;
  }
  run.done.set(w.local, { path: w.local, size: content.length, sha256, source: w.source, asset: w.asset });
}

type LocalState = { state: 'absent' } | { state: 'same' | 'ours' | 'other'; size: number; sha256: string };

/**
 * What is at `target` before the export writes it: nothing; the service's bytes already ('same': the size matches
 * and either the MD5 matches the service's Content-MD5, or the earlier manifest recorded this remote version and the
 * file still has the sha256 recorded then); a copy the last export wrote and no one touched since ('ours', to be
 * replaced); or something else ('other': edited here, or never exported). The file is read at most once.
 */
async function inspectLocal(target: string, remote: RemoteFile, previous: ManifestEntry | undefined, signal: AbortSignal): Promise<LocalState> {
  let stat;
  try {
    stat = await fs.lstat(target);
  } catch {
    return { state: 'absent' };
  }
  const local = await hashFile(target, signal);
  const byManifest = previous !== undefined && previous.size === remote.size && (remote.etag === undefined || (previous.etag !== undefined && bareETag(previous.etag) === bareETag(remote.etag)));
  if (stat.size === remote.size) {
    if (remote.contentMD5 && local.md5 === remote.contentMD5) return { state: 'same', ...local };
    if (!remote.contentMD5 && byManifest && local.sha256 === previous.sha256) return { state: 'same', ...local };
  }
  if (previous && local.sha256 === previous.sha256 && local.size === previous.size) return { state: 'ours', ...local };
  return { state: 'other', ...local };
}
