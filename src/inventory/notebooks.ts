import type { ShareServiceClient } from '@azure/storage-file-share';
import { storageEndpoints } from '../azure/cloud';
import type { AzureConnection } from '../azure/connection';
import type { Logger } from '../common/logger';
import type { WorkspaceRef } from '../pair/pairFile';
import type { DatastoreAsset, NotebookFile } from './inventory';

/** The datastore Azure ML names for the workspace's file share, where notebooks live. */
export const NOTEBOOK_DATASTORE = 'workspaceworkingdirectory';
const MAX_FILES = 20_000;
const MAX_DEPTH = 32;

/**
 * Lists the files on the workspace's notebook share (read from its datastore, never guessed), depth first, with
 * paging; stops at 20,000 files. Authenticates with the account key the datastore's listSecrets returns.
 */
export function shareNotebookLister(connection: AzureConnection, ws: WorkspaceRef, logger: Logger) {
  return async (datastores: DatastoreAsset[], signal?: AbortSignal): Promise<NotebookFile[]> => {
    const store = datastores.find((d) => d.name === NOTEBOOK_DATASTORE);
    if (!store?.accountName || !store.location) throw new Error(`The workspace has no ${NOTEBOOK_DATASTORE} datastore naming a file share.`);
    const ml = await connection.ml(ws.subscription_id);
    const secrets = (await ml.datastores.listSecrets(ws.resource_group, ws.workspace_name, NOTEBOOK_DATASTORE, { abortSignal: signal })) as { key?: string; secretsType?: string };
    if (!secrets.key) throw new Error(`The ${NOTEBOOK_DATASTORE} datastore gave no account key (secrets type ${secrets.secretsType ?? 'unknown'}).`);
    const service = await shareService(connection, store.accountName, secrets.key);
    const share = service.getShareClient(store.location);
    const files: NotebookFile[] = [];
    const walk = async (dir: string, depth: number): Promise<void> => {
      if (depth > MAX_DEPTH) return;
      const client = dir ? share.getDirectoryClient(dir) : share.rootDirectoryClient;
      for await (const entry of client.listFilesAndDirectories({ abortSignal: signal })) {
        const p = dir ? `${dir}/${entry.name}` : entry.name;
        if (entry.kind === 'directory') await walk(p, depth + 1);
        else files.push({ path: p, size: entry.properties.contentLength ?? 0 });
        if (files.length >= MAX_FILES) {
          logger.warn(`notebooks: stopped listing ${store.location} at ${MAX_FILES} files.`);
          return;
        }
      }
    };
    await walk('', 0);
    return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  };
}

async function shareService(connection: AzureConnection, account: string, key: string): Promise<ShareServiceClient> {
  const sdk = await import('../azure/azureSdk');
  // The CA goes to this client's pipeline only (createPipelineFromOptions honours tlsOptions).
  return new sdk.ShareServiceClient(storageEndpoints(connection.cloud, account).file, new sdk.FileSharedKeyCredential(account, key), {
    ...(connection.ca ? { tlsOptions: { ca: connection.ca } } : {}),
    retryOptions: { maxTries: 2 },
  } as ConstructorParameters<typeof sdk.ShareServiceClient>[2]);
}
