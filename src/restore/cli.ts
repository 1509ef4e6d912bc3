// `aml-failover restore <BACKUP> --to <primary|secondary> [--what …] [--name N[:V]…] [--on-conflict skip|rename] [--plan] [--json] [--partial]`
import type { Command } from 'commander';
import type { CliContext } from '../cli/context';
import { connect } from '../azure/connection';
import { UserError } from '../common/errors';
import { parseRole } from '../export/cli';
import { parseNameFilter } from '../export/plan';
import { loadPairFile } from '../pair/pairFile';
import { resubmitSection } from '../pair/resubmitSection';
import { withLocalBackup } from '../backup/offsite';
import { RESTORE_KINDS, type RestoreKind } from './backup';
import { exitCodeOf, summarizeRestore } from './plan';
import { restoreBackup, type OnConflict, type RestoreProgress } from './restore';

export function registerRestoreCli(program: Command, ctx: CliContext): void {
  program
    .command('restore')
    .description('Restore a backup (an export folder with its manifest.json) into a workspace; works while the other region is down')
    .addHelpText(
      'after',
      '\nEvery file is verified against manifest.json first; a backup that does not verify is refused (with --partial, what verifies is restored).\nA file, version or schedule that exists in the target with other content is a conflict: reported, never overwritten.\nSchedules are created disabled, tagged with whether they were enabled where they were backed up (failover enables those).\nExit 0 when nothing failed (conflicts included), 1 otherwise, 2 for bad usage or a manifest naming paths outside the folder.\n',
    )
    .argument('<backup>', 'Backup folder, relative to the current folder, or a copy in storage (azureml://…/datastores/…/paths/… or a container URL, as backup --to-storage prints)')
    .requiredOption('--to <role>', 'Workspace to restore into: primary or secondary')
    .option('--what <what>', `What to restore: ${RESTORE_KINDS.join(', ')} or all`, 'all')
    .option('--name <name...>', 'Only these models, environments, data assets or schedules: NAME or NAME:VERSION')
    .option('--on-conflict <how>', 'A notebook that exists there with other content: skip (report it) or rename (write "name (restored <date>).ipynb")', 'skip')
    .option('--plan', 'Print what would be created, left alone and conflicting; write nothing')
    .option('--json', 'Print {"created", "unchanged", "conflicts", "failed"} as JSON')
    .option('--partial', 'Restore what verifies from a backup that does not verify as a whole')
    .action(async (backup: string, opts: { to: string; what: string; name?: string[]; onConflict: string; plan?: boolean; json?: boolean; partial?: boolean }) => {
      const kinds = parseRestoreKinds(opts.what);
      const to = parseRole(opts.to, '--to');
      if (opts.onConflict !== 'skip' && opts.onConflict !== 'rename') throw new UserError(`--on-conflict must be skip or rename, not "${opts.onConflict}".`, 'usage');
      const pair = await loadPairFile(ctx.projectDir());
      const conn = await connect(pair.cloud, { logger: ctx.logger, ...ctx.azureAccess() });
      // A copy in storage (backup --to-storage) is fetched into a temporary folder first, verified against its manifest.
      const result = await withLocalBackup(backup, { conn, pair, into: to, signal: ctx.signal, logger: ctx.logger }, (backupDir) => restoreBackup(
        {
          backupDir,
          target: pair.workspaces[to],
          kinds,
          names: opts.name?.map(parseNameFilter),
          computeMap: resubmitSection(pair).compute,
          onConflict: opts.onConflict as OnConflict,
          plan: Boolean(opts.plan),
          partial: Boolean(opts.partial),
          signal: ctx.signal,
          logger: ctx.logger,
          onProgress: progressPrinter(ctx),
        },
        { conn },
      ));
      if (opts.json) ctx.out(JSON.stringify(result.report, null, 2));
      else for (const line of summarizeRestore(result.report, { plan: result.plan, cancelled: result.cancelled, target: pair.workspaces[to].workspace_name })) ctx.out(line);
      ctx.setExitCode(exitCodeOf(result.report, result.cancelled));
    });
}

export function parseRestoreKinds(what: string): RestoreKind[] {
  if (what === 'all') return [...RESTORE_KINDS];
  if ((RESTORE_KINDS as readonly string[]).includes(what)) return [what as RestoreKind];
  throw new UserError(`Cannot restore "${what}": choose ${RESTORE_KINDS.join(', ')} or all.`, 'usage');
}

/** One stderr line per tenth of the files, and one per asset. */
function progressPrinter(ctx: CliContext): (p: RestoreProgress) => void {
  let tenth = -1;
  return (p) => {
    const now = p.total ? Math.floor((p.done * 10) / p.total) : 10;
    if (now === tenth && p.last.startsWith('notebook ')) return;
    tenth = now;
    ctx.err(`restore: ${p.done}/${p.total} files (${p.last})`);
  };
}
