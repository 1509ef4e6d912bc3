import * as vscode from 'vscode';
import { PAIR_FILE_NAME } from '../pair/pairFile';
import { printable } from '../switch/configSearch';
import type { FailoverProject, ProjectSnapshot } from './project';
import { projectRelative } from './project';
import { getSetting, onDidChangeSetting } from './settings';

export interface StatusBarView {
  /** The item's current text, or undefined while it is hidden (a read-only view for tests). */
  text(): string | undefined;
}

/** What the status-bar item shows for a project state; undefined hides it. Pure, so it is easy to reason about. */
export function statusBarContent(snapshot: ProjectSnapshot): { text: string; tooltip: vscode.MarkdownString; command: string; warning?: boolean } | undefined {
  const md = new vscode.MarkdownString(undefined, true);
  if (snapshot.pair.state === 'invalid') {
    md.appendMarkdown(`**${PAIR_FILE_NAME}** has problems; switching is off until they are fixed.`);
    return { text: `$(error) ${PAIR_FILE_NAME}`, tooltip: md, command: 'amlFailover.openPairFile', warning: true };
  }
  if (snapshot.pair.state !== 'valid' || !snapshot.active) return undefined;
  const pair = snapshot.pair.config;
  const active = snapshot.active;
  md.appendMarkdown('**Azure ML workspace** (what the SDK reads from the project folder)\n\n');
  if (active.role) {
    const ws = pair.workspaces[active.role];
    md.appendMarkdown(`${active.role === 'primary' ? 'Primary' : 'Secondary'}: \`${ws.workspace_name}\` in ${ws.region}, resource group \`${ws.resource_group}\``);
    if (active.hit) md.appendMarkdown(`\n\nfrom \`${projectRelative(snapshot, active.hit.file)}\``);
  } else if (active.state === 'other' && active.workspace) {
    md.appendMarkdown(`\`${printable(active.workspace.workspace_name)}\` is neither the primary nor the secondary.`);
  } else if (active.state === 'invalid') {
    md.appendMarkdown(`${active.hit ? `\`${projectRelative(snapshot, active.hit.file)}\`` : 'The config file'} is not usable: ${active.error ?? 'invalid'}.`);
  } else {
    md.appendMarkdown('No config.json: the SDK would not know which workspace to use.');
  }
  for (const w of snapshot.warnings) md.appendMarkdown(`\n\n$(warning) ${w.message}`);
  if (active.role) {
    // The region items (src/health/vscode/statusBar.ts) name the active workspace; this one only points at
    // config files that could send code elsewhere.
    if (!snapshot.warnings.length) return undefined;
    md.appendMarkdown('\n\n_Click to see them in the Failover view._');
    const n = snapshot.warnings.length;
    return { text: `$(warning) ${n} AML config warning${n === 1 ? '' : 's'}`, tooltip: md, command: 'amlFailover.workspaces.focus', warning: true };
  }
  md.appendMarkdown('\n\n_Click to switch._');
  if (active.state === 'other' && active.workspace) {
    return { text: `$(warning) ${printable(active.workspace.workspace_name)} (not in pair)`, tooltip: md, command: 'amlFailover.switchWorkspace', warning: true };
  }
  if (active.state === 'invalid') return { text: '$(error) AML config invalid', tooltip: md, command: 'amlFailover.switchWorkspace', warning: true };
  return { text: '$(cloud) No AML workspace', tooltip: md, command: 'amlFailover.switchWorkspace', warning: true };
}

/**
 * The status-bar item for what the region items cannot say: a broken pair file, no usable config, a workspace
 * outside the pair (clicking offers the switch), or config files that shadow the switched one.
 */
export function registerStatusBar(context: vscode.ExtensionContext, deps: { project: FailoverProject }): StatusBarView {
  const item = vscode.window.createStatusBarItem('amlFailover.activeWorkspace', vscode.StatusBarAlignment.Left, 50);
  item.name = 'AML Failover: active workspace';
  let shown = false;
  const update = () => {
    const content = getSetting('statusBar.enabled') ? statusBarContent(deps.project.snapshot) : undefined;
    if (!content) {
      item.hide();
      shown = false;
      return;
    }
    item.text = content.text;
    item.tooltip = content.tooltip;
    item.command = content.command;
    item.backgroundColor = content.warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    item.accessibilityInformation = { label: content.text.replace(/\$\([^)]*\)\s*/g, '') };
    item.show();
    shown = true;
  };
  context.subscriptions.push(item, deps.project.onDidChange(update), onDidChangeSetting('statusBar.enabled', update));
  update();
  return { text: () => (shown ? item.text : undefined) };
}
