// Replicate copies blobs server to server (Put Block From URL with a short-lived SAS; src/azure/blobCopy.ts) against
// the sandbox, whose storage fronts read the source as Azure's would. The CLI runs as a whole cold process with its
// socket bytes counted (test/support/socketBytes.ts); the bytes in the target are read back with plain SDK clients.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ContainerClient } from '@azure/storage-blob';
import { SHA256_METADATA } from '../../../src/replicate/replicate';
import type { SocketBytes } from '../../support/socketBytes';
import { startSandbox, type RunningSandbox } from '../../support/sandbox';
import { armClient, datastoreClients } from '../../support/storageOracle';

const REPO = path.resolve(__dirname, '..', '..', '..');
const LARGE_MB = 16;
const TARGET_PREFIX = 'aml-failover/replicated/models';

let sb: RunningSandbox;
let scratch: string;

/** The CLI as a whole cold process, its socket bytes counted. */
async function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; bytes: SocketBytes }> {
  const counts = path.join(scratch, `bytes-${Date.now()}-${Math.random().toString(16).slice(2)}.json`);
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', path.join(REPO, 'test', 'support', 'socketBytes.ts'), path.join(REPO, 'src', 'cli.ts'), ...args, '--project', sb.projectDir], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AML_FAILOVER_SOCKET_BYTES: counts },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number | null>((resolve, reject) => child.once('error', reject).once('close', resolve));
  return { code, stdout, stderr, bytes: JSON.parse(await fs.readFile(counts, 'utf8')) as SocketBytes };
}

async function blobs(container: ContainerClient, prefix: string): Promise<Map<string, { data: Buffer; md5?: string; metadata: Record<string, string> }>> {
  const out = new Map<string, { data: Buffer; md5?: string; metadata: Record<string, string> }>();
  for await (const b of container.listBlobsFlat({ prefix, includeMetadata: true })) {
    const data = await container.getBlobClient(b.name).downloadToBuffer();
    out.set(b.name.slice(prefix.length), { data, md5: b.properties.contentMD5 && Buffer.from(b.properties.contentMD5).toString('base64'), metadata: b.metadata ?? {} });
  }
  return out;
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
    assert.ok(traffic < size * 0.05, `the CLI received ${r.bytes.received} and sent ${r.bytes.sent} bytes for a ${size}-byte model`);
    assert.doesNotMatch(r.stdout + r.stderr, SAS_SIGNATURE, 'no SAS signature in the output or the log');
  });
});
