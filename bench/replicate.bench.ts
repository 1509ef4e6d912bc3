// Replicate figures (issue 18): the sandbox's large model replicated to the secondary by a whole cold CLI process
// (dist/cli.js), server to server (Put Block From URL) against today's copy through this machine (--no-server-copy),
// alternating, on the same sandbox in the same run:
//   - bytes the CLI process received and sent on the wire (test/support/socketBytes.ts; TLS handshakes included);
//   - wall time of the process.
// Each run replicates its own alias of the model (a model version registered in the primary on the same files), so
// every run copies every byte to a fresh folder of the target. The same again, server to server, for the job output
// of the same size without a Content-MD5 (sentiment-bert-finetuned: block-uploaded weights, no whole-file hash known),
// which is copied server to server too and must cost the CLI no more.
//
//   node --import tsx bench/replicate.bench.ts    (npm run bench runs it; AML_FAILOVER_BENCH_LARGE_MB, _RUNS override)
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import type { SocketBytes } from '../test/support/socketBytes';
import { startSandbox, type RunningSandbox } from '../test/support/sandbox';
import { against, median, printFigures, type Figure } from './figures';

const REPO = path.resolve(__dirname, '..');
/** 0 skips the figures. */
const LARGE_MB = Number(process.env.AML_FAILOVER_BENCH_LARGE_MB ?? 1024);
const RUNS = Number(process.env.AML_FAILOVER_BENCH_RUNS ?? 3);
const LARGE_MODEL = 'sentiment-bert';
/** The fine-tuning job's output: weights of the same size, uploaded in blocks, no Content-MD5 (src/sandbox/seed/jobArtifacts.ts). */
const NO_MD5_MODEL = 'sentiment-bert-finetuned';

interface Run {
  ms: number;
  bytes: SocketBytes;
}

/** Registers `alias` version 1 in the primary on the files of `model` version 1. */
async function alias(sb: RunningSandbox, name: string, model = LARGE_MODEL): Promise<void> {
  const ws = sb.primary;
  const ml = new AzureMachineLearningWorkspaces(sb.credential, ws.subscription_id, { endpoint: sb.armUrl, credentialScopes: ['https://management.azure.com/.default'], tlsOptions: { ca: sb.ca } });
  const source = await ml.modelVersions.get(ws.resource_group, ws.workspace_name, model, '1');
  await ml.modelVersions.createOrUpdate(ws.resource_group, ws.workspace_name, name, '1', { properties: { modelUri: source.properties.modelUri, modelType: 'custom_model' } });
}

/** `aml-failover replicate models --name NAME` as a whole cold process, its socket bytes counted. */
async function replicateProcess(sb: RunningSandbox, scratch: string, name: string, extra: string[]): Promise<Run> {
  const counts = path.join(scratch, `${name}.json`);
  const args = ['--import', 'tsx', '--import', path.join(REPO, 'test', 'support', 'socketBytes.ts'), path.join(REPO, 'dist', 'cli.js'), 'replicate', 'models', '--name', name, ...extra, '--project', sb.projectDir];
  const t0 = performance.now();
  const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, args, { cwd: REPO, env: { ...process.env, AML_FAILOVER_SOCKET_BYTES: counts }, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
  const ms = performance.now() - t0;
  if (r.code !== 0 || !/replicated model/.test(r.stdout)) throw new Error(`replicate ${name} failed (${r.code}): ${r.stdout}${r.stderr.slice(-2000)}`);
  if (!extra.includes('--no-server-copy') && /through this machine/.test(r.stdout)) throw new Error(`replicate ${name} copied through this machine: ${r.stdout}`);
  return { ms, bytes: JSON.parse(await fs.readFile(counts, 'utf8')) as SocketBytes };
}

const total = (r: Run) => r.bytes.received + r.bytes.sent;

export async function figures(log: (line: string) => void = (l) => console.log(l)): Promise<Figure[]> {
  if (LARGE_MB <= 0) return [];
  if (!existsSync(path.join(REPO, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run npm run build (npm run bench packages first).');
  log(`starting a sandbox with a ${LARGE_MB} MB model…`);
  const sb = await startSandbox({ largeModelMb: LARGE_MB, cli: 'dist', readyTimeoutMs: 600_000 });
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'aml-failover-bench-replicate-'));
  try {
    const server: Run[] = [];
    const client: Run[] = [];
    const noMd5: Run[] = [];
    for (let i = 0; i < RUNS; i++) {
      for (const [runs, label, extra, model] of [
        [server, 'server', [], LARGE_MODEL],
        [client, 'client', ['--no-server-copy'], LARGE_MODEL],
        [noMd5, 'server-no-md5', [], NO_MD5_MODEL],
      ] as const) {
        const name = `bench-${label}-${i}`;
        await alias(sb, name, model);
        const run = await replicateProcess(sb, scratch, name, [...extra]);
        runs.push(run);
        log(`  ${label} ${i + 1}/${RUNS}: ${(run.ms / 1000).toFixed(1)} s, received ${run.bytes.received} B, sent ${run.bytes.sent} B over ${run.bytes.connections} connection(s)`);
      }
    }
    const size = LARGE_MB * 1024 * 1024;
    const serverBytes = median(server.map(total));
    const clientBytes = median(client.map(total));
    const noMd5Bytes = median(noMd5.map(total));
    const serverMs = median(server.map((r) => r.ms));
    const clientMs = median(client.map((r) => r.ms));
    // On a real link the copy through this machine moves every byte down and up again; server to server moves only
    // the requests. Time ≈ bytes / bandwidth for the former, the inter-region copy rate of Azure for the latter.
    const hoursAt = (bytes: number, mbit: number) => (bytes * 8) / (mbit * 1e6) / 3600;
    const twentyGb = 20e9;
    const note =
      `CLI traffic ${((100 * serverBytes) / size).toFixed(3)} % of the ${LARGE_MB} MB model server to server, ${((100 * clientBytes) / size).toFixed(0)} % through this machine. ` +
      `Expected on a WAN: a 20 GB model through a 100/20 Mbit/s link is ${hoursAt(twentyGb, 100).toFixed(1)} h down + ${hoursAt(twentyGb, 20).toFixed(1)} h up; server to server the link carries ` +
      `~${((serverBytes / size) * twentyGb / 1e6).toFixed(1)} MB of requests and the time is Azure's own copy rate.`;
    return [
      { name: `replicate a ${LARGE_MB} MB model server to server: bytes the CLI received and sent`, value: serverBytes / 1024, unit: 'KB', goal: `< 1 % of the model (${(size / 100 / 1024).toFixed(0)} KB)`, note },
      against('… the same bytes, as a share of copying through this machine', serverBytes / 1024, 'KB', { name: 'through this machine (--no-server-copy)', value: clientBytes / 1024 }, 'ratio < 0.01'),
      against(`replicate a ${LARGE_MB} MB model server to server (whole cold CLI)`, serverMs, 'ms', { name: 'through this machine (--no-server-copy)', value: clientMs }, 'ratio ≤ 1 on loopback'),
      {
        name: `replicate a ${LARGE_MB} MB job output without Content-MD5 server to server: bytes the CLI received and sent`,
        value: noMd5Bytes / 1024,
        unit: 'KB',
        goal: `< 1 % of the model (${(size / 100 / 1024).toFixed(0)} KB)`,
        note: `${((100 * noMd5Bytes) / size).toFixed(3)} % of the model; before, a file with no whole-file hash went through this machine (${(clientBytes / 1024 / 1024).toFixed(0)} MB, the figure above).`,
      },
      against(`replicate a ${LARGE_MB} MB job output without Content-MD5 server to server (whole cold CLI)`, median(noMd5.map((r) => r.ms)), 'ms', { name: 'the model with Content-MD5 through this machine (--no-server-copy)', value: clientMs }, 'ratio ≤ 1 on loopback'),
    ];
  } finally {
    await sb.stop();
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) printFigures(() => figures());
