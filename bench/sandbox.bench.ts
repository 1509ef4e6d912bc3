// Sandbox figures (issue 3), each against a baseline from the same run:
//   - start-up to `ready` with the default 200 MB model (what `aml-failover sandbox` users wait for), against the fast
//     mode tests use (1 MB model) and against Azurite alone reaching "listening" (the floor any Azurite-based sandbox pays);
//   - one ARM workspaces.get through the real SDK, against the same call to a bare https server answering the same body.
//
//   node --import tsx bench/sandbox.bench.ts        (npm run bench runs it with the others; uses dist/cli.js when built)
import { existsSync, promises as fs } from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { silentLogger } from '../src/common/logger';
import { startAzurite } from '../src/sandbox/azurite';
import { makeCertificates } from '../src/sandbox/certs';
import { startSandbox } from '../test/support/sandbox';
import { against, median, type Figure } from './figures';

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
  add({ ...against(`sandbox start-up to ready, 200 MB model, ${cli} CLI (median of ${RUNS})`, median(full), 'ms', azuriteFloor, 'ratio < 10'), note: 'spawn → `ready` line, measured by test/support/sandbox.ts' });
  add(against(`sandbox start-up to ready, 1 MB model (fast mode, median of ${RUNS})`, median(fast), 'ms', azuriteFloor, 'ratio < 5'));

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
  return out;
}

if (require.main === module) void figures().then((f) => console.log(JSON.stringify(f, null, 2)));
