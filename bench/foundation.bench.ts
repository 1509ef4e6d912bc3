// Foundation figures (issue 2): the .vsix and bundle sizes, and the start-up cost of the bundled extension —
// `require` of dist/extension.js against `require` of an empty module (and of the yaml package alone, the one
// dependency it cannot start without), and `activate` against the activate of a
// minimal extension (one log channel) — each measured in fresh Node processes, alternating, in one run.
// `activate` runs against an in-process stand-in for `vscode` (bench/vscodeStandIn.cjs): it measures our code's
// start-up, not VS Code's.
//
//   npm run bench -- foundation          (needs `npm run package` first; npm run bench does it)
import { execFile } from 'node:child_process';
import { existsSync, promises as fs, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { against, median, type Figure } from './figures';

const REPO = path.resolve(__dirname, '..');
const DIST = path.join(REPO, 'dist');
const PROBE = path.join(__dirname, 'startupProbe.cjs');
const PROJECT = path.join(REPO, 'test', 'fixtures', 'vscode', 'pair');
const RUNS = Number(process.env.AML_FAILOVER_BENCH_RUNS ?? 15);
const execFileAsync = promisify(execFile);

interface Probe {
  requireMs: number;
  activateMs: number | null;
}

async function probe(modulePath: string, activate: boolean): Promise<Probe> {
  const args = [PROBE, modulePath, PROJECT, ...(activate ? ['--activate'] : [])];
  const { stdout } = await execFileAsync(process.execPath, args, { cwd: REPO, env: { ...process.env, NODE_OPTIONS: '' } });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Probe;
}

const kb = (file: string) => statSync(file).size / 1024;

export async function figures(log: (line: string) => void): Promise<Figure[]> {
  const vsix = path.join(DIST, 'aml-failover.vsix');
  for (const f of [vsix, path.join(DIST, 'extension.js')]) {
    if (!existsSync(f)) throw new Error(`${path.relative(REPO, f)} is missing: run \`npm run package\` first`);
  }

  // Baselines: an empty module, and a minimal extension whose activate creates one log channel.
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'aml-failover-bench-'));
  try {
    const empty = path.join(scratch, 'dist', 'empty.js');
    const minimal = path.join(scratch, 'dist', 'minimal.js');
    await fs.mkdir(path.dirname(empty));
    await fs.writeFile(empty, '');
    await fs.writeFile(
      minimal,
      "const vscode = require('vscode');\n" +
        "exports.activate = (context) => { context.subscriptions.push(vscode.window.createOutputChannel('Minimal', { log: true })); };\n",
    );
    const extension = path.join(DIST, 'extension.js');

    // The one dependency the extension cannot start without: YAML parsing of the pair file.
    const yaml = path.join(scratch, 'dist', 'yaml.js');
    await fs.writeFile(yaml, `require(${JSON.stringify(require.resolve('yaml'))});\n`);

    const samples = {
      emptyRequire: [] as number[],
      yamlRequire: [] as number[],
      ourRequire: [] as number[],
      minimalActivate: [] as number[],
      ourActivate: [] as number[],
    };
    log(`start-up: ${RUNS} fresh processes each, alternating`);
    for (let i = 0; i < RUNS; i++) {
      samples.emptyRequire.push((await probe(empty, false)).requireMs);
      samples.yamlRequire.push((await probe(yaml, false)).requireMs);
      const ours = await probe(extension, true);
      samples.ourRequire.push(ours.requireMs);
      samples.ourActivate.push(ours.activateMs!);
      samples.minimalActivate.push((await probe(minimal, true)).activateMs!);
    }

    const vsixKb = kb(vsix);
    return [
      { name: '.vsix size', value: vsixKb, unit: 'KB', goal: '< 2048 KB' },
      { name: 'dist/extension.js (loaded on activation)', value: kb(extension), unit: 'KB', goal: 'small: SDKs stay out' },
      { name: 'dist/azure-sdk.js (loaded on first Azure call)', value: kb(path.join(DIST, 'azure-sdk.js')), unit: 'KB' },
      { name: 'dist/cli.js', value: kb(path.join(DIST, 'cli.js')), unit: 'KB' },
      against('require dist/extension.js', median(samples.ourRequire), 'ms', { name: 'require an empty module', value: median(samples.emptyRequire) }),
      against('require dist/extension.js', median(samples.ourRequire), 'ms', { name: 'require the yaml package alone', value: median(samples.yamlRequire) }, 'ratio < 3'),
      against('activate (synchronous part)', median(samples.ourActivate), 'ms', { name: 'activate a minimal extension', value: median(samples.minimalActivate) }, 'ratio < 50'),
    ];
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}
