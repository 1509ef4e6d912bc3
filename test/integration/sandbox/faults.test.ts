// Each fault mode, switched at run time, seen through the real SDK clients — and the other region unaffected.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { after, afterEach, before, describe, it } from 'node:test';
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { BlobServiceClient } from '@azure/storage-blob';
import { ShareServiceClient } from '@azure/storage-file-share';
import { storageEndpoints } from '../../../src/azure/cloud';
import type { Role } from '../../../src/pair/pairFile';
import { startSandbox, type RunningSandbox } from '../../support/sandbox';
import { cliNodeArgs } from '../../support/cli';

let sb: RunningSandbox;
const REPO = path.resolve(__dirname, '..', '..', '..');

const ml = () => new AzureMachineLearningWorkspaces(sb.credential, sb.primary.subscription_id, { endpoint: sb.armUrl, credentialScopes: ['https://management.azure.com/.default'], tlsOptions: { ca: sb.ca }, retryOptions: { maxRetries: 0 } });
const getWorkspace = (role: Role, abortSignal?: AbortSignal) => ml().workspaces.get(sb[role].resource_group, sb[role].workspace_name, { abortSignal });

async function account(role: Role): Promise<{ name: string; container: string; share: string }> {
  const ws = await getWorkspace(role);
  const name = (ws.storageAccount ?? '').split('/').pop()!;
  const ds = await ml().datastores.get(sb[role].resource_group, sb[role].workspace_name, 'workspaceblobstore');
  const wd = await ml().datastores.get(sb[role].resource_group, sb[role].workspace_name, 'workspaceworkingdirectory');
  return { name, container: (ds.properties as { containerName: string }).containerName, share: (wd.properties as { fileShareName: string }).fileShareName };
}
// The storage SDKs pass tlsOptions on to the core pipeline although their option types do not declare it.
const storageOptions = () => ({ tlsOptions: { ca: sb.ca }, retryOptions: { maxTries: 1 } });
const blobs = (acct: string) => new BlobServiceClient(storageEndpoints(sb.pair.cloud, acct).blob, sb.credential, storageOptions());
const files = (acct: string) => {
  const options = { ...storageOptions(), fileRequestIntent: 'backup' as const };
  return new ShareServiceClient(storageEndpoints(sb.pair.cloud, acct).file, sb.credential, options);
};

async function firstBlob(role: Role, a: { name: string; container: string }) {
  for await (const b of blobs(a.name).getContainerClient(a.container).listBlobsFlat()) if (b.name.endsWith('.pkl') || b.name.endsWith('.onnx')) return b;
  throw new Error(`no model blob in ${role}`);
}

describe('sandbox faults', () => {
  let p: Awaited<ReturnType<typeof account>>;
  let s: Awaited<ReturnType<typeof account>>;
  before(async () => {
    sb = await startSandbox({ largeModelMb: 1 });
    p = await account('primary');
    s = await account('secondary');
  });
  afterEach(async () => {
    await sb.fault('primary', 'none');
    await sb.fault('secondary', 'none');
  });
  after(async () => {
    await sb?.stop();
  });

  it('outage: 503 from ARM for the region, refused storage connections, running jobs end Failed when it heals; the other region is fine', async () => {
    const before = await ml().jobs.get(sb.primary.resource_group, sb.primary.workspace_name, 'train_sentiment_nightly');
    assert.equal(before.properties.status, 'Running');
    await sb.fault('primary', 'outage');
    await assert.rejects(getWorkspace('primary'), (e: { statusCode?: number; code?: string }) => e.statusCode === 503 && e.code === 'ServiceUnavailable');
    await assert.rejects(blobs(p.name).getContainerClient(p.container).getProperties(), (e: { code?: string }) => e.code === 'ECONNREFUSED');
    assert.equal((await getWorkspace('secondary')).name, sb.secondary.workspace_name);
    await blobs(s.name).getContainerClient(s.container).getProperties();
    await sb.fault('primary', 'none');
    assert.equal((await getWorkspace('primary')).provisioningState, 'Succeeded');
    await blobs(p.name).getContainerClient(p.container).getProperties();
    const afterOutage = await ml().jobs.get(sb.primary.resource_group, sb.primary.workspace_name, 'train_sentiment_nightly');
    assert.equal(afterOutage.properties.status, 'Failed');
    assert.match(String((afterOutage.properties.properties as Record<string, string>).FailureReason), /outage of region eastus/);
  });

  it('blackhole: requests and storage connections are accepted and never answered', async () => {
    await sb.fault('secondary', 'blackhole');
    await assert.rejects(getWorkspace('secondary', AbortSignal.timeout(1000)), (e: Error) => e.name === 'AbortError');
    await assert.rejects(blobs(s.name).getContainerClient(s.container).getProperties({ abortSignal: AbortSignal.timeout(1000) }), (e: Error) => e.name === 'AbortError');
    assert.equal((await getWorkspace('primary')).name, sb.primary.workspace_name);
    await sb.fault('secondary', 'none');
    assert.equal((await getWorkspace('secondary')).name, sb.secondary.workspace_name);
  });

  it('slow: adds the requested latency to each request of the region', async () => {
    await sb.fault('primary', 'slow', { latencyMs: 400 });
    const t0 = Date.now();
    await getWorkspace('primary');
    assert.ok(Date.now() - t0 >= 400, 'ARM answer delayed');
    const t1 = Date.now();
    await blobs(p.name).getContainerClient(p.container).getProperties();
    assert.ok(Date.now() - t1 >= 400, 'storage answer delayed');
  });

  it('throttle: 429 with Retry-After from ARM and storage', async () => {
    await sb.fault('primary', 'throttle');
    await assert.rejects(getWorkspace('primary'), (e: { statusCode?: number; response?: { headers: { get(n: string): string | undefined } } }) => e.statusCode === 429 && e.response?.headers.get('retry-after') === '1');
    await assert.rejects(blobs(p.name).getContainerClient(p.container).getProperties(), (e: { statusCode?: number }) => e.statusCode === 429);
  });

  it('reset: connections are cut part-way through bodies', async () => {
    const blob = await firstBlob('primary', p);
    await sb.fault('primary', 'reset');
    await assert.rejects(getWorkspace('primary'));
    const res = await blobs(p.name).getContainerClient(p.container).getBlobClient(blob.name).download(0, undefined, { maxRetryRequests: 0 });
    assert.equal(res.contentLength, blob.properties.contentLength, 'headers promise the whole body');
    await assert.rejects(async () => {
      for await (const _ of res.readableStreamBody!) void _;
    }, 'the body is cut');
  });

  it('corrupt: downloads carry flipped bytes while the headers keep the original MD5', async () => {
    const blob = await firstBlob('primary', p);
    const client = blobs(p.name).getContainerClient(p.container).getBlobClient(blob.name);
    const good = await client.downloadToBuffer();
    await sb.fault('primary', 'corrupt');
    const res = await client.download();
    const chunks: Buffer[] = [];
    for await (const c of res.readableStreamBody!) chunks.push(c as Buffer);
    const bad = Buffer.concat(chunks);
    assert.equal(bad.length, good.length);
    assert.notDeepEqual(bad, good);
    assert.equal(Buffer.from(res.contentMD5!).toString('base64'), createHash('md5').update(good).digest('base64'));
    const nb = files(p.name).getShareClient(p.share).getDirectoryClient('Users/alice');
    let name = '';
    for await (const e of nb.listFilesAndDirectories()) if (e.kind === 'file' && e.name.endsWith('.ipynb')) name = e.name;
    const props = await nb.getFileClient(name).getProperties();
    const data = await nb.getFileClient(name).downloadToBuffer();
    assert.notEqual(createHash('md5').update(data).digest('base64'), Buffer.from(props.contentMD5!).toString('base64'));
    // The other region's downloads are intact.
    await sb.fault('primary', 'none');
    assert.deepEqual(await client.downloadToBuffer(), good);
  });

  it('survives clients that give up part-way, under every fault, and answers normally after healing', async () => {
    const blob = await firstBlob('primary', p);
    const client = blobs(p.name).getContainerClient(p.container).getBlobClient(blob.name);
    const good = await client.downloadToBuffer();
    for (const mode of ['none', 'slow', 'reset', 'corrupt', 'throttle', 'blackhole', 'outage'] as const) {
      await sb.fault('primary', mode, { latencyMs: 20 });
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          const abort = new AbortController();
          const deadline = setTimeout(() => abort.abort(), 300);
          try {
            const res = await client.download(0, undefined, { abortSignal: abort.signal, maxRetryRequests: 0 });
            const body = res.readableStreamBody!;
            await new Promise<void>((resolve) => {
              body.once('data', () => (abort.abort(), resolve())); // gone after the first chunk
              body.once('error', () => resolve());
              body.once('end', () => resolve());
            });
          } catch {
            // expected: aborted, refused, throttled or cut
          } finally {
            clearTimeout(deadline);
          }
        }),
      );
    }
    await sb.fault('primary', 'none');
    assert.deepEqual(await client.downloadToBuffer(), good);
    assert.equal((await getWorkspace('primary')).name, sb.primary.workspace_name);
  });

  it('reset --rate cuts about that share of ARM and storage answers, the same ones again for the same seed', async () => {
    const blob = await firstBlob('primary', p);
    const client = blobs(p.name).getContainerClient(p.container).getBlobClient(blob.name);
    // One request at a time, so each takes the next draw of the region's generator.
    const pattern = async (n: number) => {
      const out: boolean[] = [];
      for (let i = 0; i < n; i++) {
        const arm = await getWorkspace('primary').then(() => true, () => false);
        const storage = await client.downloadToBuffer(0, undefined, { maxRetryRequestsPerBlock: 0 }).then(() => true, () => false);
        out.push(arm, storage);
      }
      return out;
    };
    await sb.fault('primary', 'reset', { rate: 0.3, seed: 7 });
    const first = await pattern(50);
    const cut = first.filter((ok) => !ok).length / first.length;
    assert.ok(cut > 0.15 && cut < 0.45, `about 30 % cut: ${cut}`);
    assert.ok(first.some((ok, i) => !ok && i % 2 === 0), 'ARM answers are cut too');
    await sb.fault('primary', 'reset', { rate: 0.3, seed: 7 });
    assert.deepEqual(await pattern(50), first, 'the same seed cuts the same answers');
    await sb.fault('primary', 'reset', { rate: 0.3, seed: 8 });
    assert.notDeepEqual(await pattern(50), first, 'another seed cuts others');
  });

  it('corrupt --rate spoils about that share of downloads, never a listing or an ARM answer', async () => {
    const blob = await firstBlob('primary', p);
    const client = blobs(p.name).getContainerClient(p.container).getBlobClient(blob.name);
    const good = await client.downloadToBuffer();
    const pattern = async (n: number) => {
      const out: boolean[] = [];
      for (let i = 0; i < n; i++) {
        assert.equal((await getWorkspace('primary')).name, sb.primary.workspace_name);
        assert.ok((await firstBlob('primary', p)).name, 'listings are intact');
        out.push((await client.downloadToBuffer()).equals(good));
      }
      return out;
    };
    await sb.fault('primary', 'corrupt', { rate: 0.5, seed: 3 });
    const first = await pattern(40);
    const spoiled = first.filter((ok) => !ok).length / first.length;
    assert.ok(spoiled > 0.25 && spoiled < 0.75, `about half spoiled: ${spoiled}`);
    await sb.fault('primary', 'corrupt', { rate: 0.5, seed: 3 });
    assert.deepEqual(await pattern(40), first, 'the same seed spoils the same downloads');
  });

  it('is switched by the `aml-failover fault` command, which rejects unknown modes and bad rates or seeds', async () => {
    const run = promisify(execFile);
    const cli = (...args: string[]) => run(process.execPath, cliNodeArgs([...args, '--project', sb.projectDir]), { cwd: REPO });
    await cli('fault', 'secondary', 'outage');
    await assert.rejects(getWorkspace('secondary'), (e: { statusCode?: number }) => e.statusCode === 503);
    await cli('fault', 'secondary', 'none');
    assert.equal((await getWorkspace('secondary')).name, sb.secondary.workspace_name);
    await assert.rejects(cli('fault', 'secondary', 'meltdown'), (e: { code?: number; stderr?: string }) => e.code === 2 && /Unknown fault "meltdown"/.test(e.stderr ?? ''));
    const { stdout } = await cli('fault', 'secondary', 'reset', '--rate', '0.3', '--seed', '7');
    assert.match(stdout, /secondary: reset \(30 % of responses, seed 7\)/);
    for (const rate of ['0', '1.5', 'NaN', '']) {
      await assert.rejects(cli('fault', 'secondary', 'reset', '--rate', rate), (e: { code?: number; stderr?: string }) => e.code === 2 && /--rate must be a number above 0 and at most 1/.test(e.stderr ?? ''), `--rate ${rate}`);
    }
    await assert.rejects(cli('fault', 'secondary', 'slow', '--rate', '0.5'), (e: { code?: number; stderr?: string }) => e.code === 2 && /--rate applies to reset and corrupt only/.test(e.stderr ?? ''));
    await assert.rejects(cli('fault', 'secondary', 'reset', '--seed', '1.5'), (e: { code?: number; stderr?: string }) => e.code === 2 && /--seed must be a whole number/.test(e.stderr ?? ''));
  });
});
