// `replicate notebooks`: the source's notebook share copied live into the target's, file by file — each read once
// (verified) and written through restore's own path (src/restore/restore.ts `restoreNotebook`: transactional MD5s,
// sha256 metadata, conflicts never overwritten, idempotent). The studio's checkpoints and temp files, and what each
// folder's .amlignore names, stay behind as in export and inventory (src/inventory/notebooks.ts `withoutClutter`).
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AzureConnection } from '../azure/connection';
import { openDatastore, type StoredFile } from '../azure/storage';
import { errorMessage } from '../common/errors';
import type { Logger } from '../common/logger';
import { NOTEBOOKS_DATASTORE, datastoreReader } from '../export/plan';
import { runPool } from '../export/pool';
import { describeReason, printable, safeRelativePath } from '../export/safePaths';
import { downloadVerified } from '../export/transfer';
import type { WorkspaceRef } from '../pair/pairFile';
import { withoutClutter } from '../inventory/notebooks';
import { emptyReport, sortedReport, type RestoreReport } from '../restore/plan';
import { restoreNotebook, type OnConflict } from '../restore/restore';
import { openTarget } from '../restore/target';

export interface ReplicateNotebooksRequest {
  source: WorkspaceRef;
  target: WorkspaceRef;
  onConflict?: OnConflict;
  signal: AbortSignal;
  logger: Logger;
  /** Files copied at once (default 32). */
  concurrency?: number;
  /** Only files the source changed after this moment (ms since epoch; fail back: since the failover). */
  changedSince?: number;
  /** Copy the studio's checkpoints and temp files too (skipped by default, with what .amlignore names). */
  includeCheckpoints?: boolean;
  onProgress?: (done: number, total: number, last: string) => void;
}

/** Report paths are share paths. */
export async function replicateNotebooks(conn: AzureConnection, req: ReplicateNotebooksRequest): Promise<{ report: RestoreReport; cancelled: boolean }> {
  const { signal } = req;
  const report = emptyReport();
  const source = await openDatastore(conn, req.source, NOTEBOOKS_DATASTORE, signal);
  const target = await openTarget(conn, req.target, signal);
  const staging = await fs.mkdtemp(path.join(os.tmpdir(), 'aml-failover-replicate-notebooks-'));
  let cancelled = false;
  try {
    const listed: StoredFile[] = [];
    for await (const f of source.list('', signal)) listed.push(f);
    const files: StoredFile[] = [];
    // Every .amlignore counts, changed since or not.
    for (const f of await withoutClutter(source, listed, req.includeCheckpoints, signal, req.logger)) {
      if (req.changedSince !== undefined && !(f.lastModified && f.lastModified.getTime() > req.changedSince)) continue;
      const safe = safeRelativePath(f.path);
      if (!safe.ok || safe.renamed || safe.relative !== f.path) {
        report.failed.push({ kind: 'notebook', path: printable(f.path), error: `refused: the name ${safe.ok ? 'is not one a file share gives' : describeReason(safe.reason)}` });
      } else files.push(f);
    }
    let done = 0;
    await runPool(
      files,
      req.concurrency ?? 32,
      async (f, i) => {
        const local = path.join(staging, String(i));
        const entry = { kind: 'notebook' as const, path: f.path };
        try {
          const got = await downloadVerified(datastoreReader(source, f.path), f, local, { signal, onRetry: (err, n, ms) => conn.onRetry(err, n, ms, `reading ${f.path}`) });
          const { bucket, entry: outcome } = await restoreNotebook(target, f.path, { local, size: got.size, sha256: got.sha256, md5: got.md5 }, entry, { ...req, onConflict: req.onConflict });
          report[bucket].push(outcome);
        } catch (err) {
          if (signal.aborted) throw err;
          req.logger.error(`notebook ${f.path}: ${errorMessage(err)}`);
          report.failed.push({ ...entry, error: errorMessage(err) });
        } finally {
          await fs.rm(local, { force: true });
        }
        req.onProgress?.(++done, files.length, f.path);
      },
      signal,
    );
  } catch (err) {
    if (!signal.aborted) throw err;
    cancelled = true;
  } finally {
    source.dispose();
    await target.dispose();
    await fs.rm(staging, { recursive: true, force: true });
  }
  return { report: sortedReport(report), cancelled };
}
