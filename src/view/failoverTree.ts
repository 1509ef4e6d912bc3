import * as vscode from 'vscode';
import type { Logger } from '../common/logger';
import { errorMessage } from '../common/errors';
import { ROLES, type Role } from '../pair/pairFile';
import { describeWorkspace, type ConfigWarning } from '../switch/active';
import { printable } from '../switch/configSearch';
import type { FailoverProject, ProjectSnapshot } from '../vscode/project';
import { projectRelative } from '../vscode/project';
import {
  WORKSPACE_CONTEXT,
  type ContributedNode,
  type ContributedTreeNode,
  type ContributionHandle,
  type FailoverTreeApi,
  type TreeChange,
  type FailoverTreeNode,
  type NoticeTreeNode,
  type TreeContext,
  type TreeContribution,
  type Verdict,
  type WorkspaceTreeNode,
} from './contributions';

export const TREE_VIEW_ID = 'amlFailover.workspaces';

const ROLE_TITLE: Record<Role, string> = { primary: 'Primary', secondary: 'Secondary' };

const VERDICT_ICON: Record<Verdict['severity'], vscode.ThemeIcon> = {
  ok: new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed')),
  warning: new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground')),
  error: new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground')),
  unknown: new vscode.ThemeIcon('question'),
  busy: new vscode.ThemeIcon('loading~spin'),
};
const ROOT: unique symbol = Symbol('root');
const SEVERITY_RANK: Record<Verdict['severity'], number> = { error: 4, warning: 3, busy: 2, unknown: 1, ok: 0 };

/**
 * The Failover tree: Primary and Secondary at the root (the active one marked), notices about the workspace
 * config, then whatever other capabilities contribute (see ./contributions.ts and ./README.md).
 */
export class FailoverTree implements vscode.TreeDataProvider<FailoverTreeNode>, FailoverTreeApi, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<FailoverTreeNode | FailoverTreeNode[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly view: vscode.TreeView<FailoverTreeNode>;
  private readonly contributions: { contribution: TreeContribution; subscription?: vscode.Disposable }[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  /**
   * The objects last handed to VS Code, reused while their id stays the same: VS Code resolves the node a menu
   * command runs on from these, and a refresh of the whole tree forgets them all until it has asked again — a
   * command clicked in that moment would get no node. So changes re-read only the rows they concern.
   */
  private workspaceNodes?: { snapshot: ProjectSnapshot; nodes: Map<Role, WorkspaceTreeNode> };
  private readonly contributed = new Map<string, { -readonly [K in keyof ContributedTreeNode]: ContributedTreeNode[K] }>();
  private readonly rootIds = new Map<string, string[]>();
  /** getChildren calls in flight, by parent (the root under ROOT). */
  private readonly loading = new Map<FailoverTreeNode | typeof ROOT, Promise<unknown>>();

  constructor(
    private readonly project: FailoverProject,
    private readonly logger: Logger,
  ) {
    this.view = vscode.window.createTreeView(TREE_VIEW_ID, { treeDataProvider: this, showCollapseAll: true });
    this.disposables.push(this.view, this.changed, project.onDidChange(() => this.refresh()));
  }

  addContribution(contribution: TreeContribution): ContributionHandle {
    const entry = { contribution, subscription: contribution.onDidChange?.((change) => void this.refreshFor(contribution, change || undefined)) };
    this.contributions.push(entry);
    this.contributions.sort((a, b) => (a.contribution.order ?? 100) - (b.contribution.order ?? 100));
    this.refresh();
    return {
      refresh: (change?: TreeChange) => void this.refreshFor(contribution, change),
      dispose: () => {
        const i = this.contributions.indexOf(entry);
        if (i >= 0) this.contributions.splice(i, 1);
        entry.subscription?.dispose();
        this.refresh();
      },
    };
  }

  /** Re-reads the whole tree. */
  refresh(): void {
    this.contributed.clear();
    this.changed.fire(undefined);
  }

  /** Re-reads what a contribution says changed: its root nodes or the workspace nodes named, else everything. */
  private async refreshFor(contribution: TreeContribution, change: TreeChange | undefined): Promise<void> {
    if (!change) return this.refresh();
    const elements: FailoverTreeNode[] = [];
    for (const role of change.workspaces ?? []) {
      const node = this.workspaceNodes?.nodes.get(role);
      if (node) elements.push(node);
    }
    if (change.rootNodes && contribution.rootNodes) {
      const context = treeContext(this.project.snapshot);
      const known = this.rootIds.get(contribution.id);
      if (!context || !known) return this.refresh();
      const token = new vscode.CancellationTokenSource().token;
      const nodes = this.wrap(contribution.id, await this.ask(contribution, () => contribution.rootNodes?.(context, token)), undefined, undefined, 'root');
      // Nodes came or went: the root itself changed.
      if (nodes.map((n) => n.id).join('\n') !== known.join('\n')) return this.refresh();
      elements.push(...nodes);
    }
    if (!elements.length) return;
    // VS Code lists a row's children again when it is refreshed; while an earlier listing of the same row is still
    // running, the two would register the same ids and the second fails (the row then stays empty). So wait.
    await Promise.allSettled([this.loading.get(ROOT), ...elements.map((e) => this.loading.get(e))]);
    this.changed.fire(elements);
  }

  getChildren(node?: FailoverTreeNode, token?: vscode.CancellationToken): Promise<FailoverTreeNode[]> {
    const key = node ?? ROOT;
    const work = this.childrenOf(node, token);
    this.loading.set(key, work);
    const done = () => {
      if (this.loading.get(key) === work) this.loading.delete(key);
    };
    work.then(done, done);
    return work;
  }

  private async childrenOf(node: FailoverTreeNode | undefined, token: vscode.CancellationToken | undefined): Promise<FailoverTreeNode[]> {
    const cancel = token ?? new vscode.CancellationTokenSource().token;
    if (!node) return this.rootChildren(cancel);
    if (node.kind === 'notice') return node.children ?? [];
    if (node.kind === 'workspace') {
      const out: FailoverTreeNode[] = [];
      for (const { contribution } of this.contributions) {
        if (!contribution.workspaceChildren) continue;
        const nodes = await this.ask(contribution, () => contribution.workspaceChildren?.(node, cancel));
        out.push(...this.wrap(contribution.id, nodes, node, node, `workspace:${node.role}`));
      }
      return out;
    }
    const children = node.node.children;
    if (!children) return [];
    const contribution = this.contributions.find((c) => c.contribution.id === node.contributionId)?.contribution;
    if (!contribution) return [];
    const nodes = await this.ask(contribution, () => children.call(node.node, cancel));
    return this.wrap(node.contributionId, nodes, node, node.workspace, node.id);
  }

  getTreeItem(node: FailoverTreeNode): vscode.TreeItem {
    if (node.kind === 'workspace') return this.workspaceItem(node);
    if (node.kind === 'notice') return noticeItem(node);
    const item = node.node.item;
    item.id = node.id;
    // `new TreeItem(label)` is already None: a node with children opens unless it asked to start Expanded.
    if (node.node.children) {
      if (item.collapsibleState !== vscode.TreeItemCollapsibleState.Expanded) item.collapsibleState = vscode.TreeItemCollapsibleState.Collapsed;
    } else {
      item.collapsibleState = vscode.TreeItemCollapsibleState.None;
    }
    return item;
  }

  /** Workspace tooltips are built on hover, so a new latency or reason never needs a refresh of the row. */
  resolveTreeItem(item: vscode.TreeItem, node: FailoverTreeNode): vscode.TreeItem {
    if (node.kind === 'workspace') item.tooltip = this.workspaceTooltip(node, this.verdicts(node));
    return item;
  }

  getParent(node: FailoverTreeNode): FailoverTreeNode | undefined {
    return node.kind === 'contributed' ? node.parent : undefined;
  }

  private async rootChildren(token: vscode.CancellationToken): Promise<FailoverTreeNode[]> {
    const snapshot = this.project.snapshot;
    const context = treeContext(snapshot);
    // Without a valid pair the tree is empty so the view shows its welcome content (package.json viewsWelcome).
    if (!context) return [];
    if (this.workspaceNodes?.snapshot !== snapshot) {
      this.workspaceNodes = { snapshot, nodes: new Map(ROLES.map((role) => [role, workspaceNodeFor(context, role)])) };
    }
    const out: FailoverTreeNode[] = [...this.workspaceNodes.nodes.values()];
    out.push(...configNotices(snapshot));
    for (const { contribution } of this.contributions) {
      if (!contribution.rootNodes) continue;
      const nodes = this.wrap(contribution.id, await this.ask(contribution, () => contribution.rootNodes?.(context, token)), undefined, undefined, 'root');
      this.rootIds.set(contribution.id, nodes.map((n) => n.id));
      out.push(...nodes);
    }
    return out;
  }

  private verdicts(node: WorkspaceTreeNode): Verdict[] {
    return this.contributions
      .map(({ contribution }) => {
        try {
          return contribution.workspaceVerdict?.(node);
        } catch (err) {
          this.logger.error(`Tree contribution "${contribution.id}" failed to give a verdict: ${errorMessage(err)}`);
          return undefined;
        }
      })
      .filter((v): v is Verdict => v !== undefined);
  }

  private workspaceItem(node: WorkspaceTreeNode): vscode.TreeItem {
    const { workspace: ws, role, active } = node;
    const verdicts = this.verdicts(node);
    const worst = verdicts.reduce<Verdict | undefined>((w, v) => (!w || SEVERITY_RANK[v.severity] > SEVERITY_RANK[w.severity] ? v : w), undefined);
    const hasChildren = this.contributions.some((c) => c.contribution.workspaceChildren);
    const item = new vscode.TreeItem(ROLE_TITLE[role], hasChildren ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = `workspace:${role}`;
    // The verdict first: the side bar's default width cuts the end of the description off.
    item.description = [...verdicts.map((v) => v.label), active ? 'active' : undefined, ws.region, ws.workspace_name].filter(Boolean).join(' · ');
    item.iconPath = worst ? (worst.icon ?? VERDICT_ICON[worst.severity]) : new vscode.ThemeIcon(active ? 'cloud' : 'circle-large-outline');
    item.contextValue = [WORKSPACE_CONTEXT.workspace, WORKSPACE_CONTEXT[role], ...(active ? [WORKSPACE_CONTEXT.active] : [])].join(' ');
    item.accessibilityInformation = { label: `${ROLE_TITLE[role]} workspace ${ws.workspace_name} in ${ws.region}${active ? ', active' : ''}${verdicts.length ? `: ${verdicts.map((v) => v.label).join(', ')}` : ''}` };
    return item;
  }

  private workspaceTooltip(node: WorkspaceTreeNode, verdicts: Verdict[]): vscode.MarkdownString {
    const { workspace: ws, role, active } = node;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${ROLE_TITLE[role]} workspace**${active ? ' — active' : ''}\n\n`);
    md.appendMarkdown(`| | |\n|---|---|\n`);
    md.appendMarkdown(`| Workspace | ${cell(ws.workspace_name)} |\n| Region | ${cell(ws.region)} |\n`);
    md.appendMarkdown(`| Resource group | ${cell(ws.resource_group)} |\n| Subscription | ${cell(ws.subscription_id)} |\n`);
    const workload = Object.entries(node.context.pair.availability).map(([k, v]) => `${k}: ${v}`).join(', ');
    if (workload) md.appendMarkdown(`| Availability | ${cell(workload)} |\n`);
    for (const v of verdicts) if (v.detail) md.appendMarkdown(`\n${v.detail}\n`);
    if (!active) md.appendMarkdown(`\n_Use "Switch to this workspace" to make it active._`);
    return md;
  }

  private async ask(contribution: TreeContribution, call: () => vscode.ProviderResult<ContributedNode[]>): Promise<ContributedNode[]> {
    try {
      return (await call()) ?? [];
    } catch (err) {
      this.logger.error(`Tree contribution "${contribution.id}" failed: ${errorMessage(err)}`);
      return [];
    }
  }

  private wrap(
    contributionId: string,
    nodes: ContributedNode[],
    parent: FailoverTreeNode | undefined,
    workspace: WorkspaceTreeNode | undefined,
    parentId: string,
  ): ContributedTreeNode[] {
    const used = new Set<string>();
    return nodes.map((node) => {
      const label = typeof node.item.label === 'string' ? node.item.label : (node.item.label?.label ?? '');
      let id = node.item.id ?? `${parentId}/${contributionId}:${label}`;
      for (let n = 2; used.has(id); n++) id = `${node.item.id ?? `${parentId}/${contributionId}:${label}`}#${n}`;
      used.add(id);
      const known = this.contributed.get(id);
      if (known && known.parent === parent && known.contributionId === contributionId) {
        known.node = node;
        known.workspace = workspace;
        return known;
      }
      const wrapped: ContributedTreeNode = { kind: 'contributed', contributionId, node, parent, workspace, id };
      this.contributed.set(id, wrapped);
      return wrapped;
    });
  }

  dispose(): void {
    for (const { subscription } of this.contributions.splice(0)) subscription?.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function treeContext(snapshot: ProjectSnapshot): TreeContext | undefined {
  if (snapshot.pair.state !== 'valid' || !snapshot.projectDir || !snapshot.active) return undefined;
  return { projectDir: snapshot.projectDir, pair: snapshot.pair.config, active: snapshot.active };
}

function workspaceNodeFor(context: TreeContext, role: Role): WorkspaceTreeNode {
  return { kind: 'workspace', role, workspace: context.pair.workspaces[role], active: context.active.role === role, context };
}

/** Root notices: no usable workspace selected, and config files that shadow or contradict the switched one. */
function configNotices(snapshot: ProjectSnapshot): NoticeTreeNode[] {
  const notices: NoticeTreeNode[] = [];
  const active = snapshot.active;
  if (active?.state === 'none') {
    notices.push({ kind: 'notice', id: 'notice:active', label: 'No workspace selected', detail: 'The Azure ML SDK finds no config.json from the project folder. Switch to the primary or the secondary to write .azureml/config.json.' });
  } else if (active?.state === 'invalid' && active.hit) {
    notices.push({ kind: 'notice', id: 'notice:active', label: `${projectRelative(snapshot, active.hit.file)} is not usable`, detail: `${active.error ?? 'invalid'}. Fix it, or delete it and switch.`, file: active.hit.file });
  } else if (active?.state === 'other' && active.hit && active.workspace) {
    notices.push({ kind: 'notice', id: 'notice:active', label: `Active: ${printable(active.workspace.workspace_name)} (not in the pair)`, detail: `${projectRelative(snapshot, active.hit.file)} names ${describeWorkspace(active.workspace)}, which is neither the primary nor the secondary.`, file: active.hit.file });
  }
  if (snapshot.warnings.length) {
    notices.push({
      kind: 'notice',
      id: 'notice:warnings',
      label: `Config warnings (${snapshot.warnings.length})`,
      detail: 'Other workspace config files in the project that code could read instead of the switched one.',
      children: snapshot.warnings.map((w, i) => ({ kind: 'notice', id: `notice:warning:${i}:${w.file}`, label: projectRelative(snapshot, w.file), description: warningSummary(w), detail: w.message, file: w.file })),
    });
  }
  return notices;
}

function warningSummary(w: ConfigWarning): string {
  if (w.kind === 'shadowing') return `shadows .azureml/config.json${w.workspace ? ` · ${printable(w.workspace.workspace_name)}` : ''}`;
  if (w.kind === 'stale') return `names ${w.workspace ? printable(w.workspace.workspace_name) : 'another workspace'}`;
  return 'not a usable config';
}

function noticeItem(node: NoticeTreeNode): vscode.TreeItem {
  const item = new vscode.TreeItem(node.label, node.children?.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  item.tooltip = node.detail;
  item.description = node.description;
  item.iconPath = new vscode.ThemeIcon(node.children || node.id === 'notice:active' ? 'warning' : 'file', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  item.contextValue = node.file ? 'notice file' : 'notice';
  if (node.file) {
    const uri = vscode.Uri.file(node.file);
    item.resourceUri = uri;
    item.command = { command: 'vscode.open', title: 'Open', arguments: [uri] };
  }
  return item;
}

function cell(text: string): string {
  return text.replace(/[|\\`*_[\]<>]/g, (c) => `\\${c}`);
}
