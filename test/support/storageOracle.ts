// Plain Azure SDK clients on a running sandbox — ARM, and a datastore's container or share signed with the key
// listSecrets returns — for integration tests to check and change the service with, never through the product's code.
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from '@azure/storage-blob';
import { ShareServiceClient, StorageSharedKeyCredential as FileKey, type ShareClient } from '@azure/storage-file-share';
import type { Role } from '../../src/pair/pairFile';
import type { RunningSandbox } from './sandbox';

export function armClient(sb: RunningSandbox, subscription = sb.primary.subscription_id): AzureMachineLearningWorkspaces {
  return new AzureMachineLearningWorkspaces(sb.credential, subscription, {
    endpoint: sb.armUrl,
    credentialScopes: ['https://management.azure.com/.default'],
    tlsOptions: { ca: sb.ca },
  });
}

/**
 * The blob container or file share behind `datastore` of the `role` workspace, signed with the key listSecrets
 * returns — or with the sandbox's token (`signIn: 'token'`), for an account that refuses Shared Key.
 */
export async function datastoreClients(sb: RunningSandbox, role: Role, datastore: string, signIn: 'key' | 'token' = 'key'): Promise<{ blob?: ContainerClient; share?: ShareClient; fileKey: FileKey }> {
  const ws = sb.pair.workspaces[role];
  const client = armClient(sb, ws.subscription_id);
  const ds = (await client.datastores.get(ws.resource_group, ws.workspace_name, datastore)).properties as { accountName: string; containerName?: string; fileShareName?: string };
  const secret = (await client.datastores.listSecrets(ws.resource_group, ws.workspace_name, datastore)) as { key: string };
  const endpoints = sb.pair.cloud.storage[ds.accountName];
  const options = { tlsOptions: { ca: sb.ca } } as object;
  const fileKey = new FileKey(ds.accountName, secret.key);
  return {
    fileKey,
    blob: ds.containerName ? new BlobServiceClient(endpoints.blob, signIn === 'token' ? sb.credential : new StorageSharedKeyCredential(ds.accountName, secret.key), options).getContainerClient(ds.containerName) : undefined,
    share: ds.fileShareName ? new ShareServiceClient(endpoints.file, fileKey, options).getShareClient(ds.fileShareName) : undefined,
  };
}

/** Writes `data` as large uploads do (Put Block in 4 MiB blocks, then Put Block List): the blob has no Content-MD5. */
export async function putBlobWithoutMD5(container: ContainerClient, name: string, data: Buffer): Promise<void> {
  const blob = container.getBlockBlobClient(name);
  const ids: string[] = [];
  for (let offset = 0; offset < data.length || ids.length === 0; offset += 4 * 1024 * 1024) {
    const id = Buffer.from(String(ids.length).padStart(6, '0')).toString('base64');
    const part = data.subarray(offset, offset + 4 * 1024 * 1024);
    await blob.stageBlock(id, part, part.length);
    ids.push(id);
  }
  await blob.commitBlockList(ids);
  if ((await blob.getProperties()).contentMD5 !== undefined) throw new Error(`${name}: a blob committed from blocks got a Content-MD5; the test needs one without`);
}
