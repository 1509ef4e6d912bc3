// `aml-failover export <notebooks|models|environments|jobs|all> [--from primary|secondary] [--out DIR] [--name N[:V]…] [--force]`
import * as path from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../cli/context';
import { UserError } from '../common/errors';
import type { Role } from '../pair/pairFile';
import { DEFAULT_CONCURRENCY, type ExportProgress } from './engine';
import { exportWorkspace, summarize } from './exportWorkspace';
import { EXPORT_KINDS, parseNameFilter, type ExportKind } from './plan';

export function registerExportCli(program: Command, ctx: CliContext): void {
  program
    .command('export')
    .description('Export notebooks, models, environments and job definitions of a workspace, verified and resumable')
    .addHelpText(
      'after',
      '\nModels are written as their files and model.yml, environments as environment.yml, jobs as portable job YAML; OUT/manifest.json lists every file with its sha256.\nThe default folder aml-export/ is added to .gitignore when an export creates it in a git repository, and the linter never reads an export.\nA file in OUT edited since the last export is kept and reported unless --force.\n',
    )
    .argument('<what>', `What to export: ${EXPORT_KINDS.join(', ')} or all`)
    .option('--from <role>', 'Workspace to export from: primary or secondary', 'primary')
    .option('--out <dir>', 'Export folder, relative to the current folder (default: aml-export/<role> in the project)')
    .option('--name <name...>', 'Only these models, environments or jobs: NAME or NAME:VERSION (every version unless one is given)')
    .option('--folder <path>', 'Only this folder of the notebook share, e.g. Users/alice')
    .option('--include-checkpoints', "Keep the studio's notebook checkpoints and temp files (.ipynb_aml_checkpoints/, *.amltmp, what .amlignore names)")
    .option('--concurrency <n>', 'Files in flight at once', String(DEFAULT_CONCURRENCY))
    .option('--force', 'Replace files in the export folder that were edited since the last export (otherwise they are kept and reported)')
    .action(async (what: string, opts: { from: string; out?: string; name?: string[]; folder?: string; includeCheckpoints?: boolean; concurrency: string; force?: boolean }) => {
      const kinds = parseKinds(what);
      const from = parseRole(opts.from, '--from');
      const concurrency = Number(opts.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new UserError('--concurrency must be a whole number from 1 to 256.', 'usage');
      const progress = progressPrinter(ctx);
      const result = await exportWorkspace({
        projectDir: ctx.projectDir(),
        from,
        kinds,
        // Like every path argument: relative to where the command runs, not to --project.
        outDir: opts.out === undefined ? undefined : path.resolve(opts.out),
        names: opts.name?.map(parseNameFilter),
        notebooksFolder: opts.folder,
        includeCheckpoints: Boolean(opts.includeCheckpoints),
        signal: ctx.signal,
        logger: ctx.logger,
        trust: ctx.cloudTrust(),
        onProgress: progress.update,
        concurrency,
        force: Boolean(opts.force),
      });
      progress.done();
      for (const line of summarize(result)) ctx.out(line);
      if (!result.complete) ctx.setExitCode(1);
    });
}

export function parseKinds(what: string): ExportKind[] {
  if (what === 'all') return [...EXPORT_KINDS];
  if ((EXPORT_KINDS as readonly string[]).includes(what)) return [what as ExportKind];
  throw new UserError(`Cannot export "${what}": choose ${EXPORT_KINDS.join(', ')} or all.`, 'usage');
}

export function parseRole(value: string, option: string): Role {
  if (value === 'primary' || value === 'secondary') return value;
  throw new UserError(`${option} must be primary or secondary, not "${value}".`, 'usage');
}

/**
 * Progress on stderr. On a terminal: a bar redrawn in place at most ten times a second. Otherwise (CI logs): a
 * plain line at every tenth of each phase — downloading the files, then writing the generated YAML — each line
 * counting against that phase's own total, never going backwards.
 */
export function progressPrinter(ctx: CliContext): { update: (p: ExportProgress) => void; done: () => void } {
  let lastDraw = 0;
  let drawn = false;
  const lines = progressLines();
  return {
    update(p) {
      if (!ctx.isTTY) {
        for (const line of lines.update(p)) ctx.err(line);
        return;
      }
      const { fraction, text } = describePhase(p);
      const now = Date.now();
      if (now - lastDraw < 100 && p.filesDone < p.files) return;
      lastDraw = now;
      const width = 30;
      const filled = Math.round(fraction * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}% ${text}\u001b[K`);
      drawn = true;
    },
    done() {
      if (drawn) process.stderr.write('\n');
      else for (const line of lines.done()) ctx.err(line);
    },
  };
}

type Phase = 'download' | 'write';

function phaseOf(p: ExportProgress): Phase {
  return p.writesDone > 0 ? 'write' : 'download';
}

/** Where a phase stands: downloads by bytes (by files when all are empty), writes by files. */
function describePhase(p: ExportProgress, phase: Phase = phaseOf(p)): { fraction: number; text: string } {
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  if (phase === 'write') return { fraction: p.writes ? Math.min(1, p.writesDone / p.writes) : 1, text: `write ${p.writesDone}/${p.writes} files` };
  const fraction = p.bytes > 0 ? p.bytesDone / p.bytes : p.downloads > 0 ? p.downloadsDone / p.downloads : 1;
  return { fraction: Math.max(0, Math.min(1, fraction)), text: `download ${p.downloadsDone}/${p.downloads} files, ${mb(Math.max(0, Math.min(p.bytesDone, p.bytes)))}/${mb(p.bytes)} MB` };
}

/**
 * The non-terminal progress lines: `export: download 40% (12/34 files, 0.9/2.3 MB)` at each tenth, the phase's
 * last state when it ends (so a phase with failed files still closes with its count), then `export: write …`.
 */
export function progressLines(): { update: (p: ExportProgress) => string[]; done: () => string[] } {
  let phase: Phase = 'download';
  let step = -1;
  let percent = 0;
  let latest: ExportProgress | undefined;
  let printed = '';
  const line = (p: ExportProgress, ph: Phase) => {
    const { fraction, text } = describePhase(p, ph);
    percent = Math.max(percent, Math.floor(fraction * 100));
    const [verb, rest] = [text.slice(0, text.indexOf(' ')), text.slice(text.indexOf(' ') + 1)];
    return `export: ${verb} ${percent}% (${rest})`;
  };
  const emit = (p: ExportProgress, ph: Phase): string[] => {
    const l = line(p, ph);
    if (l === printed) return [];
    printed = l;
    return [l];
  };
  return {
    update(p) {
      const out: string[] = [];
      const ph = phaseOf(p);
      if (ph !== phase) {
        // The downloads are over: close them with their final count before the writes start.
        if (latest && latest.downloads > 0) out.push(...emit(latest, phase));
        phase = ph;
        step = -1;
        percent = 0;
      }
      latest = p;
      const s = Math.floor(describePhase(p, ph).fraction * 10);
      if (s > step) {
        step = s;
        out.push(...emit(p, ph));
      }
      return out;
    },
    done() {
      return latest ? emit(latest, phase) : [];
    },
  };
}
