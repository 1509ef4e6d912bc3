import type * as vscode from 'vscode';
import type { PairConfig, Role, WorkspaceRef } from '../pair/pairFile';
import type { ActiveWorkspace } from '../switch/active';

/**
 * How other capabilities add to the Failover tree without editing it (see src/view/README.md).
 * A contribution is registered once with `tree.addContribution(c)` and may supply any of the hooks.
 */
export interface TreeContribution {
  /** Stable id, e.g. `health`; used in node ids and logs. */
  readonly id: string;
  /** Children under the Primary / Secondary node, after those of earlier contributions. */
  workspaceChildren?(workspace: WorkspaceTreeNode, token: vscode.CancellationToken): vscode.ProviderResult<ContributedNode[]>;
  /** A verdict shown on the Primary / Secondary node (icon, description suffix, tooltip line). */
  workspaceVerdict?(workspace: WorkspaceTreeNode): Verdict | undefined;
  /** Nodes at the root, below Primary and Secondary (e.g. Drift). */
  rootNodes?(context: TreeContext, token: vscode.CancellationToken): vscode.ProviderResult<ContributedNode[]>;
  /**
   * Fire to have the tree ask again. With a {@link TreeChange} only what it names is re-read (menus opened on other
   * rows keep working); without one the whole tree is. Items keep their expansion state by id either way.
   */
  readonly onDidChange?: vscode.Event<TreeChange | void>;
  /** Sorts contributions against each other (lower first; default 100). */
  readonly order?: number;
}

/** What changed, so the tree re-reads only that (see {@link TreeContribution.onDidChange}). */
export interface TreeChange {
  /** The Primary / Secondary nodes of these roles: their verdict, description and children. */
  workspaces?: readonly Role[];
  /** This contribution's root nodes (and their children). */
  rootNodes?: boolean;
}

/** What the tree knows when it asks contributions for nodes. */
export interface TreeContext {
  /** Absolute path of the project folder (the one holding aml-failover.yaml). */
  projectDir: string;
  pair: PairConfig;
  active: ActiveWorkspace;
}

/** A node a contribution adds. Build the TreeItem as you like; the tree fills in what you leave out. */
export interface ContributedNode {
  /**
   * The item to show. Set `contextValue` so your menus can target it; `id` is derived from the path of the node
   * when you leave it unset (give one when labels are not unique among siblings).
   * A node with `children` is Collapsed unless you make it Expanded (a `new TreeItem(label)` is already `None`, so
   * the tree cannot tell "unset" from "None"); a node without `children` is a leaf.
   */
  item: vscode.TreeItem;
  /** Lazily asked when the user expands the node. */
  children?(token: vscode.CancellationToken): vscode.ProviderResult<ContributedNode[]>;
  /** Anything your commands need later; handed back in {@link ContributedTreeNode.node}. */
  data?: unknown;
}

/** The Primary or Secondary node, as handed to contributions and to commands run on it. */
export interface WorkspaceTreeNode {
  readonly kind: 'workspace';
  readonly role: Role;
  readonly workspace: WorkspaceRef;
  /** True when the SDK would use this workspace from the project root. */
  readonly active: boolean;
  readonly context: TreeContext;
}

/** A contributed node, as handed to commands run on it (the `arg` of a `view/item/context` command). */
export interface ContributedTreeNode {
  readonly kind: 'contributed';
  readonly contributionId: string;
  readonly node: ContributedNode;
  /** The Primary / Secondary node this one sits under, if any (undefined for root nodes and their children). */
  readonly workspace?: WorkspaceTreeNode;
  readonly parent?: FailoverTreeNode;
  /** Stable id of this node in the tree. */
  readonly id: string;
}

/** A root-level notice the tree shows itself (config files that shadow the switched one, and the like). */
export interface NoticeTreeNode {
  readonly kind: 'notice';
  readonly id: string;
  readonly label: string;
  readonly description?: string;
  readonly detail?: string;
  readonly file?: string;
  readonly children?: NoticeTreeNode[];
}

export type FailoverTreeNode = WorkspaceTreeNode | ContributedTreeNode | NoticeTreeNode;

/** A judgement shown on a workspace node, e.g. health. `severity` picks the default icon and colour. */
export interface Verdict {
  severity: 'ok' | 'warning' | 'error' | 'unknown' | 'busy';
  /** Short text appended to the node's description, e.g. `healthy` or `unreachable`. */
  label: string;
  /** A line added to the tooltip (Markdown). */
  detail?: string;
  /** Overrides the icon picked from `severity`. */
  icon?: vscode.ThemeIcon;
}

/** What `tree.addContribution` returns: dispose to remove it, refresh to have the tree ask again (expansion is kept). */
export interface ContributionHandle extends vscode.Disposable {
  refresh(change?: TreeChange): void;
}

/** The tree as other capabilities see it (passed to their register functions from activate). */
export interface FailoverTreeApi {
  addContribution(contribution: TreeContribution): ContributionHandle;
  /** The view, for reveal(), selection and visibility events. */
  readonly view: vscode.TreeView<FailoverTreeNode>;
}

/** `contextValue` words of workspace nodes; test them with `viewItem =~ /\bprimary\b/` in `when` clauses. */
export const WORKSPACE_CONTEXT = { workspace: 'workspace', active: 'active', primary: 'primary', secondary: 'secondary' } as const;

export function isWorkspaceNode(x: unknown): x is WorkspaceTreeNode {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'workspace';
}

export function isContributedNode(x: unknown): x is ContributedTreeNode {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'contributed';
}
