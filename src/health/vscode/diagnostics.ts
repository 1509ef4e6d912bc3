import * as vscode from 'vscode';
import type { Logger } from '../../common/logger';
import { errorMessage } from '../../common/errors';
import { ROLES, type Role } from '../../pair/pairFile';
import { isWorkspaceNode, type ContributedNode } from '../../view/contributions';
import { withDeadline } from '../deadline';
import { runDiagnose, summarizeDiagnose, type DiagnoseReport } from '../diagnose';
import type { HealthService } from './healthService';
import { ROLE_TITLE, timeOf } from './presentation';

const DIAGNOSE_DEADLINE_MS = 120_000;

/** Diagnose results per workspace, shown under its node until the next run. */
export class DiagnosticsStore implements vscode.Disposable {
  private readonly reports = new Map<Role, DiagnoseReport>();
  private readonly changed = new vscode.EventEmitter<Role>();
  readonly onDidChange = this.changed.event;

  get(role: Role): DiagnoseReport | undefined {
    return this.reports.get(role);
  }

  set(role: Role, report: DiagnoseReport): void {
    this.reports.set(role, report);
    this.changed.fire(role);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** `amlFailover.runDiagnostics [role | workspace node]`: the diagnose LRO under a cancellable progress. */
export async function runDiagnosticsCommand(arg: unknown, health: HealthService, store: DiagnosticsStore, logger: Logger, reveal: (role: Role) => void): Promise<DiagnoseReport | undefined> {
  let role: Role | undefined = isWorkspaceNode(arg) ? arg.role : arg === 'primary' || arg === 'secondary' ? arg : undefined;
  if (!role) {
    const pick = await vscode.window.showQuickPick(
      ROLES.map((r) => ({ label: ROLE_TITLE[r], description: health.pairConfig?.workspaces[r].workspace_name, role: r })),
      { title: 'Run diagnostics on which workspace?' },
    );
    role = pick?.role;
  }
  if (!role) return undefined;
  const pair = health.pairConfig;
  if (!pair) {
    void vscode.window.showErrorMessage('Diagnostics need a valid aml-failover.yaml in this folder.');
    return undefined;
  }
  const ws = pair.workspaces[role];
  const target = role;
  try {
    const report = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Diagnosing the ${role} workspace ${ws.workspace_name}…`, cancellable: true },
      async (_progress, token) => {
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => abort.abort(new Error('Cancelled')));
        try {
          const connection = await health.getConnection();
          // A region that accepts connections and never answers must not keep the progress spinning.
          return await withDeadline(DIAGNOSE_DEADLINE_MS, 'The diagnose operation', (signal) => runDiagnose(connection, ws, { signal }), abort.signal);
        } finally {
          sub.dispose();
        }
      },
    );
    store.set(target, report);
    logger.info(`diagnose: ${target} ${ws.workspace_name}: ${summarizeDiagnose(report)}`);
    for (const area of report.areas) for (const f of area.findings) logger.info(`diagnose: ${target} ${area.label}: ${f.level} ${f.code}: ${f.message}`);
    const choice = await vscode.window.showInformationMessage(`Diagnostics of the ${target} workspace: ${summarizeDiagnose(report)}.`, 'Show in View');
    if (choice === 'Show in View') reveal(target);
    return report;
  } catch (err) {
    if (/cancel/i.test(errorMessage(err))) return undefined;
    logger.error(err instanceof Error ? err : String(err));
    const choice = await vscode.window.showErrorMessage(`Diagnostics of the ${target} workspace failed: ${errorMessage(err)}`, 'Show Log');
    if (choice === 'Show Log') void vscode.commands.executeCommand('amlFailover.showLog');
    return undefined;
  }
}

/** "Diagnostics" under a workspace node: one child per area with its findings. */
export function diagnosticsNode(report: DiagnoseReport): ContributedNode {
  const item = new vscode.TreeItem('Diagnostics');
  item.description = `${summarizeDiagnose(report)} · as of ${timeOf(report.finishedAt)}`;
  item.iconPath = new vscode.ThemeIcon(report.errors ? 'error' : report.warnings ? 'warning' : 'pulse', report.errors ? new vscode.ThemeColor('problemsErrorIcon.foreground') : undefined);
  item.contextValue = 'health.diagnostics';
  return {
    item,
    children: () =>
      report.areas.map((area) => {
        const areaItem = new vscode.TreeItem(area.label);
        const errors = area.findings.filter((f) => f.level === 'Error').length;
        const warnings = area.findings.filter((f) => f.level === 'Warning').length;
        areaItem.description = area.findings.length ? `${errors} errors, ${warnings} warnings, ${area.findings.length - errors - warnings} notes` : 'no findings';
        areaItem.iconPath = new vscode.ThemeIcon(errors ? 'error' : warnings ? 'warning' : 'pass');
        return {
          item: areaItem,
          children: area.findings.length
            ? () =>
                area.findings.map((f) => {
                  const row = new vscode.TreeItem(f.message || f.code);
                  row.description = `${f.level} · ${f.code}`;
                  row.tooltip = `${f.level} ${f.code}: ${f.message}`;
                  row.iconPath = new vscode.ThemeIcon(f.level === 'Error' ? 'error' : f.level === 'Warning' ? 'warning' : 'info');
                  return { item: row, data: f };
                })
            : undefined,
        };
      }),
  };
}
