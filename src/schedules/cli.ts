// `aml-failover schedules …`: list the pair's recurring jobs, copy them across (disabled), turn them on or off, and
// hand the running ones over from one workspace to the other.
import type { Command } from 'commander';
import type { CliContext } from '../cli/context';
import { connect, type AzureConnection } from '../azure/connection';
import { resubmitSection } from '../pair/resubmitSection';
import { UserError } from '../common/errors';
import { parseRole } from '../export/cli';
import { loadPairFile, ROLES, type PairConfig, type Role } from '../pair/pairFile';
import { copySchedules, describeCopy, handOverSchedules, listSchedules, setScheduleEnabled } from './schedules';

export function registerSchedulesCli(program: Command, ctx: CliContext): void {
  const open = async (): Promise<{ pair: PairConfig; conn: AzureConnection }> => {
    const pair = await loadPairFile(ctx.projectDir());
    return { pair, conn: await connect(pair.cloud, { logger: ctx.logger, ...ctx.azureAccess() }) };
  };
  const cmd = program
    .command('schedules')
    .description("List, copy, enable, disable and hand over the workspaces' schedules (recurring jobs)")
    .addHelpText('after', '\nA schedule should run in one region only: copies are made disabled, and handover disables before it enables.\n');

  cmd
    .command('list')
    .description('List the schedules of both workspaces (or one) and whether each is enabled')
    .option('--in <role>', 'Only this workspace: primary or secondary')
    .option('--json', 'Print {"primary": [...], "secondary": [...]}')
    .action(async (o: { in?: string; json?: boolean }) => {
      const roles: Role[] = o.in ? [parseRole(o.in, '--in')] : [...ROLES];
      const { pair, conn } = await open();
      const lists = Object.fromEntries(await Promise.all(roles.map(async (r) => [r, await listSchedules(conn, pair.workspaces[r])] as const)));
      if (o.json) {
        ctx.out(JSON.stringify(Object.fromEntries(Object.entries(lists).map(([r, l]) => [r, l.map((s) => ({ name: s.name, enabled: s.enabled, trigger: s.trigger, action: s.action }))])), null, 2));
        return;
      }
      for (const r of roles) {
        ctx.out(`${r} (${pair.workspaces[r].workspace_name}):${lists[r].length ? '' : ' no schedules'}`);
        for (const s of lists[r]) ctx.out(`  ${s.enabled ? 'enabled ' : 'disabled'}  ${s.name}  ${s.trigger}  ${s.action}`);
      }
    });

  /** A subcommand between the two workspaces: --from (default primary) and --to (default secondary). */
  const between = (name: string, verb: string, description: string) =>
    cmd
      .command(name)
      .description(description)
      .option('--from <role>', `${verb} from: primary or secondary`, 'primary')
      .option('--to <role>', `${verb} to: primary or secondary`, 'secondary');

  between('copy', 'Copy', 'Copy schedules into the other workspace, disabled (a schedule there already is never overwritten)')
    .option('--name <name...>', 'Only these schedules')
    .action(async (o: { from: string; to: string; name?: string[] }) => {
      const [from, to] = roles(o.from, o.to);
      const { pair, conn } = await open();
      const outcomes = await copySchedules(conn, pair.workspaces[from], pair.workspaces[to], { names: o.name, logger: ctx.logger, computeMap: computeMap(pair) });
      for (const c of outcomes) ctx.out(describeCopy(c));
      if (!outcomes.length) ctx.out(`No schedules in the ${from} workspace.`);
      if (outcomes.some((c) => c.status === 'failed' || c.status === 'conflict')) ctx.setExitCode(1);
    });

  for (const enable of [true, false]) {
    cmd
      .command(enable ? 'enable' : 'disable')
      .description(`${enable ? 'Enable' : 'Disable'} schedules in one workspace`)
      .argument('<name...>', 'Schedule names')
      .requiredOption('--in <role>', 'The workspace: primary or secondary')
      .action(async (names: string[], o: { in: string }) => {
        const role = parseRole(o.in, '--in');
        const { pair, conn } = await open();
        for (const name of names) {
          await setScheduleEnabled(conn, pair.workspaces[role], name, enable);
          ctx.out(`${enable ? 'enabled' : 'disabled'} ${name} in ${role}`);
        }
      });
  }

  between('handover', 'Hand over', 'Disable the enabled schedules in one workspace, then enable them in the other')
    .option('--source-down', 'The source cannot be reached: enable in the target, and list what stays enabled in the source')
    .action(async (o: { from: string; to: string; sourceDown?: boolean }) => {
      const [from, to] = roles(o.from, o.to);
      const { pair, conn } = await open();
      const r = await handOverSchedules(conn, pair.workspaces[from], pair.workspaces[to], { sourceReachable: !o.sourceDown, logger: ctx.logger });
      for (const op of r.done) ctx.out(`${op.op}d ${op.name} in ${op.where === 'from' ? from : to}`);
      for (const name of r.missing) ctx.out(`not in ${to}: ${name} (copy it first: aml-failover schedules copy --from ${from} --to ${to} --name ${name})`);
      for (const name of r.leftEnabledInSource) ctx.out(`still enabled in ${from}: ${name} — disable it when ${from} recovers: aml-failover schedules disable ${name} --in ${from}`);
      for (const f of r.failed) ctx.out(`failed to ${f.op.op} ${f.op.name}: ${f.error}`);
      if (!r.done.length && !r.missing.length && !r.failed.length) ctx.out(`Nothing to hand over: no schedule is enabled in ${from}.`);
      if (r.failed.length || r.missing.length) ctx.setExitCode(1);
    });
}

function roles(fromOpt: string, toOpt: string): [Role, Role] {
  const from = parseRole(fromOpt, '--from');
  const to = parseRole(toOpt, '--to');
  if (from === to) throw new UserError('--from and --to name the same workspace.', 'usage');
  return [from, to];
}

/** The pair file's `resubmit: {compute: {<source>: <target>}}` section, when present (one reader: src/pair/resubmitSection.ts). */
function computeMap(pair: PairConfig): Record<string, string> {
  return resubmitSection(pair).compute;
}
