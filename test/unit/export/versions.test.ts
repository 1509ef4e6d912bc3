// A file that changes while it is downloaded: every range asks for the listed version, and a change starts the file
// again from its new listing entry, a bounded number of times. The service here is a file in memory that can change.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { MAX_VERSION_RESTARTS, downloadVerified, type RangeReader, type RemoteFile } from '../../../src/export/transfer';

const FAST = { maxAttempts: 6, baseDelayMs: 1, maxDelayMs: 5 };
const md5 = (b: Buffer) => createHash('md5').update(b).digest('base64');
const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true }))));

/** A stored file with an ETag that honours If-Match like Blob storage (412); `change()` writes a new version. */
function changingFile(first: Buffer, opts: { honoursIfMatch: boolean }) {
  let content = first;
  let version = 1;
  const reads: { offset: number; etag?: string }[] = [];
  const etag = () => `"v${version}"`;
  const listing = (): RemoteFile => ({ path: 'Users/a/n.ipynb', size: content.length, etag: etag() });
  let beforeRead: (offset: number) => void = () => undefined;
  const reader: RangeReader = {
    async read(offset, count, _signal, wanted) {
      beforeRead(offset);
      reads.push({ offset, etag: wanted });
      if (opts.honoursIfMatch && wanted && wanted !== etag()) throw Object.assign(new Error('ConditionNotMet'), { statusCode: 412 });
      const slice = Buffer.from(content.subarray(offset, offset + count));
      return { body: Readable.from([slice]), rangeMD5: md5(slice), etag: etag() };
    },
    async stat() {
      return listing();
    },
  };
  return {
    reader,
    reads,
    listing,
    change(next: Buffer) {
      content = next;
      version++;
    },
    onRead(f: (offset: number) => void) {
      beforeRead = f;
    },
  };
}

async function target(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'export-versions-'));
  dirs.push(dir);
  return path.join(dir, 'n.ipynb');
}

for (const honoursIfMatch of [true, false]) {
  test(`a file changed between two ranges is fetched again whole in its new version (service ${honoursIfMatch ? 'answers 412' : 'ignores If-Match'})`, async () => {
    const older = Buffer.alloc(300_000, 'a');
    const newer = Buffer.alloc(280_000, 'b');
    const file = changingFile(older, { honoursIfMatch });
    let changed = false;
    file.onRead((offset) => {
      if (offset > 0 && !changed) {
        changed = true;
        file.change(newer);
      }
    });
    const out = await target();
    const retries: string[] = [];
    const got = await downloadVerified(file.reader, file.listing(), out, { signal: new AbortController().signal, policy: FAST, chunkSize: 64 * 1024, parallel: 1, onRetry: (e) => retries.push(String(e)) });
    assert.ok((await fs.readFile(out)).equals(newer), 'the new version, whole');
    assert.equal(got.remote.etag, '"v2"');
    assert.equal(got.size, newer.length);
    assert.ok(file.reads.every((r) => r.etag !== undefined), 'every range names the version it wants');
    assert.match(retries.join('\n'), /changed while it was being read/);
  });
}

test('a file that changes on every read fails clearly after a few restarts, leaving nothing behind', async () => {
  const file = changingFile(Buffer.alloc(200_000, 'a'), { honoursIfMatch: true });
  let n = 0;
  file.onRead((offset) => {
    if (offset > 0) file.change(Buffer.alloc(200_000, String(++n % 10)));
  });
  const out = await target();
  await assert.rejects(
    downloadVerified(file.reader, file.listing(), out, { signal: new AbortController().signal, policy: FAST, chunkSize: 64 * 1024, parallel: 1 }),
    new RegExp(`changed ${MAX_VERSION_RESTARTS + 1} time\\(s\\) while it was being read`),
  );
  assert.deepEqual(await fs.readdir(path.dirname(out)), []);
});

test('without a whole-file Content-MD5, ranges stay at most 4 MiB (the largest Azure gives an MD5 for), whatever is asked', async () => {
  const data = Buffer.alloc(9 * 1024 * 1024, 'z');
  const file = changingFile(data, { honoursIfMatch: true });
  const out = await target();
  await downloadVerified(file.reader, file.listing(), out, { signal: new AbortController().signal, policy: FAST, chunkSize: 16 * 1024 * 1024 });
  assert.deepEqual(file.reads.map((r) => r.offset), [0, 4 * 1024 * 1024, 8 * 1024 * 1024]);
  assert.ok((await fs.readFile(out)).equals(data));
});
