// Lint speed, each against a baseline run alternately in the same process (or, for the CLI, the same run):
// - the 575 official azureml-examples CLI files: lint vs a bare `yaml` parse of the same texts (goal ≤ 1.5×)
// - edit → fresh diagnostics on a 5,000-line pipeline YAML, excluding the 300 ms debounce: one edit, the lint and
//   the diagnostics' line/column ranges, vs a bare parse of that file (goal ≤ 1.5×)
// - `aml-failover lint <corpus>` as CI runs it vs a plain Node process that only parses the same files with `yaml`
//   (bench/parseOnly.cjs), both as fresh processes, alternating, median (goal ≤ 1.5×)
// - `aml-failover lint <corpus>` vs yamllint (Debian) over the same folder, both as processes, for scale
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseAllDocuments } from 'yaml';
import { lintText } from '../src/lint/lint';
import { IncrementalLinter } from '../src/lint/incremental';
import { against, median, type Figure } from './figures';

const REPO = path.resolve(__dirname, '..');
const CORPUS = path.join(REPO, 'test/fixtures/corpus/azureml-examples-cli');
const RUNS = Number(process.env.AML_FAILOVER_BENCH_RUNS ?? 15);
/** Whole processes take about a second each on a loaded machine: fewer runs, still alternating. */
const PROCESS_RUNS = Number(process.env.AML_FAILOVER_BENCH_PROCESS_RUNS ?? 11);

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(path.join(dir, n)).isDirectory() ? walk(path.join(dir, n)) : [path.join(dir, n)]));
}

/** A pipeline job of about `lines` lines: steps with inputs, outputs, environments, computes, a few pinned ids. */
export function pipelineYaml(lines: number): string {
  const out = ['$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json', 'type: pipeline', 'settings:', '  default_compute: azureml:cpu-cluster', 'jobs:'];
  for (let i = 0; out.length < lines - 20; i++) {
    out.push(
      `  step_${i}:`,
      '    type: command',
      `    command: python step.py --in \${{inputs.data}} --out \${{outputs.result}} --seed ${i}`,
      `    environment: azureml:sklearn-env:${(i % 5) + 1}`,
      i % 50 === 7
        ? '    compute: azureml:/subscriptions/92c76a2f-0e1c-4216-b65e-abf7a3f34c1e/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/computes/gpu'
        : '    compute: azureml:cpu-cluster',
      '    inputs:',
      '      data:',
      '        type: uri_folder',
      i === 0 ? '        path: azureml://datastores/workspaceblobstore/paths/raw/' : `        path: \${{parent.jobs.step_${i - 1}.outputs.result}}`,
      '    outputs:',
      '      result:',
      '        type: uri_folder',
      `    # step ${i}: keep the seed in step with the notebook`,
    );
  }
  return `${out.join('\n')}\n`;
}

function timeIt(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

/** Alternates ours and the baseline so both see the same machine state; medians of RUNS. */
function sideBySide(ours: () => void, base: () => void): { ours: number; base: number } {
  for (let i = 0; i < 2; i++) {
    ours();
    base();
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    if (i % 2) {
      a.push(timeIt(ours));
      b.push(timeIt(base));
    } else {
      b.push(timeIt(base));
      a.push(timeIt(ours));
    }
  }
  return { ours: median(a), base: median(b) };
}

function processSeconds(cmd: string, args: string[]): { seconds: number; status: number | null; out: string } {
  const t = performance.now();
  const r = spawnSync(cmd, args, { cwd: path.dirname(CORPUS), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { seconds: (performance.now() - t) / 1000, status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Our CLI and the baseline as fresh processes, alternating which goes first; medians of PROCESS_RUNS after a warm-up pair. */
function processesSideBySide(ours: string[], base: string[]): { ours: number; base: number; status: number | null; command: string } {
  processSeconds(process.execPath, ours);
  processSeconds(process.execPath, base);
  const a: number[] = [];
  const b: number[] = [];
  let status: number | null = null;
  for (let i = 0; i < PROCESS_RUNS; i++) {
    const runOurs = () => {
      const r = processSeconds(process.execPath, ours);
      status = r.status;
      a.push(r.seconds);
    };
    const runBase = () => b.push(processSeconds(process.execPath, base).seconds);
    if (i % 2) {
      runOurs();
      runBase();
    } else {
      runBase();
      runOurs();
    }
  }
  return { ours: median(a), base: median(b), status, command: `node ${ours.map((x) => (x.startsWith(REPO) ? path.relative(REPO, x) : x)).join(' ')}` };
}

export async function figures(log: (line: string) => void): Promise<Figure[]> {
  const files = walk(CORPUS).map((file) => ({ file, text: readFileSync(file, 'utf8') }));
  log(`corpus: ${files.length} files, ${Math.round(files.reduce((n, f) => n + f.text.length, 0) / 1024)} KB`);
  let findings = 0;
  const corpus = sideBySide(
    () => {
      findings = 0;
      for (const f of files) findings += lintText(f.text, { fileName: f.file }).findings.length;
    },
    () => {
      for (const f of files) parseAllDocuments(f.text);
    },
  );
  log(`corpus: lint ${corpus.ours.toFixed(1)} ms (${findings} findings), bare parse ${corpus.base.toFixed(1)} ms`);

  const big = pipelineYaml(5000);
  // A keystroke in the middle of the file: the seed of step 190 (`--seed 190` ends its line).
  const at = big.indexOf('--seed 190\n');
  if (at < 0) throw new Error('bench pipeline has no step 190');
  let n = 0;
  let last = big;
  const edit = sideBySide(
    () => {
      // One keystroke, then what the editor does once the debounce fires: lint and turn findings into ranges.
      n++;
      last = `${big.slice(0, at)}--seed ${n}${big.slice(at + '--seed 190'.length)}`;
      const result = lintText(last, { fileName: 'pipeline.yml' });
      for (const f of result.findings) void f.range.startLine;
    },
    () => {
      parseAllDocuments(last);
    },
  );
  log(`5,000-line pipeline (${big.split('\n').length} lines): edit → diagnostics, full re-lint ${edit.ours.toFixed(1)} ms, bare parse ${edit.base.toFixed(1)} ms`);

  // What the editor does: one IncrementalLinter per document; a keystroke inside a value is re-linted in place.
  const linter = new IncrementalLinter();
  linter.lint(big, { fileName: 'pipeline.yml' });
  let m = 0;
  const inPlace = sideBySide(
    () => {
      m++;
      last = `${big.slice(0, at)}--seed ${m}${big.slice(at + '--seed 190'.length)}`;
      const result = linter.lint(last, { fileName: 'pipeline.yml' });
      for (const f of result.findings) void f.range.startLine;
    },
    () => {
      parseAllDocuments(last);
    },
  );
  log(`  in place (as the editor does): ${inPlace.ours.toFixed(2)} ms, bare parse ${inPlace.base.toFixed(1)} ms, ${linter.inPlace} of ${m} edits in place`);

  const out: Figure[] = [
    against('lint the 575-file CLI corpus', corpus.ours, 'ms', { name: 'bare yaml parse', value: corpus.base }, 'ratio ≤ 1.5'),
    against('edit → fresh diagnostics, 5,000-line pipeline (no debounce), as the editor does', inPlace.ours, 'ms', { name: 'bare yaml parse', value: inPlace.base }, 'ratio ≤ 1.5'),
    against('  … the same with a full re-lint (edit outside a value)', edit.ours, 'ms', { name: 'bare yaml parse', value: edit.base }, 'ratio ≤ 1.5'),
  ];

  const cli = existsSync(path.join(REPO, 'dist/cli.js')) ? [path.join(REPO, 'dist/cli.js')] : ['--import', 'tsx', path.join(REPO, 'src/cli.ts')];
  const lintArgs = [...cli, 'lint', 'azureml-examples-cli'];
  const whole = processesSideBySide(lintArgs, [path.join(__dirname, 'parseOnly.cjs'), 'azureml-examples-cli']);
  log(`CLI: ${whole.command}: ${whole.ours.toFixed(2)} s (exit ${whole.status}), plain Node parse-only process ${whole.base.toFixed(2)} s; median of ${PROCESS_RUNS}, alternating`);
  out.push(against('aml-failover lint <corpus> as a whole process, as CI runs it', whole.ours, 's', { name: 'node + yaml parse of the same files (bench/parseOnly.cjs)', value: whole.base }, 'ratio ≤ 1.5'));

  const ours = processSeconds(process.execPath, lintArgs);
  const yamllint = spawnSync('yamllint', ['--version'], { encoding: 'utf8' });
  if (yamllint.status === 0) {
    const peer = processSeconds('yamllint', ['-f', 'parsable', '-d', 'relaxed', 'azureml-examples-cli']);
    log(`CLI: aml-failover lint ${ours.seconds.toFixed(2)} s (exit ${ours.status}); ${yamllint.stdout.trim()} ${peer.seconds.toFixed(2)} s (exit ${peer.status}, ${peer.out.split('\n').filter(Boolean).length} lines)`);
    out.push({ ...against('aml-failover lint <corpus> (process)', ours.seconds, 's', { name: 'yamllint -d relaxed, same folder', value: peer.seconds }), note: 'peer CI linter, for scale' });
  } else {
    log('yamllint is not installed (apt-get install -y yamllint); only our CLI was timed');
    out.push({ name: 'aml-failover lint <corpus> (process)', value: ours.seconds, unit: 's' });
  }
  return out;
}
