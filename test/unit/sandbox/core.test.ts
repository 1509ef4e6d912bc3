// Pure parts of the sandbox: job timelines, outages ending jobs, ranges, Shared Key signatures, the pair file text.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { ShareServiceClient, StorageSharedKeyCredential } from '@azure/storage-file-share';
import { createHttpHeaders, type HttpClient, type PipelineRequest } from '@azure/core-rest-pipeline';
import { parsePairFile } from '../../../src/pair/pairFile';
import { parseRange } from '../../../src/sandbox/fileShare';
import { pairFileText, PAIR_FILE_MARKER } from '../../../src/sandbox/project';
import { verifySharedKey } from '../../../src/sandbox/sharedKey';
import { serviceOf } from '../../../src/sandbox/storageFront';
import { failJobsCaughtInOutage, freezeUnfinishedJobs, jobStatus, newRegion, type JobRecord } from '../../../src/sandbox/world';

const job = (over: Partial<JobRecord> = {}): JobRecord => ({ name: 'j', body: { properties: {} }, submittedAt: 1_000, queuedMs: 100, runMs: 500, ...over });

describe('sandbox core', () => {
  it('moves a job through the service’s statuses over time; one without an end runs on; held statuses stay', () => {
    const seen = (j: JobRecord) => [...new Set(Array.from({ length: 1_100 }, (_, i) => jobStatus(j, 1_000 + i)))];
    assert.deepEqual(seen(job()), ['NotStarted', 'Starting', 'Preparing', 'Queued', 'Running', 'Finalizing', 'Completed']);
    assert.deepEqual(seen(job({ provisions: true })).slice(0, 5), ['NotStarted', 'Starting', 'Provisioning', 'Preparing', 'Queued']);
    assert.equal(jobStatus(job({ runMs: undefined }), 10_000_000), 'Running');
    assert.equal(jobStatus(job({ heldStatus: 'NotResponding' }), 10_000_000), 'NotResponding');
    assert.equal(jobStatus(job({ heldStatus: 'Paused', finalStatus: 'Canceled' }), 10_000_000), 'Canceled');
  });

  it('an outage freezes unfinished jobs where they are; when the region heals they end Failed with the outage as reason', () => {
    const r = newRegion('primary', { location: 'eastus', subscriptionId: 's', suffix: 'ab', storageKey: 'k' });
    r.jobs.set('done', job({ name: 'done' }));
    r.jobs.set('running', job({ name: 'running', runMs: undefined }));
    r.jobs.set('queued', job({ name: 'queued', submittedAt: 5_000 }));
    r.jobs.set('paused', job({ name: 'paused', heldStatus: 'Paused' }));
    assert.equal(freezeUnfinishedJobs(r, 5_090), 3);
    assert.equal(jobStatus(r.jobs.get('queued')!, 9_999_999), 'Queued', 'a frozen job keeps its status while the region is down');
    assert.equal(jobStatus(r.jobs.get('running')!, 9_999_999), 'Running');
    assert.equal(failJobsCaughtInOutage(r, 20_000), 3);
    assert.equal(jobStatus(r.jobs.get('done')!, 20_000), 'Completed');
    for (const name of ['running', 'queued', 'paused']) {
      assert.equal(jobStatus(r.jobs.get(name)!, 20_001), 'Failed');
      assert.match(r.jobs.get(name)!.failureReason ?? '', /outage of region eastus/);
    }
    assert.equal(failJobsCaughtInOutage(r, 30_000), 0, 'healing twice changes nothing');
  });

  it('parses ranges for reads (clamped, open-ended) and writes (inside the file)', () => {
    assert.deepEqual(parseRange('bytes=0-9', 100), { start: 0, end: 9 });
    assert.deepEqual(parseRange('bytes=90-', 100, true), { start: 90, end: 99 });
    assert.deepEqual(parseRange('bytes=90-200', 100, true), { start: 90, end: 99 });
    assert.equal(parseRange('bytes=90-200', 100), undefined, 'a write past the end');
    assert.equal(parseRange('bytes=100-', 100, true), undefined);
    assert.equal(parseRange('bytes=5-2', 100), undefined);
    assert.equal(parseRange('items=0-1', 100), undefined);
  });

  it("verifies the storage SDK's own Shared Key signature and refuses a tampered request", async () => {
    const key = Buffer.alloc(64, 7).toString('base64');
    let captured: PipelineRequest | undefined;
    // The real file-share client signs the request; its transport keeps it instead of sending it.
    const httpClient: HttpClient = {
      sendRequest: async (request) => {
        captured = request;
        return { request, status: 201, headers: createHttpHeaders({ 'x-ms-request-id': 'r' }) };
      },
    };
    const service = new ShareServiceClient('https://127.0.0.1:1234/acct', new StorageSharedKeyCredential('acct', key), { httpClient } as object);
    // (What happens to the made-up answer afterwards does not matter here.)
    await service.getShareClient('share').getDirectoryClient('Users/alice').getFileClient('nb 1.ipynb').uploadRange('abcd', 0, 4).catch(() => undefined);
    assert.ok(captured, 'the SDK signed and sent the request');
    // The storage SDK hands a custom transport its older request shape (headers with rawHeaders()).
    const raw = (captured.headers as unknown as { rawHeaders(): Record<string, string> }).rawHeaders();
    const headers = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.toLowerCase(), v]));
    const path = captured.url.slice('https://127.0.0.1:1234'.length);
    assert.equal(verifySharedKey('PUT', path, headers, 'acct', key), true);
    assert.equal(verifySharedKey('PUT', path.replace('alice', 'bob'), headers, 'acct', key), false);
    assert.equal(verifySharedKey('PUT', path, { ...headers, 'x-ms-range': 'bytes=0-4' }, 'acct', key), false);
    assert.equal(verifySharedKey('PUT', path, headers, 'acct', Buffer.alloc(64, 8).toString('base64')), false);
  });

  it('tells blob and file requests apart on the shared storage endpoint', () => {
    const req = (headers: Record<string, string> = {}) => ({ headers }) as unknown as IncomingMessage;
    const q = (s: string) => new URLSearchParams(s);
    const isShare = (n: string) => n.toLowerCase() === 'code-1';
    assert.equal(serviceOf(req(), 'code-1', q('restype=share'), isShare), 'file');
    assert.equal(serviceOf(req(), 'code-1', q('restype=directory&comp=list'), isShare), 'file');
    assert.equal(serviceOf(req(), 'azureml', q('restype=container'), isShare), 'blob');
    assert.equal(serviceOf(req({ 'x-ms-type': 'file' }), 'new-share', q(''), isShare), 'file');
    assert.equal(serviceOf(req(), 'CODE-1', q(''), isShare), 'file', 'share names are case-insensitive');
    assert.equal(serviceOf(req(), 'azureml', q(''), isShare), 'blob');
    assert.equal(serviceOf(req({ 'user-agent': 'azsdk-js-storage-file-share/12.31.0' }), undefined, q('comp=list'), isShare), 'file');
    assert.equal(serviceOf(req({ 'user-agent': 'azsdk-js-azure-storage-blob/12.32.0' }), undefined, q('comp=list'), isShare), 'blob');
  });

  it('writes a pair file the product parses, marked as the sandbox’s', () => {
    const world = {
      tenantId: 't',
      regions: {
        primary: newRegion('primary', { location: 'eastus', subscriptionId: '6c6683e9-e5fe-4038-8519-ce6ebec2ba15', suffix: 'ab', storageKey: 'k' }),
        secondary: newRegion('secondary', { location: 'westus', subscriptionId: '6c6683e9-e5fe-4038-8519-ce6ebec2ba15', suffix: 'ab', storageKey: 'k' }),
      },
    };
    const text = pairFileText(world, { armUrl: 'https://127.0.0.1:4000', caFile: '.aml-failover/sandbox-ca.pem', tokenFile: '.aml-failover/sandbox-token', storageTokenFile: '.aml-failover/sandbox-storage-token', storage: { acct: { blob: 'https://127.0.0.1:4001/acct', file: 'https://127.0.0.1:4002/acct' } } });
    assert.ok(text.startsWith(PAIR_FILE_MARKER));
    const parsed = parsePairFile(text, '/project');
    assert.ok(parsed.ok, JSON.stringify(parsed.problems));
    assert.equal(parsed.config.workspaces.secondary.region, 'westus');
    assert.equal(parsed.config.cloud.caFile, '/project/.aml-failover/sandbox-ca.pem');
    assert.deepEqual(parsed.config.cloud.storage.acct, { blob: 'https://127.0.0.1:4001/acct', file: 'https://127.0.0.1:4002/acct' });
  });
});
