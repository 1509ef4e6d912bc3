import * as vscode from 'vscode';
import { ROLES, type Role } from '../../pair/pairFile';
import { driftRootNode } from '../../drift/vscode/driftNode';
import { inventoryNodes } from '../../inventory/vscode/inventoryNodes';
import { InventoryService } from '../../inventory/vscode/inventoryService';
import type { TreeChange, Verdict } from '../../view/contributions';
import type { ExtensionDeps } from '../../vscode/deps';
import { DiagnosticsStore, diagnosticsNode, runDiagnosticsCommand } from './diagnostics';
import { HealthService } from './healthService';
import { HealthNotifier } from './notifications';
import { HEALTH_LABEL, HEALTH_LOOK, ROLE_TITLE, escapeMarkdown, themeIcon, timeOf } from './presentation';
import { HealthStatusBar } from './statusBar';
import { treeSnapshot } from './inspect';

/**
 * Health, inventory and drift in VS Code: the background monitor, the status bar items, the notifications, the
 * verdicts and children of the Primary/Secondary nodes, the Drift node, and the refresh and diagnose commands.
 */
export function registerHealth(context: vscode.ExtensionContext, deps: ExtensionDeps): { statusBarText(): string | undefined; addTooltipNote: HealthStatusBar['addTooltipNote'] } {
  const health = new HealthService(deps.project, deps.logger, deps.cloudTrust);
  const statusBar = new HealthStatusBar(health);
  const notifier = new HealthNotifier(health, deps.logger);
  const inventory = new InventoryService(deps.project, deps.logger, deps.cloudTrust);
  const diagnostics = new DiagnosticsStore();
  const verdictChanged = new vscode.EventEmitter<TreeChange>();
  const inventoryChanged = new vscode.EventEmitter<TreeChange>();
  const driftChanged = new vscode.EventEmitter<TreeChange>();
  context.subscriptions.push(health, statusBar, notifier, inventory, diagnostics, verdictChanged, inventoryChanged, driftChanged);

  context.subscriptions.push(
    health.onDidChange((change) => {
      // Only a new verdict changes the row (the reason and latency are read when the tooltip opens).
      if (!change) verdictChanged.fire({ workspaces: ROLES });
      else if (change.previous.health !== change.current.health || change.previous.checkedAt === undefined) verdictChanged.fire({ workspaces: [change.role] });
      // Back from an outage: the listing that failed meanwhile is worth another try.
      if (change && change.previous.health === 'down' && change.current.health === 'healthy' && inventory.peek(change.role)?.error) void inventory.refresh([change.role]);
    }),
    diagnostics.onDidChange(() => verdictChanged.fire({ workspaces: ROLES })),
    inventory.onDidChange((role) => {
      inventoryChanged.fire({ workspaces: [role] });
      driftChanged.fire({ rootNodes: true });
    }),
    deps.project.onDidChange(() => statusBar.refreshActive()),
    deps.refresh.add('health', () => health.refresh()),
    deps.refresh.add('inventory', () => inventory.refresh()),
    // What the product itself wrote into a workspace shows without a Refresh.
    deps.refresh.onDidWrite((write) => {
      if (write.kind !== 'switch') void inventory.refresh(write.roles);
    }),
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
      onDidChange: inventoryChanged.event,
      workspaceChildren: async (ws) => inventoryNodes(await inventory.load(ws.role), ws.role),
    }),
    deps.tree.addContribution({
      id: 'drift',
      order: 30,
      onDidChange: driftChanged.event,
      rootNodes: () => [driftRootNode(inventory)],
    }),
  );

  context.subscriptions.push(
    vscode.commands.registerCommand('amlFailover.regionActions', (role: unknown) => (role === 'primary' || role === 'secondary' ? regionActions(role, health) : undefined)),
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
  return { statusBarText: () => statusBar.text(), addTooltipNote: (note) => statusBar.addTooltipNote(note) };
}

/** What clicking a region's status-bar item offers: that region's actions, the switch first when it is not active. */
async function regionActions(role: Role, health: HealthService): Promise<unknown> {
  const s = health.state(role);
  const ws = health.pairConfig?.workspaces[role];
  if (!s || !ws) return undefined;
  const title = ROLE_TITLE[role];
  const items: (vscode.QuickPickItem & { run: () => Thenable<unknown> })[] = [];
  if (health.activeRole !== role) items.push({ label: `$(arrow-swap) Switch to ${title}`, description: `${ws.workspace_name} becomes the active workspace`, run: () => vscode.commands.executeCommand('amlFailover.switchTo', role) });
  items.push(
    { label: '$(pulse) Run Diagnostics', description: `Azure ML's diagnose on ${ws.workspace_name}`, run: () => vscode.commands.executeCommand('amlFailover.runDiagnostics', role) },
    { label: '$(refresh) Refresh', description: 'health, inventory and drift of both workspaces', run: () => vscode.commands.executeCommand('amlFailover.refresh') },
    { label: '$(output) Show Log', run: () => vscode.commands.executeCommand('amlFailover.showLog') },
  );
  const picked = await vscode.window.showQuickPick(items, {
    title: `${title} · ${ws.workspace_name} · ${ws.region}${health.activeRole === role ? ' · active' : ''} — ${HEALTH_LABEL[s.health]}`,
    placeHolder: s.reason,
  });
  return picked?.run();
}
