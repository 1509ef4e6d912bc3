// Blob-to-blob copies done by the storage service: the target account reads the source blob through a URL that
// carries a short-lived read-only SAS (Put Block From URL, blocks of at most 100 MiB a few at a time, then Put Block
// List with the source's Content-MD5 and the caller's metadata), so the bytes never pass through this machine.
// The SAS is a user delegation SAS when storage is reached with the signed-in identity, one signed with the account
// key when the datastore hands out its key, or the datastore's own SAS. It lives only in a SecretUrl, which prints as
// a redacted URL; every error leaving this module has `sig=` scrubbed. The blocks are of one version of the source:
// its ETag is read again before the commit, and the same ETag before and after means nothing wrote to it between
// (the SDK's stageBlockFromURL sends no x-ms-source-if-match).
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import type { BlobServiceClient, ContainerClient, StorageSharedKeyCredential, UserDelegationKey } from '@azure/storage-blob';
import { runPool } from '../export/pool';
import { statusOf } from './retry';
import type { DatastoreStorage, StoredFile } from './storage';

/** How long a copy source SAS is valid: each block asks for a fresh one, so minutes are plenty. */
export const COPY_SAS_LIFETIME_MS = 15 * 60_000;
/** No copy source SAS may live longer: a datastore's own SAS that does is replaced by a user delegation SAS. */
export const MAX_SAS_LIFETIME_MS = 60 * 60_000;
/** Clock skew allowed for at the start of a SAS. */
const SAS_SKEW_MS = 5 * 60_000;
/** A user delegation key is asked for this long and renewed when less than COPY_SAS_LIFETIME_MS is left. */
const DELEGATION_KEY_LIFETIME_MS = 60 * 60_000;
export const MAX_COPY_BLOCK = 100 * 1024 * 1024;
const MIN_COPY_BLOCK = 1024 * 1024;
export const DEFAULT_COPY_BLOCK = 32 * 1024 * 1024;
export const DEFAULT_COPY_CONCURRENCY = 8;
const MAX_BLOCKS = 50_000;

/** A URL that carries a secret (a SAS): printing, logging or serializing it shows `sig=REDACTED`. */
export class SecretUrl {
  readonly #url: string;
  constructor(url: string) {
    this.#url = url;
  }
  /** The URL itself, for the one call that sends it to the storage service. */
  reveal(): string {
    return this.#url;
  }
  toString(): string {
    return scrubSas(this.#url);
  }
  toJSON(): string {
    return this.toString();
  }
  [inspect.custom](): string {
    return `SecretUrl(${this.toString()})`;
  }
}

/** `text` with the signature of every SAS in it replaced (sig=… up to the next &, quote or space). */
export function scrubSas(text: string): string {
  return text.replace(/(sig(?:=|%3D))[^&\s"'<>]+/gi, '$1REDACTED');
}

/**
 * The service-side copy cannot be done for this source: the source refused the SAS, a network rule keeps the target
 * service out, no permission to get a user delegation key, or the service does not do copies from a URL. Copying
 * through this machine may still work; `reason` says why (no secret in it).
 */
export class ServerCopyRefused extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ServerCopyRefused';
  }
}

/** How a datastore's storage is signed in to; decides which SAS a copy source gets. */
export type CopySigner =
  | { kind: 'key'; credential: StorageSharedKeyCredential }
  | { kind: 'delegation'; service: BlobServiceClient }
  /** The datastore's own SAS, used as is while it expires within the hour; else a user delegation SAS of `identity`. */
  | { kind: 'datastoreSas'; token: string; identity: BlobServiceClient };

/** What a blob datastore can do for blob-to-blob copies (see DatastoreStorage.copy). */
export interface BlobCopyEnd {
  /** A read-only URL of the blob at `path` for another storage service (SAS of at most 15 minutes). */
  readUrl(path: string, signal: AbortSignal): Promise<SecretUrl>;
  /**
   * Writes the blob at `path` from the URL `source` gives (asked again for each block, so that no SAS outlives its
   * minutes on a long copy) by Put Block From URL and commits it with `contentMD5` and `metadata`;
   * throws ServerCopyRefused when the service cannot read the source. Nothing is committed unless every block was
   * copied, the source is still the version `expectEtag` names, and the result has the source's size.
   */
  copyFromUrl(path: string, source: (signal: AbortSignal) => Promise<SecretUrl>, file: CopiedFile, options: CopyOptions): Promise<void>;
}

export interface CopiedFile {
  size: number;
  contentMD5?: string;
}

export interface CopyOptions {
  signal: AbortSignal;
  metadata?: Record<string, string>;
  /** Bytes per block (default 32 MiB, at most 100 MiB; raised so that no blob needs more than 50,000 blocks). */
  blockBytes?: number;
  /** Blocks copied at once (default 8). */
  concurrency?: number;
  /** Hears the bytes of each block the service copied. */
  onBytes?: (n: number) => void;
  /** What is copied, in messages (default: the target path). */
  label?: string;
  /** Checked after the last block, before committing: false when the source changed meanwhile. */
  sourceUnchanged?: () => Promise<boolean>;
}

/** Runs one storage call with the connection's retries (storage.ts hands its own in). */
export type Retrying = <T>(call: () => Promise<T>, signal: AbortSignal, what: string) => Promise<T>;

export function blobCopyEnd(use: () => ContainerClient, signer: CopySigner, retrying: Retrying): BlobCopyEnd {
  let delegation: Promise<UserDelegationKey> | undefined;
  let delegationExpires = 0;
  const delegationKey = (service: BlobServiceClient, signal: AbortSignal) => {
    if (!delegation || delegationExpires - Date.now() < COPY_SAS_LIFETIME_MS) {
      const now = Date.now();
      delegationExpires = now + DELEGATION_KEY_LIFETIME_MS;
      delegation = retrying(() => service.getUserDelegationKey(new Date(now - SAS_SKEW_MS), new Date(delegationExpires), { abortSignal: signal }), signal, 'user delegation key');
      delegation.catch(() => (delegation = undefined));
    }
    return delegation;
  };
  return {
    async readUrl(path, signal) {
      const container = use();
      const blob = container.getBlobClient(path);
      if (signer.kind === 'datastoreSas' && Date.parse(new URLSearchParams(signer.token.replace(/^\?/, '')).get('se') ?? '') <= Date.now() + MAX_SAS_LIFETIME_MS) {
        // A client signed in with the datastore's SAS carries it in every URL it makes.
        return new SecretUrl(new URL(blob.url).searchParams.has('sig') ? blob.url : `${blob.url}?${signer.token.replace(/^\?/, '')}`);
      }
      const sdk = await import('./azureSdk');
      const now = Date.now();
      const values = {
        containerName: container.containerName,
        blobName: path,
        permissions: sdk.BlobSASPermissions.parse('r'),
        startsOn: new Date(now - SAS_SKEW_MS),
        expiresOn: new Date(now + COPY_SAS_LIFETIME_MS),
        protocol: sdk.SASProtocol.Https,
      };
      if (signer.kind === 'key') return new SecretUrl(`${blob.url}?${sdk.generateBlobSASQueryParameters(values, signer.credential).toString()}`);
      let key: UserDelegationKey;
      try {
        key = await delegationKey(signer.kind === 'delegation' ? signer.service : signer.identity, signal);
      } catch (err) {
        throw refusalOf(err, 'the storage account gave no user delegation key to sign a SAS with') ?? scrubbed(err);
      }
      const expiresOn = new Date(Math.min(values.expiresOn.getTime(), key.signedExpiresOn.getTime()));
      return new SecretUrl(`${blob.url.split('?')[0]}?${sdk.generateBlobSASQueryParameters({ ...values, expiresOn }, key, container.accountName).toString()}`);
    },

    async copyFromUrl(path, source, file, options) {
      const { signal } = options;
      const target = use().getBlockBlobClient(path);
      const blockBytes = copyBlockSize(file.size, options.blockBytes);
      const label = options.label ?? path;
      const count = Math.ceil(file.size / blockBytes);
      // Ids of one length, unique to this attempt, so blocks of an attempt that failed are never committed.
      const attempt = randomBytes(6).toString('hex');
      const ids = Array.from({ length: count }, (_, i) => Buffer.from(`${attempt}-${String(i).padStart(6, '0')}`).toString('base64'));
      await runPool(
        ids,
        Math.max(1, options.concurrency ?? DEFAULT_COPY_CONCURRENCY),
        async (id, i) => {
          const offset = i * blockBytes;
          const length = Math.min(blockBytes, file.size - offset);
          const url = await source(signal);
          try {
            await retrying(() => target.stageBlockFromURL(id, url.reveal(), offset, length, { abortSignal: signal }), signal, `copying ${JSON.stringify(path)} from a URL`);
          } catch (err) {
            throw refusalOf(err, 'the target storage service could not read the source') ?? copyFailed(err, label);
          }
          options.onBytes?.(length);
        },
        signal,
      );
      if (options.sourceUnchanged && !(await options.sourceUnchanged())) {
        throw new Error(`${label}: the source changed while it was being copied; nothing was committed — replicate again once nothing is writing to it.`);
      }
      try {
        await retrying(
          () =>
            target.commitBlockList(ids, {
              abortSignal: signal,
              metadata: options.metadata,
              blobHTTPHeaders: { blobContentMD5: file.contentMD5 ? Buffer.from(file.contentMD5, 'base64') : undefined, blobContentType: 'application/octet-stream' },
            }),
          signal,
          `committing ${JSON.stringify(path)}`,
        );
        const copied = await retrying(() => target.getProperties({ abortSignal: signal }), signal, `properties of ${JSON.stringify(path)}`);
        if ((copied.contentLength ?? -1) !== file.size) throw new Error(`${label}: the service copied ${copied.contentLength} bytes of ${file.size}.`);
      } catch (err) {
        throw scrubbed(err);
      }
    },
  };
}

/** Bytes per block for a blob of `size`: as asked (default 32 MiB), within 1–100 MiB, and ≤ 50,000 blocks. */
export function copyBlockSize(size: number, asked?: number): number {
  const wanted = Math.min(MAX_COPY_BLOCK, Math.max(MIN_COPY_BLOCK, asked ?? DEFAULT_COPY_BLOCK));
  return Math.max(wanted, Math.ceil(size / MAX_BLOCKS));
}

/** Statuses of a copy that cannot be done from this source, whatever is retried: try through this machine instead. */
const REFUSED = new Set([400, 401, 403, 404, 405, 409, 501]);

/** A ServerCopyRefused when `err` says the service-side copy cannot be done (not a transient failure), else undefined. */
export function refusalOf(err: unknown, what: string): ServerCopyRefused | undefined {
  if (err instanceof ServerCopyRefused) return err;
  const status = statusOf(err);
  if (status === undefined || !REFUSED.has(status)) return undefined;
  const code = (err as { code?: string; details?: { errorCode?: string } }).details?.errorCode ?? (err as { code?: string }).code;
  const message = firstLine((err as Error).message ?? '');
  return new ServerCopyRefused(`${what} (${status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''})`);
}

function firstLine(s: string): string {
  return scrubSas(s.split('\n')[0]!.trim()).slice(0, 300);
}

/** A block that could not be copied for a reason other than a refusal (the source region down, the target busy). */
function copyFailed(err: unknown, path: string): unknown {
  const status = statusOf(err);
  if (status === undefined || !(err instanceof Error)) return scrubbed(err);
  const code = (err as { details?: { errorCode?: string } }).details?.errorCode ?? (err as { code?: string }).code;
  const failure = new Error(`copying ${path} server to server failed: the target storage service answered ${status}${code ? ` ${code}` : ''}: ${firstLine(err.message)} (is the source's region reachable?)`);
  Object.assign(failure, { statusCode: status, code });
  return failure;
}

/** The same error with every SAS signature in its message replaced (the SDK's errors may quote a URL). */
export function scrubbed(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const clean = scrubSas(err.message);
  if (clean === err.message) return err;
  const copy = new Error(clean);
  copy.name = err.name;
  Object.assign(copy, { statusCode: statusOf(err), code: (err as { code?: string }).code });
  return copy;
}

/**
 * Copies `file` (as listed in `source`) to `targetPath` in `target`, on the service side: for callers that copy
 * blob to blob (replicate, `backup --to-storage`). Throws ServerCopyRefused when it cannot be done that way (a file
 * share source, a SAS refused, a network rule, no delegation permission): the caller then copies through this machine.
 * Verified by the service's answers (every block copied, the source's ETag unchanged, the result's size), never by
 * downloading; the result carries the source's Content-MD5 and `metadata`.
 */
export async function copyBlobServerSide(
  source: DatastoreStorage,
  file: StoredFile,
  target: DatastoreStorage,
  targetPath: string,
  options: Omit<CopyOptions, 'sourceUnchanged'>,
): Promise<void> {
  if (!source.copy) throw new ServerCopyRefused(`datastore ${source.datastore} is a file share; only blobs are copied server to server`);
  if (!target.copy) throw new ServerCopyRefused(`datastore ${target.datastore} is a file share; copies go to blob datastores only`);
  const { copy } = source;
  const sourceUnchanged = async () => {
    if (!file.etag) return true;
    const now = await source.stat(file.path, options.signal);
    return now !== undefined && bareETag(now.etag ?? '') === bareETag(file.etag);
  };
  await target.copy.copyFromUrl(targetPath, (signal) => copy.readUrl(file.path, signal), { size: file.size, contentMD5: file.contentMD5 }, { label: `${source.datastore}/${file.path}`, ...options, sourceUnchanged });
}

function bareETag(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}
