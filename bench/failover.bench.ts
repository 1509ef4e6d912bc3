// `aml-failover drill --yes --simulate-outage --report drill-report.md` on the seeded sandbox, as a whole cold
// process (dist/cli.js): its wall time against a cold `aml-failover switch secondary` (the bare switch it wraps),
// and the per-step breakdown from the drill's own report. Each run is undone with `drill --cleanup` (primary healed,
// config back) before the next. Goal: the drill under 60 s.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { startSandbox } from '../test/support/sandbox';
import { against, median, type Figure } from './figures';

const REPO = path.resolve(__dirname, '..');
const DIST_CLI = path.join(REPO, 'dist', 'cli.js');
const RUNS = Number(process.env.AML_FAILOVER_BENCH_RUNS ?? 3);

function runCli(projectDir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [DIST_CLI, ...args, '--project', projectDir], { cwd: projectDir, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr, ms: performance.now() - started });
    });
  });
}

interface DrillJson {
  drillId: string;
  outcome: string;
  steps: { title: string; durationMs?: number }[];
}

export async function figures(log: (line: string) => void): Promise<Figure[]> {
  if (!existsSync(DIST_CLI)) throw new Error('dist/cli.js is missing: run npm run build first.');
  const sb = await startSandbox({ largeModelMb: 1, cli: 'dist' });
  try {
    await runCli(sb.projectDir, 'help');
    // The secondary has no GPU cluster; the team maps it (as the integration test does).
    const { appendFile } = await import('node:fs/promises');
    await appendFile(sb.pairFile, '\nresubmit:\n  compute: {gpu-cluster: cpu-cluster}\n');
    const drills: number[] = [];
    const switches: number[] = [];
    const steps = new Map<string, number[]>();
    for (let i = 0; i < RUNS; i++) {
      const sw = await runCli(sb.projectDir, 'switch', 'secondary');
      if (sw.code !== 0) throw new Error(`switch failed: ${sw.stderr}`);
      switches.push(sw.ms);
      await runCli(sb.projectDir, 'switch', 'primary');
      const d = await runCli(sb.projectDir, 'drill', '--yes', '--simulate-outage', '--json', '--suffix', `bench${i}`, '--report', 'drill-report.md');
      if (d.code !== 0) throw new Error(`drill failed (${d.code}): ${d.stderr}`);
      const report = JSON.parse(d.stdout) as DrillJson;
      drills.push(d.ms);
      for (const s of report.steps) steps.set(s.title, [...(steps.get(s.title) ?? []), s.durationMs ?? 0]);
      log(`drill ${i + 1}/${RUNS}: ${(d.ms / 1000).toFixed(1)} s (${report.steps.map((s) => `${s.title} ${((s.durationMs ?? 0) / 1000).toFixed(2)} s`).join(', ')})`);
      const c = await runCli(sb.projectDir, 'drill', '--cleanup', report.drillId);
      if (c.code !== 0) throw new Error(`cleanup failed: ${c.stderr}`);
    }
    const out: Figure[] = [against('drill --yes --simulate-outage --report (cold CLI)', median(drills) / 1000, 's', { name: 'switch secondary (cold CLI)', value: median(switches) / 1000 }, '< 60 s')];
    for (const [title, ms] of steps) out.push({ name: `  drill step: ${title}`, value: median(ms) / 1000, unit: 's' });
    return out;
  } finally {
    await sb.stop();
  }
}
