import type { Command } from 'commander';
import type { CliContext } from '../cli/context';
import { loadPairFile } from '../pair/pairFile';
import { readinessExitCode } from './checks';
import { formatReadiness, readinessJson } from './format';
import { checkReadiness } from './readiness';

/** `aml-failover readiness [--json]`: exit 0 when no check fails, 1 when one does. */
export function registerReadinessCli(program: Command, ctx: CliContext): void {
  program
    .command('readiness')
    .description('Check the workspace pair against the failover guidance: regions, storage, key vault, registry, computes, quota, assets, access, network, backup')
    .addHelpText('after', '\nExit codes: 0 no check fails, 1 a check fails (warn and unknown do not fail). Each check: docs/readiness.md.\n')
    .option('--json', 'Print {"checks": [{id, verdict, message, fix, resources}]} as JSON')
    .action(async (opts: { json?: boolean }) => {
      const pair = await loadPairFile(ctx.projectDir());
      const checks = await checkReadiness(pair, { logger: ctx.logger, trust: ctx.cloudTrust(), signal: ctx.signal });
      ctx.out(opts.json ? JSON.stringify(readinessJson(checks), null, 2) : formatReadiness(checks));
      ctx.setExitCode(readinessExitCode(checks));
    });
}
