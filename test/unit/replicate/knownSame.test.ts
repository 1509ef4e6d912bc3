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
