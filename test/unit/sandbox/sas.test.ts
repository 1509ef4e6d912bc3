// The sandbox's SAS check for the file service (src/sandbox/sas.ts) against SAS strings the real
// @azure/storage-file-share SDK makes; the same through HTTPS is in test/integration/sandbox/sas.test.ts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { AccountSASPermissions, generateAccountSASQueryParameters, generateFileSASQueryParameters, FileSASPermissions, ShareSASPermissions, StorageSharedKeyCredential } from '@azure/storage-file-share';
import { fileOperation, verifyFileSas, type FileOperation } from '../../../src/sandbox/sas';
import { StorageError } from '../../../src/sandbox/fileShare';

const ACCOUNT = 'stsandbox01';
const KEY = randomBytes(64).toString('base64');
const credential = new StorageSharedKeyCredential(ACCOUNT, KEY);
const NOW = new Date('2026-06-01T12:00:00Z');
const later = new Date(NOW.getTime() + 3600_000);
const q = (sas: string) => new URLSearchParams(sas);
const read: FileOperation = { share: 'code', path: 'Users/a/nb.ipynb', resourceType: 'o', permission: 'r' };

function refused(sas: string, op: FileOperation, opts: { now?: Date; remoteAddress?: string } = {}): string {
  try {
    verifyFileSas(q(sas), ACCOUNT, KEY, op, { now: NOW, ...opts });
  } catch (err) {
    assert.ok(err instanceof StorageError);
    assert.equal(err.status, 403);
    return err.code;
  }
  assert.fail('accepted');
}

describe('file SAS', () => {
  it('maps requests to what a SAS must permit', () => {
    assert.deepEqual(fileOperation('GET', [], q('comp=list')), { share: undefined, path: '', resourceType: 's', permission: 'l' });
    assert.deepEqual(fileOperation('GET', ['code', 'Users'], q('restype=directory&comp=list')), { share: 'code', path: 'Users', resourceType: 'c', permission: 'l' });
    assert.deepEqual(fileOperation('GET', ['code', 'a', 'b.txt'], q('')), { share: 'code', path: 'a/b.txt', resourceType: 'o', permission: 'r' });
    assert.equal(fileOperation('PUT', ['code', 'f'], q('')).permission, 'c');
    assert.equal(fileOperation('PUT', ['code', 'f'], q('comp=range')).permission, 'w');
    assert.equal(fileOperation('DELETE', ['code', 'f'], q('')).permission, 'd');
    assert.equal(fileOperation('GET', ['code'], q('restype=share')).resourceType, 'c');
  });

  it('accepts the SDK account SAS, and refuses it tampered, expired, not yet valid or too narrow', () => {
    const make = (permissions: string, extra: object = {}) =>
      generateAccountSASQueryParameters({ permissions: AccountSASPermissions.parse(permissions), services: 'f', resourceTypes: 'sco', expiresOn: later, ...extra }, credential).toString();
    verifyFileSas(q(make('rl')), ACCOUNT, KEY, read, { now: NOW });
    assert.equal(refused(make('rl').replace(/sig=./, (m) => (m.endsWith('A') ? 'sig=B' : 'sig=A')), read), 'AuthenticationFailed');
    assert.equal(refused(make('rl'), read, { now: new Date(later.getTime() + 1) }), 'AuthenticationFailed');
    assert.equal(refused(make('rl', { startsOn: new Date(NOW.getTime() + 60_000) }), read), 'AuthenticationFailed');
    assert.equal(refused(make('l'), read), 'AuthorizationPermissionMismatch');
    const blobOnly = generateAccountSASQueryParameters({ permissions: AccountSASPermissions.parse('rl'), services: 'b', resourceTypes: 'sco', expiresOn: later }, credential).toString();
    assert.equal(refused(blobOnly, read), 'AuthorizationServiceMismatch');
    const containerOnly = generateAccountSASQueryParameters({ permissions: AccountSASPermissions.parse('rl'), services: 'f', resourceTypes: 'c', expiresOn: later }, credential).toString();
    assert.equal(refused(containerOnly, read), 'AuthorizationResourceTypeMismatch');
    const ip = generateAccountSASQueryParameters({ permissions: AccountSASPermissions.parse('r'), services: 'f', resourceTypes: 'o', expiresOn: later, ipRange: { start: '10.0.0.1', end: '10.0.0.9' } }, credential).toString();
    assert.equal(refused(ip, read, { remoteAddress: '127.0.0.1' }), 'AuthorizationSourceIPMismatch');
    verifyFileSas(q(ip), ACCOUNT, KEY, read, { now: NOW, remoteAddress: '::ffff:10.0.0.5' });
  });

  it('a share SAS signs its share, a file SAS its file: another one does not match', () => {
    const share = generateFileSASQueryParameters({ shareName: 'code', permissions: ShareSASPermissions.parse('rl'), expiresOn: later }, credential).toString();
    verifyFileSas(q(share), ACCOUNT, KEY, read, { now: NOW });
    assert.equal(refused(share, { ...read, share: 'other' }), 'AuthenticationFailed');
    const file = generateFileSASQueryParameters({ shareName: 'code', filePath: 'Users/a/nb.ipynb', permissions: FileSASPermissions.parse('r'), expiresOn: later }, credential).toString();
    verifyFileSas(q(file), ACCOUNT, KEY, read, { now: NOW });
    assert.equal(refused(file, { ...read, path: 'Users/a/other.ipynb' }), 'AuthenticationFailed');
    assert.equal(refused(file, { ...read, permission: 'd' }), 'AuthorizationPermissionMismatch');
  });

  it('refuses a query without a signature, or signed with another key', () => {
    assert.equal(refused('sv=2025-01-05&se=2026-06-02T00:00:00Z&sp=r&ss=f&srt=o', read), 'AuthenticationFailed');
    const other = generateAccountSASQueryParameters({ permissions: AccountSASPermissions.parse('r'), services: 'f', resourceTypes: 'o', expiresOn: later }, new StorageSharedKeyCredential(ACCOUNT, randomBytes(64).toString('base64'))).toString();
    assert.equal(refused(other, read), 'AuthenticationFailed');
  });
});
