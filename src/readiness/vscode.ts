// The Readiness node of the Failover view: each check a child with its verdict icon, run when the node is first
// expanded (and again on Refresh); a line in the status-bar tooltip while a check fails.
import * as vscode from 'vscode';
import { RESTRICTED_REASON, isTrusted } from '../vscode/workspaceTrust';
import { errorMessage } from '../common/errors';
import { pairIdentity } from '../health/session';
import { escapeMarkdown } from '../health/vscode/presentation';
import type { PairConfig } from '../pair/pairFile';
import type { ContributedNode, TreeChange } from '../view/contributions';
import type { ExtensionDeps } from '../vscode/deps';
import { getSetting } from '../vscode/settings';
import { summary } from './format';
import { checkReadiness } from './readiness';
import type { CheckVerdict, ReadinessCheck } from './types';

const LOOK: Record<CheckVerdict, [string, string | undefined]> = {
  pass: ['pass-filled', 'testing.iconPassed'],
  warn: ['warning', 'problemsWarningIcon.foreground'],
  fail: ['error', 'problemsErrorIcon.foreground'],
  unknown: ['question', undefined],
};

const icon = (verdict: CheckVerdict) => new vscode.ThemeIcon(LOOK[verdict][0], LOOK[verdict][1] ? new vscode.ThemeColor(LOOK[verdict][1]!) : undefined);

/** What the status bar's tooltip may add: a Markdown note and when it changes. */
export interface TooltipNotes {
  addTooltipNote(note: { markdown(): string | undefined; onDidChange: vscode.Event<void> }): vscode.Disposable;
}

interface Result {
  pair: string;
  checks?: ReadinessCheck[];
  error?: string;
  ranAt: number;
}

/** The last readiness result of the pair; runs at most one check at a time. */
class ReadinessService implements vscode.Disposable {
  private result?: Result;
  private running?: { pair: string; work: Promise<Result> };
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly deps: ExtensionDeps) {}

  peek(pair: PairConfig): Result | undefined {
    return this.result?.pair === pairIdentity(pair) ? this.result : undefined;
  }

  run(pair: PairConfig, token?: vscode.CancellationToken): Promise<Result> {
    const id = pairIdentity(pair);
    // Restricted Mode: nothing is sent to the pair file's endpoints until the folder is trusted.
    if (!isTrusted()) return Promise.resolve({ pair: id, error: RESTRICTED_REASON, ranAt: Date.now() });
    if (this.running?.pair === id) return this.running.work;
    const cancel = new AbortController();
    const sub = token?.onCancellationRequested(() => cancel.abort(new Error('Cancelled')));
    const projectDir = this.deps.project.snapshot.projectDir;
    const work = checkReadiness(pair, { logger: this.deps.logger, trust: this.deps.cloudTrust, credentials: this.deps.credentials, projectDir, backupMaxAgeHours: getSetting('backup.maxAgeHours'), signal: cancel.signal }).then(
      (checks): Result => ({ pair: id, checks, ranAt: Date.now() }),
      (err: unknown): Result => ({ pair: id, error: errorMessage(err), ranAt: Date.now() }),
    );
    const running = { pair: id, work };
    this.running = running;
    void work.then((result) => {
      sub?.dispose();
      if (this.running === running) this.running = undefined;
      if (cancel.signal.aborted) return;
      if (result.error) this.deps.logger.warn(`readiness: ${result.error}`);
      else this.deps.logger.info(`readiness: ${summary(result.checks ?? [])}`);
      this.result = result;
      this.changed.fire();
    });
    return work;
  }

  /** Runs again if it ran before (Refresh); never starts a first run nobody asked for. */
  async refresh(): Promise<void> {
    const pair = this.deps.project.snapshot.pair;
    if (pair.state === 'valid' && this.peek(pair.config)) await this.run(pair.config);
  }

  failing(): ReadinessCheck[] {
    const pair = this.deps.project.snapshot.pair;
    const result = pair.state === 'valid' ? this.peek(pair.config) : undefined;
    return result?.checks?.filter((c) => c.verdict === 'fail') ?? [];
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function checkNode(check: ReadinessCheck, index: number): ContributedNode {
  const item = new vscode.TreeItem(check.id);
  item.id = `readiness/${index}:${check.id}`;
  item.description = `${check.verdict} · ${check.message}`;
  item.iconPath = icon(check.verdict);
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`$(${LOOK[check.verdict][0]}) **${check.id}** — ${check.verdict}\n\n${escapeMarkdown(check.message)}`);
  if (check.verdict !== 'pass' && check.fix) md.appendMarkdown(`\n\n**Fix:** ${escapeMarkdown(check.fix)}`);
  item.tooltip = md;
  item.contextValue = `readiness.check readiness.${check.verdict}`;
  item.accessibilityInformation = { label: `${check.id}: ${check.verdict}. ${check.message}` };
  return { item, data: check };
}

function rootNode(service: ReadinessService, pair: PairConfig): ContributedNode {
  const result = service.peek(pair);
  const item = new vscode.TreeItem('Readiness');
  item.id = 'readiness';
  item.contextValue = 'readiness';
  const checks = result?.checks;
  const count = (v: CheckVerdict) => checks?.filter((c) => c.verdict === v).length ?? 0;
  const worst: CheckVerdict | undefined = !checks ? undefined : count('fail') ? 'fail' : count('warn') ? 'warn' : count('unknown') ? 'unknown' : 'pass';
  item.iconPath = worst ? icon(worst) : new vscode.ThemeIcon('checklist');
  item.description = result?.error ? 'could not check' : checks ? ((['fail', 'warn', 'unknown', 'pass'] as const).filter((v) => count(v)).map((v) => `${count(v)} ${v}`).join(' · ') || 'no checks') : 'expand to check';
  item.tooltip = 'The pair against the failover guidance: regions, storage, key vault, registry, Application Insights, computes, quota, assets, access, network, backup.';
  return {
    item,
    children: async (token) => {
      const done = service.peek(pair) ?? (await service.run(pair, token));
      if (done.error) {
        const n = new vscode.TreeItem(`Cannot check: ${done.error}`);
        n.iconPath = new vscode.ThemeIcon('warning');
        return [{ item: n }];
      }
      return (done.checks ?? []).map(checkNode);
    },
  };
}

/** Runs the checks under a cancellable progress, shows the Failover view and says how it went. */
async function checkReadinessCommand(service: ReadinessService, deps: ExtensionDeps): Promise<void> {
  const pair = deps.project.snapshot.pair;
  if (pair.state !== 'valid') {
    void vscode.window.showWarningMessage('AML Failover: readiness needs a valid aml-failover.yaml in the project.');
    return;
  }
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Checking readiness for failover…', cancellable: true }, (_progress, token) => service.run(pair.config, token));
  await vscode.commands.executeCommand('amlFailover.workspaces.focus');
  if (result.error) void vscode.window.showErrorMessage(`AML Failover: readiness could not be checked: ${result.error}`);
  else void vscode.window.showInformationMessage(`AML Failover readiness: ${summary(result.checks ?? [])} Expand the Readiness node for each check and its fix.`);
}

export function registerReadiness(context: vscode.ExtensionContext, deps: ExtensionDeps, statusBar: TooltipNotes): void {
  const service = new ReadinessService(deps);
  const changed = new vscode.EventEmitter<TreeChange>();
  const noteChanged = new vscode.EventEmitter<void>();
  context.subscriptions.push(
    service,
    changed,
    noteChanged,
    service.onDidChange(() => {
      changed.fire({ rootNodes: true });
      noteChanged.fire();
    }),
    deps.refresh.add('readiness', () => service.refresh()),
    vscode.commands.registerCommand('amlFailover.checkReadiness', () => checkReadinessCommand(service, deps)),
    deps.tree.addContribution({
      id: 'readiness',
      order: 40,
      onDidChange: changed.event,
      rootNodes: (ctx) => [rootNode(service, ctx.pair)],
    }),
    statusBar.addTooltipNote({
      onDidChange: noteChanged.event,
      markdown: () => {
        const failing = service.failing();
        if (!failing.length) return undefined;
        return `$(warning) **Readiness:** ${failing.length} check${failing.length === 1 ? '' : 's'} fail${failing.length === 1 ? 's' : ''} (${escapeMarkdown([...new Set(failing.map((c) => c.id))].join(', '))}) — see the Readiness node of the Failover view.`;
      },
    }),
  );
}
