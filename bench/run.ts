// `npm run bench`: installs the peer tools (scripts/setup-bench-env.sh), packages the extension, runs every bench/*.bench.ts in a Node process of its own, prints one table,
// and writes bench-results/latest.json (gitignored). A bench file exports one async function — `figures(log)` by
// convention, or a default export — returning Figure[] (bench/figures.ts). See bench/README.md.
//
//   npm run bench                      all benches
//   npm run bench -- foundation health only these (file names without .bench.ts)
//   npm run bench -- --no-package      use dist/ as it is
import { execFileSync, spawn } from 'node:child_process';
import { promises as fs, readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BenchFn, Figure } from './figures';
import { restrictCredentialsInProcess } from '../test/support/credentialEnv';

// Every bench runs the product; its credential chain stays on loopback (the bench processes inherit this).
restrictCredentialsInProcess();

const REPO = path.resolve(__dirname, '..');
const BENCH_DIR = __dirname;
const RESULTS = path.join(REPO, 'bench-results', 'latest.json');

interface BenchResult {
  bench: string;
  seconds: number;
  figures: Figure[];
  error?: string;
}

/** Child mode: run one bench file, write its figures as JSON. */
async function runOne(file: string, out: string): Promise<void> {
  const mod = (await import(file)) as Record<string, unknown>;
  const functions = Object.entries(mod).filter(([, v]) => typeof v === 'function') as Array<[string, BenchFn]>;
  const fn =
    (mod.figures as BenchFn | undefined) ??
    (mod.default as BenchFn | undefined) ??
    (functions.length === 1 ? functions[0][1] : undefined);
  if (!fn) throw new Error(`${path.basename(file)} exports no figures() function (found: ${functions.map(([n]) => n).join(', ') || 'none'})`);
  const figures = await fn((line) => process.stdout.write(`  ${line}\n`));
  await fs.writeFile(out, JSON.stringify(figures));
}

function runChild(file: string, out: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', __filename, '--one', file, out], { cwd: REPO, stdio: 'inherit' });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

function fmt(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return '';
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

function printTable(results: BenchResult[]): void {
  const rows: string[][] = [['bench', 'figure', 'value', 'baseline', 'ratio', 'goal']];
  for (const r of results) {
    if (r.error) rows.push([r.bench, `FAILED: ${r.error}`, '', '', '', '']);
    for (const f of r.figures) {
      rows.push([
        r.bench,
        f.name,
        `${fmt(f.value)} ${f.unit}`,
        f.baseline ? `${fmt(f.baseline.value)} ${f.unit} (${f.baseline.name})` : '',
        f.ratio !== undefined ? `${fmt(f.ratio)}×` : '',
        f.goal ?? '',
      ]);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const [i, row] of rows.entries()) {
    console.log(row.map((cell, j) => cell.padEnd(widths[j])).join('  ').trimEnd());
    if (i === 0) console.log(widths.map((w) => '─'.repeat(w)).join('  '));
  }
  const notes = results.flatMap((r) => r.figures.filter((f) => f.note).map((f) => `  ${r.bench} · ${f.name}: ${f.note}`));
  if (notes.length) console.log(`\nnotes:\n${notes.join('\n')}`);
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--one') {
    await runOne(argv[1], argv[2]);
    return 0;
  }
  const names = argv.filter((a) => !a.startsWith('--'));
  const files = readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => names.length === 0 || names.includes(f.replace(/\.bench\.ts$/, '')))
    .sort();
  if (files.length === 0) {
    console.error(`no bench files${names.length ? ` named ${names.join(', ')}` : ''} in bench/`);
    return 2;
  }
  // Peer tools some benches compare against (yamllint, azure-cli); a bench without its peer says so and goes on.
  execFileSync('bash', [path.join(REPO, 'scripts', 'setup-bench-env.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (!argv.includes('--no-package')) {
    console.log('packaging (npm run package) …');
    execFileSync('npm', ['run', '--silent', 'package'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  }

  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'aml-failover-bench-results-'));
  const results: BenchResult[] = [];
  try {
    for (const file of files) {
      const bench = file.replace(/\.bench\.ts$/, '');
      console.log(`\n── bench: ${bench} ──`);
      const out = path.join(scratch, `${bench}.json`);
      const started = Date.now();
      const code = await runChild(path.join(BENCH_DIR, file), out);
      const seconds = (Date.now() - started) / 1000;
      try {
        results.push({ bench, seconds, figures: JSON.parse(await fs.readFile(out, 'utf8')) as Figure[] });
      } catch {
        results.push({ bench, seconds, figures: [], error: `exited with ${code} before reporting` });
      }
    }
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }

  console.log('');
  printTable(results);
  await fs.mkdir(path.dirname(RESULTS), { recursive: true });
  const cpus = os.cpus();
  await fs.writeFile(
    RESULTS,
    JSON.stringify(
      { date: new Date().toISOString(), node: process.version, cpus: cpus.length, cpu: cpus[0]?.model, results },
      null,
      2,
    ) + '\n',
  );
  console.log(`\nwritten: ${path.relative(REPO, RESULTS)}`);
  return results.some((r) => r.error) ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
