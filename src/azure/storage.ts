// Storage behind a workspace datastore: blob containers (models, build contexts) and file shares (notebooks).
// Clients are built from the datastore (account, container or share), the secret `listSecrets` hands out (account
// key or SAS; the connection's bearer token for identity-based datastores) and the cloud's storage endpoints.
// The connection's CA is trusted per client, never process-wide. A secret lives only inside the returned
// DatastoreStorage object: never logged, never returned, dropped by dispose().
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import type { RequestPolicyFactory, ShareClient } from '@azure/storage-file-share';
import type { AzureBlobDatastore, AzureFileDatastore } from '@azure/arm-machinelearning';
import type { AzureConnection } from './connection';
import { storageEndpoints } from './cloud';
import { unlessNotFound } from './notFound';
import { IntegrityError, withRetry } from './retry';
import { blobCopyEnd, type BlobCopyEnd, type CopySigner } from './blobCopy';
import { UserError } from '../common/errors';
import type { WorkspaceRef } from '../pair/pairFile';

/** A file as listed by the service (path inside the container or share, "/" separated, exactly as named). */
export interface StoredFile {
  path: string;
  size: number;
  etag?: string;
  /** Base64 MD5 of the whole file, when the service stores one. */
  contentMD5?: string;
  /** The blob's metadata (blob datastores). */
  metadata?: Record<string, string>;
  /** When the service says it last changed. */
  lastModified?: Date;
}

export interface RangeRead {
  body: NodeJS.ReadableStream;
  /** MD5 of this range as the service computed it (asked for ranges of at most 4 MiB). */
  rangeMD5?: string;
  /** The ETag of the version that answered. */
  etag?: string;
}

export interface DatastoreStorage {
  readonly kind: 'blob' | 'file';
  readonly datastore: string;
  readonly account: string;
  /** Container or share name. */
  readonly container: string;
  /** Every file below `prefix` ("" for all). Blob names are listed flat; share folders are walked. */
  list(prefix: string, signal: AbortSignal): AsyncIterable<StoredFile>;
  /** The file's listing entry, or undefined when it does not exist. */
  stat(path: string, signal: AbortSignal): Promise<StoredFile | undefined>;
  /**
   * Bytes [offset, offset + count) of a file, with the range's MD5 when count ≤ 4 MiB. With `etag`, only of that
   * version: sent as If-Match, so a file changed since answers 412 (the caller also compares the answer's ETag).
   */
  read(path: string, offset: number, count: number, signal: AbortSignal, etag?: string): Promise<RangeRead>;
  /** Uploads a local file as a block blob storing its Content-MD5 and `metadata` (blob datastores only). */
  upload(path: string, localFile: string, size: number, contentMD5: Buffer, signal: AbortSignal, metadata?: Record<string, string>): Promise<void>;
  /** Copies a blob of this container to another name inside the service, metadata and Content-MD5 kept (blob only). */
  copyWithin?(targetPath: string, sourcePath: string, signal: AbortSignal): Promise<void>;
  /** Blob-to-blob copies done by the storage service (blob datastores only; src/azure/blobCopy.ts). */
  readonly copy?: BlobCopyEnd;
  /**
   * Writes a local file with its transactional Content-MD5 on every Put Block or Put Range (a block or range the
   * service refuses as damaged is sent again), then the whole file's Content-MD5 and `metadata`. A blob appears
   * only when complete; a share file (its folders created) carries `pending` metadata until its last range is in.
   */
  write(path: string, file: LocalFile, signal: AbortSignal, options?: WriteOptions): Promise<void>;
  /** Forgets the secret and closes connections. */
  dispose(): void;
}

/** A local file to write, with the hashes the caller computed while verifying it. */
export interface LocalFile {
  path: string;
  size: number;
  /** Base64 MD5 of the whole file. */
  md5: string;
  /**
   * The MD5 is a record's (a backup's manifest), not computed from these bytes: it is sent only where the service
   * checks it against them (a file of one chunk), and a refusal throws Md5UnconfirmedError at once, not retried.
   */
  md5FromRecord?: boolean;
}

/** A LocalFile's recorded MD5 was not confirmed: the file is not one chunk, or the service found other bytes. */
export class Md5UnconfirmedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Md5UnconfirmedError';
  }
}

export interface WriteOptions {
  /** Metadata the complete file carries. */
  metadata?: Record<string, string>;
  /** Metadata a share file carries while it is written (replaced by `metadata` at the end). */
  pending?: Record<string, string>;
  /** Blocks or ranges of the file in flight at once (default 8). */
  parallel?: number;
}

/** Bytes per Put Range: the largest range Azure Files takes. */
export const RANGE_CHUNK = 4 * 1024 * 1024;
/** Bytes per Put Block of a blob larger than SINGLE_BLOCK_MAX (blocks may be far larger; this bounds memory). */
export const BLOCK_CHUNK = 8 * 1024 * 1024;
/**
 * A blob up to this size is one Put Block streamed from the file (the size the SDK's uploadFile sends in one
 * request): its Content-MD5 is the whole file's, known from verification, so nothing is hashed or buffered again.
 */
export const SINGLE_BLOCK_MAX = 256 * 1024 * 1024;
/** Read size when a chunk is streamed from its file (fewer, larger writes than the stream default of 64 KiB). */
const STREAM_READ = 1024 * 1024;

/** Folders named like this in a share listing are never walked (a hostile service could loop or climb). */
const UNWALKABLE = new Set(['', '.', '..']);

/**
 * Opens the storage behind `datastore` of `workspace`. Sign-in to storage uses the datastore's secret from
 * listSecrets when it has one (account key or SAS), otherwise the connection's own token (identity-based access).
 */
export async function openDatastore(conn: AzureConnection, workspace: WorkspaceRef, datastore: string, signal: AbortSignal): Promise<DatastoreStorage> {
  const ml = await conn.ml(workspace.subscription_id);
  const ds = await ml.datastores.get(workspace.resource_group, workspace.workspace_name, datastore, { abortSignal: signal });
  const props = ds.properties as AzureBlobDatastore | AzureFileDatastore;
  const kind = props.datastoreType === 'AzureBlob' ? 'blob' : props.datastoreType === 'AzureFile' ? 'file' : undefined;
  if (!kind) throw new UserError(`Datastore ${datastore} is of type ${props.datastoreType}; only blob and file datastores can be exported.`);
  const account = props.accountName;
  const container = kind === 'blob' ? (props as AzureBlobDatastore).containerName : (props as AzureFileDatastore).fileShareName;
  if (!account || !container) throw new UserError(`Datastore ${datastore} names no storage account or ${kind === 'blob' ? 'container' : 'share'}.`);
  const endpoints = storageEndpoints(conn.cloud, account);
  // The account key, SAS or token goes to the endpoint the pair file names for this account: only when trusted.
  await conn.requireTrusted({ kind: 'storage', url: kind === 'blob' ? endpoints.blob : endpoints.file });
  const secret = await datastoreSecret(conn, workspace, datastore, signal);
  const sdk = await import('./azureSdk');
  // tlsOptions reaches the clients' core pipeline (createClientPipeline), so the CA is trusted by these clients only.
  // Storage calls are retried by us, with the connection's policy (src/azure/retry.ts): the storage SDK's own retry
  // policy takes no strategy, and gives up on a listing cut part-way. Reads are retried range by range, verified.
  const options = {
    ...conn.clientOptions,
    retryOptions: { maxTries: 1 },
    // The cloud's storage scope for a token (identity-based datastores); unused with a key or SAS.
    audience: conn.cloud.storageScope,
  };
  const retrying: Retrying = (call, callSignal, what) => withRetry(call, { policy: conn.retry, signal: callSignal, onRetry: (err, n, ms) => conn.onRetry(err, n, ms, `${datastore}: ${what}`) });
  const open = (signIn: Secret | undefined): DatastoreStorage => {
    if (kind === 'blob') {
      let service: BlobServiceClient;
      if (signIn?.type === 'key') service = new sdk.BlobServiceClient(endpoints.blob, new sdk.StorageSharedKeyCredential(account, signIn.value), options);
      else if (signIn?.type === 'sas') service = new sdk.BlobServiceClient(`${endpoints.blob}?${signIn.value.replace(/^\?/, '')}`, new sdk.AnonymousCredential(), options);
      else service = new sdk.BlobServiceClient(endpoints.blob, conn.credential, options);
      const signer: CopySigner =
        signIn?.type === 'key' ? { kind: 'key', credential: new sdk.StorageSharedKeyCredential(account, signIn.value) } : signIn?.type === 'sas' ? { kind: 'datastoreSas', token: signIn.value, identity: new sdk.BlobServiceClient(endpoints.blob, conn.credential, options) } : { kind: 'delegation', service };
      return blobStorage(datastore, account, service.getContainerClient(container), retrying, (use) => blobCopyEnd(use, signer, retrying));
    }
    const ifMatch = new WeakMap<object, string>();
    const pipeline = sdk.newFilePipeline(
      signIn?.type === 'key' ? new sdk.FileSharedKeyCredential(account, signIn.value) : signIn?.type === 'sas' ? undefined : conn.credential,
      options,
    );
    pipeline.factories.push(ifMatchPolicy(ifMatch));
    const fileUrl = signIn?.type === 'sas' ? `${endpoints.file}?${signIn.value.replace(/^\?/, '')}` : endpoints.file;
    // A token (identity-based access) must say what it reads for: backup, as the studio does.
    const share = new sdk.ShareServiceClient(fileUrl, pipeline, signIn ? undefined : { fileRequestIntent: 'backup' }).getShareClient(container);
    return fileStorage(datastore, account, share, ifMatch, retrying);
  };
  if (!secret) return open(undefined);
  return withIdentityFallback(open(secret), () => open(undefined), () => {
    const told = toldKeyRefused.get(conn) ?? new Set<string>();
    toldKeyRefused.set(conn, told);
    if (told.has(account)) return;
    told.add(account);
    conn.logger?.info(`Storage account ${account} refuses its account key (Shared Key disabled); datastore ${datastore} is read with your signed-in identity instead.`);
  });
}

/** Accounts whose Shared Key refusal was already logged, per connection: said once. */
const toldKeyRefused = new WeakMap<AzureConnection, Set<string>>();

/** The account has Shared Key disabled (`allowSharedKeyAccess: false`): 403 KeyBasedAuthenticationNotPermitted. */
export function isKeyRefused(err: unknown): boolean {
  // A HEAD answer has no body: its code is only in the x-ms-error-code header.
  const e = err as { statusCode?: number; code?: string; details?: { errorCode?: string }; response?: { headers?: { get(name: string): string | undefined } } };
  const code = e?.code ?? e?.details?.errorCode ?? e?.response?.headers?.get('x-ms-error-code');
  return e?.statusCode === 403 && code === 'KeyBasedAuthenticationNotPermitted';
}

/**
 * Storage signed with the datastore's secret that switches, once, to the signed-in identity (storage scope; the
 * backup intent on Azure Files) the first time the account refuses the key; the call that was refused is made again.
 */
export function withIdentityFallback(keyed: DatastoreStorage, identity: () => DatastoreStorage, onFallback: () => void): DatastoreStorage {
  let current = keyed;
  const switchToIdentity = () => {
    if (current !== keyed) return;
    current = identity();
    keyed.dispose();
    onFallback();
  };
  const again = async <T>(call: (s: DatastoreStorage) => Promise<T>): Promise<T> => {
    try {
      return await call(current);
    } catch (err) {
      if (!isKeyRefused(err)) throw err;
      switchToIdentity();
      return call(current);
    }
  };
  return {
    kind: keyed.kind,
    datastore: keyed.datastore,
    account: keyed.account,
    container: keyed.container,
    async *list(prefix, signal) {
      let listed = 0;
      try {
        for await (const f of current.list(prefix, signal)) {
          listed++;
          yield f;
        }
      } catch (err) {
        // A refusal comes with the first page: nothing was listed yet, so listing again is whole.
        if (!isKeyRefused(err) || listed > 0) throw err;
        switchToIdentity();
        yield* current.list(prefix, signal);
      }
    },
    stat: (path, signal) => again((s) => s.stat(path, signal)),
    read: (path, offset, count, signal, etag) => again((s) => s.read(path, offset, count, signal, etag)),
    upload: (path, localFile, size, contentMD5, signal, metadata) => again((s) => s.upload(path, localFile, size, contentMD5, signal, metadata)),
    write: (path, file, signal, options) => again((s) => s.write(path, file, signal, options)),
    get copy() {
      return current.copy;
    },
    dispose: () => current.dispose(),
  };
}

/**
 * A blob container the user named by URL (`https://<account>.blob…/<container>[?<SAS>]`): with a SAS in the URL,
 * signed by it and nothing else is sent; without one, the connection's token is sent — only to an endpoint the user
 * trusts (requireTrusted), as for any storage endpoint. The URL comes from the user, never from a repository file.
 */
export async function openContainerUrl(conn: AzureConnection, url: string): Promise<DatastoreStorage> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:') throw new UserError(`${parsed.origin} is not https: a backup is only uploaded over https.`, 'usage');
  const sas = parsed.search.length > 1;
  if (!sas) await conn.requireTrusted({ kind: 'storage', url: parsed.origin });
  const sdk = await import('./azureSdk');
  const options = { ...conn.clientOptions, retryOptions: { maxTries: 1 } };
  const container = sas ? new sdk.ContainerClient(url, new sdk.AnonymousCredential(), options) : new sdk.ContainerClient(url, conn.credential, options);
  const retrying: Retrying = (call, callSignal, what) => withRetry(call, { policy: conn.retry, signal: callSignal, onRetry: (err, n, ms) => conn.onRetry(err, n, ms, `${container.containerName}: ${what}`) });
  return blobStorage(container.containerName, container.accountName, container, retrying);
}

type Secret = { type: 'key' | 'sas'; value: string };

/** Runs one storage call with the connection's retries. */
type Retrying = <T>(call: () => Promise<T>, signal: AbortSignal, what: string) => Promise<T>;

/**
 * The pages of a listing, each fetched on its own (from the previous page's continuation token), so that a page
 * cut part-way is asked for again rather than ending the listing.
 */
async function* pages<P extends { continuationToken?: string }>(
  byPage: (continuationToken: string | undefined) => AsyncIterableIterator<P>,
  retrying: Retrying,
  signal: AbortSignal,
  what: string,
): AsyncGenerator<P> {
  let token: string | undefined;
  do {
    const next = await retrying(() => byPage(token).next(), signal, what);
    if (next.done) return;
    yield next.value;
    token = next.value.continuationToken || undefined;
  } while (token);
}

async function datastoreSecret(conn: AzureConnection, workspace: WorkspaceRef, datastore: string, signal: AbortSignal): Promise<Secret | undefined> {
  const ml = await conn.ml(workspace.subscription_id);
  try {
    const s = (await ml.datastores.listSecrets(workspace.resource_group, workspace.workspace_name, datastore, { abortSignal: signal })) as {
      secretsType: string;
      key?: string;
      sasToken?: string;
    };
    if (s.secretsType === 'AccountKey' && s.key) return { type: 'key', value: s.key };
    if (s.secretsType === 'Sas' && s.sasToken) return { type: 'sas', value: s.sasToken };
    return undefined;
  } catch (err) {
    // Identity-based datastores have no secret to list (the service answers 400/404): use the signed-in identity.
    const status = (err as { statusCode?: number }).statusCode;
    if (status === 400 || status === 404 || status === 403) return undefined;
    throw err;
  }
}

/** A blob's or file's properties as a StoredFile; undefined when the service says it does not exist (404). */
async function statOrMissing(
  path: string,
  properties: Promise<{ contentLength?: number; etag?: string; contentMD5?: Uint8Array; metadata?: Record<string, string> }>,
): Promise<StoredFile | undefined> {
  const p = await unlessNotFound(properties);
  return p && { path, size: p.contentLength ?? 0, etag: p.etag, contentMD5: b64(p.contentMD5), metadata: p.metadata };
}

/**
 * Azure Files' Get File has no conditional headers in its REST spec and the SDK no option for them, so the If-Match a
 * read asks for is added here, found by the request's abort signal (one of its own per read). Where the service
 * ignores it, the reader still sees the answer's ETag.
 */
function ifMatchPolicy(wanted: WeakMap<object, string>): RequestPolicyFactory {
  return {
    create: (next) => ({
      sendRequest: (request) => {
        const etag = request.abortSignal && wanted.get(request.abortSignal);
        if (etag) request.headers.set('If-Match', etag);
        return next.sendRequest(request);
      },
    }),
  };
}

function b64(x: Uint8Array | undefined): string | undefined {
  return x && x.length ? Buffer.from(x).toString('base64') : undefined;
}

function blobStorage(datastore: string, account: string, container: ContainerClient, retrying: Retrying, copyEnd?: (use: () => ContainerClient) => BlobCopyEnd): DatastoreStorage {
  let client: ContainerClient | undefined = container;
  const use = () => {
    if (!client) throw new Error(`The storage client for datastore ${datastore} was disposed.`);
    return client;
  };
  // A container named by URL has no copy end: the copies between datastores are not for it.
  const copy = copyEnd?.(use);
  return {
    kind: 'blob',
    datastore,
    account,
    container: container.containerName,
    copy,
    async *list(prefix, signal) {
      const listing = use().listBlobsFlat({ prefix: prefix || undefined, abortSignal: signal, includeMetadata: true });
      for await (const page of pages((continuationToken) => listing.byPage({ continuationToken }), retrying, signal, `listing ${prefix || '/'}`)) {
        for (const blob of page.segment.blobItems) {
          yield { path: blob.name, size: blob.properties.contentLength ?? 0, etag: blob.properties.etag, contentMD5: b64(blob.properties.contentMD5), metadata: blob.metadata, lastModified: blob.properties.lastModified };
        }
      }
    },
    async stat(path, signal) {
      return retrying(() => statOrMissing(path, use().getBlobClient(path).getProperties({ abortSignal: signal })), signal, `properties of ${JSON.stringify(path)}`);
    },
    async read(path, offset, count, signal, etag) {
      const r = await use()
        .getBlobClient(path)
        .download(offset, count, {
          abortSignal: signal,
          rangeGetContentMD5: count <= 4 * 1024 * 1024,
          maxRetryRequests: 0,
          conditions: etag ? { ifMatch: etag } : undefined,
        });
      if (!r.readableStreamBody) throw new Error(`No body for ${path}`);
      return { body: r.readableStreamBody, rangeMD5: b64(r.contentMD5), etag: r.etag };
    },
    async upload(path, localFile, _size, contentMD5, signal, metadata) {
      await use()
        .getBlockBlobClient(path)
        .uploadFile(localFile, { abortSignal: signal, blobHTTPHeaders: { blobContentMD5: contentMD5 }, metadata, blockSize: 4 * 1024 * 1024, concurrency: 4 });
    },
    async write(path, file, signal, options = {}) {
      const blob = use().getBlockBlobClient(path);
      const what = path;
      const chunk = file.size <= SINGLE_BLOCK_MAX ? Math.max(file.size, 1) : BLOCK_CHUNK;
      const count = await sendChunks(file, chunk, options.parallel ?? 8, signal, retrying, what, (i, _offset, body, length, md5) =>
        blob.stageBlock(blockId(i), body, length, { abortSignal: signal, transactionalContentMD5: md5 }),
      );
      const ids = Array.from({ length: count }, (_, i) => blockId(i));
      await retrying(
        () => blob.commitBlockList(ids, { abortSignal: signal, blobHTTPHeaders: { blobContentMD5: Buffer.from(file.md5, 'base64') }, metadata: options.metadata }),
        signal,
        `committing ${what}`,
      );
    },
    async copyWithin(targetPath, sourcePath, signal) {
      const poller = await use().getBlockBlobClient(targetPath).beginCopyFromURL(use().getBlobClient(sourcePath).url, { abortSignal: signal, intervalInMs: 200 });
      const done = await poller.pollUntilDone();
      if (done.copyStatus !== 'success') throw new Error(`copy of ${sourcePath} ended ${done.copyStatus ?? 'without a status'}`);
    },
    dispose() {
      client = undefined;
    },
  };
}

function fileStorage(datastore: string, account: string, share: ShareClient, ifMatch: WeakMap<object, string>, retrying: Retrying): DatastoreStorage {
  let client: ShareClient | undefined = share;
  const use = () => {
    if (!client) throw new Error(`The storage client for datastore ${datastore} was disposed.`);
    return client;
  };
  /** Folders this client made sure of, so a thousand notebooks in one folder ask for it once. */
  const folders = new Map<string, Promise<void>>();
  const ensureFolder = (dir: string, signal: AbortSignal): Promise<void> => {
    let made = folders.get(dir.toLowerCase());
    if (!made) {
      made = retrying(
        async () => {
          await use().getDirectoryClient(dir).createIfNotExists({ abortSignal: signal });
        },
        signal,
        `folder ${dir}`,
      );
      made.catch(() => folders.delete(dir.toLowerCase()));
      folders.set(dir.toLowerCase(), made);
    }
    return made;
  };
  async function* walk(dir: string, signal: AbortSignal): AsyncGenerator<StoredFile> {
    const directory = dir ? use().getDirectoryClient(dir) : use().rootDirectoryClient;
    const listing = directory.listFilesAndDirectories({ abortSignal: signal, includeEtag: true });
    for await (const page of pages((continuationToken) => listing.byPage({ continuationToken }), retrying, signal, `listing ${dir || '/'}`)) {
      for (const file of page.segment.fileItems) {
        yield { path: dir ? `${dir}/${file.name}` : file.name, size: file.properties.contentLength ?? 0, etag: file.properties.etag, lastModified: file.properties.lastModified };
      }
      for (const folder of page.segment.directoryItems) {
        const child = dir ? `${dir}/${folder.name}` : folder.name;
        // A folder the service names "..", "" or with a slash is reported by the caller's path check, never walked.
        if (UNWALKABLE.has(folder.name) || folder.name.includes('/')) {
          yield { path: child, size: 0 };
          continue;
        }
        yield* walk(child, signal);
      }
    }
  }
  return {
    kind: 'file',
    datastore,
    account,
    container: share.name,
    list(prefix, signal) {
      return walk(prefix.replace(/^\/+|\/+$/g, ''), signal);
    },
    async stat(path, signal) {
      return retrying(() => statOrMissing(path, use().rootDirectoryClient.getFileClient(path).getProperties({ abortSignal: signal })), signal, `properties of ${JSON.stringify(path)}`);
    },
    async read(path, offset, count, signal, etag) {
      // A signal of this read's own carries its If-Match to the pipeline policy.
      const own = AbortSignal.any([signal]);
      if (etag) ifMatch.set(own, etag);
      const r = await use()
        .rootDirectoryClient.getFileClient(path)
        .download(offset, count, { abortSignal: own, rangeGetContentMD5: count <= 4 * 1024 * 1024, maxRetryRequests: 0 });
      if (!r.readableStreamBody) throw new Error(`No body for ${path}`);
      return { body: r.readableStreamBody as Readable, rangeMD5: b64(r.contentMD5), etag: r.etag };
    },
    async upload() {
      throw new UserError(`Datastore ${datastore} is a file share; replication uploads to blob datastores only.`);
    },
    async write(path, file, signal, options = {}) {
      const parts = path.split('/');
      for (let i = 1; i < parts.length; i++) await ensureFolder(parts.slice(0, i).join('/'), signal);
      const target = use().rootDirectoryClient.getFileClient(path);
      const what = path;
      const contentType = path.endsWith('.ipynb') ? 'application/x-ipynb+json' : undefined;
      await retrying(
        () => target.create(file.size, { abortSignal: signal, metadata: options.pending ?? {}, fileHttpHeaders: { fileContentMD5: Buffer.from(file.md5, 'base64'), fileContentType: contentType } }),
        signal,
        `creating ${what}`,
      );
      await sendChunks(file, RANGE_CHUNK, options.parallel ?? 8, signal, retrying, what, (_i, offset, body, length, md5) =>
        target.uploadRange(body, offset, length, { abortSignal: signal, contentMD5: md5 }),
      );
      await retrying(() => target.setMetadata(options.metadata ?? {}, { abortSignal: signal }), signal, `metadata of ${what}`);
    },
    dispose() {
      client = undefined;
    },
  };
}

/** True when the service refused a block or range because its bytes did not match the Content-MD5 sent with them. */
export function isMd5Mismatch(err: unknown): boolean {
  const e = err as { statusCode?: number; code?: string; message?: string; details?: { errorCode?: string } };
  if (e?.statusCode !== 400) return false;
  const code = e.code ?? e.details?.errorCode;
  return code === 'Md5Mismatch' || /md5/i.test(e.message ?? '');
}

/**
 * Sends each chunk of `file` through `send` with its MD5, `parallel` at a time; a chunk the service refused as
 * damaged (Md5Mismatch) is read and sent again, as a transient failure, within the connection's retries. A file that
 * is one chunk is streamed from disk with the whole file's MD5 (the caller's, from verifying it): a file that changed
 * since is refused by the service as damaged, as a spoiled chunk is.
 */
async function sendChunks(
  file: LocalFile,
  chunk: number,
  parallel: number,
  signal: AbortSignal,
  retrying: Retrying,
  what: string,
  send: (index: number, offset: number, body: Buffer | (() => NodeJS.ReadableStream), length: number, md5: Buffer) => Promise<unknown>,
): Promise<number> {
  const count = Math.ceil(file.size / chunk);
  if (file.md5FromRecord && count > 1) throw new Md5UnconfirmedError(`${file.path} is sent in ${count} parts: the service would not check its recorded MD5.`);
  const sendChecked = (i: number, offset: number, body: Buffer | (() => NodeJS.ReadableStream), length: number, md5: Buffer) =>
    retrying(
      async () => {
        try {
          return await send(i, offset, body, length, md5);
        } catch (err) {
          if (isMd5Mismatch(err) && file.md5FromRecord) throw new Md5UnconfirmedError(`the service found other bytes in ${file.path} than its recorded MD5 says`);
          if (isMd5Mismatch(err)) throw new IntegrityError(`the service refused the bytes at ${offset} as damaged on the way (Content-MD5 mismatch)`);
          throw err;
        }
      },
      signal,
      `${what} at ${offset}`,
    );
  if (count === 1) {
    await sendChecked(0, 0, () => createReadStream(file.path, { start: 0, end: file.size - 1, highWaterMark: STREAM_READ }), file.size, Buffer.from(file.md5, 'base64'));
    return count;
  }
  const handle = await open(file.path, 'r');
  try {
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < count; i = next++) {
        const offset = i * chunk;
        const length = Math.min(chunk, file.size - offset);
        const body = Buffer.alloc(length);
        const { bytesRead } = await handle.read(body, 0, length, offset);
        if (bytesRead !== length) throw new Error(`${file.path} changed while it was sent (read ${bytesRead} of ${length} bytes at ${offset}).`);
        await sendChecked(i, offset, body, length, createHash('md5').update(body).digest());
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, Math.max(count, 1)) }, worker));
  } finally {
    await handle.close();
  }
  return count;
}

/** Block ids of one blob: the same length for every block, as the service requires. */
function blockId(index: number): string {
  return Buffer.from(`amlf-${String(index).padStart(8, '0')}`).toString('base64');
}
