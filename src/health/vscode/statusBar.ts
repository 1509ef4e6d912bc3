import * as vscode from 'vscode';
import { ROLES, type Role } from '../../pair/pairFile';
import { getSetting, onDidChangeSetting } from '../../vscode/settings';
import type { HealthService } from './healthService';
import { HEALTH_LABEL, HEALTH_LOOK, ROLE_TITLE, commandLink, healthMarkdownLines } from './presentation';

/**
 * Both regions at a glance, and the only place the status bar names the active workspace: one item per workspace
 * ("✓ Primary eastus (active)"), coloured by its verdict, with one Markdown tooltip giving details and command links.
 * Clicking one offers that region's actions (`amlFailover.regionActions`). Shown while the pair file is valid and
 * `amlFailover.statusBar.enabled` is on, whether or not health is monitored.
 */
export class HealthStatusBar implements vscode.Disposable {
  private readonly items: Record<Role, vscode.StatusBarItem>;
  private readonly subscriptions: vscode.Disposable[];
  /** Lines other capabilities add to the tooltip (readiness: a warning while a check fails). */
  private readonly notes = new Set<{ markdown(): string | undefined }>();

  constructor(private readonly health: HealthService) {
    this.items = {
      primary: vscode.window.createStatusBarItem('amlFailover.health.primary', vscode.StatusBarAlignment.Left, 49),
      secondary: vscode.window.createStatusBarItem('amlFailover.health.secondary', vscode.StatusBarAlignment.Left, 48),
    };
    for (const role of ROLES) {
      this.items[role].name = `AML Failover: ${ROLE_TITLE[role]} health`;
      this.items[role].command = { command: 'amlFailover.regionActions', title: `${ROLE_TITLE[role]} workspace actions`, arguments: [role] };
    }
    this.subscriptions = [
      health.onDidChange((change) => {
        if (!change || change.previous.health !== change.current.health || change.previous.reason !== change.current.reason || change.previous.checkedAt === undefined) this.render();
        else this.renderTooltips();
      }),
      onDidChangeSetting(['statusBar.enabled', 'health.enabled'], () => this.render()),
    ];
    this.render();
  }

  /** The items' texts as shown (undefined while hidden), for the extension's read-only API. */
  text(): string | undefined {
    return this.visible ? ROLES.map((role) => this.items[role].text).join(' ') : undefined;
  }

  /** What the items show now (for the log and tests). */
  snapshot(): { role: Role; text: string; tooltip: string; color?: string; background?: string; visible: boolean }[] {
    return ROLES.map((role) => {
      const item = this.items[role];
      const tooltip = item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : String(item.tooltip ?? '');
      const id = (c: unknown) => (c instanceof vscode.ThemeColor ? c.id : undefined);
      return { role, text: item.text, tooltip, color: id(item.color), background: id(item.backgroundColor), visible: this.visible };
    });
  }

  private visible = false;

  private render(): void {
    const states = ROLES.map((role) => this.health.state(role));
    if (states.some((s) => !s) || !getSetting('statusBar.enabled')) {
      for (const role of ROLES) this.items[role].hide();
      this.visible = false;
      return;
    }
    const active = this.health.activeRole;
    for (const role of ROLES) {
      const s = this.health.state(role)!;
      const look = HEALTH_LOOK[s.health];
      const item = this.items[role];
      item.text = `$(${look.codicon}) ${ROLE_TITLE[role]} ${s.region}${role === active ? ' (active)' : ''}`;
      item.color = look.color ? new vscode.ThemeColor(look.color) : undefined;
      item.backgroundColor = look.background ? new vscode.ThemeColor(look.background) : undefined;
      item.accessibilityInformation = { label: `${ROLE_TITLE[role]} workspace in ${s.region}${role === active ? ', active' : ''}: ${HEALTH_LABEL[s.health]}. ${s.reason}` };
      item.show();
    }
    this.visible = true;
    this.renderTooltips();
  }

  private renderTooltips(): void {
    const active = this.health.activeRole;
    const md = new vscode.MarkdownString(undefined, true);
    md.isTrusted = { enabledCommands: ['amlFailover.switchTo', 'amlFailover.runDiagnostics', 'amlFailover.refresh', 'amlFailover.showLog'] };
    for (const role of ROLES) {
      const s = this.health.state(role);
      if (!s) continue;
      md.appendMarkdown(healthMarkdownLines(s, role === active).join('\n\n'));
      const links = [commandLink('Run diagnostics', 'amlFailover.runDiagnostics', [role])];
      if (role !== active) links.unshift(commandLink(`Switch to ${role}`, 'amlFailover.switchTo', [role]));
      md.appendMarkdown(`\n\n${links.join(' · ')}\n\n---\n\n`);
    }
    for (const note of this.notes) {
      const text = note.markdown();
      if (text) md.appendMarkdown(`${text}\n\n---\n\n`);
    }
    md.appendMarkdown(`${commandLink('Refresh', 'amlFailover.refresh')} · ${commandLink('Show log', 'amlFailover.showLog')}`);
    for (const role of ROLES) this.items[role].tooltip = md;
  }

  /** Adds a line to the tooltip, redrawn when `note.onDidChange` fires; dispose to remove it. */
  addTooltipNote(note: { markdown(): string | undefined; onDidChange: vscode.Event<void> }): vscode.Disposable {
    this.notes.add(note);
    const sub = note.onDidChange(() => this.renderTooltips());
    this.renderTooltips();
    return new vscode.Disposable(() => {
      sub.dispose();
      this.notes.delete(note);
    });
  }

  /** The active workspace may change without a probe (a switch): redraw the marker. */
  refreshActive(): void {
    this.render();
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    for (const role of ROLES) this.items[role].dispose();
  }
}
