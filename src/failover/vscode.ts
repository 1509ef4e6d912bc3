// VS Code adapter of the failover runbook: *Fail Over to Secondary…*, *Start Failover Drill*, *Resubmit Interrupted
// Jobs…* and *Clean Up Drill*. The steps show in the Failover Runbook view as they go (under a cancellable progress
// notification), questions are quick picks (so a person — or a test — answers them the same way), and the report
// opens at the end.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { errorMessage } from '../common/errors';
import type { PairConfig, Role } from '../pair/pairFile';
import type { ExtensionDeps } from '../vscode/deps';
import { showError } from '../vscode/log';
import { whenTrusted } from '../vscode/workspaceTrust';
import { DRILLS_DIR } from './drill';
import { describeCheck, type JobCheck } from './preflight';
import type { FailoverReport } from './report';
import type { RunbookEvent, RunbookHooks, StepDecision, StepRecord } from './runbook';
import { loadFailoverMark, type OriginalJob } from './failback';
import { runDrill, runDrillCleanup, runFailback, runFailover, runResubmit, type SessionResult } from './session';
import { STATE_DIR, type SnapshotJob } from './backups';

export const FAILOVER_COMMAND = 'amlFailover.failover';
export const DRILL_COMMAND = 'amlFailover.startDrill';
export const RESUBMIT_COMMAND = 'amlFailover.resubmitInterrupted';
export const CLEANUP_COMMAND = 'amlFailover.cleanUpDrill';
export const FAILBACK_COMMAND = 'amlFailover.failback';
const RUNBOOK_VIEW = 'amlFailover.runbook';
const REPORTS_DIR = 'reports';

/** What the commands return (tests read it; a person reads the report). */
export interface FailoverCommandResult {
  report: FailoverReport;
  reportFile?: string;
  drillId?: string;
}

class RunbookTree implements vscode.TreeDataProvider<StepRecord> {
  private steps: StepRecord[] = [];
  private running = -1;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  onEvent(e: RunbookEvent): void {
    if (e.type === 'finished') this.running = -1;
    else if (e.type !== 'step-progress') {
      this.steps[e.index] = { ...e.step };
      this.running = e.type === 'step-started' ? e.index : this.running === e.index ? -1 : this.running;
    }
    this.changed.fire();
  }

  reset(): void {
    this.steps = [];
    this.changed.fire();
  }

  getChildren(): StepRecord[] {
    return this.steps.filter(Boolean);
  }

  getTreeItem(s: StepRecord): vscode.TreeItem {
    const i = this.steps.indexOf(s);
    const item = new vscode.TreeItem(`${i + 1}. ${s.title}`);
    const running = i === this.running;
    item.iconPath = new vscode.ThemeIcon(running ? 'loading~spin' : ICONS[s.outcome] ?? 'circle-outline');
    item.description = running ? 'running…' : s.startedAt ? `${s.outcome} · ${((s.durationMs ?? 0) / 1000).toFixed(1)} s` : s.outcome === 'not-run' ? 'next' : s.outcome;
    item.tooltip = [s.plan, s.summary, ...s.details, ...s.skipped.map((k) => `skipped: ${k.what} — ${k.why}`)].filter(Boolean).join('\n');
    item.contextValue = `runbookStep ${s.outcome}`;
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

const ICONS: Record<string, string> = { done: 'pass', partial: 'warning', skipped: 'debug-step-over', failed: 'error', cancelled: 'circle-slash', 'not-run': 'circle-outline' };

export function registerFailover(context: vscode.ExtensionContext, deps: ExtensionDeps): void {
  const tree = new RunbookTree();
  context.subscriptions.push(tree, vscode.window.registerTreeDataProvider(RUNBOOK_VIEW, tree));

  const projectOrExplain = (): { projectDir: string; pair: PairConfig } | undefined => {
    const snap = deps.project.snapshot;
    if (snap.pair.state !== 'valid' || !snap.projectDir) {
      void vscode.window.showWarningMessage('Failover needs a valid aml-failover.yaml in the open folder.');
      return undefined;
    }
    return { projectDir: snap.projectDir, pair: snap.pair.config };
  };

  /** Before anything runs: the steps, and whether to ask before each one. */
  const askMode = async (title: string, steps: string[]): Promise<'all' | 'each' | undefined> => {
    const pick = await vscode.window.showQuickPick(
      [
        { label: '$(run-all) Run all steps', detail: steps.map((s, i) => `${i + 1}. ${s}`).join('  ·  '), mode: 'all' as const },
        { label: '$(debug-step-over) Ask before each step', detail: 'Each step is shown before it runs: run it, skip it or stop there.', mode: 'each' as const },
      ],
      { title, placeHolder: 'Each step is shown as it runs in the Failover Runbook view; Cancel stops at any step.', ignoreFocusOut: true },
    );
    return pick?.mode;
  };

  const decide = async (step: StepRecord): Promise<StepDecision> => {
    const pick = await vscode.window.showQuickPick(
      [
        { label: `$(play) Run "${step.title}"`, decision: 'run' as const },
        { label: '$(debug-step-over) Skip this step', decision: 'skip' as const },
        { label: '$(close) Stop here', decision: 'cancel' as const },
      ],
      { title: step.title, placeHolder: step.plan, ignoreFocusOut: true },
    );
    return pick?.decision ?? 'cancel';
  };

  const chooseJobs = async (jobs: SnapshotJob[], checks: Map<string, JobCheck>): Promise<SnapshotJob[]> => {
    if (!jobs.length) return jobs;
    const picks = await vscode.window.showQuickPick(
      jobs.map((j) => {
        const c = checks.get(j.name);
        return { label: j.name, description: c?.blocked ? '$(warning) the target lacks something' : '$(pass) the target has what it needs', detail: c ? describeCheck(c) : undefined, picked: !c?.blocked, job: j };
      }),
      { title: 'Resubmit Interrupted Jobs', canPickMany: true, placeHolder: 'The jobs to submit again in the target (each with what it needs and whether the target has it)', ignoreFocusOut: true },
    );
    return (picks ?? []).map((p) => p.job);
  };

  const runUnderProgress = async (title: string, mode: 'all' | 'each', run: (hooks: RunbookHooks, signal: AbortSignal) => Promise<SessionResult>) => {
    tree.reset();
    await vscode.commands.executeCommand('setContext', 'amlFailover.runbookShown', true);
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort(new Error('Cancelled by the user.')));
      try {
        return await run(
          {
            decide: mode === 'each' ? decide : undefined,
            onEvent: (e) => {
              tree.onEvent(e);
              if (e.type === 'step-started') progress.report({ message: `${e.index + 1}. ${e.step.title}` });
              if (e.type === 'step-progress') progress.report({ message: e.line });
              if (e.type === 'step-finished') deps.logger.info(`failover: ${e.step.title}: ${e.step.outcome}${e.step.summary ? ` — ${e.step.summary}` : ''}`);
            },
          },
          abort.signal,
        );
      } finally {
        sub.dispose();
      }
    });
  };

  const reportFile = (projectDir: string, kind: string) => path.join(projectDir, STATE_DIR, REPORTS_DIR, `${kind}-${new Date().toISOString().replace(/[:.]/g, '-')}.md`);

  const finish = async (result: SessionResult, projectDir: string): Promise<void> => {
    if (result.report.switched) deps.refresh.didWrite({ kind: 'switch', roles: [result.report.to.role as Role] });
    if (result.reportFile) await vscode.window.showTextDocument(vscode.Uri.file(result.reportFile), { preview: true });
    const r = result.report;
    const actions = [...(r.cleanupCommand && r.drillId ? ['Clean Up Drill'] : []), ...(r.finishWith ? ['Resubmit Interrupted Jobs…'] : [])];
    const message = `${r.kind === 'drill' ? 'Drill' : r.kind === 'failback' ? 'Fail back' : 'Failover'} ${r.outcome}${r.switched ? `: the project now points at ${r.to.workspace}` : ''}.${r.notDone.length ? ` Not done: ${r.notDone.join('; ')}.` : ''}`;
    const show = r.outcome === 'completed' && !r.finishWith ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
    void show(message, ...actions).then((choice) => {
      if (choice === 'Clean Up Drill') void vscode.commands.executeCommand(CLEANUP_COMMAND, r.drillId);
      if (choice === 'Resubmit Interrupted Jobs…') void vscode.commands.executeCommand(RESUBMIT_COMMAND, r.to.role);
    });
    deps.logger.info(`failover: report ${path.relative(projectDir, result.reportFile ?? '')}`);
  };

  const targetRole = (role: unknown): Role => (role === 'primary' || role === 'secondary' ? role : deps.project.snapshot.active?.role === 'secondary' ? 'primary' : 'secondary');

  // Every runbook command sends the user's sign-in to the pair file's endpoints and writes reports: trust first.
  const guarded = <A extends unknown[]>(what: string, work: (...args: A) => Promise<FailoverCommandResult | undefined>) =>
    whenTrusted(what, async (...args: A) => {
      try {
        return await work(...args);
      } catch (err) {
        await showError(deps.log, `${what} failed: ${errorMessage(err)}`, err);
        return undefined;
      }
    });

  context.subscriptions.push(
    vscode.commands.registerCommand(
      FAILOVER_COMMAND,
      guarded('Failover', async (role?: unknown) => {
        const p = projectOrExplain();
        if (!p) return undefined;
        const to = targetRole(role);
        const mode = await askMode(`Fail over to ${to} (${p.pair.workspaces[to].workspace_name})`, ['Pre-flight', 'Bring work across', 'Switch', 'Resubmit interrupted jobs', 'Confirm', 'What still points at the source', 'Report']);
        if (!mode) return undefined;
        const file = reportFile(p.projectDir, 'failover');
        await fs.mkdir(path.dirname(file), { recursive: true });
        const result = await runUnderProgress(`Failing over to ${to}`, mode, (hooks, signal) =>
          runFailover({ projectDir: p.projectDir, to, logger: deps.logger, trust: deps.cloudTrust, credentials: deps.credentials, signal, hooks, reportFile: file, chooseJobs: mode === 'each' ? chooseJobs : undefined }),
        );
        await finish(result, p.projectDir);
        return { report: result.report, reportFile: result.reportFile };
      }),
    ),
    vscode.commands.registerCommand(
      DRILL_COMMAND,
      guarded('The drill', async () => {
        const p = projectOrExplain();
        if (!p) return undefined;
        const outage = await vscode.window.showQuickPick(
          [
            { label: '$(debug-disconnect) Simulate the outage of the primary', detail: 'Take a backup, then take the primary down (sandbox) or send it nothing more (Azure).', simulate: true },
            { label: '$(sync) Keep the primary up', detail: 'Rehearse with the primary answering: work is replicated from it.', simulate: false },
          ],
          { title: 'Start Failover Drill', placeHolder: 'Everything the drill creates is tagged aml-failover.drill and undone by Clean Up Drill.', ignoreFocusOut: true },
        );
        if (!outage) return undefined;
        const mode = await askMode('Failover drill', ['Take a backup', 'Take the primary down', 'Pre-flight', 'Bring work across', 'Switch', 'Resubmit interrupted jobs', 'Confirm', 'What still points at the source', 'Report']);
        if (!mode) return undefined;
        const file = reportFile(p.projectDir, 'drill');
        await fs.mkdir(path.dirname(file), { recursive: true });
        const result = await runUnderProgress('Failover drill', mode, (hooks, signal) =>
          runDrill({ projectDir: p.projectDir, to: 'secondary', logger: deps.logger, trust: deps.cloudTrust, credentials: deps.credentials, signal, hooks, reportFile: file, simulateOutage: outage.simulate, chooseJobs: mode === 'each' ? chooseJobs : undefined }),
        );
        await finish(result, p.projectDir);
        return { report: result.report, reportFile: result.reportFile, drillId: (result as { drillId?: string }).drillId };
      }),
    ),
    vscode.commands.registerCommand(
      RESUBMIT_COMMAND,
      guarded('Resubmitting', async (role?: unknown) => {
        const p = projectOrExplain();
        if (!p) return undefined;
        const to = targetRole(role);
        const result = await runUnderProgress(`Resubmitting interrupted jobs in ${to}`, 'all', (hooks, signal) => runResubmit({ projectDir: p.projectDir, to, logger: deps.logger, trust: deps.cloudTrust, credentials: deps.credentials, signal, hooks, chooseJobs }));
        const lines = result.report.jobs.map((j) => `${j.source}: ${j.outcome}${j.name ? ` as ${j.name}` : ''}`);
        void vscode.window.showInformationMessage(lines.length ? `Resubmit: ${lines.join('; ')}` : 'No interrupted jobs to resubmit.');
        return { report: result.report };
      }),
    ),
    vscode.commands.registerCommand(
      FAILBACK_COMMAND,
      guarded('Fail back', async (role?: unknown) => {
        const p = projectOrExplain();
        if (!p) return undefined;
        const to: Role = role === 'secondary' ? 'secondary' : 'primary';
        // Without a failover on record (a plain switch, or a record from before), the user says since when.
        const mark = await loadFailoverMark(p.projectDir).catch(() => undefined);
        const since = mark ? undefined : await askSince(to === 'primary' ? 'secondary' : 'primary');
        if (!mark && !since) return undefined;
        const mode = await askMode(`Fail back to ${to} (${p.pair.workspaces[to].workspace_name})`, ['Pre-flight', 'Bring work back', 'Cancel the originals', 'Hand the schedules back', 'Switch back', 'What still points at the secondary', 'Report']);
        if (!mode) return undefined;
        const file = reportFile(p.projectDir, 'failback');
        await fs.mkdir(path.dirname(file), { recursive: true });
        const chooseCancel = async (jobs: OriginalJob[]) => {
          const picks = await vscode.window.showQuickPick(
            jobs.map((j) => ({ label: j.name, description: j.status, detail: `Its work runs on as ${j.resubmittedAs}`, picked: true, job: j })),
            { title: 'Cancel the originals the healed workspace restarted', canPickMany: true, ignoreFocusOut: true },
          );
          return (picks ?? []).map((p) => p.job);
        };
        const result = await runUnderProgress(`Failing back to ${to}`, mode, (hooks, signal) =>
          runFailback({ projectDir: p.projectDir, to, since, logger: deps.logger, trust: deps.cloudTrust, credentials: deps.credentials, signal, hooks, reportFile: file, chooseCancel: mode === 'each' ? chooseCancel : undefined }),
        );
        await finish(result, p.projectDir);
        return { report: result.report, reportFile: result.reportFile };
      }),
    ),
    vscode.commands.registerCommand(CLEANUP_COMMAND, whenTrusted('Cleaning up a drill', async (id?: unknown) => {
      const p = projectOrExplain();
      if (!p) return undefined;
      const drillId = typeof id === 'string' ? id : await pickDrill(p.projectDir);
      if (!drillId) return undefined;
      try {
        const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Cleaning up drill ${drillId}` }, () =>
          runDrillCleanup({ projectDir: p.projectDir, logger: deps.logger, trust: deps.cloudTrust, credentials: deps.credentials, signal: new AbortController().signal }, drillId),
        );
        deps.refresh.didWrite({ kind: 'switch', roles: ['primary', 'secondary'] });
        for (const l of r.lines) deps.logger.info(`drill cleanup: ${l}`);
        if (r.problems.length) void vscode.window.showWarningMessage(`Drill ${drillId} partly cleaned up: ${r.problems.join('; ')}. Run Clean Up Drill again.`);
        else void vscode.window.showInformationMessage(`Drill ${drillId} cleaned up: ${r.lines.length} change(s) undone.`);
        return r;
      } catch (err) {
        await showError(deps.log, `Cleaning up drill ${drillId} failed: ${errorMessage(err)}`, err);
        return undefined;
      }
    })),
  );
}

async function pickDrill(projectDir: string): Promise<string | undefined> {
  const dir = path.join(projectDir, STATE_DIR, DRILLS_DIR);
  const ids = (await fs.readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort().reverse();
  if (!ids.length) {
    void vscode.window.showInformationMessage('No drill to clean up in this project.');
    return undefined;
  }
  return (await vscode.window.showQuickPick(ids, { title: 'Clean Up Drill', placeHolder: 'The drill to undo' })) ?? undefined;
}

/** Since when work was done in `there`, when no failover is on record: the last hour, day or week. */
async function askSince(there: Role): Promise<string | undefined> {
  const hour = 3_600_000;
  const picked = await vscode.window.showQuickPick(
    [
      { label: 'The last hour', ms: hour },
      { label: 'The last 24 hours', ms: 24 * hour },
      { label: 'The last 7 days', ms: 7 * 24 * hour },
    ],
    { title: `No failover is on record (${STATE_DIR}/last-failover.json). Bring back what was made in the ${there} workspace since…`, ignoreFocusOut: true },
  );
  return picked && new Date(Date.now() - picked.ms).toISOString();
}
