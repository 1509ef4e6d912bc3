import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { MAX_COPY_BLOCK, SecretUrl, ServerCopyRefused, blobCopyEnd, copyBlobServerSide, copyBlockSize, refusalOf, scrubSas } from '../../../src/azure/blobCopy';
import { serverCopier, sha256FromManifest } from '../../../src/replicate/serverCopy';
import { emptyManifest } from '../../../src/export/manifest';
import { workspaceArmId } from '../../../src/pair/pairFile';

const MiB = 1024 * 1024;
const KEY = Buffer.alloc(64, 1).toString('base64');

test('a copy source is read-only, for one blob, HTTPS only, and expires within the hour', async () => {
  const container = new BlobServiceClient('https://acct.blob.core.windows.net', new StorageSharedKeyCredential('acct', KEY)).getContainerClient('models');
  const end = blobCopyEnd(() => container, { kind: 'key', credential: new StorageSharedKeyCredential('acct', KEY) }, (call) => call());
  const before = Date.now();
  const url = new URL((await end.readUrl('bert/pytorch_model.bin', new AbortController().signal)).reveal());
  assert.equal(url.pathname, '/models/bert/pytorch_model.bin');
  const q = url.searchParams;
  assert.equal(q.get('sp'), 'r');
  assert.equal(q.get('sr'), 'b');
  assert.equal(q.get('spr'), 'https');
  const expires = Date.parse(q.get('se')!);
  assert.ok(expires > before && expires <= before + 3600_000, `expires ${q.get('se')}`);
  assert.ok(Date.parse(q.get('st')!) <= before, 'valid from before now (clock skew)');
  assert.ok(q.get('sig'));
});

test("a datastore's own SAS is the copy source only while it expires within the hour; else a user delegation SAS", async () => {
  const sas = (expires: Date) => `sv=2025-01-05&sp=rl&sr=c&se=${encodeURIComponent(expires.toISOString())}&sig=ZGF0YXN0b3Jl`;
  const asked: Date[] = [];
  const identity = {
    getUserDelegationKey: async (start: Date, expiry: Date) => {
      asked.push(expiry);
      return { signedObjectId: 'oid', signedTenantId: 'tid', signedStartsOn: start, signedExpiresOn: expiry, signedService: 'b', signedVersion: '2025-01-05', value: KEY };
    },
  };
  const end = (token: string) => {
    const container = new BlobServiceClient(`https://acct.blob.core.windows.net?${token}`).getContainerClient('models');
    return blobCopyEnd(() => container, { kind: 'datastoreSas', token, identity: identity as never }, (call) => call());
  };
  const signal = new AbortController().signal;
  const shortLived = new URL((await end(sas(new Date(Date.now() + 30 * 60_000))).readUrl('m/x.bin', signal)).reveal());
  assert.equal(shortLived.searchParams.get('sig'), 'ZGF0YXN0b3Jl');
  assert.equal(asked.length, 0);
  const longLived = new URL((await end(sas(new Date(Date.now() + 365 * 24 * 3600_000))).readUrl('m/x.bin', signal)).reveal());
  assert.notEqual(longLived.searchParams.get('sig'), 'ZGF0YXN0b3Jl');
  assert.equal(longLived.searchParams.get('skoid'), 'oid');
  assert.equal(longLived.searchParams.getAll('sv').length, 1, 'one SAS, not two');
  assert.ok(Date.parse(longLived.searchParams.get('se')!) <= Date.now() + 3600_000);
});

test('a SecretUrl never shows its signature: printed, serialized, inspected or in a template', () => {
  const url = new SecretUrl('https://acct.blob.core.windows.net/c/b?sv=2025-01-05&sp=r&sig=c2VjcmV0%2Bc2lnbmF0dXJl&se=2026-01-01T00%3A00%3A00Z');
  for (const shown of [String(url), `${url}`, JSON.stringify({ url }), inspect(url), inspect({ nested: { url } })]) {
    assert.ok(!shown.includes('c2VjcmV0'), shown);
    assert.match(shown, /sig=REDACTED/);
  }
  assert.match(url.reveal(), /sig=c2VjcmV0/);
});

test('scrubSas replaces every signature, plain or percent-encoded, and leaves the rest', () => {
  assert.equal(scrubSas('GET https://a/c/b?sp=r&sig=abc%2B%3D&se=x failed'), 'GET https://a/c/b?sp=r&sig=REDACTED&se=x failed');
  assert.equal(scrubSas('x-ms-copy-source: https://a/c/b%3Fsig%3Dabc "sig=def"'), 'x-ms-copy-source: https://a/c/b%3Fsig%3DREDACTED "sig=REDACTED"');
  assert.equal(scrubSas('no secret here'), 'no secret here');
});

test('blocks are 32 MiB by default, 1–100 MiB as asked, and larger only where 50,000 would not hold the blob', () => {
  assert.equal(copyBlockSize(10), 32 * MiB);
  assert.equal(copyBlockSize(10, 1), MiB);
  assert.equal(copyBlockSize(10, 500 * MiB), MAX_COPY_BLOCK);
  assert.equal(copyBlockSize(50_000 * 32 * MiB + 1), 32 * MiB + 1);
});

test('refusals (the source or the service says no) are told from failures worth retrying', () => {
  const err = (statusCode: number, errorCode: string, message: string) => Object.assign(new Error(message), { statusCode, details: { errorCode } });
  const refused = refusalOf(err(403, 'CannotVerifyCopySource', 'This request is not authorized. sig=abc\nRequestId: 1'), 'the source refused');
  assert.ok(refused instanceof ServerCopyRefused);
  assert.equal(refused.reason, 'the source refused (403 CannotVerifyCopySource: This request is not authorized. sig=REDACTED)');
  assert.ok(refusalOf(err(501, 'NotImplemented', 'no'), 'x') instanceof ServerCopyRefused);
  assert.equal(refusalOf(err(500, 'CannotVerifyCopySource', 'Could not verify the copy source within the specified time.'), 'x'), undefined);
  assert.equal(refusalOf(err(503, 'ServerBusy', 'busy'), 'x'), undefined);
  assert.equal(refusalOf(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'x'), undefined);
});

test('an export manifest gives a sha256 only for the version it exported, of this workspace and datastore', () => {
  const ws = { subscription_id: 's', resource_group: 'rg', workspace_name: 'w' };
  const sha = 'f'.repeat(64);
  const manifest = emptyManifest();
  manifest.files.push({ path: 'models/m/1/x.bin', size: 5, sha256: sha, etag: '"0x1"', source: { workspace: workspaceArmId(ws), datastore: 'workspaceblobstore', path: 'm/x.bin' }, asset: { kind: 'model', name: 'm', version: '1' } });
  const known = sha256FromManifest(manifest, ws as never);
  assert.equal(known({ path: 'm/x.bin', size: 5, etag: '0x1' }, 'workspaceblobstore'), sha);
  assert.equal(known({ path: 'm/x.bin', size: 5, etag: '"0x2"' }, 'workspaceblobstore'), undefined, 'another version');
  assert.equal(known({ path: 'm/x.bin', size: 6, etag: '"0x1"' }, 'workspaceblobstore'), undefined, 'another size');
  assert.equal(known({ path: 'm/x.bin', size: 5, etag: '"0x1"' }, 'other'), undefined, 'another datastore');
  assert.equal(sha256FromManifest(manifest, { ...ws, workspace_name: 'other' } as never)({ path: 'm/x.bin', size: 5, etag: '"0x1"' }, 'workspaceblobstore'), undefined, 'another workspace');
});

test('replicate copies server to server with or without a whole-file hash; a file share and a refusing datastore through this machine, said once', async () => {
  const warnings: string[] = [];
  const logger = { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: (m: string) => void warnings.push(m), error: () => undefined };
  const copied: { path: string; metadata?: Record<string, string> }[] = [];
  let refuse = false;
  const store = (datastore: string, withCopy = true) =>
    ({
      kind: 'blob',
      datastore,
      account: `acct-${datastore}`,
      container: 'c',
      stat: async (p: string) => ({ path: p, size: 3, etag: '"0x1"' }),
      copy: withCopy
        ? {
            readUrl: async () => new SecretUrl('https://a/c/x?sig=secret'),
            copyFromUrl: async (p: string, url: (s: AbortSignal) => Promise<SecretUrl>, _f: unknown, o: { metadata?: Record<string, string> }) => {
              await url(signal);
              if (refuse) throw new ServerCopyRefused('the source refused the SAS (403 CannotVerifyCopySource)');
              copied.push({ path: p, metadata: o.metadata });
            },
          }
        : undefined,
    }) as never;
  const signal = new AbortController().signal;
  const sha = 'e'.repeat(64);
  const copier = serverCopier({ knownSha256: (f) => (f.path === 'from-manifest' ? sha : undefined) }, logger);
  const target = store('target');
  assert.equal(await copier.copy(store('src'), { path: 'md5-only', size: 3, etag: '"0x1"', contentMD5: 'bWQ1' }, target, 't/md5-only', signal), true);
  assert.equal(await copier.copy(store('src'), { path: 'from-manifest', size: 3, etag: '"0x1"' }, target, 't/from-manifest', signal), true);
  assert.equal(copier.unhashed, 0);
  // A block-uploaded job output: no Content-MD5, no sha256 anywhere. Copied server to server, no sha256 made up.
  assert.equal(await copier.copy(store('src'), { path: 'no-hash', size: 3, etag: '"0x1"' }, target, 't/no-hash', signal), true);
  assert.deepEqual(copied.map((c) => c.metadata), [{ amlfailover_source_etag: '0x1' }, { amlfailover_sha256: sha, amlfailover_source_etag: '0x1' }, { amlfailover_source_etag: '0x1' }]);
  assert.equal(copier.unhashed, 1);
  assert.equal(await copier.copy(store('share', false), { path: 'n.ipynb', size: 3, contentMD5: 'bWQ1' }, target, 't/n', signal), false, 'a file share');
  refuse = true;
  for (const p of ['a', 'b', 'c']) assert.equal(await copier.copy(store('ipbound'), { path: p, size: 3, contentMD5: 'bWQ1' }, target, `t/${p}`, signal), false);
  assert.equal(copied.length, 3);
  assert.deepEqual(
    copier.throughClient.map((t) => t.files),
    [1, 3],
  );
  assert.equal(warnings.length, 2, warnings.join('\n'));
  assert.match(warnings[1]!, /datastore ipbound \(account acct-ipbound\): the source refused the SAS/);
  assert.ok(!warnings.join('\n').includes('secret'));
  const off = serverCopier({ enabled: false }, logger);
  assert.equal(await off.copy(store('src'), { path: 'x', size: 3, contentMD5: 'bWQ1' }, target, 't/x', signal), false);
  assert.deepEqual(off.throughClient, [], '--no-server-copy is the user\'s choice, not a reason to report');
});

/** A target container that records the blocks staged and whether a block list was committed. */
function recordingContainer() {
  const seen = { staged: 0, committed: false };
  const container = {
    containerName: 'c',
    accountName: 'target',
    getBlockBlobClient: () => ({
      stageBlockFromURL: async () => void seen.staged++,
      commitBlockList: async () => void (seen.committed = true),
      getProperties: async () => ({ contentLength: 10 }),
    }),
  };
  return { seen, container: container as never };
}

test('a source that changed while its blocks were copied: "source changed", and the block list is never committed', async () => {
  const { seen, container } = recordingContainer();
  const target = { kind: 'blob', datastore: 'target', copy: blobCopyEnd(() => container, { kind: 'key', credential: new StorageSharedKeyCredential('target', KEY) }, (call) => call()) };
  const sourceContainer = new BlobServiceClient('https://acct.blob.core.windows.net', new StorageSharedKeyCredential('acct', KEY)).getContainerClient('models');
  // The blob was "0x1" when listed; by the time the last block is copied, it is "0x2" (someone wrote it meanwhile).
  const source = { kind: 'blob', datastore: 'src', stat: async (p: string) => ({ path: p, size: 10, etag: '"0x2"' }), copy: blobCopyEnd(() => sourceContainer, { kind: 'key', credential: new StorageSharedKeyCredential('acct', KEY) }, (call) => call()) };
  await assert.rejects(copyBlobServerSide(source as never, { path: 'm/x.bin', size: 10, etag: '"0x1"' }, target as never, 't/x.bin', { signal: new AbortController().signal }), /src\/m\/x\.bin: the source changed while it was being copied; nothing was committed/);
  assert.equal(seen.staged, 1, 'the blocks were copied');
  assert.equal(seen.committed, false, 'nothing committed');
});

test('an account that gives no user delegation key (403) refuses the server-side copy: the file goes through this machine', async () => {
  const denied = Object.assign(new Error('This request is not authorized to perform this operation using this permission.'), { statusCode: 403, details: { errorCode: 'AuthorizationPermissionMismatch' } });
  const service = { getUserDelegationKey: async () => Promise.reject(denied) };
  const sourceContainer = new BlobServiceClient('https://acct.blob.core.windows.net').getContainerClient('models');
  const end = blobCopyEnd(() => sourceContainer, { kind: 'delegation', service: service as never }, (call) => call());
  const refused = await end.readUrl('m/x.bin', new AbortController().signal).then(() => undefined, (err: unknown) => err);
  assert.ok(refused instanceof ServerCopyRefused, String(refused));
  assert.match(refused.reason, /^the storage account gave no user delegation key to sign a SAS with \(403 AuthorizationPermissionMismatch/);
  // Through serverCopier (what replicate uses): not an error, a copy through this machine, the reason said once.
  const warnings: string[] = [];
  const logger = { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: (m: string) => void warnings.push(m), error: () => undefined };
  const { seen, container } = recordingContainer();
  const target = { kind: 'blob', datastore: 'target', account: 'target', container: 'c', copy: blobCopyEnd(() => container, { kind: 'key', credential: new StorageSharedKeyCredential('target', KEY) }, (call) => call()) };
  const source = { kind: 'blob', datastore: 'identitystore', account: 'acct', container: 'models', stat: async (p: string) => ({ path: p, size: 10, etag: '"0x1"' }), copy: end };
  const copier = serverCopier({}, logger);
  assert.equal(await copier.copy(source as never, { path: 'm/x.bin', size: 10, etag: '"0x1"' }, target as never, 't/x.bin', new AbortController().signal), false);
  assert.deepEqual(copier.throughClient.map((t) => t.files), [1]);
  assert.match(warnings.join('\n'), /datastore identitystore \(account acct\): the storage account gave no user delegation key/);
  assert.deepEqual(seen, { staged: 0, committed: false });
});
