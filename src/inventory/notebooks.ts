import { openDatastore } from '../azure/storage';
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
export function shareNotebookLister(connection: AzureConnection, ws: WorkspaceRef, logger: Logger) {
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
    } finally {
      storage.dispose();
    }
    return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  };
}
