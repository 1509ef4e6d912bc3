import type { Command } from 'commander';
import type { CliContext } from '../cli/context';
import { UserError } from '../common/errors';
import { loadPairFile } from '../pair/pairFile';
import { readinessExitCode } from './checks';
import { formatReadiness, readinessJson } from './format';
import { DEFAULT_BACKUP_MAX_AGE_HOURS } from './gather';
import { checkReadiness } from './readiness';

/** `aml-failover readiness [--json]`: exit 0 when no check fails, 1 when one does. */
export function registerReadinessCli(program: Command, ctx: CliContext): void {
  program
    .command('readiness')
    .description('Check the workspace pair against the failover guidance: regions, storage, key vault, registry, computes, quota, assets, access, network, backup')
    .addHelpText('after', '\nExit codes: 0 no check fails, 1 a check fails (warn and unknown do not fail). Each check: docs/readiness.md.\n')
    .option('--json', 'Print {"checks": [{id, verdict, message, fix, resources}]} as JSON')
    .option('--backup-max-age-hours <hours>', 'A backup older than this is a warning (amlFailover.backup.maxAgeHours in VS Code)', String(DEFAULT_BACKUP_MAX_AGE_HOURS))
    .action(async (opts: { json?: boolean; backupMaxAgeHours: string }) => {
      const backupMaxAgeHours = Number(opts.backupMaxAgeHours);
      if (!(backupMaxAgeHours > 0)) throw new UserError(`--backup-max-age-hours must be a number of hours above 0, not "${opts.backupMaxAgeHours}".`, 'usage');
      const projectDir = ctx.projectDir();
      const pair = await loadPairFile(projectDir);
      const checks = await checkReadiness(pair, { logger: ctx.logger, ...ctx.azureAccess(), projectDir, backupMaxAgeHours, signal: ctx.signal });
      ctx.out(opts.json ? JSON.stringify(readinessJson(checks), null, 2) : formatReadiness(checks));
      ctx.setExitCode(readinessExitCode(checks));
    });
}
