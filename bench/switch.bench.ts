// The switch core's costs a user feels: re-deriving the active workspace and the config warnings after every file
// event (a scan of the project), and the switch itself (an atomic write), each against a bare baseline measured
// alternately in the same run.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parsePairFile } from '../src/pair/pairFile';
import { configWarnings, resolveActive } from '../src/switch/active';
import { switchWorkspace } from '../src/switch/switchConfig';
import { against, median, type Figure } from './figures';

const RUNS = Number(process.env.AML_FAILOVER_BENCH_RUNS ?? 15);
const SUB = '00000000-0000-0000-0000-000000000001';
const PAIR = `workspaces:
  primary:   {subscription_id: ${SUB}, resource_group: rg-east, workspace_name: ml-east, region: eastus}
  secondary: {subscription_id: ${SUB}, resource_group: rg-west, workspace_name: ml-west, region: westus}
`;

/** A project of `folders` folders (10 per level, 3 levels), a source file in each, a config.json in every 20th. */
async function makeProject(folders: number): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aml-failover-bench-switch-'));
  await fs.writeFile(path.join(dir, 'aml-failover.yaml'), PAIR);
  await fs.mkdir(path.join(dir, '.azureml'));
  await fs.writeFile(path.join(dir, '.azureml', 'config.json'), JSON.stringify({ subscription_id: SUB, resource_group: 'rg-east', workspace_name: 'ml-east' }));
  for (let i = 0; i < folders; i++) {
    const sub = path.join(dir, `a${i % 10}`, `b${Math.floor(i / 10) % 10}`, `c${Math.floor(i / 100)}`);
    await fs.mkdir(sub, { recursive: true });
    await fs.writeFile(path.join(sub, 'train.py'), 'print(1)\n');
    if (i % 20 === 0) await fs.writeFile(path.join(sub, 'config.json'), JSON.stringify({ hidden_size: 768 }));
  }
  return dir;
}

/** The baseline: the cheapest possible full walk of the same tree (readdir of every folder). */
async function walk(dir: string): Promise<number> {
  let n = 0;
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    n++;
    if (e.isDirectory()) n += await walk(path.join(dir, e.name));
  }
  return n;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

export async function figures(log: (line: string) => void): Promise<Figure[]> {
  const dir = await makeProject(1000);
  try {
    const parsed = parsePairFile(PAIR, dir);
    if (!parsed.ok) throw new Error('bench pair file is invalid');
    const pair = parsed.config;
    const derive = async () => configWarnings(dir, pair, await resolveActive(dir, pair));
    const ours: number[] = [];
    const base: number[] = [];
    await derive();
    await walk(dir);
    for (let i = 0; i < RUNS; i++) {
      ours.push(await time(derive));
      base.push(await time(() => walk(dir)));
    }
    log(`derive active + warnings (1000 folders): median ${median(ours).toFixed(1)} ms; readdir walk ${median(base).toFixed(1)} ms`);

    const switches: number[] = [];
    const writes: number[] = [];
    const plain = path.join(dir, 'plain.json');
    for (let i = 0; i < RUNS; i++) {
      switches.push(await time(() => switchWorkspace(dir, pair, i % 2 ? 'primary' : 'secondary')));
      writes.push(await time(() => fs.writeFile(plain, `{"n": ${i}}`)));
    }
    log(`switch: median ${median(switches).toFixed(2)} ms; plain writeFile ${median(writes).toFixed(2)} ms`);
    return [
      against('derive active workspace + config warnings (1000-folder project)', median(ours), 'ms', { name: 'readdir walk of the same tree', value: median(base) }, 'ratio < 3'),
      against('switch (read, plan, fsync + rename)', median(switches), 'ms', { name: 'plain fs.writeFile of a small file', value: median(writes) }, 'ratio < 20 (the fsync is the price of atomicity)'),
    ];
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
