import type { Command } from 'commander';
import type { CliContext } from '../cli/context';
import { connect } from '../azure/connection';
import { UserError } from '../common/errors';
import { loadPairFile } from '../pair/pairFile';
import { listPairInventories } from '../inventory/pairInventory';
import { computeDrift } from './drift';
import { driftJson, formatDrift } from './format';

/** `aml-failover drift [--json]`: exit 0 when the two workspaces hold the same assets, 1 when they differ. */
export function registerDriftCli(program: Command, ctx: CliContext): void {
  program
    .command('drift')
    .description('Show what differs between the primary and secondary workspaces: missing assets, differing versions, missing computes')
    .addHelpText('after', '\nExit codes: 0 nothing differs, 1 something does.\n')
    .option('--json', 'Print the comparison as JSON')
    .option('--include-checkpoints', "Compare the studio's notebook checkpoints and temp files too (skipped by default, with what .amlignore names)")
    .action(async (opts: { json?: boolean; includeCheckpoints?: boolean }) => {
      const pair = await loadPairFile(ctx.projectDir());
      const connection = await connect(pair.cloud, { logger: ctx.logger, trust: ctx.cloudTrust() });
      const { primary, secondary } = await listPairInventories(connection, pair, { signal: ctx.signal, logger: ctx.logger, includeCheckpoints: Boolean(opts.includeCheckpoints) });
      for (const inv of [primary, secondary]) {
        const failed = Object.keys(inv.problems).length === 6;
        if (failed) throw new UserError(`Cannot list the ${inv.role} workspace: ${Object.values(inv.problems)[0]}`);
      }
      const report = computeDrift(primary, secondary);
      ctx.out(opts.json ? JSON.stringify(driftJson(report), null, 2) : formatDrift(report));
      ctx.setExitCode(report.items.length || Object.keys(report.skipped).length ? 1 : 0);
    });
}
