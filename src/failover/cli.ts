// `aml-failover failover`, `aml-failover resubmit` and `aml-failover drill`: the runbook on the command line. Each step
// is printed (stderr) before it runs and asked about unless --yes; the report goes to --report FILE (Markdown) and,
// with --json, to stdout.
import * as path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Option, type Command } from 'commander';
import type { CliContext } from '../cli/context';
import { UserError } from '../common/errors';
import { parseRole } from '../export/cli';
import type { Role } from '../pair/pairFile';
import { describeCheck, type JobCheck } from './preflight';
import type { SnapshotJob } from './backups';
import type { RunbookEvent, RunbookHooks, StepDecision, StepRecord } from './runbook';
import { runDrill, runDrillCleanup, runFailback, runFailover, runResubmit, type SessionResult } from './session';

interface CommonOptions {
  to: string;
  yes?: boolean;
  json?: boolean;
  report?: string;
  confirmTimeout?: string;
  suffix?: string;
  azureCliDefaults?: boolean;
}

export function registerFailoverCli(program: Command, ctx: CliContext): void {
  const common = (cmd: Command) =>
    cmd
      .option('--to <role>', 'Workspace to fail over to: primary or secondary', 'secondary')
      .option('-y, --yes', 'Run every step without asking')
      .option('--json', 'Print the report as JSON on stdout')
      .option('--suffix <suffix>', 'Suffix of resubmitted job names (<name>-<suffix>; default from the time)');

  common(program.command('failover'))
    .description('Fail over: pre-flight, bring work across, switch, resubmit interrupted jobs, confirm, list what still points at the source, report')
    .option('--report <file>', 'Write the report as Markdown to FILE')
    .option('--confirm-timeout <seconds>', 'How long to wait for resubmitted jobs to reach Queued (default 300)')
    .option('--azure-cli-defaults', "Also switch [defaults] group/workspace in the project's .azure/config")
    .action(async (opts: CommonOptions) => {
      const result = await runFailover({ ...base(ctx, opts), updateAzureCliDefaults: opts.azureCliDefaults });
      print(ctx, result, opts);
    });

  common(program.command('resubmit'))
    .description('Resubmit jobs of the other workspace here under new names, tagged with where they came from (idempotent)')
    .argument('[job...]', 'Names of the jobs to resubmit (any status)')
    .option('--interrupted', 'Resubmit the jobs the outage interrupted (the default when no job is named)')
    .action(async (jobs: string[], opts: CommonOptions & { interrupted?: boolean }) => {
      if (jobs.length && opts.interrupted) throw new UserError('Name jobs or give --interrupted, not both.', 'usage');
      const result = await runResubmit({ ...base(ctx, opts), jobNames: jobs.length ? jobs : undefined });
      print(ctx, result, opts, true);
    });

  common(program.command('drill'))
    .description('Rehearse the failover: take a backup, (simulate the) primary outage, run the whole runbook; undo with --cleanup ID')
    .option('--simulate-outage', 'Take the primary down (sandbox) or send it nothing after the backup (Azure)')
    .option('--report <file>', 'Write the report as Markdown to FILE')
    .option('--confirm-timeout <seconds>', 'How long to wait for resubmitted jobs to reach Queued (default 300)')
    .addOption(new Option('--cleanup <id>', 'Undo drill ID: cancel its jobs, archive what it registered, put the config back'))
    .action(async (opts: CommonOptions & { simulateOutage?: boolean; cleanup?: string }) => {
      if (opts.cleanup) {
        const r = await runDrillCleanup({ projectDir: ctx.projectDir(), logger: ctx.logger, ...ctx.azureAccess(), signal: ctx.signal }, opts.cleanup);
        if (opts.json) ctx.out(JSON.stringify(r, null, 2));
        else for (const l of r.lines) ctx.out(l);
        for (const p of r.problems) ctx.err(`not undone: ${p}`);
        ctx.out(r.problems.length ? `Drill ${opts.cleanup} partly cleaned up; run the same command again.` : `Drill ${opts.cleanup} cleaned up.`);
        if (r.problems.length) ctx.setExitCode(1);
        return;
      }
      const result = await runDrill({ ...base(ctx, opts), simulateOutage: opts.simulateOutage });
      print(ctx, result, opts);
      ctx.err(`Undo this drill with: aml-failover drill --cleanup ${result.drillId}`);
    });

  program
    .command('failback')
    .description('Fail back once the primary is healthy: bring back what was made in the secondary, cancel restarted originals, hand schedules back, switch back, report')
    .option('--to <role>', 'The healed workspace to go back to: primary or secondary', 'primary')
    .option('-y, --yes', 'Run every step without asking (and cancel every restarted original)')
    .option('--json', 'Print the report as JSON on stdout')
    .option('--report <file>', 'Write the report as Markdown to FILE')
    .option('--since <time>', 'Bring back what was made after this ISO time (default: the start of the last failover or drill)')
    .option('--azure-cli-defaults', "Also switch [defaults] group/workspace in the project's .azure/config")
    .action(async (opts: CommonOptions & { since?: string }) => {
      if (opts.since !== undefined && Number.isNaN(Date.parse(opts.since))) throw new UserError(`--since takes an ISO time (e.g. 2026-12-06T21:00:00Z), not "${opts.since}".`, 'usage');
      const result = await runFailback({
        ...base(ctx, opts),
        since: opts.since,
        updateAzureCliDefaults: opts.azureCliDefaults,
        chooseCancel: opts.yes
          ? undefined
          : async (jobs) => {
              const chosen = [];
              for (const j of jobs) if ((await ask(`Cancel ${j.name} (${j.status}) in the healed workspace? Its work runs on as ${j.resubmittedAs}. [Y/n] `, ['y', 'n'], 'y')) === 'y') chosen.push(j);
              return chosen;
            },
      });
      if (opts.json) ctx.out(result.json);
      else {
        ctx.out(`Fail back ${result.report.outcome}: ${result.report.switched ? `the project points at ${result.report.to.workspace} (${result.report.to.region}) again` : 'the project still points where it did'}.`);
        for (const n of result.report.notDone) ctx.out(`  not done: ${n}`);
      }
      if (result.reportFile) ctx.err(`Report: ${result.reportFile}`);
      if (result.report.outcome !== 'completed') ctx.setExitCode(1);
    });
}

function base(ctx: CliContext, opts: CommonOptions) {
  const to = parseRole(opts.to, '--to');
  let confirmTimeoutMs: number | undefined;
  if (opts.confirmTimeout !== undefined) {
    const s = Number(opts.confirmTimeout);
    if (!Number.isFinite(s) || s < 0) throw new UserError(`--confirm-timeout takes seconds (0 or more), not "${opts.confirmTimeout}".`, 'usage');
    confirmTimeoutMs = s * 1000;
  }
  if (opts.suffix !== undefined && !/^[A-Za-z0-9_-]{1,32}$/.test(opts.suffix)) throw new UserError('--suffix takes 1–32 letters, digits, "-" or "_".', 'usage');
  if (!opts.yes && !process.stdin.isTTY) throw new UserError('Not a terminal: nothing can be asked before each step. Run with --yes to run every step.', 'usage');
  return {
    projectDir: ctx.projectDir(),
    to: to as Role,
    logger: ctx.logger,
    ...ctx.azureAccess(),
    signal: ctx.signal,
    confirmTimeoutMs,
    suffix: opts.suffix,
    reportFile: opts.report ? relativeToCwd(opts.report) : undefined,
    hooks: hooks(ctx, Boolean(opts.yes)),
    chooseJobs: opts.yes
      ? undefined
      : async (jobs: SnapshotJob[], checks: Map<string, JobCheck>) => {
          const chosen = [];
          for (const j of jobs) {
            const c = checks.get(j.name);
            if (await ask(`Resubmit ${c ? describeCheck(c) : j.name}? [Y/n] `, ['y', 'n'], 'y') === 'y') chosen.push(j);
          }
          return chosen;
        },
  };
}

// Paths on the command line are relative to the current folder (README); the session resolves from the project.
function relativeToCwd(file: string): string {
  return path.resolve(file);
}

function hooks(ctx: CliContext, yes: boolean): RunbookHooks {
  let total = 0;
  return {
    onEvent: (e: RunbookEvent) => {
      if (e.type === 'step-planned') {
        total = Math.max(total, e.index + 1);
        ctx.err(`[${e.index + 1}] ${e.step.title}: ${e.step.plan ?? ''}`);
      } else if (e.type === 'step-progress') ctx.err(`    … ${e.line}`);
      else if (e.type === 'step-finished') ctx.err(`    ${mark(e.step)} ${e.step.summary ?? e.step.outcome}${e.step.durationMs !== undefined ? ` (${(e.step.durationMs / 1000).toFixed(1)} s)` : ''}`);
    },
    decide: yes
      ? undefined
      : async (step: StepRecord): Promise<StepDecision> => {
          const a = await ask(`Run "${step.title}"? [Y]es / [s]kip / [c]ancel `, ['y', 's', 'c'], 'y');
          return a === 'y' ? 'run' : a === 's' ? 'skip' : 'cancel';
        },
  };
}

function mark(s: StepRecord): string {
  return s.outcome === 'done' ? '✓' : s.outcome === 'skipped' ? '–' : s.outcome === 'partial' ? '!' : '✗';
}

async function ask(question: string, answers: string[], fallback: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    for (;;) {
      const a = (await rl.question(question)).trim().toLowerCase().slice(0, 1) || fallback;
      if (answers.includes(a)) return a;
    }
  } finally {
    rl.close();
  }
}

function print(ctx: CliContext, r: SessionResult, opts: CommonOptions, resubmitOnly = false): void {
  if (opts.json) ctx.out(r.json);
  else if (resubmitOnly) {
    for (const j of r.report.jobs) ctx.out(`${j.source}: ${j.outcome}${j.name ? ` as ${j.name}` : ''}${j.reason ? ` — ${j.reason}` : ''}`);
    if (!r.report.jobs.length) ctx.out('Nothing to resubmit.');
  } else {
    ctx.out(`${r.report.kind === 'drill' ? 'Drill' : 'Failover'} ${r.report.outcome}: ${r.report.switched ? `the project now points at ${r.report.to.workspace} (${r.report.to.region})` : 'the project still points where it did'}.`);
    ctx.out(`Recovery point: ${r.report.recoveryPoint.description}. Recovery time: ${r.report.recoveryTimeSeconds === undefined ? 'not reached' : `${r.report.recoveryTimeSeconds.toFixed(1)} s`}.`);
    for (const j of r.report.jobs) ctx.out(`  ${j.source}: ${j.outcome}${j.name ? ` as ${j.name}` : ''}${j.status ? ` (${j.status})` : ''}${j.reason ? ` — ${j.reason}` : ''}`);
  }
  if (r.reportFile) ctx.err(`Report: ${r.reportFile}`);
  if (r.report.finishWith) ctx.err(`Not finished: ${r.report.notDone.join('; ')}. Finish with: ${r.report.finishWith}`);
  if (r.report.outcome !== 'completed' || r.report.jobs.some((j) => j.outcome === 'failed' || (j.outcome === 'skipped' && j.reason !== 'not chosen'))) ctx.setExitCode(1);
}
