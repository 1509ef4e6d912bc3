import * as vscode from 'vscode';
import { createLog, loggerFor, showError } from './vscode/log';
import { FailoverProject } from './vscode/project';
import type { ExtensionDeps } from './vscode/deps';
import { registerFailoverView } from './view/register';
import type { FailoverTree } from './view/failoverTree';
import { registerSwitch } from './switch/vscode';
import { registerPairDiagnostics } from './pair/vscode';
import { registerCreateConfig } from './pair/createConfig';
import { registerStatusBar } from './vscode/statusBar';
import { registerHealth } from './health/vscode/register';
import { registerLint } from './lint/vscode';
import { registerSandbox } from './sandbox/vscode';
import { registerExport } from './export/vscode';
import { createCloudTrust, registerCloudTrust } from './azure/vscode';

/**
 * What activate() returns (`vscode.extensions.getExtension(id).exports`): read-only views of live state, for
 * integration tests and other extensions. Nothing here changes state; commands do that.
 */
export interface AmlFailoverApi {
  project: FailoverProject;
  /** The Failover tree's data provider (getChildren / getTreeItem give exactly what the view shows). */
  tree: FailoverTree;
  /** The active-workspace status-bar item's text, or undefined while hidden. */
  statusBarText(): string | undefined;
}

/** Only wires: each capability's register function returns its disposables. */
export function activate(context: vscode.ExtensionContext): AmlFailoverApi {
  const log = createLog();
  context.subscriptions.push(log);
  const logger = loggerFor(log);
  try {
    const project = new FailoverProject(logger);
    context.subscriptions.push(project);
    const tree = registerFailoverView(context, { project, logger });
    const cloudTrust = createCloudTrust(context, logger);
    const deps: ExtensionDeps = { log, logger, project, tree, cloudTrust };
    // register<Capability>(context, deps) calls go here, one per capability folder.
    registerCloudTrust(context, deps);
    registerSwitch(context, deps);
    registerCreateConfig(context, deps);
    registerPairDiagnostics(context, deps);
    registerHealth(context, deps);
    registerLint(context, deps);
    registerSandbox(context, deps);
    registerExport(context, deps);
    const statusBar = registerStatusBar(context, deps);
    void project.refresh().then(
      () => logger.info('AML Failover activated.'),
      (err) => showError(log, 'AML Failover could not read the project; see the log for details.', err),
    );
    return { project, tree, statusBarText: statusBar.text };
  } catch (err) {
    void showError(log, 'AML Failover could not start; see the log for details.', err);
    throw err;
  }
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
