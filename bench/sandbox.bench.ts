// Sandbox figures (issue 3), each against a baseline from the same run:
//   - start-up to `ready` with the default 200 MB model (what `aml-failover sandbox` users wait for), against the fast
//     mode tests use (1 MB model) and against Azurite alone reaching "listening" (the floor any Azurite-based sandbox pays);
//   - one ARM workspaces.get through the real SDK, against the same call to a bare https server answering the same body;
//   - replicating a 200 MB model registered from a job output whose blobs have no Content-MD5 (issue 11): bytes read
//     from the source's storage endpoint on the wire (every TLS socket to it, headers and listings included), against
//     the model's size — the goal is reading it once.
// The start-up figures include the realistic seed (job artifacts, data assets, studio clutter, the keyless account).
//
//   node --import tsx bench/sandbox.bench.ts        (npm run bench runs it with the others; uses dist/cli.js when built)
import { existsSync, promises as fs } from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { createRequire } from 'node:module';
import type { TLSSocket } from 'node:tls';
import { connect } from '../src/azure/connection';
import { replicate } from '../src/replicate/replicate';
import { silentLogger } from '../src/common/logger';
import { startAzurite } from '../src/sandbox/azurite';
import { makeCertificates } from '../src/sandbox/certs';
import { startSandbox } from '../test/support/sandbox';
import { against, median, printFigures, type Figure } from './figures';

const REPO = path.resolve(__dirname, '..');
const RUNS = Number(process.env.AML_FAILOVER_BENCH_RUNS ?? 3);

async function sandboxStartup(largeModelMb: number, cli: 'dist' | 'source'): Promise<number> {
  const sb = await startSandbox({ largeModelMb, cli });
  await sb.stop();
  return sb.startupMs;
}

async function azuriteStartup(): Promise<number> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aml-failover-bench-azurite-'));
  try {
    const certs = await makeCertificates();
    await fs.writeFile(path.join(dir, 'ca.pem'), certs.caPem);
    const t0 = performance.now();
    const azurite = await startAzurite({ location: dir, accounts: [{ name: 'benchacct', key: Buffer.from('k'.repeat(32)).toString('base64') }], caFile: path.join(dir, 'ca.pem'), logger: silentLogger });
    const ms = performance.now() - t0;
    await azurite.stop();
    return ms;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

export async function figures(log: (line: string) => void = (l) => console.log(l)): Promise<Figure[]> {
  const cli = existsSync(path.join(REPO, 'dist', 'cli.js')) ? 'dist' : 'source';
  const out: Figure[] = [];
  const add = (f: Figure) => {
    out.push(f);
    log(`${f.name}: ${f.value.toFixed(0)} ${f.unit}${f.baseline ? ` (baseline ${f.baseline.name} ${f.baseline.value.toFixed(0)}; ratio ${f.ratio?.toFixed(2)})` : ''}`);
  };

  // Start-up, alternating the three so that machine noise hits them alike.
  const full: number[] = [];
  const fast: number[] = [];
  const azurite: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    azurite.push(await azuriteStartup());
    fast.push(await sandboxStartup(1, cli));
    full.push(await sandboxStartup(200, cli));
  }
  const azuriteFloor = { name: `Azurite alone to listening (median of ${RUNS})`, value: median(azurite) };
  add({ ...against(`sandbox start-up to ready, realistic seed, 200 MB model, ${cli} CLI (median of ${RUNS})`, median(full), 'ms', azuriteFloor, 'ratio < 10'), note: 'spawn → `ready` line, measured by test/support/sandbox.ts' });
  add(against(`sandbox start-up to ready, realistic seed, 1 MB model (fast mode, median of ${RUNS})`, median(fast), 'ms', azuriteFloor, 'ratio < 5'));

  // ARM round trip through the SDK: the sandbox against a bare https server that answers the same workspace body
  // (same SDK, same TLS, same process), so the ratio is the sandbox's own cost per request.
  const sb = await startSandbox({ largeModelMb: 1, cli });
  const certs = await makeCertificates();
  try {
    const options = (endpoint: string, ca: string) => ({ endpoint, credentialScopes: ['https://management.azure.com/.default'], tlsOptions: { ca } });
    const ml = new AzureMachineLearningWorkspaces(sb.credential, sb.primary.subscription_id, options(sb.armUrl, sb.ca));
    const body = JSON.stringify(await ml.workspaces.get(sb.primary.resource_group, sb.primary.workspace_name));
    const bare = https.createServer({ cert: certs.certPem, key: certs.keyPem }, (_req, res) => res.setHeader('content-type', 'application/json').end(body));
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    const bareMl = new AzureMachineLearningWorkspaces(sb.credential, sb.primary.subscription_id, options(`https://127.0.0.1:${(bare.address() as AddressInfo).port}`, certs.caPem));
    const sandboxTimes: number[] = [];
    const bareTimes: number[] = [];
    try {
      for (let i = 0; i < 200; i++) {
        let t = performance.now();
        await ml.workspaces.get(sb.primary.resource_group, sb.primary.workspace_name);
        sandboxTimes.push(performance.now() - t);
        t = performance.now();
        await bareMl.workspaces.get(sb.primary.resource_group, sb.primary.workspace_name);
        bareTimes.push(performance.now() - t);
      }
    } finally {
      bare.close();
    }
    add(against('ARM workspaces.get through the SDK, sandbox (median of 200)', median(sandboxTimes), 'ms', { name: 'same call to a bare https server answering the same body', value: median(bareTimes) }, 'ratio < 3'));
  } finally {
    await sb.stop();
  }
  add(await replicateReadsOnce(cli));
  return out;
}

/** `node --import tsx bench/sandbox.bench.ts replicate` runs only the replicate figure. */
export async function replicateFigure(): Promise<Figure> {
  return replicateReadsOnce(existsSync(path.join(REPO, 'dist', 'cli.js')) ? 'dist' : 'source');
}

/** Replicates the 200 MB no-MD5 model through this machine and counts the bytes that came from the source's storage endpoint. */
async function replicateReadsOnce(cli: 'dist' | 'source'): Promise<Figure> {
  const modelMb = Number(process.env.AML_FAILOVER_BENCH_REPLICATE_MB ?? 200);
  const sb = await startSandbox({ largeModelMb: modelMb, cli });
  // Every TLS connection this process opens, with the port it went to (the SDKs connect through https agents, which
  // call tls.connect on the module object).
  const tlsModule = createRequire(__filename)('node:tls') as typeof import('node:tls');
  const originalConnect = tlsModule.connect;
  const opened: { socket: TLSSocket; port: number }[] = [];
  tlsModule.connect = ((...args: Parameters<typeof originalConnect>) => {
    const socket = originalConnect.apply(tlsModule, args);
    const options = args.find((a) => a && typeof a === 'object') as { port?: number | string } | undefined;
    opened.push({ socket, port: Number(options?.port ?? (typeof args[0] === 'number' ? args[0] : 0)) });
    return socket;
  }) as typeof originalConnect;
  try {
    const primaryAccount = Object.keys(sb.pair.cloud.storage).find((a) => a.includes('eastus') && !a.startsWith('stnokey'))!;
    const sourcePort = Number(new URL(sb.pair.cloud.storage[primaryAccount].blob).port);
    const conn = await connect(sb.pair.cloud, { logger: silentLogger });
    // Through this machine (server copy off): the figure is how often the client-side copy reads the source — once.
    // The server-to-server copy reads nothing here; its figures are bench/replicate.bench.ts's.
    const result = await replicate(conn, { kinds: ['models'], names: [{ name: 'sentiment-bert-finetuned' }], source: sb.primary, target: sb.secondary, signal: new AbortController().signal, logger: silentLogger, serverCopy: { enabled: false } });
    const outcome = result.assets[0]?.outcome;
    if (outcome?.status !== 'replicated') throw new Error(`replicate did not copy the model: ${JSON.stringify(outcome)}`);
    const read = opened.filter((o) => o.port === sourcePort).reduce((n, o) => n + o.socket.bytesRead, 0);
    return { ...against(`replicate a ${modelMb} MB job-output model without Content-MD5 through this machine (server copy off): bytes read from the source`, read / 1e6, 'MB', { name: 'the model files’ size', value: outcome.bytes / 1e6 }, 'ratio ≈ 1 (read once)'), note: 'TLS bytes on every socket to the source storage endpoint' };
  } finally {
    tlsModule.connect = originalConnect;
    await sb.stop();
  }
}

if (require.main === module) printFigures(() => (process.argv[2] === 'replicate' ? replicateFigure() : figures()));
