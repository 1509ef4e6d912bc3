import { withRetry } from '../azure/retry';
import { unlessNotFound } from '../azure/notFound';
import { openDatastore, type DatastoreStorage } from '../azure/storage';
import { clutterMatcher, ignoreFilesIn, type IgnoreFile } from './notebookClutter';
import type { AzureConnection } from '../azure/connection';
import type { Logger } from '../common/logger';
import type { WorkspaceRef } from '../pair/pairFile';
import type { DatastoreAsset, NotebookFile } from './inventory';

/** The datastore Azure ML names for the workspace's file share, where notebooks live. */
export const NOTEBOOK_DATASTORE = 'workspaceworkingdirectory';
const MAX_FILES = 20_000;

/**
 * Lists the files on the workspace's notebook share (found through its datastore, never guessed), through the one
 * storage layer (src/azure/storage.ts); stops at 20,000 files.
 */
export function shareNotebookLister(connection: AzureConnection, ws: WorkspaceRef, logger: Logger, options: { includeCheckpoints?: boolean } = {}) {
  return async (datastores: DatastoreAsset[], signal?: AbortSignal): Promise<NotebookFile[]> => {
    if (!datastores.some((d) => d.name === NOTEBOOK_DATASTORE)) throw new Error(`The workspace has no ${NOTEBOOK_DATASTORE} datastore (its notebook share).`);
    const storage = await openDatastore(connection, ws, NOTEBOOK_DATASTORE, signal ?? new AbortController().signal);
    const files: NotebookFile[] = [];
    try {
      for await (const f of storage.list('', signal ?? new AbortController().signal)) {
        files.push({ path: f.path, size: f.size });
        if (files.length >= MAX_FILES) {
          logger.warn(`notebooks: stopped listing ${storage.container} at ${MAX_FILES} files.`);
          break;
        }
      }
      files.splice(0, files.length, ...(await withoutClutter(storage, files, options.includeCheckpoints, signal ?? new AbortController().signal)));
    } finally {
      storage.dispose();
    }
    return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  };
}

/**
 * A share listing without the studio's clutter (export, inventory and `replicate notebooks` alike); the count skipped
 * goes to the log when a logger is given.
 */
export async function withoutClutter<F extends { path: string }>(storage: DatastoreStorage, listed: readonly F[], includeCheckpoints: boolean | undefined, signal: AbortSignal, logger?: Logger): Promise<F[]> {
  const clutter = await notebookClutter(storage, listed.map((f) => f.path), includeCheckpoints, signal);
  const kept = listed.filter((f) => !clutter(f.path));
  const skipped = listed.length - kept.length;
  if (skipped) logger?.info(`notebooks: skipped ${skipped} studio checkpoint and temp file(s) (.amlignore; --include-checkpoints keeps them).`);
  return kept;
}

/** The clutter matcher for a share listing: the studio's defaults and every .amlignore it holds (read, 64 KiB at most). */
export async function notebookClutter(storage: DatastoreStorage, paths: readonly string[], includeCheckpoints: boolean | undefined, signal: AbortSignal): Promise<(path: string) => boolean> {
  if (includeCheckpoints) return clutterMatcher([], true);
  const ignoreFiles: IgnoreFile[] = [];
  for (const f of ignoreFilesIn(paths)) {
    // Read whole or again (a connection cut mid-body is retried like every other read); one that is gone is skipped.
    const text = await withRetry(
      async () => {
        const read = await unlessNotFound(storage.read(f.path, 0, 64 * 1024, signal));
        if (!read) return undefined;
        const chunks: Buffer[] = [];
        for await (const c of read.body) chunks.push(Buffer.from(c as Buffer));
        return Buffer.concat(chunks).toString('utf8');
      },
      { signal },
    );
    if (text !== undefined) ignoreFiles.push({ folder: f.folder, text });
  }
  return clutterMatcher(ignoreFiles);
}
