import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SHA256_METADATA, SOURCE_ETAG_METADATA, knownSame } from '../../../src/replicate/replicate';

const SHA = 'a'.repeat(64);
const file = (extra: object = {}) => ({ path: 'p', size: 10, ...extra });

test('a target replicate copied from this very source version is the same, without reading either', () => {
  const target = file({ contentMD5: 'bWQ1', metadata: { [SHA256_METADATA]: SHA, [SOURCE_ETAG_METADATA]: '0x8D1' } });
  assert.equal(knownSame(file({ etag: '"0x8D1"' }), target), true);
  // The source changed since: only reading tells (its new content may or may not match).
  assert.equal(knownSame(file({ etag: '"0x8D2"' }), target), undefined);
  // Never decided by the Content-MD5 replicate wrote itself.
  assert.equal(knownSame(file({ etag: '"0x8D2"', contentMD5: 'bWQ1' }), target), undefined);
});

test('sha256s recorded on both sides decide; sizes that differ decide; service MD5s decide for targets replicate did not write', () => {
  assert.equal(knownSame(file({ metadata: { [SHA256_METADATA]: SHA } }), file({ metadata: { [SHA256_METADATA]: SHA } })), true);
  assert.equal(knownSame(file({ metadata: { [SHA256_METADATA]: SHA } }), file({ metadata: { [SHA256_METADATA]: 'b'.repeat(64) } })), false);
  assert.equal(knownSame(file(), { ...file(), size: 11 }), false);
  assert.equal(knownSame(file({ contentMD5: 'x' }), file({ contentMD5: 'x' })), true);
  assert.equal(knownSame(file({ contentMD5: 'x' }), file({ contentMD5: 'y' })), false);
  assert.equal(knownSame(file(), file({ contentMD5: 'y' })), undefined);
});

test('a server-to-server copy of a source with no whole-file hash is known by the source version it came from', () => {
  // What serverCopy.ts records for a block-uploaded job output: the source ETag, no sha256, no Content-MD5.
  const target = file({ metadata: { [SOURCE_ETAG_METADATA]: '0x8D1' } });
  assert.equal(knownSame(file({ etag: '"0x8D1"' }), target), true, 'the very version copied: unchanged, nothing read');
  assert.equal(knownSame(file({ etag: 'W/"0x8D1"' }), target), true);
  assert.equal(knownSame(file({ etag: '"0x8D2"' }), target), undefined, 'rewritten since: only reading tells');
  assert.equal(knownSame({ ...file({ etag: '"0x8D2"' }), size: 11 }, target), false, 'rewritten with another size: changed');
  assert.equal(knownSame(file(), target), undefined, 'a source without an ETag proves nothing');
  // Its target was copied with the source's Content-MD5 when there was one: both the service's word.
  const withMd5 = file({ contentMD5: 'bWQ1', metadata: { [SOURCE_ETAG_METADATA]: '0x8D1' } });
  assert.equal(knownSame(file({ etag: '"0x8D2"', contentMD5: 'bWQ1' }), withMd5), true);
  assert.equal(knownSame(file({ etag: '"0x8D2"', contentMD5: 'b3RoZXI=' }), withMd5), false);
});
