// One verified download: bytes go to a temporary file beside the target, in ranges of at most 4 MiB fetched a few
// at a time, each range checked against the service's range MD5 when it gives one, the whole file against its
// Content-MD5 when it has one; only then is the file flushed and renamed into place. A cut, short or corrupted
// range is fetched again; a file that fails for good leaves nothing behind. Every range asks for the version that was
// listed (If-Match with its ETag), so a file that changes part-way is never stitched from two versions: it is started
// again from its new listing entry, a few times at most.
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream, fdatasync, promises as fs } from 'node:fs';
import { once } from 'node:events';
import * as path from 'node:path';
import { PARTIAL_SUFFIX } from './safePaths';
import type { ByteBudget } from './pool';
import { DEFAULT_RETRY, IntegrityError, abortError, statusOf, throwIfAborted, withRetry, type RetryPolicy } from '../azure/retry';

/** A file as the service lists it. */
export interface RemoteFile {
  /** Path inside the container or share, as the service names it. */
  path: string;
  size: number;
  etag?: string;
  /** Base64 MD5 of the whole file, when the service stores one. */
  contentMD5?: string;
}

/** Reads byte ranges of one remote file; implemented over the blob and file-share SDK clients. */
export interface RangeReader {
  /**
   * Bytes [offset, offset + count) of the version `etag` names (sent as If-Match; the service answers 412 when the
   * file has changed since), with the range's MD5 and the ETag of the version that answered.
   */
  read(offset: number, count: number, signal: AbortSignal, etag?: string): Promise<{ body: NodeJS.ReadableStream; rangeMD5?: string; etag?: string }>;
  /** The file's listing entry as it is now, to start again after it changed; undefined when it is gone. */
  stat?(signal: AbortSignal): Promise<RemoteFile | undefined>;
}

/** The file is no longer the version being read (412 to If-Match, or another ETag in an answer): start it again. */
export class VersionChangedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VersionChangedError';
  }
}

/** Times one download starts again on a new version of its file before giving up. */
export const MAX_VERSION_RESTARTS = 3;

export interface TransferOptions {
  signal: AbortSignal;
  policy?: RetryPolicy;
  /** Bytes per range request (at most 4 MiB, the largest range Azure returns an MD5 for). */
  chunkSize?: number;
  /** Ranges of one file in flight at once. */
  parallel?: number;
  /** Hears every byte received (for progress), including bytes thrown away after a failed check. */
  onBytes?: (n: number) => void;
  /** Bytes of all transfers held in memory at once (ranges in flight and waiting to be written). */
  budget?: ByteBudget;
  /** Hears each retry (logs, counters). */
  onRetry?: (err: unknown, attempt: number, waitMs: number) => void;
}

export interface TransferResult {
  size: number;
  sha256: string;
  md5: string;
  /** The version downloaded: the one listed, or the one listed after it changed part-way. */
  remote: RemoteFile;
}

export const MAX_RANGE = 4 * 1024 * 1024;
const MAX_CHUNK = 64 * 1024 * 1024;
const FLUSH_EVERY = 64 * 1024 * 1024;

/** Downloads `remote` to `target` (absolute) via a temporary file; resolves once the verified file is in place. */
export async function downloadVerified(reader: RangeReader, remote: RemoteFile, target: string, options: TransferOptions): Promise<TransferResult> {
  const policy = options.policy ?? DEFAULT_RETRY;
  let version = remote;
  for (let restarts = 0; ; restarts++) {
    // Whole-file attempts: a Content-MD5 mismatch at the end means starting over.
    // With a whole-file Content-MD5 to check at the end, one streamed GET (resumed from where it was cut) is as fast
    // as a plain download; without one, ranges of at most 4 MiB let the service vouch for every range it sends.
    const attempt = version.contentMD5 && version.size > MAX_RANGE ? attemptStream : attemptFile;
    const current = version;
    // Once a whole file arrived damaged, the link damages bytes: from then on the service vouches for each range
    // (≤ 4 MiB, with its MD5), so damage costs one range retried, not the whole file again.
    let vouchEachRange = false;
    const once = async () => {
      try {
        return await (vouchEachRange ? attemptFile(reader, current, target, { ...options, chunkSize: Math.min(options.chunkSize ?? MAX_RANGE, MAX_RANGE) }) : attempt(reader, current, target, options));
      } catch (err) {
        if (err instanceof IntegrityError) vouchEachRange = true;
        throw err;
      }
    };
    try {
      const got = await withRetry(once, {
        policy: { ...policy, maxAttempts: Math.min(policy.maxAttempts, 3) },
        signal: options.signal,
        onRetry: options.onRetry,
      });
      return got;
    } catch (err) {
      if (!(err instanceof VersionChangedError) || options.signal.aborted) throw err;
      if (!reader.stat || restarts >= MAX_VERSION_RESTARTS) {
        throw new Error(`${remote.path} changed ${restarts + 1} time(s) while it was being read; export it again once nothing is writing to it.`);
      }
      options.onRetry?.(err, restarts + 1, 0);
      const now = await withRetry(() => reader.stat!(options.signal), { policy, signal: options.signal, onRetry: options.onRetry });
      if (!now) throw new Error(`${remote.path} was deleted while it was being read.`);
      version = now;
    }
  }
}

/**
 * The version one download reads: the listed ETag, or (when the listing gave none) the ETag of the first answer, so
 * the ranges of one file always come from one version.
 */
interface Pinned {
  etag?: string;
}

/** One read of the pinned version: a 412 to If-Match, or an answer from another version, is a VersionChangedError. */
async function readVersion(reader: RangeReader, remote: RemoteFile, pinned: Pinned, offset: number, count: number, signal: AbortSignal) {
  const wanted = pinned.etag;
  let answer;
  try {
    answer = await reader.read(offset, count, signal, wanted);
  } catch (err) {
    if (statusOf(err) === 412) throw new VersionChangedError(`${remote.path} changed while it was being read (its ETag is no longer ${wanted}).`);
    throw err;
  }
  pinned.etag ??= answer.etag;
  if (pinned.etag && answer.etag && bareETag(answer.etag) !== bareETag(pinned.etag)) {
    (answer.body as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    throw new VersionChangedError(`${remote.path} changed while it was being read (ETag ${answer.etag}, reading ${pinned.etag}).`);
  }
  return answer;
}

/** Listings may give an ETag bare and headers quoted (or weak); the version is the same. */
export function bareETag(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

async function attemptFile(reader: RangeReader, remote: RemoteFile, target: string, options: TransferOptions): Promise<TransferResult> {
  // Without a whole-file Content-MD5 the range MD5s are the only check, and Azure gives them for ranges ≤ 4 MiB.
  const chunkSize = Math.min(options.chunkSize ?? MAX_RANGE, remote.contentMD5 ? MAX_CHUNK : MAX_RANGE);
  const parallel = Math.max(1, options.parallel ?? 4);
  const temp = await tempBeside(target);
  const handle = await fs.open(temp, 'wx');
  let placed = false;
  try {
    const sha256 = createHash('sha256');
    const md5 = createHash('md5');
    const chunks = Math.ceil(remote.size / chunkSize);
    const inFlight = new Map<number, Promise<Buffer>>();
    // Stops this file's other ranges as soon as one fails for good (or the user cancels).
    const stopFile = new AbortController();
    const onOuterAbort = () => stopFile.abort(options.signal.reason);
    options.signal.addEventListener('abort', onOuterAbort, { once: true });
    const rangeOptions: TransferOptions = { ...options, signal: stopFile.signal };
    const pinned: Pinned = { etag: remote.etag };
    const start = (i: number) => {
      const offset = i * chunkSize;
      const count = Math.min(chunkSize, remote.size - offset);
      const p = (async () => {
        await options.budget?.acquire(count);
        try {
          return await withRetry(() => readRange(reader, remote, pinned, offset, count, rangeOptions), {
            policy: options.policy,
            signal: stopFile.signal,
            onRetry: options.onRetry,
          });
        } catch (err) {
          options.budget?.release(count);
          throw err;
        }
      })();
      // Settled later in order; keep an early rejection from counting as unhandled meanwhile.
      p.catch(() => undefined);
      inFlight.set(i, p);
    };
    for (let i = 0; i < Math.min(parallel, chunks); i++) start(i);
    let position = 0;
    try {
      for (let i = 0; i < chunks; i++) {
        const buffer = await inFlight.get(i)!;
        inFlight.delete(i);
        if (i + parallel < chunks) start(i + parallel);
        try {
          throwIfAborted(options.signal);
          sha256.update(buffer);
          md5.update(buffer);
          await handle.write(buffer, 0, buffer.length, position);
          position += buffer.length;
        } finally {
          options.budget?.release(buffer.length);
        }
      }
    } catch (err) {
      stopFile.abort(err);
      throwIfAborted(options.signal);
      throw err;
    } finally {
      options.signal.removeEventListener('abort', onOuterAbort);
      // Let ranges still in flight finish or fail before the temporary file goes, and give back their bytes.
      for (const settled of await Promise.allSettled(inFlight.values())) {
        if (settled.status === 'fulfilled') options.budget?.release(settled.value.length);
      }
    }
    const md5Base64 = checkMD5(remote, md5.digest('base64'));
    await handle.sync();
    await handle.close();
    await fs.rename(temp, target);
    placed = true;
    return { size: position, sha256: sha256.digest('hex'), md5: md5Base64, remote: { ...remote, etag: pinned.etag } };
  } finally {
    if (!placed) {
      await handle.close().catch(() => undefined);
      await fs.rm(temp, { force: true });
    }
  }
}

async function attemptStream(reader: RangeReader, remote: RemoteFile, target: string, options: TransferOptions): Promise<TransferResult> {
  const temp = await tempBeside(target);
  const sha256 = createHash('sha256');
  const md5 = createHash('md5');
  let written = 0;
  const out = createWriteStream(temp, { flags: 'wx', highWaterMark: 1024 * 1024 });
  let fd: number | undefined;
  const opened = new Promise<void>((resolve, reject) =>
    out
      .once('open', (opened: number) => {
        fd = opened;
        resolve();
      })
      .once('error', reject),
  );
  let placed = false;
  const pinned: Pinned = { etag: remote.etag };
  // Flush to disk while downloading (one flush in flight, every FLUSH_EVERY bytes), so the fsync before the rename
  // does not have to write the whole file at the end.
  let flushing: Promise<void> | undefined;
  let flushedAt = 0;
  const flushSoon = () => {
    if (flushing || written - flushedAt < FLUSH_EVERY || fd === undefined) return;
    flushedAt = written;
    const handle = fd;
    flushing = new Promise<void>((resolve) => fdatasync(handle, () => resolve())).finally(() => (flushing = undefined));
  };
  try {
    await opened;
    // A connection cut part-way costs only the rest of the file: ask again from the first byte not yet written.
    await withRetry(
      async () => {
        const { body } = await readVersion(reader, remote, pinned, written, remote.size - written, options.signal);
        try {
          for await (const part of body as AsyncIterable<Buffer>) {
            if (written + part.length > remote.size) throw new IntegrityError(`${remote.path}: the service sent more than ${remote.size} bytes.`);
            sha256.update(part);
            md5.update(part);
            written += part.length;
            options.onBytes?.(part.length);
            // The file stream survives a cut body, so the next attempt appends to it.
            if (!out.write(part)) await once(out, 'drain', { signal: options.signal });
            flushSoon();
          }
        } catch (err) {
          if (options.signal.aborted) throw abortError(options.signal);
          throw err;
        }
        if (written !== remote.size) throw new IntegrityError(`${remote.path}: got ${written} of ${remote.size} bytes (connection cut short).`);
      },
      { policy: options.policy, signal: options.signal, onRetry: options.onRetry },
    );
    await flushing;
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    const md5Base64 = checkMD5(remote, md5.digest('base64'));
    const handle = await fs.open(temp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, target);
    placed = true;
    return { size: written, sha256: sha256.digest('hex'), md5: md5Base64, remote: { ...remote, etag: pinned.etag } };
  } finally {
    await flushing;
    if (!placed) {
      out.destroy();
      await fs.rm(temp, { force: true });
    }
  }
}

/** A fresh temporary name in the target's folder (created), which sweepPartials recognises. */
async function tempBeside(target: string): Promise<string> {
  const dir = path.dirname(target);
  await fs.mkdir(dir, { recursive: true });
  return path.join(dir, `.${path.basename(target).slice(0, 100)}.${randomBytes(4).toString('hex')}${PARTIAL_SUFFIX}`);
}

/** The whole file's MD5 must match the service's Content-MD5, when it has one. */
function checkMD5(remote: RemoteFile, md5Base64: string): string {
  if (remote.contentMD5 && remote.contentMD5 !== md5Base64) {
    throw new IntegrityError(`${remote.path}: content MD5 ${md5Base64} does not match the service's ${remote.contentMD5}.`);
  }
  return md5Base64;
}

async function readRange(reader: RangeReader, remote: RemoteFile, pinned: Pinned, offset: number, count: number, options: TransferOptions): Promise<Buffer> {
  const { body, rangeMD5 } = await readVersion(reader, remote, pinned, offset, count, options.signal);
  const parts: Buffer[] = [];
  let received = 0;
  try {
    for await (const part of body as AsyncIterable<Buffer | string>) {
      const b = typeof part === 'string' ? Buffer.from(part) : part;
      received += b.length;
      options.onBytes?.(b.length);
      if (received > count) throw new IntegrityError(`range at ${offset}: the service sent more than the ${count} bytes asked for.`);
      parts.push(b);
    }
  } catch (err) {
    if (options.signal.aborted) throw abortError(options.signal);
    throw err;
  }
  if (received !== count) throw new IntegrityError(`range at ${offset}: got ${received} of ${count} bytes (connection cut short).`);
  const buffer = Buffer.concat(parts, received);
  if (rangeMD5 && createHash('md5').update(buffer).digest('base64') !== rangeMD5) {
    throw new IntegrityError(`range at ${offset}: the bytes do not match the range MD5 the service sent.`);
  }
  return buffer;
}

/** sha256 and MD5 of a local file, read once. */
export async function hashFile(file: string, signal?: AbortSignal): Promise<{ size: number; sha256: string; md5: string }> {
  const [size, sha256, md5] = await digestFile(file, ['sha256', 'md5'], signal);
  return { size, sha256: sha256.digest('hex'), md5: md5.digest('base64') };
}

/** sha256 of a local file alone (its MD5 known otherwise). */
export async function sha256File(file: string, signal?: AbortSignal): Promise<{ size: number; sha256: string }> {
  const [size, sha256] = await digestFile(file, ['sha256'], signal);
  return { size, sha256: sha256.digest('hex') };
}

async function digestFile(file: string, algorithms: string[], signal: AbortSignal | undefined): Promise<[number, ...Hash[]]> {
  const hashes = algorithms.map((a) => createHash(a));
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024, signal }) as AsyncIterable<Buffer>) {
    for (const h of hashes) h.update(chunk);
    size += chunk.length;
  }
  return [size, ...hashes];
}

/** Removes temporary files left by a killed export below `dir`. */
export async function sweepPartials(dir: string): Promise<number> {
  let removed = 0;
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) removed += await sweepPartials(p);
    else if (e.name.endsWith(PARTIAL_SUFFIX)) {
      await fs.rm(p, { force: true });
      removed++;
    }
  }
  return removed;
}
