// `aml-failover export <notebooks|models|environments|jobs|all> [--from primary|secondary] [--out DIR] [--name N[:V]…] [--force]`
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
    .description('Export notebooks, models (files + model.yml), environments (environment.yml) and job definitions (portable job YAML) of a workspace, verified and resumable, with OUT/manifest.json.')
    .argument('<what>', `${EXPORT_KINDS.join('|')}|all`)
    .option('--from <role>', 'primary or secondary', 'primary')
    .option('--out <dir>', 'export folder (default: aml-export/<role> in the project)')
    .option('--name <name...>', 'only these models, environments or jobs: NAME or NAME:VERSION (every version unless one is given)')
    .option('--folder <path>', 'only this folder of the notebook share, e.g. Users/alice')
    .option('--concurrency <n>', 'files in flight at once', String(DEFAULT_CONCURRENCY))
    .option('--force', 'replace files in the export folder that were edited since the last export (otherwise they are kept and reported)')
    .action(async (what: string, opts: { from: string; out?: string; name?: string[]; folder?: string; concurrency: string; force?: boolean }) => {
      const kinds = parseKinds(what);
      const from = parseRole(opts.from, '--from');
      const concurrency = Number(opts.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new UserError('--concurrency must be a whole number from 1 to 256.', 'usage');
      const progress = progressPrinter(ctx);
      const result = await exportWorkspace({
        projectDir: ctx.projectDir(),
        from,
        kinds,
        outDir: opts.out,
        names: opts.name?.map(parseNameFilter),
        notebooksFolder: opts.folder,
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

/** A bar redrawn in place on a terminal (stderr), at most ten times a second; plain lines every 10% otherwise. */
export function progressPrinter(ctx: CliContext): { update: (p: ExportProgress) => void; done: () => void } {
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  let lastDraw = 0;
  let lastStep = -1;
  let drawn = false;
  const line = (p: ExportProgress) => {
    const fraction = p.bytes > 0 ? p.bytesDone / p.bytes : p.files > 0 ? p.filesDone / p.files : 1;
    return { fraction: Math.min(1, fraction), text: `${p.filesDone}/${p.files} files, ${mb(p.bytesDone)}/${mb(p.bytes)} MB` };
  };
  return {
    update(p) {
      const { fraction, text } = line(p);
      if (ctx.isTTY) {
        const now = Date.now();
        if (now - lastDraw < 100 && p.filesDone < p.files) return;
        lastDraw = now;
        const width = 30;
        const filled = Math.round(fraction * width);
        process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}% ${text}\u001b[K`);
        drawn = true;
        return;
      }
      const step = Math.floor(fraction * 10);
      if (step !== lastStep) {
        lastStep = step;
        ctx.err(`export: ${Math.round(fraction * 100)}% (${text})`);
      }
    },
    done() {
      if (drawn) process.stderr.write('\n');
    },
  };
}
