// Reading the service, against the sandbox through the real Azure SDK clients: a file that changes while it is
// exported is never stitched from two versions; a URI naming another workspace is not read from this one; replicate
// reads each file once and a re-run reads none. Files are changed and counted with plain SDK clients (the oracle).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AzureLogger, getLogLevel, setLogLevel, type AzureLogLevel } from '@azure/logger';
import { ShareFileClient, newPipeline } from '@azure/storage-file-share';
import { connect, type AzureConnection } from '../../../src/azure/connection';
import type { Logger } from '../../../src/common/logger';
import { runExport, type PlannedDownload } from '../../../src/export/engine';
import { readManifest } from '../../../src/export/manifest';
import { planExport, type PlanRequest } from '../../../src/export/plan';
import { SHA256_METADATA, replicate } from '../../../src/replicate/replicate';
import type { Role, WorkspaceRef } from '../../../src/pair/pairFile';
import { startSandbox, type RunningSandbox } from '../../support/sandbox';
import { armClient, datastoreClients, putBlobWithoutMD5 } from '../../support/storageOracle';

const MiB = 1024 * 1024;
let sb: RunningSandbox;
let conn: AzureConnection;
let scratch: string;

function recordingLogger() {
  const lines: string[] = [];
  const logger: Logger = {
    trace: () => undefined,
    debug: () => undefined,
    info: (m) => lines.push(String(m)),
    warn: (m) => lines.push(String(m)),
    error: (m) => lines.push(String(m)),
  };
  return { logger, lines };
}

const ml = (ws: WorkspaceRef) => armClient(sb, ws.subscription_id);
const oracle = (role: Role, datastore: string) => datastoreClients(sb, role, datastore);

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const modelUri = (ws: WorkspaceRef, p: string) =>
  `azureml://subscriptions/${ws.subscription_id}/resourceGroups/${ws.resource_group}/workspaces/${ws.workspace_name}/datastores/workspaceblobstore/paths/${p}`;

async function registerModel(ws: WorkspaceRef, name: string, uri: string): Promise<void> {
  await ml(ws).modelVersions.createOrUpdate(ws.resource_group, ws.workspace_name, name, '1', { properties: { modelUri: uri, modelType: 'custom_model' } });
}

/**
 * Wraps the planned download of `file` so that, before its range at `changeAt` is first asked for, the ranges before
 * it have been answered and then `change()` writes a new version of the file through the SDK.
 */
function changeBeforeRange(download: PlannedDownload, changeAt: number, change: () => Promise<void>): { changed: () => boolean } {
  const inner = download.reader;
  const earlier = Math.ceil(changeAt / (4 * MiB));
  let answered = 0;
  let allAnswered: () => void = () => undefined;
  const earlierDone = new Promise<void>((resolve) => (allAnswered = resolve));
  let changed = false;
  download.reader = {
    ...inner,
    async read(offset, count, signal, etag) {
      if (offset >= changeAt && !changed) {
        await earlierDone;
        changed = true;
        await change();
      }
      const answer = await inner.read(offset, count, signal, etag);
      if (offset < changeAt && !changed && ++answered === earlier) allAnswered();
      return answer;
    },
  };
  return { changed: () => changed };
}

async function exportWith(req: Omit<PlanRequest, 'workspace' | 'signal' | 'logger'>, outDir: string, prepare: (downloads: PlannedDownload[]) => void) {
  const { logger, lines } = recordingLogger();
  const signal = new AbortController().signal;
  const plan = await planExport(conn, { ...req, workspace: sb.primary, signal, logger });
  try {
    prepare(plan.downloads);
    const result = await runExport(plan, { outDir, signal, logger });
    return { result, lines };
  } finally {
    plan.dispose();
  }
}

describe('reading the service: file versions, workspaces in URIs, replicate reads', { timeout: 300_000 }, () => {
  before(async () => {
    sb = await startSandbox({ largeModelMb: 2 });
    conn = await connect(sb.pair.cloud, { logger: recordingLogger().logger });
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'export-reads-'));
  });
  after(async () => {
    await sb?.stop();
    if (scratch) await fs.rm(scratch, { recursive: true, force: true });
  });

  it('a notebook rewritten between two ranges is exported whole in its new version, never mixed', async () => {
    const { share } = await oracle('primary', 'workspaceworkingdirectory');
    await share!.getDirectoryClient('Users/reads').createIfNotExists();
    const file = share!.getDirectoryClient('Users/reads').getFileClient('growing.ipynb');
    const older = Buffer.alloc(9 * MiB, 'a');
    const newer = Buffer.concat([Buffer.alloc(9 * MiB - 4096, 'b'), randomBytes(4096)]);
    await file.uploadData(older);
    const out = path.join(scratch, 'notebooks');
    let hook: { changed: () => boolean } | undefined;
    const { result, lines } = await exportWith({ kinds: ['notebooks'], notebooksFolder: 'Users/reads' }, out, (downloads) => {
      const d = downloads.find((x) => x.local.endsWith('growing.ipynb'))!;
      hook = changeBeforeRange(d, 8 * MiB, async () => void (await file.uploadData(newer)));
    });
    assert.ok(hook!.changed(), 'the file was changed part-way');
    assert.equal(result.complete, true, JSON.stringify(result.failed));
    const exported = await fs.readFile(path.join(out, 'notebooks', 'Users', 'reads', 'growing.ipynb'));
    assert.equal(exported.length, newer.length);
    assert.ok(exported.equals(newer), 'the new version, whole (not the old one with the new one\'s tail)');
    const entry = (await readManifest(out))!.files.find((f) => f.path.endsWith('growing.ipynb'))!;
    assert.equal(entry.sha256, sha256(newer));
    assert.equal(entry.etag, (await file.getProperties()).etag, 'the manifest records the version exported');
    // The service refused the stale version (If-Match sent and honoured), rather than the answer's ETag giving it away.
    assert.ok(lines.some((l) => /changed while it was being read \(its ETag is no longer/.test(l)), lines.join('\n'));
  });

  it('a large block blob without Content-MD5 rewritten between two ranges is exported whole in its new version', async () => {
    const { blob } = await oracle('primary', 'workspaceblobstore');
    const older = Buffer.alloc(9 * MiB, 'c');
    const newer = Buffer.concat([Buffer.alloc(9 * MiB, 'd'), randomBytes(1000)]);
    await putBlobWithoutMD5(blob!, 'reads/changing/weights.bin', older);
    await registerModel(sb.primary, 'reads-changing', modelUri(sb.primary, 'reads/changing/'));
    const out = path.join(scratch, 'changing-model');
    const { result, lines } = await exportWith({ kinds: ['models'], names: [{ name: 'reads-changing', version: '1' }] }, out, (downloads) => {
      changeBeforeRange(downloads.find((x) => x.local.endsWith('weights.bin'))!, 8 * MiB, () => putBlobWithoutMD5(blob!, 'reads/changing/weights.bin', newer));
    });
    assert.equal(result.complete, true, JSON.stringify(result.failed));
    const exported = await fs.readFile(path.join(out, 'models', 'reads-changing', '1', 'changing', 'weights.bin'));
    assert.ok(exported.equals(newer), `the new version, whole (got ${exported.length} bytes, sha256 ${sha256(exported).slice(0, 12)})`);
    assert.ok(lines.some((l) => /changed while it was being read \(its ETag is no longer/.test(l)), lines.join('\n'));
  });

  it('the sandbox answers 412 to a ranged read naming a stale version, for blobs (Azurite) and files', async () => {
    const { blob } = await oracle('primary', 'workspaceblobstore');
    const { share, fileKey } = await oracle('primary', 'workspaceworkingdirectory');
    const blobClient = blob!.getBlockBlobClient('reads/stale/a.bin');
    await share!.getDirectoryClient('Users/reads').createIfNotExists();
    const fileClient = share!.getDirectoryClient('Users/reads').getFileClient('stale.ipynb');
    await blobClient.uploadData(Buffer.from('first'));
    await fileClient.uploadData(Buffer.from('first'));
    const blobEtag = (await blobClient.getProperties()).etag!;
    const fileEtag = (await fileClient.getProperties()).etag!;
    // The current version reads.
    assert.equal((await blobClient.download(0, 3, { conditions: { ifMatch: blobEtag } })).etag, blobEtag);
    await blobClient.uploadData(Buffer.from('second'));
    await fileClient.uploadData(Buffer.from('second'));
    await assert.rejects(blobClient.download(0, 3, { conditions: { ifMatch: blobEtag } }), (err: { statusCode?: number }) => err.statusCode === 412);
    // The file-share SDK has no If-Match option: send the header as the product does, through a request policy.
    const pipeline = newPipeline(fileKey, { tlsOptions: { ca: sb.ca } } as object);
    pipeline.factories.push({ create: (next) => ({ sendRequest: (r) => (r.headers.set('If-Match', fileEtag), next.sendRequest(r)) }) });
    await assert.rejects(new ShareFileClient(fileClient.url, pipeline).download(0, 3), (err: { statusCode?: number }) => err.statusCode === 412);
  });

  it("a model whose URI names the other workspace's datastore fails clearly, and this workspace's datastore of that name is not read", async () => {
    const { blob } = await oracle('primary', 'workspaceblobstore');
    // The same path exists in the primary's workspaceblobstore: reading it would export the wrong files silently.
    await blob!.getBlockBlobClient('reads/elsewhere/model.pkl').uploadData(Buffer.from('the primary has a file here too'));
    await registerModel(sb.primary, 'reads-foreign', modelUri(sb.secondary, 'reads/elsewhere/'));
    const out = path.join(scratch, 'foreign');
    const { result } = await exportWith({ kinds: ['models'], names: [{ name: 'reads-foreign', version: '1' }] }, out, () => undefined);
    assert.equal(result.complete, false);
    assert.equal(result.failed.length, 1);
    assert.match(result.failed[0].error, new RegExp(`workspace '${sb.secondary.workspace_name}'.*not of '${sb.primary.workspace_name}'`));
    await assert.rejects(fs.stat(path.join(out, 'models', 'reads-foreign')), 'nothing written for it');

    const replicated = await replicate(conn, { kinds: ['models'], names: [{ name: 'reads-foreign', version: '1' }], source: sb.primary, target: sb.secondary, signal: new AbortController().signal, logger: recordingLogger().logger });
    const outcome = replicated.assets[0].outcome;
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.status === 'failed' ? outcome.reason : '', new RegExp(`workspace '${sb.secondary.workspace_name}'`));
  });

  it('replicate through this machine (--no-server-copy) reads a blob without Content-MD5 once, records its sha256, and a re-run downloads nothing', async () => {
    const { blob } = await oracle('primary', 'workspaceblobstore');
    const data = randomBytes(9 * MiB);
    await putBlobWithoutMD5(blob!, 'reads/once/weights.bin', data);
    await registerModel(sb.primary, 'reads-once', modelUri(sb.primary, 'reads/once/'));
    const run = () =>
      replicate(conn, { kinds: ['models'], names: [{ name: 'reads-once', version: '1' }], source: sb.primary, target: sb.secondary, signal: new AbortController().signal, logger: recordingLogger().logger, serverCopy: { enabled: false } });

    const first = await countingBlobReads(run);
    assert.equal(first.result.assets[0].outcome.status, 'replicated', JSON.stringify(first.result.assets));
    const sourceReads = first.reads.filter((r) => r.path.endsWith('/reads/once/weights.bin'));
    assert.equal(sourceReads.reduce((n, r) => n + r.bytes, 0), data.length, `the source read once: ${JSON.stringify(sourceReads)}`);
    const { blob: target } = await oracle('secondary', 'workspaceblobstore');
    const copied = await target!.getBlobClient('aml-failover/replicated/models/reads-once/1/once/weights.bin').getProperties();
    assert.equal(copied.metadata?.[SHA256_METADATA], sha256(data));

    const second = await countingBlobReads(run);
    assert.equal(second.result.assets[0].outcome.status, 'unchanged');
    assert.deepEqual(second.reads, [], 'a re-run downloads nothing');
  });
});

/**
 * Runs `work` while recording every blob download the Azure SDK sends (GET of a blob, not a listing), from the SDK's
 * own request log: path and bytes asked for.
 */
async function countingBlobReads<T>(work: () => Promise<T>): Promise<{ result: T; reads: { path: string; bytes: number }[] }> {
  const reads: { path: string; bytes: number }[] = [];
  const storage = Object.values(sb.pair.cloud.storage).map((e) => `${e.blob.replace(/\/+$/, '')}/`);
  const level = getLogLevel();
  const log = AzureLogger.log;
  AzureLogger.log = (...args: unknown[]) => {
    const text = args.map(String).join(' ');
    const at = text.indexOf('Request: ');
    if (at === -1) return;
    let request: { url?: string; method?: string; headers?: Record<string, string> };
    try {
      request = JSON.parse(text.slice(at + 'Request: '.length)) as typeof request;
    } catch {
      return;
    }
    if (request.method !== 'GET' || !request.url) return;
    const url = new URL(request.url);
    if (!storage.some((prefix) => url.href.startsWith(prefix))) return;
    if (url.searchParams.has('comp') || url.searchParams.has('restype')) return;
    const range = /bytes=(\d+)-(\d+)/.exec(request.headers?.['x-ms-range'] ?? '');
    reads.push({ path: decodeURIComponent(url.pathname), bytes: range ? Number(range[2]) - Number(range[1]) + 1 : Number.NaN });
  };
  setLogLevel('info');
  try {
    return { result: await work(), reads };
  } finally {
    setLogLevel(level as AzureLogLevel);
    AzureLogger.log = log;
  }
}
