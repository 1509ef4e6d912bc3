import * as vscode from 'vscode';
import { createLog, loggerFor, showError } from './vscode/log';
import { FailoverProject } from './vscode/project';
import { Refresher } from './vscode/refresh';
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
import { registerRestore } from './restore/vscode';
import { registerBackup } from './backup/vscode';
import { createCloudTrust, registerCloudTrust } from './azure/vscode';
import { createSignIn, registerSignIn } from './azure/vscodeSignIn';
import { registerReadiness } from './readiness/vscode';
import { registerFailover } from './failover/vscode';

/**
 * What activate() returns (`vscode.extensions.getExtension(id).exports`): read-only views of live state, for
 * integration tests and other extensions. Nothing here changes state; commands do that.
 */
export interface AmlFailoverApi {
  project: FailoverProject;
  /** The Failover tree's data provider (getChildren / getTreeItem give exactly what the view shows). */
  tree: FailoverTree;
  /** The status bar's texts (one item per region, and the foundation's item for a config problem), or undefined while none shows. */
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
    const refresh = new Refresher(logger);
    context.subscriptions.push(refresh);
    const tree = registerFailoverView(context, { project, logger, refresh });
    const cloudTrust = createCloudTrust(context, logger);
    const credentials = createSignIn(context, logger, cloudTrust);
    const deps: ExtensionDeps = { log, logger, project, tree, refresh, cloudTrust, credentials };
    // register<Capability>(context, deps) calls go here, one per capability folder.
    registerCloudTrust(context, deps);
    const signInBar = registerSignIn(context, deps, credentials);
    registerSwitch(context, deps);
    registerCreateConfig(context, deps);
    registerPairDiagnostics(context, deps);
    const regions = registerHealth(context, deps);
    registerLint(context, deps);
    registerSandbox(context, deps);
    registerExport(context, deps);
    registerBackup(context, deps);
    registerReadiness(context, deps, regions);
    registerFailover(context, deps);
    registerRestore(context, deps);
    const statusBar = registerStatusBar(context, deps);
    void project.refresh().then(
      () => logger.info('AML Failover activated.'),
      (err) => showError(log, 'AML Failover could not read the project; see the log for details.', err),
    );
    const statusBarText = () => [signInBar.statusBarText(), statusBar.text(), regions.statusBarText()].filter(Boolean).join(' ') || undefined;
    return { project, tree, statusBarText };
  } catch (err) {
    void showError(log, 'AML Failover could not start; see the log for details.', err);
    throw err;
  }
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
