// `aml-failover backup [--from primary] [--out DIR] [--keep N]` and `aml-failover verify <SNAPSHOT>`.
import * as path from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../cli/context';
import { UserError } from '../common/errors';
import { parseRole, progressPrinter } from '../export/cli';
import { connect } from '../azure/connection';
import { loadPairFile } from '../pair/pairFile';
import { backupWorkspace, summarizeBackup } from './backup';
import { copySnapshotOffsite, describeLocation, parseStorageLocation } from './offsite';
import { summarizeVerify, verifySnapshot } from './verify';

export function registerBackupCli(program: Command, ctx: CliContext): void {
  program
    .command('backup')
    .description('Take a dated snapshot of a workspace (everything export all writes, and every job status), linking what is unchanged')
    .addHelpText(
      'after',
      '\nWrites DIR/<role>/<UTC timestamp>/ and, when complete, names it in DIR/<role>/latest. DIR: --out, else backup: {dir} in aml-failover.yaml, else aml-backup/ in the project (added to .gitignore when created in a git repository).\nFiles unchanged since the previous snapshot (same ETag and sha256) are hard-linked from it, not downloaded.\n',
    )
    .option('--from <role>', 'Workspace to back up: primary or secondary', 'primary')
    .option('--out <dir>', 'Backup folder, relative to the current folder')
    .option('--keep <n>', 'Keep only the newest N complete snapshots (the newest complete one is never removed)')
    .option('--to-storage <where>', "Also copy the snapshot off-region: into the other workspace's default blob store (secondary or primary) or a blob container URL")
    .action(async (opts: { from: string; out?: string; keep?: string; toStorage?: string }) => {
      const from = parseRole(opts.from, '--from');
      const keep = opts.keep === undefined ? undefined : Number(opts.keep);
      if (keep !== undefined && (!Number.isInteger(keep) || keep < 1)) throw new UserError('--keep must be a whole number of at least 1: the newest complete snapshot is never removed.', 'usage');
      const toStorage = opts.toStorage === undefined ? undefined : parseStorageLocation(opts.toStorage);
      if (toStorage?.kind === 'workspace' && toStorage.role === from) throw new UserError(`--to-storage ${from} would keep the copy in the region it backs up: name the other workspace.`, 'usage');
      const projectDir = ctx.projectDir();
      const pair = await loadPairFile(projectDir);
      const connection = await connect(pair.cloud, { logger: ctx.logger, ...ctx.azureAccess() });
      const progress = progressPrinter(ctx);
      const outcome = await backupWorkspace({
        connection,
        projectDir,
        from,
        outDir: opts.out === undefined ? undefined : path.resolve(opts.out),
        keep,
        signal: ctx.signal,
        logger: ctx.logger,
        trust: ctx.cloudTrust(),
        onProgress: progress.update,
      });
      progress.done();
      for (const line of summarizeBackup(outcome)) ctx.out(line);
      if (!outcome.complete) {
        if (toStorage) ctx.out('Not copied off-region: only a complete snapshot is.');
        ctx.setExitCode(1);
        return;
      }
      if (!toStorage) return;
      const copy = await copySnapshotOffsite(connection, pair, outcome.snapshot, from, toStorage, { signal: ctx.signal, logger: ctx.logger });
      ctx.out(`Copied to ${describeLocation(toStorage, pair)}: ${copy.serverSide} file(s) copied server to server from the ${from} workspace, ${copy.uploaded} uploaded (${(copy.bytesUploaded / 1024 / 1024).toFixed(1)} MB), ${copy.copied} unchanged copied inside the store, ${copy.skipped} already there.`);
      ctx.out(`Restore from there with: aml-failover restore ${copy.location} --to <primary|secondary>`);
    });

  program
    .command('verify')
    .description('Re-hash a backup snapshot against its manifest; exit 0 when every file matches, 1 otherwise')
    .addHelpText('after', '\nThe result is kept in the snapshot as verified.json. SNAPSHOT may also be DIR/<role> (its latest snapshot).\n')
    .argument('<snapshot>', 'Snapshot folder, relative to the current folder')
    .action(async (snapshot: string) => {
      const result = await verifySnapshot(path.resolve(snapshot), { signal: ctx.signal });
      for (const line of summarizeVerify(result)) ctx.out(line);
      if (!result.ok) ctx.setExitCode(1);
    });
}
