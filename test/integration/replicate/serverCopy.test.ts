// Replicate copies blobs server to server (Put Block From URL with a short-lived SAS; src/azure/blobCopy.ts) against
// the sandbox, whose storage fronts read the source as Azure's would. The CLI runs as a whole cold process with its
// socket bytes counted (test/support/socketBytes.ts); the bytes in the target are read back with plain SDK clients.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { BlobSASPermissions, ContainerSASPermissions, SASProtocol, StorageSharedKeyCredential, generateBlobSASQueryParameters, type ContainerClient } from '@azure/storage-blob';
import { connect } from '../../../src/azure/connection';
import { silentLogger } from '../../../src/common/logger';
import { SHA256_METADATA, SOURCE_ETAG_METADATA, replicate } from '../../../src/replicate/replicate';
import { runCli, type CliRun } from '../../support/cli';
import type { SocketBytes } from '../../support/socketBytes';
import { startSandbox, type RunningSandbox } from '../../support/sandbox';
import { armClient, datastoreClients, putBlobWithoutMD5 } from '../../support/storageOracle';

const REPO = path.resolve(__dirname, '..', '..', '..');
const LARGE_MB = 16;
const TARGET_PREFIX = 'aml-failover/replicated/models';

let sb: RunningSandbox;
let scratch: string;

/** The CLI as a whole cold process, its socket bytes counted. */
async function cli(args: string[]): Promise<CliRun & { bytes: SocketBytes }> {
  const counts = path.join(scratch, `bytes-${Date.now()}-${Math.random().toString(16).slice(2)}.json`);
  const run = await runCli([...args, '--project', sb.projectDir], { env: { ...process.env, AML_FAILOVER_SOCKET_BYTES: counts }, preload: [pathToFileURL(path.join(REPO, 'test', 'support', 'socketBytes.ts')).href] });
  return { ...run, bytes: JSON.parse(await fs.readFile(counts, 'utf8')) as SocketBytes };
}

interface Blob {
  data: Buffer;
  md5?: string;
  etag: string;
  metadata: Record<string, string>;
}

async function blobs(container: ContainerClient, prefix: string): Promise<Map<string, Blob>> {
  const out = new Map<string, Blob>();
  for await (const b of container.listBlobsFlat({ prefix, includeMetadata: true })) {
    const data = await container.getBlobClient(b.name).downloadToBuffer();
    out.set(b.name.slice(prefix.length), { data, md5: b.properties.contentMD5 && Buffer.from(b.properties.contentMD5).toString('base64'), etag: b.properties.etag!, metadata: b.metadata ?? {} });
  }
  return out;
}

/** A blob datastore `name` on the primary's workspaceblobstore container, with these credentials. */
async function addDatastore(name: string, credentials: object): Promise<void> {
  const ws = sb.primary;
  const ml = armClient(sb);
  const base = (await ml.datastores.get(ws.resource_group, ws.workspace_name, 'workspaceblobstore')).properties as { accountName: string; containerName: string };
  await ml.datastores.createOrUpdate(ws.resource_group, ws.workspace_name, name, {
    properties: { datastoreType: 'AzureBlob', accountName: base.accountName, containerName: base.containerName, credentials } as never,
  });
}

/** Files with their Content-MD5 in the primary's workspaceblobstore, registered as model `name` version 1 through `datastore`. */
async function modelOn(datastore: string, name: string, files: Record<string, Buffer>): Promise<void> {
  const container = (await datastoreClients(sb, 'primary', 'workspaceblobstore')).blob!;
  for (const [file, data] of Object.entries(files)) {
    await container.getBlockBlobClient(`${name}/${file}`).uploadData(data, { blobHTTPHeaders: { blobContentMD5: createHash('md5').update(data).digest() } });
  }
  const ws = sb.primary;
  const uri = `azureml://subscriptions/${ws.subscription_id}/resourcegroups/${ws.resource_group}/workspaces/${ws.workspace_name}/datastores/${datastore}/paths/${name}/`;
  await armClient(sb).modelVersions.createOrUpdate(ws.resource_group, ws.workspace_name, name, '1', { properties: { modelUri: uri, modelType: 'custom_model' } });
}

async function targetFiles(name: string): Promise<Map<string, Blob>> {
  return blobs((await datastoreClients(sb, 'secondary', 'workspaceblobstore')).blob!, `${TARGET_PREFIX}/${name}/1/${name}/`);
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const SAS_SIGNATURE = /sig(=|%3D)(?!REDACTED)[^&\s"']+/i;

describe('replicate server to server', { timeout: 600_000 }, () => {
  before(async () => {
    sb = await startSandbox({ largeModelMb: LARGE_MB });
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'replicate-server-'));
  });
  after(async () => {
    await sb?.stop();
    if (scratch) await fs.rm(scratch, { recursive: true, force: true });
  });

  it("copies the large model server to server: the same bytes, its sha256 recorded, the CLI's own traffic a small fraction", async (t) => {
    // An export of the primary records the files' sha256s (aml-export/primary/manifest.json); replicate takes them from there.
    const exported = await cli(['export', 'models', '--name', 'sentiment-bert']);
    assert.equal(exported.code, 0, exported.stderr);
    const r = await cli(['--verbose', 'replicate', 'models', '--name', 'sentiment-bert']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /replicated model sentiment-bert:1 \(3 file\(s\) copied, 3 server to server\)/);

    const ws = sb.primary;
    const model = await armClient(sb).modelVersions.get(ws.resource_group, ws.workspace_name, 'sentiment-bert', '1');
    const sourcePrefix = model.properties.modelUri!.replace(/^.*\/paths\//, '');
    const source = await blobs((await datastoreClients(sb, 'primary', 'workspaceblobstore')).blob!, sourcePrefix);
    const target = await blobs((await datastoreClients(sb, 'secondary', 'workspaceblobstore')).blob!, `${TARGET_PREFIX}/sentiment-bert/1/${path.posix.basename(sourcePrefix.replace(/\/$/, ''))}/`);
    assert.deepEqual([...target.keys()].sort(), [...source.keys()].sort());
    for (const [name, s] of source) {
      const t = target.get(name)!;
      assert.ok(t.data.equals(s.data), `${name}: the same bytes`);
      assert.equal(t.metadata[SHA256_METADATA], sha256(s.data), `${name}: its sha256 recorded`);
      assert.equal(t.md5, s.md5, `${name}: the source's Content-MD5`);
    }
    const size = LARGE_MB * 1024 * 1024;
    const traffic = r.bytes.received + r.bytes.sent;
    t.diagnostic(`CLI traffic: ${r.bytes.received} bytes received, ${r.bytes.sent} sent, ${r.bytes.connections} connection(s), for a ${size}-byte model`);
    assert.ok(traffic < size * 0.01, `the CLI received ${r.bytes.received} and sent ${r.bytes.sent} bytes for a ${size}-byte model`);
    assert.doesNotMatch(r.stdout + r.stderr, SAS_SIGNATURE, 'no SAS signature in the output or the log');
  });

  it('replicate given an export folder (as VS Code, failover and failback pass aml-export/<from>) records its manifest sha256s on the server-side copies', async () => {
    const files = { 'weights.bin': Buffer.from('exported weights\n'.repeat(1000)), 'config.json': Buffer.from('{"layers": 2}\n') };
    await modelOn('workspaceblobstore', 'hashed-by-export', files);
    const out = path.join(scratch, 'export-hashed');
    const exported = await cli(['export', 'models', '--name', 'hashed-by-export', '--out', out]);
    assert.equal(exported.code, 0, exported.stderr);
    const conn = await connect(sb.pair.cloud, { logger: silentLogger });
    const r = await replicate(conn, { kinds: ['models'], names: [{ name: 'hashed-by-export' }], source: sb.primary, target: sb.secondary, signal: new AbortController().signal, logger: silentLogger, hashesFrom: out });
    assert.deepEqual(r.assets.map((a) => a.outcome), [{ status: 'replicated', files: 2, bytes: files['weights.bin'].length + files['config.json'].length, serverSide: 2 }]);
    const copies = await targetFiles('hashed-by-export');
    assert.deepEqual([...copies.keys()].sort(), Object.keys(files).sort());
    for (const [name, data] of Object.entries(files)) assert.equal(copies.get(name)!.metadata[SHA256_METADATA], sha256(data), `${name}: the manifest's sha256`);
  });

  it("copies a job output's weights without Content-MD5 server to server too: the same bytes, the source version recorded, no sha256 made up; a re-run copies nothing; a changed source is a conflict", async (t) => {
    // sentiment-bert-finetuned:1 is registered from a fine-tuning job's named output (src/sandbox/seed/jobArtifacts.ts):
    // files uploaded in blocks without a Content-MD5, in no export manifest — nothing records a whole-file hash.
    const sourcePrefix = 'azureml/finetune_sentiment_1/model_output/checkpoint-final/';
    const sourceContainer = (await datastoreClients(sb, 'primary', 'workspaceblobstore')).blob!;
    const targetContainer = (await datastoreClients(sb, 'secondary', 'workspaceblobstore')).blob!;
    const source = await blobs(sourceContainer, sourcePrefix);
    assert.deepEqual([...source.keys()].sort(), ['config.json', 'pytorch_model.bin', 'tokenizer/vocab.txt']);
    for (const [name, b] of source) assert.ok(b.md5 === undefined && !b.metadata[SHA256_METADATA], `${name}: the seed records no whole-file hash`);
    const size = [...source.values()].reduce((n, b) => n + b.data.length, 0);

    const r = await cli(['--verbose', 'replicate', 'models', '--name', 'sentiment-bert-finetuned']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /replicated model sentiment-bert-finetuned:1 \(3 file\(s\) copied, 3 server to server\)/);
    assert.match(r.stdout, /3 file\(s\) copied server to server without a sha256 \(their source records no whole-file hash\)/);
    assert.doesNotMatch(r.stdout + r.stderr, /through this machine/);
    assert.doesNotMatch(r.stdout + r.stderr, SAS_SIGNATURE, 'no SAS signature in the output or the log');
    const traffic = r.bytes.received + r.bytes.sent;
    t.diagnostic(`CLI traffic: ${r.bytes.received} bytes received, ${r.bytes.sent} sent, for a ${size}-byte model without Content-MD5`);
    assert.ok(traffic < size * 0.01, `the CLI received ${r.bytes.received} and sent ${r.bytes.sent} bytes for a ${size}-byte model`);

    const s = sb.secondary;
    const there = await armClient(sb, s.subscription_id).modelVersions.get(s.resource_group, s.workspace_name, 'sentiment-bert-finetuned', '1');
    const targetPrefix = decodeURIComponent(there.properties.modelUri!.replace(/^.*\/paths\//, ''));
    assert.equal(targetPrefix, `${TARGET_PREFIX}/sentiment-bert-finetuned/1/checkpoint-final/`);
    const target = await blobs(targetContainer, targetPrefix);
    assert.deepEqual([...target.keys()].sort(), [...source.keys()].sort());
    for (const [name, b] of source) {
      const copy = target.get(name)!;
      assert.ok(copy.data.equals(b.data), `${name}: the same bytes`);
      assert.equal(copy.metadata[SOURCE_ETAG_METADATA], b.etag.replace(/^"(.*)"$/, '$1'), `${name}: the source version it was copied from`);
      assert.equal(copy.metadata[SHA256_METADATA], undefined, `${name}: no sha256 claimed that nobody computed`);
      assert.equal(copy.md5, undefined, `${name}: no Content-MD5 made up either`);
    }

    const again = await cli(['replicate', 'models', '--name', 'sentiment-bert-finetuned']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Replicated: 0 registered, 1 already there, 0 conflict/);
    assert.ok(again.bytes.received + again.bytes.sent < size * 0.01, `a re-run reads nothing: ${again.bytes.received} bytes received`);
    const untouched = async () => {
      for (const [name, b] of await blobs(targetContainer, targetPrefix)) assert.equal(b.etag, target.get(name)!.etag, `${name}: not written again`);
    };
    await untouched();

    // The weights rewritten in the source with other bytes of the same size (a new ETag, still no Content-MD5).
    const weights = Buffer.from(source.get('pytorch_model.bin')!.data);
    weights[weights.length - 1] ^= 0xff;
    await putBlobWithoutMD5(sourceContainer, `${sourcePrefix}pytorch_model.bin`, weights);
    const changed = await cli(['replicate', 'models', '--name', 'sentiment-bert-finetuned']);
    assert.equal(changed.code, 1, changed.stdout);
    assert.match(changed.stdout, /conflict: model sentiment-bert-finetuned:1: version 1 exists there with different files: pytorch_model\.bin differs in content; not overwritten\./);
    await untouched();
  });

  it('copies through this machine when the source refuses the SAS, says why once, and carries on', async () => {
    // The datastore hands out a SAS bound to the user's address (sip): the target's storage service reads from
    // another address, so the source refuses it; the user's own reads are allowed.
    const ws = sb.primary;
    const secret = (await armClient(sb).datastores.listSecrets(ws.resource_group, ws.workspace_name, 'workspaceblobstore')) as { key: string };
    const base = (await armClient(sb).datastores.get(ws.resource_group, ws.workspace_name, 'workspaceblobstore')).properties as { accountName: string; containerName: string };
    const sasToken = generateBlobSASQueryParameters(
      { containerName: base.containerName, permissions: ContainerSASPermissions.parse('rl'), expiresOn: new Date(Date.now() + 3600_000), ipRange: { start: '127.0.0.1' } },
      new StorageSharedKeyCredential(base.accountName, secret.key),
    ).toString();
    await addDatastore('ipbound', { credentialsType: 'Sas', secrets: { secretsType: 'Sas', sasToken } });
    const files = { 'weights.bin': Buffer.alloc(3 * 1024 * 1024, 7), 'config.json': Buffer.from('{"layers": 3}\n') };
    await modelOn('ipbound', 'sas-refused', files);

    const r = await cli(['--verbose', 'replicate', 'models', '--name', 'sas-refused']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /replicated model sas-refused:1 \(2 file\(s\) copied\)/);
    assert.match(r.stdout, /2 file\(s\) copied through this machine: datastore ipbound .*source IP/);
    assert.equal(r.stderr.split('Copying through this machine instead of server to server').length - 1, 1, `said once:\n${r.stderr}`);
    const copied = await targetFiles('sas-refused');
    for (const [name, data] of Object.entries(files)) assert.ok(copied.get(name)?.data.equals(data), `${name}: the same bytes`);
    assert.doesNotMatch(r.stdout + r.stderr, SAS_SIGNATURE, 'no SAS signature in the output or the log');
  });

  it('copies server to server with a user delegation SAS when the datastore has no secret (identity-based access)', async () => {
    await addDatastore('byidentity', { credentialsType: 'None' });
    const files = { 'model.pt': Buffer.alloc(2 * 1024 * 1024, 3) };
    await modelOn('byidentity', 'by-identity', files);
    const r = await cli(['--verbose', 'replicate', 'models', '--name', 'by-identity']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /replicated model by-identity:1 \(1 file\(s\) copied, 1 server to server\)/);
    assert.ok((await targetFiles('by-identity')).get('model.pt')?.data.equals(files['model.pt']));
    assert.doesNotMatch(r.stdout + r.stderr, SAS_SIGNATURE);
  });

  it('a source region that goes down midway ends the copy with a clear error, and nothing is committed or registered', async () => {
    const size = 6 * 1024 * 1024;
    await modelOn('workspaceblobstore', 'outage-midway', { 'weights.bin': Buffer.alloc(size, 9) });
    // Every call to the target region waits a second, so the outage is in force before the block after the first.
    await sb.fault('secondary', 'slow', { latencyMs: 1000 });
    const conn = await connect(sb.pair.cloud, { logger: silentLogger, retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 100 } });
    let copied = 0;
    let outage: Promise<void> | undefined;
    try {
      const result = await replicate(conn, {
        kinds: ['models'],
        names: [{ name: 'outage-midway', version: '1' }],
        source: sb.primary,
        target: sb.secondary,
        signal: new AbortController().signal,
        logger: silentLogger,
        serverCopy: { blockBytes: 1024 * 1024, concurrency: 1, onBytes: (n) => void ((copied += n), (outage ??= sb.fault('primary', 'outage'))) },
      });
      await outage;
      const outcome = result.assets[0]!.outcome;
      assert.equal(outcome.status, 'failed', JSON.stringify(outcome));
      assert.match(outcome.status === 'failed' ? outcome.reason : '', /copying workspaceblobstore\/outage-midway\/weights\.bin server to server failed: .*500 CannotVerifyCopySource: Could not verify the copy source.*region reachable/);
      assert.ok(copied > 0 && copied < size, `the outage came midway (${copied} of ${size} bytes copied)`);
    } finally {
      await sb.fault('primary', 'none');
      await sb.fault('secondary', 'none');
    }
    const target = (await datastoreClients(sb, 'secondary', 'workspaceblobstore')).blob!;
    assert.equal(await target.getBlobClient(`${TARGET_PREFIX}/outage-midway/1/outage-midway/weights.bin`).exists(), false, 'no blob committed');
    const ws = sb.secondary;
    await assert.rejects(armClient(sb, ws.subscription_id).modelVersions.get(ws.resource_group, ws.workspace_name, 'outage-midway', '1'), (err: { statusCode?: number }) => err.statusCode === 404);
  });

  it('the sandbox does Copy Blob between regions as Azure does: with a SAS of the source, refused under its outage', async () => {
    const source = (await datastoreClients(sb, 'primary', 'workspaceblobstore')).blob!;
    const target = (await datastoreClients(sb, 'secondary', 'workspaceblobstore')).blob!;
    const data = Buffer.alloc(1024 * 1024, 5);
    const blob = source.getBlockBlobClient('copy-blob/x.bin');
    await blob.uploadData(data);
    const url = await blob.generateSasUrl({ permissions: BlobSASPermissions.parse('r'), expiresOn: new Date(Date.now() + 600_000), protocol: SASProtocol.Https });
    const poller = await target.getBlockBlobClient('copy-blob/x.bin').beginCopyFromURL(url);
    assert.equal((await poller.pollUntilDone()).copyStatus, 'success');
    assert.ok((await target.getBlobClient('copy-blob/x.bin').downloadToBuffer()).equals(data));
    await assert.rejects(target.getBlockBlobClient('copy-blob/unsigned.bin').beginCopyFromURL(blob.url), (err: { statusCode?: number }) => err.statusCode === 401);
    await sb.fault('primary', 'outage');
    try {
      await assert.rejects(target.getBlockBlobClient('copy-blob/y.bin').beginCopyFromURL(url), (err: { statusCode?: number; details?: { errorCode?: string } }) => err.statusCode === 500 && err.details?.errorCode === 'CannotVerifyCopySource');
    } finally {
      await sb.fault('primary', 'none');
    }
    assert.equal(await target.getBlobClient('copy-blob/y.bin').exists(), false);
  });
});
