// `aml-failover replicate <models|environments|data|notebooks|schedules|all> --from primary --to secondary [--name N[:V]…] [--on-conflict skip|rename] [--include-checkpoints]
import type { Command } from 'commander';
import type { CliContext } from '../cli/context';
import { connect } from '../azure/connection';
import { UserError } from '../common/errors';
import { parseRole } from '../export/cli';
import { parseNameFilter } from '../export/plan';
import { loadPairFile } from '../pair/pairFile';
import { resubmitSection } from '../pair/resubmitSection';
import { copySchedules, describeCopy } from '../schedules/schedules';
import * as path from 'node:path';
import { DEFAULT_EXPORT_FOLDER } from '../export/exportFolder';
import { summarizeRestore } from '../restore/plan';
import type { OnConflict } from '../restore/restore';
import { replicateNotebooks } from './notebooks';
import { REPLICATE_KINDS, replicate, summarizeReplication, type ReplicateKind } from './replicate';

export function registerReplicateCli(program: Command, ctx: CliContext): void {
  program
    .command('replicate')
    .description('Copy model files and register the same model and environment versions in the other workspace')
    .addHelpText(
      'after',
      '\nIdempotent: a version that exists there with different content is reported as a conflict and never overwritten.\nBlobs are copied server to server (the target storage account reads the source through a read-only SAS of 15 minutes); a datastore whose storage refuses that is copied through this machine, with the reason said once.\n',
    )
    .argument('<what>', `What to replicate: ${REPLICATE_KINDS.join(', ')}, notebooks, schedules (copied disabled) or all`)
    .option('--from <role>', 'Workspace to copy from: primary or secondary', 'primary')
    .option('--to <role>', 'Workspace to copy to: primary or secondary', 'secondary')
    .option('--name <name...>', 'Only these models or environments: NAME or NAME:VERSION (every version unless one is given)')
    .option('--on-conflict <how>', 'A notebook that exists there with other content: skip (report it) or rename (write "name (restored <date>).ipynb")', 'skip')
    .option('--include-checkpoints', "Copy the studio's notebook checkpoints and temp files too (.ipynb_aml_checkpoints/, *.amltmp, what .amlignore names)")
    .option('--no-server-copy', 'Copy every file through this machine instead of storage account to storage account')
    .option('--hashes-from <dir>', "An export folder whose manifest.json gives the sha256 of files it exported (default: the project's aml-export/<from>, when there)")
    .action(async (what: string, opts: { from: string; to: string; name?: string[]; onConflict: string; serverCopy: boolean; hashesFrom?: string; includeCheckpoints?: boolean }) => {
      const kinds: ReplicateKind[] = what === 'all' ? [...REPLICATE_KINDS] : (REPLICATE_KINDS as readonly string[]).includes(what) ? [what as ReplicateKind] : [];
      const notebooks = what === 'all' || what === 'notebooks';
      const schedules = what === 'all' || what === 'schedules';
      if (!kinds.length && !notebooks && !schedules) throw new UserError(`Cannot replicate "${what}": choose ${REPLICATE_KINDS.join(', ')}, notebooks, schedules or all.`, 'usage');
      if (opts.onConflict !== 'skip' && opts.onConflict !== 'rename') throw new UserError(`--on-conflict must be skip or rename, not "${opts.onConflict}".`, 'usage');
      const from = parseRole(opts.from, '--from');
      const to = parseRole(opts.to, '--to');
      if (from === to) throw new UserError('--from and --to name the same workspace.', 'usage');
      const pair = await loadPairFile(ctx.projectDir());
      const conn = await connect(pair.cloud, { logger: ctx.logger, ...ctx.azureAccess() });
      if (schedules) {
        // Disabled, tagged with their state in the source: a recurring job never runs in both regions.
        const copied = await copySchedules(conn, pair.workspaces[from], pair.workspaces[to], { logger: ctx.logger, computeMap: resubmitSection(pair).compute });
        ctx.out(`Replicated schedules into ${pair.workspaces[to].workspace_name} (disabled): ${copied.filter((c) => c.status === 'created').length} created, ${copied.filter((c) => c.status === 'unchanged').length} already there, ${copied.filter((c) => c.status === 'conflict').length} conflict(s), ${copied.filter((c) => c.status === 'failed').length} failed.`);
        for (const c of copied) if (c.status !== 'unchanged') ctx.out(`  ${describeCopy(c)}`);
        if (copied.some((c) => c.status === 'conflict' || c.status === 'failed')) ctx.setExitCode(1);
        if (!kinds.length && !notebooks) return;
      }
      if (notebooks) {
        const copied = await replicateNotebooks(conn, {
          source: pair.workspaces[from],
          target: pair.workspaces[to],
          onConflict: opts.onConflict as OnConflict,
          includeCheckpoints: Boolean(opts.includeCheckpoints),
          signal: ctx.signal,
          logger: ctx.logger,
          onProgress: (done, total) => {
            if (done === total || done % Math.max(1, Math.ceil(total / 10)) === 0) ctx.err(`replicate: notebooks ${done}/${total}`);
          },
        });
        for (const line of summarizeRestore(copied.report, { plan: false, cancelled: copied.cancelled, target: pair.workspaces[to].workspace_name, done: 'Replicated notebooks' })) ctx.out(line);
        if (copied.cancelled || copied.report.failed.length || copied.report.conflicts.length) ctx.setExitCode(1);
        if (!kinds.length || copied.cancelled) return;
      }
      // Like every path argument: relative to where the command runs, not to --project.
      const result = await replicate(conn, {
        kinds,
        source: pair.workspaces[from],
        target: pair.workspaces[to],
        names: opts.name?.map(parseNameFilter),
        signal: ctx.signal,
        logger: ctx.logger,
        onProgress: (done, total, last) => ctx.err(`replicate: ${done}/${total} ${last}`),
        serverCopy: { enabled: opts.serverCopy },
        // Like every path argument: relative to where the command runs, not to --project.
        hashesFrom: opts.hashesFrom === undefined ? path.join(ctx.projectDir(), DEFAULT_EXPORT_FOLDER, from) : path.resolve(opts.hashesFrom),
      });
      for (const line of summarizeReplication(result)) ctx.out(line);
      if (result.cancelled || result.assets.some((a) => a.outcome.status !== 'replicated' && a.outcome.status !== 'unchanged')) ctx.setExitCode(1);
    });
}
