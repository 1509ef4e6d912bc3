import * as vscode from 'vscode';
import type { Logger } from '../common/logger';
import type { FailoverProject } from '../vscode/project';
import { FailoverTree } from './failoverTree';

/**
 * Creates the Failover tree view; the returned tree is the contribution API other capabilities receive.
 * Also keeps the context key `amlFailover.pairState` (noFolder | missing | invalid | valid) that picks the welcome.
 */
export function registerFailoverView(context: vscode.ExtensionContext, deps: { project: FailoverProject; logger: Logger }): FailoverTree {
  const tree = new FailoverTree(deps.project, deps.logger);
  const setState = () => {
    const snapshot = deps.project.snapshot;
    void vscode.commands.executeCommand('setContext', 'amlFailover.pairState', snapshot.pair.state);
    void vscode.commands.executeCommand('setContext', 'amlFailover.activeRole', snapshot.active?.role ?? snapshot.active?.state ?? '');
  };
  context.subscriptions.push(tree, deps.project.onDidChange(setState));
  return tree;
}
