import * as vscode from 'vscode';
import { ROLES, type Role } from '../../pair/pairFile';
import { driftRootNode } from '../../drift/vscode/driftNode';
import { inventoryNodes } from '../../inventory/vscode/inventoryNodes';
import { InventoryService } from '../../inventory/vscode/inventoryService';
import type { Verdict } from '../../view/contributions';
import type { ExtensionDeps } from '../../vscode/deps';
import { DiagnosticsStore, diagnosticsNode, runDiagnosticsCommand } from './diagnostics';
import { HealthService } from './healthService';
import { HealthNotifier } from './notifications';
import { HEALTH_LABEL, HEALTH_LOOK, escapeMarkdown, themeIcon, timeOf } from './presentation';
import { HealthStatusBar } from './statusBar';
import { treeSnapshot } from './inspect';

/**
 * Health, inventory and drift in VS Code: the background monitor, the status bar items, the notifications, the
 * verdicts and children of the Primary/Secondary nodes, the Drift node, and the refresh and diagnose commands.
 */
export function registerHealth(context: vscode.ExtensionContext, deps: ExtensionDeps): void {
  const health = new HealthService(deps.project, deps.logger, deps.cloudTrust);
  const statusBar = new HealthStatusBar(health);
  const notifier = new HealthNotifier(health, deps.logger);
  const inventory = new InventoryService(deps.project, deps.logger, deps.cloudTrust);
  const diagnostics = new DiagnosticsStore();
  const verdictChanged = new vscode.EventEmitter<void>();
  context.subscriptions.push(health, statusBar, notifier, inventory, diagnostics, verdictChanged);

  context.subscriptions.push(
    health.onDidChange((change) => {
      if (!change || change.previous.health !== change.current.health || change.previous.reason !== change.current.reason) verdictChanged.fire();
      // Back from an outage: the listing that failed meanwhile is worth another try.
      if (change && change.previous.health === 'down' && change.current.health === 'healthy' && inventory.peek(change.role)?.error) void inventory.refresh();
    }),
    diagnostics.onDidChange(() => verdictChanged.fire()),
    deps.project.onDidChange(() => statusBar.refreshActive()),
  );

  context.subscriptions.push(
    deps.tree.addContribution({
      id: 'health',
      order: 10,
      onDidChange: verdictChanged.event,
      workspaceVerdict: (ws) => {
        const s = health.state(ws.role);
        if (!s) return undefined;
        const look = HEALTH_LOOK[s.health];
        const severity: Verdict['severity'] = s.checkedAt === undefined && health.enabled && s.health === 'unknown' && !/Cannot reach|off/.test(s.reason) ? 'busy' : look.severity;
        return {
          severity,
          label: severity === 'busy' ? 'checking…' : HEALTH_LABEL[s.health],
          detail: `${escapeMarkdown(s.reason)} (checked ${timeOf(s.checkedAt)})`,
          icon: severity === 'busy' ? undefined : themeIcon(s.health),
        };
      },
      workspaceChildren: (ws) => {
        const report = diagnostics.get(ws.role);
        return report ? [diagnosticsNode(report)] : [];
      },
    }),
    deps.tree.addContribution({
      id: 'inventory',
      order: 20,
      onDidChange: inventory.onDidChange as vscode.Event<unknown> as vscode.Event<void>,
      workspaceChildren: async (ws) => inventoryNodes(await inventory.load(ws.role)),
    }),
    deps.tree.addContribution({
      id: 'drift',
      order: 30,
      onDidChange: inventory.onDidChange as vscode.Event<unknown> as vscode.Event<void>,
      rootNodes: () => [driftRootNode(inventory)],
    }),
  );

  context.subscriptions.push(
    vscode.commands.registerCommand('amlFailover.refreshHealth', () =>
      vscode.window.withProgress({ location: { viewId: 'amlFailover.workspaces' } }, () => Promise.all([health.refresh(), inventory.refresh()])),
    ),
    vscode.commands.registerCommand('amlFailover.runDiagnostics', (arg: unknown) =>
      runDiagnosticsCommand(arg, health, diagnostics, deps.logger, () => void vscode.commands.executeCommand('amlFailover.workspaces.focus')),
    ),
    // Not in package.json: what the status bar, the tree and the notifications show, for the VS Code test suite.
    vscode.commands.registerCommand('amlFailover.health.inspect', async (options?: { treeDepth?: number }) => ({
      statusBar: statusBar.snapshot(),
      health: Object.fromEntries(ROLES.map((role: Role) => [role, health.state(role)])),
      callsSent: Object.fromEntries(ROLES.map((role: Role) => [role, health.callsSent(role)])),
      notifications: notifier.shown,
      tree: await treeSnapshot(deps.tree, options?.treeDepth ?? 0),
    })),
  );
}
