// Restore figures (issue 13), each against a baseline measured in the same run on the same sandbox:
//   - throughput restoring the large model from a backup (verified against the manifest, every Put Block with its
//     Content-MD5, sha256 metadata, registered) against the raw SDK's uploadFile of the same files to the same
//     container, alternating, median of RUNS;
//   - 1,000 small notebooks with the sandbox's `slow` fault at 20 ms per request: restore against a sequential
//     plain-SDK upload (uploadFile) of the same files to the same share, both warmed up first.
//
//   npm run bench -- restore    (AML_FAILOVER_BENCH_LARGE_MB and AML_FAILOVER_BENCH_RUNS override the sizes)
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from '@azure/storage-blob';
import { ShareServiceClient, StorageSharedKeyCredential as FileKey, type ShareClient } from '@azure/storage-file-share';
import { connect } from '../src/azure/connection';
import { silentLogger } from '../src/common/logger';
import { exportWorkspace } from '../src/export/exportWorkspace';
import type { Manifest } from '../src/export/manifest';
import { restoreBackup } from '../src/restore/restore';
import { startSandbox, type RunningSandbox } from '../test/support/sandbox';
import { against, median, type Figure } from './figures';

const LARGE_MB = Number(process.env.AML_FAILOVER_BENCH_LARGE_MB ?? 1024);
const RUNS = Number(process.env.AML_FAILOVER_BENCH_RUNS ?? 3);
const NOTEBOOKS = 1000;
const SLOW_MS = 20;
const LARGE_MODEL = 'sentiment-bert';

/** The secondary's default blob container and notebook share, through the plain SDKs (key from listSecrets). */
async function secondaryStorage(sb: RunningSandbox): Promise<{ container: ContainerClient; share: ShareClient }> {
  const ws = sb.secondary;
  const ml = new AzureMachineLearningWorkspaces(sb.credential, ws.subscription_id, { endpoint: sb.armUrl, credentialScopes: ['https://management.azure.com/.default'], tlsOptions: { ca: sb.ca } });
  const blob = (await ml.datastores.get(ws.resource_group, ws.workspace_name, 'workspaceblobstore')).properties as { accountName: string; containerName: string };
  const files = (await ml.datastores.get(ws.resource_group, ws.workspace_name, 'workspaceworkingdirectory')).properties as { fileShareName: string };
  const { key } = (await ml.datastores.listSecrets(ws.resource_group, ws.workspace_name, 'workspaceblobstore')) as { key: string };
  const endpoints = sb.pair.cloud.storage[blob.accountName];
  const options = { tlsOptions: { ca: sb.ca } } as object;
  return {
    container: new BlobServiceClient(endpoints.blob, new StorageSharedKeyCredential(blob.accountName, key), options).getContainerClient(blob.containerName),
    share: new ShareServiceClient(endpoints.file, new FileKey(blob.accountName, key), options).getShareClient(files.fileShareName),
  };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const scratch = (label: string) => fs.mkdtemp(path.join(os.tmpdir(), `aml-failover-bench-restore-${label}-`));

/** Gives the backup's model another version (model.yml and its manifest entry), so each run registers anew. */
async function renumber(backup: string, version: string): Promise<void> {
  const manifestPath = path.join(backup, 'manifest.json');
  const manifest = JSON.parse(await fs.readFile(manifestPath, 'utf8')) as Manifest;
  const entry = manifest.files.find((f) => f.path.endsWith('/model.yml'))!;
  const yml = (await fs.readFile(path.join(backup, entry.path), 'utf8')).replace(/^version: .*$/m, `version: ${version}`);
  await fs.writeFile(path.join(backup, entry.path), yml);
  entry.size = Buffer.byteLength(yml);
  entry.sha256 = createHash('sha256').update(yml).digest('hex');
  await fs.writeFile(manifestPath, JSON.stringify(manifest));
}

async function deletePrefix(container: ContainerClient, prefix: string): Promise<void> {
  for await (const b of container.listBlobsFlat({ prefix })) await container.deleteBlob(b.name);
}

export async function figures(log: (line: string) => void = (l) => console.log(l)): Promise<Figure[]> {
  const out: Figure[] = [];
  const add = (f: Figure) => {
    out.push(f);
    log(`${f.name}: ${f.value.toFixed(1)} ${f.unit}${f.baseline ? ` (baseline ${f.baseline.name} ${f.baseline.value.toFixed(1)}; ratio ${f.ratio?.toFixed(2)})` : ''}${f.note ? ` — ${f.note}` : ''}`);
  };
  const signal = () => new AbortController().signal;

  if (LARGE_MB > 0) {
    log(`starting a sandbox with a ${LARGE_MB} MB model…`);
    const sb = await startSandbox({ largeModelMb: LARGE_MB, cli: 'dist', readyTimeoutMs: 600_000 });
    const backup = await scratch('large');
    try {
      await exportWorkspace({ projectDir: sb.projectDir, from: 'primary', kinds: ['models'], names: [{ name: LARGE_MODEL }], outDir: backup, signal: signal(), logger: silentLogger });
      const manifest = JSON.parse(await fs.readFile(path.join(backup, 'manifest.json'), 'utf8')) as Manifest;
      const files = manifest.files.filter((f) => !f.path.endsWith('/model.yml'));
      const mb = files.reduce((n, f) => n + f.size, 0) / 1024 / 1024;
      const { container } = await secondaryStorage(sb);
      const conn = await connect(sb.pair.cloud, { logger: silentLogger });
      const ours: number[] = [];
      const raw: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        raw.push(
          await timed(async () => {
            for (const f of files) await container.getBlockBlobClient(`bench-raw/${i}/${f.path}`).uploadFile(path.join(backup, f.path));
          }),
        );
        await deletePrefix(container, `bench-raw/${i}/`);
        await renumber(backup, `10${i}`);
        await deletePrefix(container, 'LocalUpload/');
        ours.push(
          await timed(async () => {
            const r = await restoreBackup({ backupDir: backup, target: sb.secondary, kinds: ['models'], signal: signal(), logger: silentLogger }, { conn });
            if (r.report.failed.length || r.report.created.length !== files.length + 1) throw new Error(`the restore did not create the model: ${JSON.stringify(r.report).slice(0, 500)}`);
          }),
        );
      }
      const oursMBs = mb / (median(ours) / 1000);
      const rawMBs = mb / (median(raw) / 1000);
      add({
        ...against(`restore the ${Math.round(mb)} MB model (verified, MD5 per block, registered)`, oursMBs, 'MB/s', { name: 'raw SDK uploadFile of the same files', value: rawMBs }, 'ratio ≥ 0.9'),
        note: `median of ${RUNS}, alternating; ours includes checking the backup's sha256`,
      });
    } finally {
      await sb.stop();
      await fs.rm(backup, { recursive: true, force: true });
    }
  }

  log(`starting a sandbox with ${NOTEBOOKS} extra notebooks…`);
  const sb = await startSandbox({ largeModelMb: 1, notebooks: NOTEBOOKS, cli: 'dist', readyTimeoutMs: 600_000 });
  const backup = await scratch('notebooks');
  try {
    await exportWorkspace({ projectDir: sb.projectDir, from: 'primary', kinds: ['notebooks'], outDir: backup, signal: signal(), logger: silentLogger });
    const manifest = JSON.parse(await fs.readFile(path.join(backup, 'manifest.json'), 'utf8')) as Manifest;
    const { share } = await secondaryStorage(sb);
    const conn = await connect(sb.pair.cloud, { logger: silentLogger });
    await sb.fault('secondary', 'slow', { latencyMs: SLOW_MS });
    // Warm both paths (module loading, JIT, TLS sessions) so neither pays start-up inside its timing.
    const warm = manifest.files[0];
    await share.getDirectoryClient('bench-warm').createIfNotExists();
    await share.rootDirectoryClient.getFileClient(`bench-warm/${path.posix.basename(warm.path)}`).uploadFile(path.join(backup, warm.path));
    const warmBackup = await scratch('warm');
    await fs.cp(backup, warmBackup, { recursive: true });
    const warmManifest = { ...manifest, files: manifest.files.filter((f) => f.path.startsWith('notebooks/Users/bob/')) };
    await fs.writeFile(path.join(warmBackup, 'manifest.json'), JSON.stringify(warmManifest));
    await restoreBackup({ backupDir: warmBackup, target: sb.secondary, kinds: ['notebooks'], signal: signal(), logger: silentLogger }, { conn });
    await fs.rm(warmBackup, { recursive: true, force: true });

    let created = 0;
    const oursMs = await timed(async () => {
      const r = await restoreBackup({ backupDir: backup, target: sb.secondary, kinds: ['notebooks'], signal: signal(), logger: silentLogger }, { conn });
      if (r.report.failed.length) throw new Error(`restore failed for ${r.report.failed.length} file(s)`);
      created = r.report.created.length + r.report.unchanged.length;
    });
    const folders = new Set<string>();
    const seqMs = await timed(async () => {
      for (const f of manifest.files) {
        const target = `bench-seq/${f.path}`;
        const parts = target.split('/');
        for (let i = 1; i < parts.length; i++) {
          const dir = parts.slice(0, i).join('/');
          if (!folders.has(dir)) {
            await share.getDirectoryClient(dir).createIfNotExists();
            folders.add(dir);
          }
        }
        await share.rootDirectoryClient.getFileClient(target).uploadFile(path.join(backup, f.path));
      }
    });
    add({
      ...against(`restore ${created} notebooks, ${SLOW_MS} ms/request (wall time)`, oursMs / 1000, 's', { name: 'sequential plain-SDK uploadFile', value: seqMs / 1000 }, 'ratio ≤ 0.25 (≥ 4× faster)'),
      note: `${(seqMs / oursMs).toFixed(1)}× faster; both warmed up first; ours verifies the backup and sets MD5 + sha256`,
    });
  } finally {
    await sb.fault('secondary', 'none').catch(() => undefined);
    await sb.stop();
    await fs.rm(backup, { recursive: true, force: true });
  }
  return out;
}

