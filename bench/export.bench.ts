// Export figures (issue 6), each against a baseline measured in the same run on the same sandbox:
//   - throughput exporting the large model (verified ranges, sha256 + MD5, temp + rename) against a plain
//     @azure/storage-blob downloadToFile of the same blobs through the same storage endpoint (same Azurite); also
//     against `az storage blob download-batch` (Debian's azure-cli) when it is installed;
//   - peak RSS of the CLI exporting that model (1 GiB by default) against a plain downloadToFile in a Node process;
//   - 1,000 small notebooks with the sandbox's `slow` fault at 20 ms per request: our export against a sequential
//     plain-SDK download of the same share, and against `az storage file download-batch` when it applies.
//
//   node --import tsx bench/export.bench.ts    (npm run bench runs it; AML_FAILOVER_BENCH_LARGE_MB, _RUNS override)
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from '@azure/storage-blob';
import { ShareServiceClient, StorageSharedKeyCredential as FileKey, type ShareClient, type ShareDirectoryClient } from '@azure/storage-file-share';
import { silentLogger } from '../src/common/logger';
import { exportWorkspace } from '../src/export/exportWorkspace';
import type { Role } from '../src/pair/pairFile';
import { startSandbox, type RunningSandbox } from '../test/support/sandbox';
import { against, median, printFigures, type Figure } from './figures';

const REPO = path.resolve(__dirname, '..');
/** 0 skips the large-model figures. */
const LARGE_MB = Number(process.env.AML_FAILOVER_BENCH_LARGE_MB ?? 1024);
const RUNS = Number(process.env.AML_FAILOVER_BENCH_RUNS ?? 3);
const NOTEBOOKS = 1000;
const SLOW_MS = 20;
const LARGE_MODEL = 'sentiment-bert';

interface Datastore {
  account: string;
  key: string;
  endpoints: { blob: string; file: string };
  container?: ContainerClient;
  share?: ShareClient;
  shareName?: string;
}

async function datastore(sb: RunningSandbox, role: Role, name: string): Promise<Datastore> {
  const ws = sb.pair.workspaces[role];
  const ml = new AzureMachineLearningWorkspaces(sb.credential, ws.subscription_id, { endpoint: sb.armUrl, credentialScopes: ['https://management.azure.com/.default'], tlsOptions: { ca: sb.ca } });
  const ds = (await ml.datastores.get(ws.resource_group, ws.workspace_name, name)).properties as { accountName: string; containerName?: string; fileShareName?: string };
  const { key } = (await ml.datastores.listSecrets(ws.resource_group, ws.workspace_name, name)) as { key: string };
  const endpoints = sb.pair.cloud.storage[ds.accountName];
  const options = { tlsOptions: { ca: sb.ca } } as object;
  return {
    account: ds.accountName,
    key,
    endpoints,
    container: ds.containerName ? new BlobServiceClient(endpoints.blob, new StorageSharedKeyCredential(ds.accountName, key), options).getContainerClient(ds.containerName) : undefined,
    share: ds.fileShareName ? new ShareServiceClient(endpoints.file, new FileKey(ds.accountName, key), options).getShareClient(ds.fileShareName) : undefined,
    shareName: ds.fileShareName,
  };
}

async function largeModelBlobs(sb: RunningSandbox, container: ContainerClient): Promise<{ prefix: string; names: string[]; bytes: number }> {
  const ws = sb.primary;
  const ml = new AzureMachineLearningWorkspaces(sb.credential, ws.subscription_id, { endpoint: sb.armUrl, credentialScopes: ['https://management.azure.com/.default'], tlsOptions: { ca: sb.ca } });
  for await (const v of ml.modelVersions.list(ws.resource_group, ws.workspace_name, LARGE_MODEL)) {
    const prefix = /\/paths\/(.*)$/.exec(v.properties.modelUri ?? '')![1];
    const names: string[] = [];
    let bytes = 0;
    for await (const b of container.listBlobsFlat({ prefix })) {
      names.push(b.name);
      bytes += b.properties.contentLength ?? 0;
    }
    return { prefix, names, bytes };
  }
  throw new Error(`no ${LARGE_MODEL} in the sandbox`);
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function scratch(label: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `aml-failover-bench-${label}-`));
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: REPO, env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

/** Wall time (s) and peak RSS (MB) of a command, from GNU time's %e and %M (jobs.bench.ts uses it too). */
export async function measureProcess(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ seconds: number; peakMb: number }> {
  const r = await run('/usr/bin/time', ['-f', 'PEAK_RSS_KB %M ELAPSED_S %e', ...args], env);
  const m = /PEAK_RSS_KB (\d+) ELAPSED_S ([\d.]+)/.exec(r.stderr);
  if (r.code !== 0 || !m) throw new Error(`${args.join(' ')} failed (${r.code}): ${r.stderr.slice(-2000)}`);
  return { peakMb: Number(m[1]) / 1024, seconds: Number(m[2]) };
}

async function peakRssMb(args: string[]): Promise<number> {
  return (await measureProcess(args)).peakMb;
}

async function shareFiles(dir: ShareDirectoryClient, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for await (const item of dir.listFilesAndDirectories()) {
    const p = prefix ? `${prefix}/${item.name}` : item.name;
    if (item.kind === 'directory') out.push(...(await shareFiles(dir.getDirectoryClient(item.name), p)));
    else out.push(p);
  }
  return out;
}

const hasAz = () => existsSync('/usr/bin/az');

function azEnv(sb: RunningSandbox, configDir: string): NodeJS.ProcessEnv {
  return { ...process.env, AZURE_CORE_COLLECT_TELEMETRY: 'false', AZURE_CONFIG_DIR: configDir, REQUESTS_CA_BUNDLE: sb.pair.cloud.caFile ?? '' };
}

export async function figures(log: (line: string) => void = (l) => console.log(l)): Promise<Figure[]> {
  const out: Figure[] = [];
  const add = (f: Figure) => {
    out.push(f);
    log(`${f.name}: ${f.value.toFixed(1)} ${f.unit}${f.baseline ? ` (baseline ${f.baseline.name} ${f.baseline.value.toFixed(1)}; ratio ${f.ratio?.toFixed(2)})` : ''}${f.note ? ` — ${f.note}` : ''}`);
  };
  const distCli = path.join(REPO, 'dist', 'cli.js');
  if (!existsSync(distCli)) throw new Error('dist/cli.js is missing: run npm run build (npm run bench packages first).');

  if (LARGE_MB > 0) {
    // ── The large model: throughput and peak memory ────────────────────────────────────────────────────────────
    log(`starting a sandbox with a ${LARGE_MB} MB model…`);
    const sb = await startSandbox({ largeModelMb: LARGE_MB, cli: 'dist', readyTimeoutMs: 600_000 });
    try {
      const blob = await datastore(sb, 'primary', 'workspaceblobstore');
      const model = await largeModelBlobs(sb, blob.container!);
      const mb = model.bytes / 1024 / 1024;
      const ours: number[] = [];
      const plain: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const a = await scratch('plain');
        plain.push(await timed(async () => {
          for (const name of model.names) {
            const dest = path.join(a, name.slice(model.prefix.length));
            await fs.mkdir(path.dirname(dest), { recursive: true });
            await blob.container!.getBlobClient(name).downloadToFile(dest);
          }
        }));
        await fs.rm(a, { recursive: true, force: true });
        const b = await scratch('ours');
        ours.push(await timed(() => exportWorkspace({ projectDir: sb.projectDir, from: 'primary', kinds: ['models'], names: [{ name: LARGE_MODEL }], outDir: b, signal: new AbortController().signal, logger: silentLogger })));
        await fs.rm(b, { recursive: true, force: true });
      }
      const oursMBs = mb / (median(ours) / 1000);
      const plainMBs = mb / (median(plain) / 1000);
      add({ ...against(`export the ${Math.round(mb)} MB model (verified, resumable)`, oursMBs, 'MB/s', { name: 'plain downloadToFile of the same blobs', value: plainMBs }, 'ratio ≥ 0.9'), note: `median of ${RUNS}, alternating` });

      if (hasAz()) {
        const conf = await scratch('azconf');
        const dest = await scratch('az');
        const connection = `DefaultEndpointsProtocol=https;AccountName=${blob.account};AccountKey=${blob.key};BlobEndpoint=${blob.endpoints.blob};`;
        let ok = true;
        const ms = await timed(async () => {
          const r = await run('/usr/bin/az', ['storage', 'blob', 'download-batch', '-s', blob.container!.containerName, '-d', dest, '--pattern', `${model.prefix}*`, '--connection-string', connection, '--max-connections', '4', '--only-show-errors'], azEnv(sb, conf));
          if (r.code !== 0) {
            ok = false;
            log(`az storage blob download-batch failed: ${r.stderr.slice(-500)}`);
          }
        });
        if (ok) add({ ...against(`export the ${Math.round(mb)} MB model`, oursMBs, 'MB/s', { name: 'az storage blob download-batch (4 connections)', value: mb / (ms / 1000) }), note: 'az 2.45 from Debian, one run' });
        await fs.rm(dest, { recursive: true, force: true });
        await fs.rm(conf, { recursive: true, force: true });
      } else {
        log('azure-cli not installed (apt-get install azure-cli): az comparison skipped');
      }

      // Peak RSS: the CLI as users run it, against a Node process doing a plain downloadToFile of the same blobs.
      const rssOut = await scratch('rss');
      const oursRss = await peakRssMb([process.execPath, distCli, 'export', 'models', '--name', LARGE_MODEL, '--project', sb.projectDir, '--out', rssOut]);
      await fs.rm(rssOut, { recursive: true, force: true });
      const plainOut = await scratch('rss-plain');
      const script = `
        const { BlobServiceClient, StorageSharedKeyCredential } = require(${JSON.stringify(require.resolve('@azure/storage-blob'))});
        const fs = require('fs'); const path = require('path');
        const c = new BlobServiceClient(${JSON.stringify(blob.endpoints.blob)}, new StorageSharedKeyCredential(${JSON.stringify(blob.account)}, process.env.KEY), { tlsOptions: { ca: fs.readFileSync(${JSON.stringify(sb.pair.cloud.caFile)}, 'utf8') } }).getContainerClient(${JSON.stringify(blob.container!.containerName)});
        (async () => { for (const n of ${JSON.stringify(model.names)}) { const d = path.join(${JSON.stringify(plainOut)}, path.basename(n)); await c.getBlobClient(n).downloadToFile(d); } })().catch((e) => { console.error(e); process.exit(1); });`;
      process.env.KEY = blob.key;
      const plainRss = await peakRssMb([process.execPath, '-e', script]);
      delete process.env.KEY;
      await fs.rm(plainOut, { recursive: true, force: true });
      add({ ...against(`peak RSS of aml-failover export (${Math.round(mb)} MB model)`, oursRss, 'MB', { name: 'node + plain downloadToFile', value: plainRss }), goal: '≤ 200 MB' });
    } finally {
      await sb.stop();
    }
  }

  // ── 1,000 small notebooks behind 20 ms of latency per request ───────────────────────────────────────────────
  log(`starting a sandbox with ${NOTEBOOKS} extra notebooks…`);
  const sb = await startSandbox({ largeModelMb: 1, notebooks: NOTEBOOKS, cli: 'dist', readyTimeoutMs: 600_000 });
  try {
    const files = await datastore(sb, 'primary', 'workspaceworkingdirectory');
    await sb.fault('primary', 'slow', { latencyMs: SLOW_MS });
    // Warm both paths first (module loading, JIT, TLS sessions), so neither pays start-up inside its timing.
    const warm = await scratch('nb-warm');
    await exportWorkspace({ projectDir: sb.projectDir, from: 'primary', kinds: ['notebooks'], notebooksFolder: 'Users/bob', outDir: warm, signal: new AbortController().signal, logger: silentLogger });
    const [first] = await shareFiles(files.share!.getDirectoryClient('Users/bob'), 'Users/bob');
    await files.share!.rootDirectoryClient.getFileClient(first).downloadToFile(path.join(warm, 'plain-warm'));
    await fs.rm(warm, { recursive: true, force: true });
    const a = await scratch('nb-ours');
    let count = 0;
    const oursMs = await timed(async () => {
      const r = await exportWorkspace({ projectDir: sb.projectDir, from: 'primary', kinds: ['notebooks'], outDir: a, signal: new AbortController().signal, logger: silentLogger });
      count = r.fetched;
    });
    await fs.rm(a, { recursive: true, force: true });
    const b = await scratch('nb-seq');
    const seqMs = await timed(async () => {
      for (const p of await shareFiles(files.share!.rootDirectoryClient)) {
        const dest = path.join(b, p);
        await fs.mkdir(path.dirname(dest), { recursive: true });
        await files.share!.rootDirectoryClient.getFileClient(p).downloadToFile(dest);
      }
    });
    await fs.rm(b, { recursive: true, force: true });
    add({ ...against(`export ${count} notebooks, ${SLOW_MS} ms/request (wall time)`, oursMs / 1000, 's', { name: 'sequential plain-SDK downloads', value: seqMs / 1000 }, 'ratio ≤ 0.25 (≥ 4× faster)'), note: `${(seqMs / oursMs).toFixed(1)}× faster; both warmed up first` });

    if (hasAz()) {
      const conf = await scratch('azconf');
      const dest = await scratch('az-nb');
      const connection = `DefaultEndpointsProtocol=https;AccountName=${files.account};AccountKey=${files.key};FileEndpoint=${files.endpoints.file};`;
      let ok = true;
      const ms = await timed(async () => {
        const r = await run('/usr/bin/az', ['storage', 'file', 'download-batch', '-s', files.shareName!, '-d', dest, '--connection-string', connection, '--max-connections', '16', '--only-show-errors'], azEnv(sb, conf));
        if (r.code !== 0) {
          ok = false;
          log(`az storage file download-batch failed: ${r.stderr.slice(-500)}`);
        }
      });
      if (ok) add({ ...against(`export ${count} notebooks, ${SLOW_MS} ms/request (wall time)`, oursMs / 1000, 's', { name: 'az storage file download-batch (16 connections)', value: ms / 1000 }), note: 'az 2.45 from Debian, one run' });
      // az 2.45 asks for nested folders as one %2F-encoded segment (GET …/Users%2Falice?restype=directory), which the
      // sandbox's file share answers 404: the comparison does not apply here until the sandbox accepts that spelling.
      else log('az storage file download-batch: does not apply here (az lists nested folders as Users%2Falice, which the sandbox share answers 404)');
      await fs.rm(dest, { recursive: true, force: true });
      await fs.rm(conf, { recursive: true, force: true });
    }
  } finally {
    await sb.fault('primary', 'none').catch(() => undefined);
    await sb.stop();
  }
  return out;
}

if (require.main === module) printFigures(() => figures());
