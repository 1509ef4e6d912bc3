import * as vscode from 'vscode';
import type { Role } from '../../pair/pairFile';
import { formatDuration } from '../deadline';
import type { WorkspaceHealth } from '../state';
import type { Health } from '../verdict';

/** How each verdict looks, everywhere in the extension. */
export const HEALTH_LOOK: Record<Health, { codicon: string; color?: string; background?: string; severity: 'ok' | 'warning' | 'error' | 'unknown' }> = {
  healthy: { codicon: 'pass-filled', color: 'testing.iconPassed', severity: 'ok' },
  degraded: { codicon: 'warning', background: 'statusBarItem.warningBackground', severity: 'warning' },
  down: { codicon: 'error', background: 'statusBarItem.errorBackground', severity: 'error' },
  unauthorized: { codicon: 'lock', background: 'statusBarItem.warningBackground', severity: 'warning' },
  unknown: { codicon: 'question', severity: 'unknown' },
};

export const HEALTH_LABEL: Record<Health, string> = {
  healthy: 'healthy',
  degraded: 'degraded',
  down: 'down',
  unauthorized: 'sign in / no access',
  unknown: 'unknown',
};

export const ROLE_TITLE: Record<Role, string> = { primary: 'Primary', secondary: 'Secondary' };

export function timeOf(ms: number | undefined): string {
  return ms === undefined ? 'never' : new Date(ms).toLocaleTimeString();
}

/** Markdown lines describing one workspace's health (tooltips of the status bar and the tree). */
export function healthMarkdownLines(s: WorkspaceHealth, active: boolean): string[] {
  const lines = [
    `$(${HEALTH_LOOK[s.health].codicon}) **${ROLE_TITLE[s.role]}** · ${escapeMarkdown(s.region)}${active ? ' · **active**' : ''} — **${HEALTH_LABEL[s.health]}**`,
    '',
    escapeMarkdown(s.reason),
    '',
    `Checked ${timeOf(s.checkedAt)}${s.latencyMs !== undefined ? ` · ${formatDuration(s.latencyMs)}` : ''}${s.health !== 'healthy' && s.lastHealthyAt ? ` · last healthy ${timeOf(s.lastHealthyAt)}` : ''}`,
  ];
  // What Azure itself says: Resource Health of the storage account and key vault, Service Health events.
  const view = s.azureView;
  if (view) {
    const health = view.resourceHealth.map((r) => `${r.kind === 'storageAccount' ? 'storage account' : 'key vault'} ${escapeMarkdown(r.availabilityState)}`);
    if (health.length) lines.push('', `Azure Resource Health: ${health.join(', ')}`);
    for (const e of view.serviceHealth) lines.push('', `$(warning) Azure Service Health: ${escapeMarkdown(e.title)} (${escapeMarkdown(e.trackingId)}, updated ${escapeMarkdown(e.lastUpdate)})`);
  }
  return lines;
}

/** Text from the service or a file name goes into Markdown as text, never as markup or links. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~$]/g, (c) => `\\${c}`).replace(/[\u0000-\u001f\u007f]/g, ' ');
}

export function commandLink(title: string, command: string, args?: unknown[]): string {
  return `[${title}](command:${command}${args ? `?${encodeURIComponent(JSON.stringify(args))}` : ''})`;
}

export function themeIcon(health: Health): vscode.ThemeIcon {
  const look = HEALTH_LOOK[health];
  return new vscode.ThemeIcon(look.codicon, look.color ? new vscode.ThemeColor(look.color) : look.severity === 'error' ? new vscode.ThemeColor('problemsErrorIcon.foreground') : look.severity === 'warning' ? new vscode.ThemeColor('problemsWarningIcon.foreground') : undefined);
}
