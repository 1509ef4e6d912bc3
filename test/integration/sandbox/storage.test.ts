// The sandbox's per-region storage endpoints through the real @azure/storage-blob and @azure/storage-file-share
// clients: Shared Key with the key listSecrets returns, the sandbox's bearer token, anonymous refused, Content-MD5 on
// everything seeded, file share listing with paging, ranged reads, create + put-range uploads.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { AnonymousCredential, BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { ShareServiceClient, StorageSharedKeyCredential as FileKeyCredential } from '@azure/storage-file-share';
import { storageEndpoints } from '../../../src/azure/cloud';
import { startSandbox, type RunningSandbox } from '../../support/sandbox';

let sb: RunningSandbox;
const LARGE_MB = 3;

interface Store {
  account: string;
  key: string;
  container: string;
  share: string;
}

/** What a user's script does: ask ARM for the workspace's datastores and their key, then go to storage. */
async function storeOf(role: 'primary' | 'secondary'): Promise<Store> {
  const ref = sb[role];
  const ml = new AzureMachineLearningWorkspaces(sb.credential, ref.subscription_id, { endpoint: sb.armUrl, credentialScopes: ['https://management.azure.com/.default'], tlsOptions: { ca: sb.ca } });
  const blob = await ml.datastores.get(ref.resource_group, ref.workspace_name, 'workspaceblobstore');
  const files = await ml.datastores.get(ref.resource_group, ref.workspace_name, 'workspaceworkingdirectory');
  const secrets = (await ml.datastores.listSecrets(ref.resource_group, ref.workspace_name, 'workspaceblobstore')) as { key?: string };
  const props = blob.properties as { accountName: string; containerName: string };
  return { account: props.accountName, key: secrets.key ?? '', container: props.containerName, share: (files.properties as { fileShareName: string }).fileShareName };
}

const tls = () => ({ tlsOptions: { ca: sb.ca }, retryOptions: { maxTries: 1 } });
const blobService = (s: Store, how: 'key' | 'token' | 'anonymous' = 'key') =>
  new BlobServiceClient(
    storageEndpoints(sb.pair.cloud, s.account).blob,
    how === 'key' ? new StorageSharedKeyCredential(s.account, s.key) : how === 'token' ? sb.credential : new AnonymousCredential(),
    tls(),
  );
const shareService = (s: Store, how: 'key' | 'token' = 'key') =>
  new ShareServiceClient(storageEndpoints(sb.pair.cloud, s.account).file, how === 'key' ? new FileKeyCredential(s.account, s.key) : sb.credential, { ...tls(), fileRequestIntent: 'backup' });

async function all<T>(iter: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iter) out.push(x);
  return out;
}

describe('sandbox storage through the real storage SDKs', () => {
  let primary: Store;
  let secondary: Store;
  before(async () => {
    sb = await startSandbox({ largeModelMb: LARGE_MB, notebooks: 12 });
    primary = await storeOf('primary');
    secondary = await storeOf('secondary');
  });
  after(async () => {
    await sb?.stop();
  });

  it('lists model blobs with Content-MD5 that matches the downloaded bytes, including the large model', async () => {
    const container = blobService(primary).getContainerClient(primary.container);
    const blobs = await all(container.listBlobsFlat());
    assert.ok(blobs.length > 15, `expected many model files, got ${blobs.length}`);
    // Registered uploads (LocalUpload/) carry a Content-MD5; job outputs (azureml/<job>/…) were uploaded in blocks without one.
    for (const b of blobs) {
      if (b.name.startsWith('azureml/')) assert.equal(b.properties.contentMD5, undefined, `${b.name} has no Content-MD5`);
      else assert.ok(b.properties.contentMD5?.length, `${b.name} has a Content-MD5`);
    }
    assert.ok(blobs.some((b) => b.name.startsWith('azureml/')), 'job outputs are there');
    const large = blobs.find((b) => b.name.endsWith('sentiment-bert/pytorch_model.bin'));
    assert.ok(large, 'the large model is there');
    assert.equal(large.properties.contentLength, LARGE_MB * 1024 * 1024);
    const data = await container.getBlobClient(large.name).downloadToBuffer();
    assert.equal(createHash('md5').update(data).digest('base64'), Buffer.from(large.properties.contentMD5!).toString('base64'));
  });

  it('accepts the bearer token and refuses anonymous requests', async () => {
    const viaToken = await all(blobService(primary, 'token').getContainerClient(primary.container).listBlobsFlat());
    assert.ok(viaToken.length > 0);
    await assert.rejects(all(blobService(primary, 'anonymous').getContainerClient(primary.container).listBlobsFlat()), (e: { statusCode?: number }) => e.statusCode === 401);
    const wrongKey = new BlobServiceClient(storageEndpoints(sb.pair.cloud, primary.account).blob, new StorageSharedKeyCredential(primary.account, secondary.key), tls());
    await assert.rejects(all(wrongKey.getContainerClient(primary.container).listBlobsFlat()), (e: { statusCode?: number }) => e.statusCode === 403);
  });

  it('uploads and downloads a blob in the secondary with a bearer token', async () => {
    const blob = blobService(secondary, 'token').getContainerClient(secondary.container).getBlockBlobClient('replicated/model.bin');
    const data = Buffer.from('replicated bytes');
    await blob.uploadData(data, { blobHTTPHeaders: { blobContentMD5: createHash('md5').update(data).digest() } });
    assert.deepEqual(await blob.downloadToBuffer(), data);
  });

  it('lists notebooks on the file share, page by page, with MD5 and ranged reads', async () => {
    const share = shareService(primary).getShareClient(primary.share);
    const alice = share.getDirectoryClient('Users/alice');
    const pages = [];
    for await (const page of alice.getDirectoryClient('generated').listFilesAndDirectories().byPage({ maxPageSize: 5 })) pages.push(page);
    assert.equal(pages.length, 3, '12 notebooks in pages of 5');
    const names = pages.flatMap((p) => p.segment.fileItems.map((f) => f.name));
    assert.equal(names.length, 12);
    assert.equal(new Set(names).size, 12);
    const top = await all(alice.listFilesAndDirectories());
    const notebook = top.find((e) => e.kind === 'file' && e.name.endsWith('.ipynb'));
    assert.ok(notebook, 'a real notebook under Users/alice/');
    const file = alice.getFileClient(notebook.name);
    const props = await file.getProperties();
    assert.ok(props.contentMD5, 'seeded files carry Content-MD5');
    const whole = await file.downloadToBuffer();
    assert.equal(createHash('md5').update(whole).digest('base64'), Buffer.from(props.contentMD5).toString('base64'));
    JSON.parse(whole.toString('utf8'));
    const part = await file.downloadToBuffer(10, 20);
    assert.deepEqual(part, whole.subarray(10, 30));
  });

  it('creates a folder and uploads a notebook in ranges (create + put-range), by key and by token', async () => {
    const share = shareService(secondary, 'token').getShareClient(secondary.share);
    await share.getDirectoryClient('Users').createIfNotExists();
    const dir = share.getDirectoryClient('Users/carol');
    await dir.create();
    const big = Buffer.alloc(5 * 1024 * 1024 + 123, 7); // more than one 4 MiB range
    const file = dir.getFileClient('big.ipynb');
    await file.uploadData(big, { rangeSize: 4 * 1024 * 1024, fileHttpHeaders: { fileContentMD5: createHash('md5').update(big).digest() } });
    const back = await shareService(secondary).getShareClient(secondary.share).getDirectoryClient('Users/carol').getFileClient('big.ipynb').downloadToBuffer();
    assert.equal(back.length, big.length);
    assert.ok(back.equals(big));
    await assert.rejects(dir.create(), (e: { statusCode?: number }) => e.statusCode === 409);
    await assert.rejects(share.getDirectoryClient('Users/nobody').getFileClient('x').getProperties(), (e: { statusCode?: number }) => e.statusCode === 404);
  });

  it('keeps the two regions apart: each endpoint serves its own account only', async () => {
    const crossed = new BlobServiceClient(`${storageEndpoints(sb.pair.cloud, secondary.account).blob.replace(secondary.account, primary.account)}`, new StorageSharedKeyCredential(primary.account, primary.key), tls());
    await assert.rejects(all(crossed.getContainerClient(primary.container).listBlobsFlat()), (e: { statusCode?: number }) => e.statusCode === 400);
  });
});
