import type { Command } from 'commander';
import type { CliContext } from '../cli/context';
import { loadPairFile, ROLES, type Role } from '../pair/pairFile';
import { resolveActive } from '../switch/active';
import { connectForProbes, monitorPair } from './session';
import { formatStatus, statusExitCode, statusReport, type StatusReport } from './status';
import type { HealthMonitor } from './monitor';
import { connect, type AzureConnection } from '../azure/connection';
import { recoveryPointsForStatus, type RecoveryPointJson } from '../backup/recoveryPoint';

/** `aml-failover status [--json] [--watch]`. */
export function registerHealthCli(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description('Show the health of the primary and secondary workspaces')
    .addHelpText('after', '\nExit codes: 0 the active workspace is healthy, 3 it is down, 1 otherwise.\n')
    .option('--json', 'Print {"active", "workspaces": {primary, secondary}} as JSON (each with its backup: path, takenAt, verified, changedSince, or null)')
    .option('--watch', 'Keep probing and print each change until Ctrl-C')
    .action(async (opts: { json?: boolean; watch?: boolean }) => {
      const projectDir = ctx.projectDir();
      const pair = await loadPairFile(projectDir);
      const connection = await connectForProbes(pair, ctx.logger, ctx.azureAccess());
      const monitor = monitorPair(pair, connection, ctx.logger);
      let backups: Record<Role, RecoveryPointJson | null> | undefined;
      const report = async (): Promise<{ report: StatusReport; note?: string }> => {
        const active = await resolveActive(projectDir, pair);
        const note = active.state === 'none' ? 'no .azureml/config.json found' : active.state === 'other' ? 'the config names a workspace outside the pair' : active.state === 'invalid' ? active.error : undefined;
        const r = statusReport(active.role ?? null, { primary: monitor.get('primary')!, secondary: monitor.get('secondary')! });
        for (const role of ROLES) if (backups) r.workspaces[role].backup = backups[role];
        return { report: r, note };
      };
      // Each workspace's recovery point, compared with a listing of the workspace (once, where it answers).
      let listing: Promise<AzureConnection> | undefined;
      const recoveryPoints = () =>
        recoveryPointsForStatus(projectDir, pair, (role) => ['healthy', 'degraded'].includes(monitor.get(role)!.health), () => (listing ??= connect(pair.cloud, { logger: ctx.logger, ...ctx.azureAccess() })), ctx.signal, ctx.logger);
      const print = ({ report: r, note }: { report: StatusReport; note?: string }) => ctx.out(opts.json ? JSON.stringify(r) : `${new Date().toISOString()}\n${formatStatus(r, note)}`);

      if (!opts.watch) {
        await monitor.refreshAll(ctx.signal);
        backups = await recoveryPoints();
        const r = await report();
        if (opts.json) ctx.out(JSON.stringify(r.report, null, 2));
        else ctx.out(formatStatus(r.report, r.note));
        ctx.setExitCode(statusExitCode(r.report));
        return;
      }
      await watch(monitor, ctx, async () => {
        backups ??= await recoveryPoints();
        const r = await report();
        print(r);
        ctx.setExitCode(statusExitCode(r.report));
      });
    });
}

/** Prints once both workspaces were probed, then on every change of a verdict, until Ctrl-C. */
async function watch(monitor: HealthMonitor, ctx: CliContext, print: () => Promise<void>): Promise<void> {
  const seen = new Set<Role>();
  let queue = Promise.resolve();
  const enqueue = () => (queue = queue.then(print).catch((err: unknown) => ctx.logger.error(err instanceof Error ? err : String(err))));
  const sub = monitor.onDidChange(({ role, previous, current }) => {
    const first = !seen.has(role);
    seen.add(role);
    if (seen.size < 2) return;
    if (first || previous.health !== current.health || previous.reason !== current.reason) void enqueue();
  });
  monitor.start();
  try {
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    sub.dispose();
    monitor.stop();
    await queue;
  }
}
