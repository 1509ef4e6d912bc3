// Bad input to the sandbox itself: unknown paths, malformed bodies, names with `..` or `%2F` — a clear ARM (or
// Storage) error, the sandbox keeps serving, and nothing is written outside its data folder. Also the hostile seed
// (names a careless client would write outside its target folder) as Azure would list them, and the refusal to
// overwrite a user's pair file.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { BlobServiceClient } from '@azure/storage-blob';
import { ShareServiceClient } from '@azure/storage-file-share';
import { storageEndpoints } from '../../../src/azure/cloud';
import { startSandbox, type RunningSandbox } from '../../support/sandbox';
import { cliNodeArgs } from '../../support/cli';

let sb: RunningSandbox;
const REPO = path.resolve(__dirname, '..', '..', '..');

function request(url: string, init: { method?: string; body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<{ status: number; text: string; json?: { error?: { code: string; message: string } } }> {
  return new Promise((resolve, reject) => {
    // ARM's token for ARM, storage's for storage (each refuses the other's audience). The path is sent verbatim (a URL object would fold `%2E%2E` into `..` and remove it before it leaves).
    const origin = new URL(url);
    const rawPath = url.slice(origin.origin.length);
    const req = https.request({ host: origin.hostname, port: origin.port, path: rawPath, method: init.method ?? 'GET', ca: sb.ca, headers: { authorization: `Bearer ${url.startsWith(sb.armUrl) ? sb.token : sb.storageToken}`, ...init.headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => {
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, text, json });
      });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** Every file under a folder (relative paths), skipping the sandbox's own data folder. */
async function tree(dir: string, skip: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (full === skip) continue;
      if (e.isDirectory()) await walk(full);
      else out.push(path.relative(dir, full));
    }
  };
  await walk(dir);
  return out.sort();
}

describe('sandbox bad input and hostile content', () => {
  let ws: string;
  let projectBefore: string[];
  let tmpBefore: string[];
  const dataDir = () => path.join(sb.projectDir, '.aml-failover', 'sandbox-data');
  before(async () => {
    sb = await startSandbox({ largeModelMb: 1, hostile: true });
    ws = `${sb.armUrl}/subscriptions/${sb.primary.subscription_id}/resourceGroups/${sb.primary.resource_group}/providers/Microsoft.MachineLearningServices/workspaces/${sb.primary.workspace_name}`;
    projectBefore = await tree(sb.projectDir, dataDir());
    tmpBefore = (await fs.readdir(os.tmpdir())).filter((n) => /escape|evil|passwd/.test(n));
  });
  after(async () => {
    await sb?.stop();
  });

  it('answers unknown paths, methods and api-versions with ARM errors', async () => {
    const cases: [string, string, number, string][] = [
      ['GET', `${sb.armUrl}/nothing/here?api-version=2022-10-01`, 404, 'InvalidResourceType'],
      ['GET', `${ws}/pipelines?api-version=2022-10-01`, 404, 'InvalidResourceType'],
      ['GET', `${ws}/models`, 400, 'MissingApiVersionParameter'],
      ['GET', `${ws}/models?api-version=yesterday`, 400, 'InvalidApiVersionParameter'],
      ['DELETE', `${ws}?api-version=2022-10-01`, 405, 'MethodNotAllowed'],
      ['GET', `${ws.replace(sb.primary.resource_group, 'rg-nowhere')}?api-version=2022-10-01`, 404, 'ResourceGroupNotFound'],
      ['GET', `${ws.replace(sb.primary.subscription_id, '00000000-0000-0000-0000-000000000000')}?api-version=2022-10-01`, 404, 'SubscriptionNotFound'],
      ['GET', `${ws}/models?api-version=2022-10-01&$skip=-4`, 400, 'InvalidSkipToken'],
    ];
    for (const [method, url, status, code] of cases) {
      const r = await request(url, { method });
      assert.equal(r.status, status, `${method} ${url}: ${r.text}`);
      assert.equal(r.json?.error?.code, code, url);
      assert.ok((r.json?.error?.message ?? '').length > 10, 'a message a user can read');
    }
  });

  it('refuses malformed and oversized JSON bodies with 400/413 and keeps serving', async () => {
    const put = (body: string | Buffer) => request(`${ws}/models/m1/versions/1?api-version=2022-10-01`, { method: 'PUT', body, headers: { 'content-type': 'application/json' } });
    for (const body of ['{"properties": {', '[]', '"text"', '{"properties": 5}', '{}']) {
      const r = await put(body);
      assert.equal(r.status, 400, body);
      assert.equal(r.json?.error?.code, 'InvalidRequestContent');
    }
    const jobs = await request(`${ws}/jobs/j1?api-version=2022-10-01`, { method: 'PUT', body: '{"properties":{"jobType":"Quantum"}}' });
    assert.equal(jobs.status, 400);
    const big = await put(Buffer.alloc(5 * 1024 * 1024, 0x20));
    assert.equal(big.status, 413);
    assert.equal((await request(`${ws}?api-version=2022-10-01`)).status, 200);
  });

  it("refuses names with '..', '%2F', backslashes or control characters", async () => {
    for (const name of ['..%2F..%2Fetc', '%2E%2E', 'a%2Fb', 'a%5Cb', '..secret', 'x%01y', '%zz']) {
      for (const method of ['GET', 'PUT']) {
        const r = await request(`${ws}/models/${name}/versions/1?api-version=2022-10-01`, { method, body: method === 'PUT' ? '{"properties":{"modelUri":"x"}}' : undefined });
        assert.equal(r.status, 400, `${method} ${name}: ${r.text}`);
        assert.equal(r.json?.error?.code, 'InvalidResourceName');
      }
    }
    const bad = await request(`${ws}/jobs/..?api-version=2022-10-01`);
    assert.ok(bad.status === 400 || bad.status === 404, bad.text);
  });

  it('serves hostile blob names as Azure would list them', async () => {
    const account = Object.keys(sb.pair.cloud.storage).find((a) => a.includes(sb.primary.region))!;
    const blobs = new BlobServiceClient(storageEndpoints(sb.pair.cloud, account).blob, sb.credential, { tlsOptions: { ca: sb.ca } } as object);
    const names: string[] = [];
    for await (const c of blobs.listContainers()) {
      if (!c.name.startsWith('azureml-blobstore-')) continue;
      for await (const b of blobs.getContainerClient(c.name).listBlobsFlat()) names.push(b.name);
    }
    assert.ok(names.some((n) => n.includes('/../../../escape.txt')), 'a name that climbs out of its folder');
    assert.ok(names.some((n) => n.startsWith('/')), 'an absolute name');
    assert.ok(names.some((n) => n.includes('//etc/passwd')));
    assert.ok(names.some((n) => n.endsWith('/README.md')) && names.some((n) => n.endsWith('/readme.md')), 'names differing only in case');
    const files = new ShareServiceClient(storageEndpoints(sb.pair.cloud, account).file, sb.credential, { tlsOptions: { ca: sb.ca }, fileRequestIntent: 'backup' } as object);
    let share = '';
    for await (const s of files.listShares()) if (s.name.startsWith('code-')) share = s.name;
    const entries: string[] = [];
    for await (const e of files.getShareClient(share).getDirectoryClient('Users/alice').listFilesAndDirectories()) entries.push(e.name);
    assert.ok(entries.includes('..'), 'a folder named ..');
    assert.ok(entries.includes('ctrl\u0001name.ipynb'), 'a control character, sent percent-encoded with Encoded="true"');
    assert.ok(entries.some((e) => e.includes('\\')), 'backslashes');
  });

  it('keeps file-share writes inside its data folder, whatever the name', async () => {
    const account = Object.keys(sb.pair.cloud.storage).find((a) => a.includes(sb.primary.region))!;
    const base = storageEndpoints(sb.pair.cloud, account).file;
    let share = '';
    const files = new ShareServiceClient(base, sb.credential, { tlsOptions: { ca: sb.ca }, fileRequestIntent: 'backup' } as object);
    for await (const s of files.listShares()) if (s.name.startsWith('code-')) share = s.name;
    const headers = { 'x-ms-version': '2025-01-05', 'x-ms-type': 'file', 'x-ms-content-length': '4', 'x-ms-file-request-intent': 'backup' };
    for (const name of ['%2E%2E%2F%2E%2E%2Fescape-by-file', '..%5C..%5Cevil-by-file', '%2Fetc%2Fpasswd-by-file']) {
      const r = await request(`${base}/${share}/Users/${name}`, { method: 'PUT', headers });
      assert.equal(r.status, 400, `${name}: ${r.status} ${r.text}`);
      assert.match(r.text, /<Code>InvalidResourceName<\/Code>/);
    }
    const ranged = await request(`${base}/${share}/Users/nope?comp=range`, { method: 'PUT', headers: { ...headers, 'x-ms-range': 'bytes=0-3', 'x-ms-write': 'update' }, body: 'abcd' });
    assert.equal(ranged.status, 404);
    assert.match(ranged.text, /<Code>ResourceNotFound<\/Code>/);
    // Nothing appeared in the project (outside the data folder) or in the temp folder.
    assert.deepEqual(await tree(sb.projectDir, dataDir()), projectBefore);
    assert.deepEqual((await fs.readdir(os.tmpdir())).filter((n) => /escape|evil|passwd/.test(n)), tmpBefore);
    // The data folder holds only opaque ids and Azurite's own files.
    for (const f of await tree(dataDir(), '')) assert.doesNotMatch(f, /escape|evil|passwd/);
  });

  it('refuses a project whose aml-failover.yaml it did not write, unless --force', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aml-failover-own-'));
    try {
      await fs.writeFile(path.join(dir, 'aml-failover.yaml'), '# mine\nworkspaces: {}\n');
      const run = promisify(execFile);
      await assert.rejects(
        run(process.execPath, cliNodeArgs(['sandbox', '--project', dir]), { cwd: REPO }),
        (e: { code?: number; stderr?: string }) => e.code === 2 && /was not written by the sandbox/.test(e.stderr ?? ''),
      );
      assert.equal(await fs.readFile(path.join(dir, 'aml-failover.yaml'), 'utf8'), '# mine\nworkspaces: {}\n');
      // A second sandbox on a running sandbox's project is refused too.
      await assert.rejects(
        run(process.execPath, cliNodeArgs(['sandbox', '--project', sb.projectDir]), { cwd: REPO }),
        (e: { code?: number; stderr?: string }) => e.code === 2 && /already running/.test(e.stderr ?? ''),
      );
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
