// Export of job definitions at scale (issue 12): `aml-failover export jobs` of a sandbox holding about 5,000 jobs
// (`--scale 501`: each round a pipeline with its steps, a sweep and eight command jobs, all running one code asset,
// plus the seeded ones), as a whole cold CLI process (dist/cli.js) — wall time and peak RSS — against a Node process
// that lists the same jobs with the plain SDK and writes each one's REST JSON to a file, in the same run.
//
//   node --import tsx bench/jobs.bench.ts    (npm run bench -- jobs; AML_FAILOVER_BENCH_JOBS_SCALE overrides 501)
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startSandbox } from '../test/support/sandbox';
import { measureProcess } from './export.bench';
import { against, type Figure } from './figures';

const REPO = path.resolve(__dirname, '..');
const SCALE = Number(process.env.AML_FAILOVER_BENCH_JOBS_SCALE ?? 501);

export async function figures(log: (line: string) => void): Promise<Figure[]> {
  const distCli = path.join(REPO, 'dist', 'cli.js');
  if (!existsSync(distCli)) throw new Error('dist/cli.js is missing: run npm run build (npm run bench packages first).');
  log(`starting the sandbox with --scale ${SCALE} …`);
  const sb = await startSandbox({ largeModelMb: 1, scale: SCALE, pageSize: 100, cli: 'dist', readyTimeoutMs: 600_000 });
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'aml-failover-bench-jobs-'));
  try {
    log(`sandbox ready in ${(sb.startupMs / 1000).toFixed(1)} s`);
    const out = path.join(tmp, 'ours');
    const ours = await measureProcess([process.execPath, distCli, 'export', 'jobs', '--project', sb.projectDir, '--out', out]);
    const written = (await fs.readdir(path.join(out, 'jobs'))).length;
    const plainOut = path.join(tmp, 'plain');
    await fs.mkdir(plainOut);
    const ws = sb.primary;
    const script = `
      const { AzureMachineLearningWorkspaces } = require(${JSON.stringify(require.resolve('@azure/arm-machinelearning'))});
      const fs = require('fs'); const path = require('path');
      const credential = { getToken: async () => ({ token: fs.readFileSync(${JSON.stringify(path.join(sb.projectDir, '.aml-failover', 'sandbox-token'))}, 'utf8').trim(), expiresOnTimestamp: Date.now() + 3600e3 }) };
      const ml = new AzureMachineLearningWorkspaces(credential, ${JSON.stringify(ws.subscription_id)}, { endpoint: ${JSON.stringify(sb.armUrl)}, tlsOptions: { ca: fs.readFileSync(${JSON.stringify(sb.pair.cloud.caFile)}, 'utf8') } });
      (async () => { let n = 0; for await (const j of ml.jobs.list(${JSON.stringify(ws.resource_group)}, ${JSON.stringify(ws.workspace_name)})) { fs.writeFileSync(path.join(${JSON.stringify(plainOut)}, j.name + '.json'), JSON.stringify(j)); n++; } })().catch((e) => { console.error(e); process.exit(1); });`;
    const plain = await measureProcess([process.execPath, '-e', script]);
    const listed = (await fs.readdir(plainOut)).length;
    log(`exported ${written} job files (${listed} jobs listed by the plain SDK script)`);
    const note = `${written} jobs; sandbox --scale ${SCALE}, ARM page size 100; includes listing, code download once, component YAML, verified writes and the manifest`;
    return [
      { ...against(`export jobs (${written} job definitions): wall time`, ours.seconds, 's', { name: 'plain SDK: list and write each job as JSON', value: plain.seconds }), note },
      { ...against(`export jobs (${written} job definitions): peak RSS`, ours.peakMb, 'MB', { name: 'plain SDK: list and write each job as JSON', value: plain.peakMb }), goal: '≤ 300 MB' },
    ];
  } finally {
    await sb.stop();
    await fs.rm(tmp, { recursive: true, force: true });
  }
}
