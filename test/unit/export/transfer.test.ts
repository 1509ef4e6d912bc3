import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { downloadVerified, hashFile, sweepPartials, type RangeReader, type RemoteFile } from '../../../src/export/transfer';
import { ByteBudget } from '../../../src/export/pool';
import { scratchDir } from '../../support/scratch';

const FAST = { maxAttempts: 6, baseDelayMs: 1, maxDelayMs: 5 };
const md5 = (b: Buffer) => createHash('md5').update(b).digest('base64');

type Fault = 'reset' | 'short' | 'corrupt' | 'throttle' | 'corrupt-silently';

/** A remote file in memory that misbehaves on the first reads as told; reads are counted. */
function remoteFile(data: Buffer, faults: Fault[] = [], opts: { rangeMD5?: boolean } = {}) {
  const reads: { offset: number; count: number }[] = [];
  const reader: RangeReader = {
    async read(offset, count) {
      reads.push({ offset, count });
      const fault = faults.shift();
      const slice = Buffer.from(data.subarray(offset, offset + count));
      const rangeMD5 = opts.rangeMD5 === false ? undefined : md5(slice);
      if (fault === 'throttle') {
        throw Object.assign(new Error('throttled'), { statusCode: 429, response: { headers: { get: (h: string) => (h === 'retry-after-ms' ? '1' : undefined) } } });
      }
      if (fault === 'reset') {
        const half = slice.subarray(0, Math.floor(slice.length / 2));
        const body = new Readable({
          read() {
            this.push(half);
            this.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
          },
        });
        return { body, rangeMD5 };
      }
      if (fault === 'short') return { body: Readable.from([slice.subarray(0, slice.length - 1)]), rangeMD5 };
      if (fault === 'corrupt' || fault === 'corrupt-silently') {
        const bad = Buffer.from(slice);
        bad[0] ^= 0xff;
        return { body: Readable.from([bad]), rangeMD5: fault === 'corrupt' ? rangeMD5 : undefined };
      }
      return { body: Readable.from([slice]), rangeMD5 };
    },
  };
  return { reader, reads };
}


function tempDir(): Promise<string> {
  return scratchDir('export-transfer-');
}

async function filesIn(dir: string): Promise<string[]> {
  return (await fs.readdir(dir, { recursive: true })).map(String).sort();
}

test('a clean download is byte-exact and hashed', async () => {
  const dir = await tempDir();
  const data = randomBytes(10 * 1024 + 7);
  const { reader, reads } = remoteFile(data);
  const remote: RemoteFile = { path: 'm/w.bin', size: data.length, contentMD5: md5(data) };
  const result = await downloadVerified(reader, remote, path.join(dir, 'w.bin'), { signal: new AbortController().signal, chunkSize: 4096, policy: FAST });
  assert.deepEqual(await fs.readFile(path.join(dir, 'w.bin')), data);
  assert.equal(result.sha256, createHash('sha256').update(data).digest('hex'));
  assert.equal(result.size, data.length);
  assert.equal(reads.length, 3);
  assert.deepEqual(await filesIn(dir), ['w.bin']);
});

test('resets, short bodies, throttling and corrupted ranges are retried until the bytes are right', async () => {
  const dir = await tempDir();
  const data = randomBytes(20_000);
  const { reader } = remoteFile(data, ['reset', 'short', 'throttle', 'corrupt', 'reset']);
  const retries: string[] = [];
  await downloadVerified(reader, { path: 'x', size: data.length }, path.join(dir, 'x'), {
    signal: new AbortController().signal,
    chunkSize: 4096,
    parallel: 2,
    policy: FAST,
    budget: new ByteBudget(8192),
    onRetry: (err) => retries.push((err as Error).message),
  });
  assert.deepEqual(await fs.readFile(path.join(dir, 'x')), data);
  assert.equal(retries.length, 5);
  assert.deepEqual(await filesIn(dir), ['x']);
});

test('corruption the ranges cannot see is caught by the Content-MD5 and fetched again', async () => {
  const dir = await tempDir();
  const data = randomBytes(9000);
  const { reader, reads } = remoteFile(data, ['corrupt-silently'], { rangeMD5: false });
  await downloadVerified(reader, { path: 'x', size: data.length, contentMD5: md5(data) }, path.join(dir, 'x'), {
    signal: new AbortController().signal,
    chunkSize: 4096,
    policy: FAST,
  });
  assert.deepEqual(await fs.readFile(path.join(dir, 'x')), data);
  assert.equal(reads.length, 6, 'the whole file was fetched twice');
});

test('a file that never arrives intact leaves nothing behind, not even a partial file', async () => {
  const dir = await tempDir();
  const data = randomBytes(5000);
  const { reader } = remoteFile(data, Array(100).fill('corrupt') as Fault[]);
  await assert.rejects(
    downloadVerified(reader, { path: 'x', size: data.length }, path.join(dir, 'x'), { signal: new AbortController().signal, policy: FAST }),
    { name: 'IntegrityError' },
  );
  assert.deepEqual(await filesIn(dir), []);
});

test('cancelling part-way leaves no file and no partial file', async () => {
  const dir = await tempDir();
  const data = randomBytes(64 * 1024);
  const abort = new AbortController();
  let n = 0;
  const reader: RangeReader = {
    async read(offset, count) {
      if (++n === 3) abort.abort();
      return { body: Readable.from([data.subarray(offset, offset + count)]) };
    },
  };
  await assert.rejects(
    downloadVerified(reader, { path: 'x', size: data.length }, path.join(dir, 'x'), { signal: abort.signal, chunkSize: 4096, policy: FAST }),
    { name: 'AbortError' },
  );
  assert.deepEqual(await filesIn(dir), []);
});

test('an empty file downloads as an empty file', async () => {
  const dir = await tempDir();
  const { reader, reads } = remoteFile(Buffer.alloc(0));
  await downloadVerified(reader, { path: 'e', size: 0 }, path.join(dir, 'e'), { signal: new AbortController().signal });
  assert.equal((await fs.stat(path.join(dir, 'e'))).size, 0);
  assert.equal(reads.length, 0);
});

test('hashFile and sweepPartials', async () => {
  const dir = await tempDir();
  const data = randomBytes(3000);
  await fs.mkdir(path.join(dir, 'a/b'), { recursive: true });
  await fs.writeFile(path.join(dir, 'a/b/f'), data);
  await fs.writeFile(path.join(dir, 'a/b/.f.1234.amlf-partial'), 'half');
  const h = await hashFile(path.join(dir, 'a/b/f'));
  assert.equal(h.sha256, createHash('sha256').update(data).digest('hex'));
  assert.equal(h.md5, md5(data));
  assert.equal(await sweepPartials(dir), 1);
  assert.deepEqual(await filesIn(dir), ['a', 'a/b', 'a/b/f']);
});

test('a large file with a Content-MD5 streams in one request, and a cut resumes from the first missing byte', async () => {
  const dir = await tempDir();
  const data = randomBytes(6 * 1024 * 1024 + 5);
  const { reader, reads } = remoteFile(data, ['reset'], { rangeMD5: false });
  const result = await downloadVerified(reader, { path: 'big', size: data.length, contentMD5: md5(data) }, path.join(dir, 'big'), { signal: new AbortController().signal, policy: FAST });
  assert.deepEqual(await fs.readFile(path.join(dir, 'big')), data);
  assert.equal(result.sha256, createHash('sha256').update(data).digest('hex'));
  const half = Math.floor(data.length / 2);
  assert.deepEqual(reads, [
    { offset: 0, count: data.length },
    { offset: half, count: data.length - half },
  ]);
  assert.deepEqual(await filesIn(dir), ['big']);
});

test('a streamed file whose bytes do not match its Content-MD5 is fetched again, in ranges the service vouches for', async () => {
  const dir = await tempDir();
  const data = randomBytes(5 * 1024 * 1024);
  const { reader, reads } = remoteFile(data, ['corrupt-silently']);
  await downloadVerified(reader, { path: 'big', size: data.length, contentMD5: md5(data) }, path.join(dir, 'big'), { signal: new AbortController().signal, policy: FAST });
  assert.deepEqual(await fs.readFile(path.join(dir, 'big')), data);
  assert.deepEqual(reads, [
    { offset: 0, count: data.length },
    { offset: 0, count: 4 * 1024 * 1024 },
    { offset: 4 * 1024 * 1024, count: data.length - 4 * 1024 * 1024 },
  ]);
  assert.deepEqual(await filesIn(dir), ['big']);
});

test('a link that damages every long transfer still delivers a large file with a Content-MD5 (each range retried on its own)', async () => {
  const dir = await tempDir();
  const data = randomBytes(9 * 1024 * 1024 + 3);
  let rangeReads = 0;
  const reader: RangeReader = {
    async read(offset, count) {
      const slice = Buffer.from(data.subarray(offset, offset + count));
      if (count > 4 * 1024 * 1024) {
        slice[slice.length - 1] ^= 0xff; // damaged, and no range MD5 to tell
        return { body: Readable.from([slice]) };
      }
      // Every other range read arrives damaged too; the service's MD5 of the range tells.
      const damaged = rangeReads++ % 2 === 0;
      const sent = Buffer.from(slice);
      if (damaged) sent[0] ^= 0xff;
      return { body: Readable.from([sent]), rangeMD5: md5(slice) };
    },
  };
  await downloadVerified(reader, { path: 'big', size: data.length, contentMD5: md5(data) }, path.join(dir, 'big'), { signal: new AbortController().signal, policy: FAST });
  assert.deepEqual(await fs.readFile(path.join(dir, 'big')), data);
  assert.deepEqual(await filesIn(dir), ['big']);
});
