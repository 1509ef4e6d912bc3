import * as vscode from 'vscode';
import type { Logger } from '../common/logger';
import type { FailoverProject } from '../vscode/project';
import type { Refresher } from '../vscode/refresh';
import { FailoverTree, TREE_VIEW_ID } from './failoverTree';

/**
 * Creates the Failover tree view; the returned tree is the contribution API other capabilities receive.
 * Also keeps the context key `amlFailover.pairState` (noFolder | missing | invalid | valid) that picks the welcome,
 * and registers the one `amlFailover.refresh` (view title, palette, status bar): the project, health, inventory,
 * Drift and whatever else added itself to `deps.refresh`, with the view's progress bar while it runs.
 */
export function registerFailoverView(context: vscode.ExtensionContext, deps: { project: FailoverProject; logger: Logger; refresh: Refresher }): FailoverTree {
  const tree = new FailoverTree(deps.project, deps.logger);
  const setState = () => {
    const snapshot = deps.project.snapshot;
    void vscode.commands.executeCommand('setContext', 'amlFailover.pairState', snapshot.pair.state);
    void vscode.commands.executeCommand('setContext', 'amlFailover.activeRole', snapshot.active?.role ?? snapshot.active?.state ?? '');
  };
  context.subscriptions.push(
    tree,
    deps.project.onDidChange(setState),
    deps.refresh.add('project', () => deps.project.refresh()),
    vscode.commands.registerCommand('amlFailover.refresh', () => vscode.window.withProgress({ location: { viewId: TREE_VIEW_ID } }, () => deps.refresh.refreshAll())),
  );
  return tree;
}
