import * as vscode from 'vscode';
import { createLog, loggerFor, showError } from './vscode/log';
import { FailoverProject } from './vscode/project';
import type { ExtensionDeps } from './vscode/deps';
import { registerFailoverView } from './view/register';

/** Only wires: each capability's register function returns its disposables. */
export function activate(context: vscode.ExtensionContext): void {
  const log = createLog();
  context.subscriptions.push(log);
  const logger = loggerFor(log);
  try {
    const project = new FailoverProject(logger);
    context.subscriptions.push(project);
    const tree = registerFailoverView(context, { project, logger });
    const deps: ExtensionDeps = { log, logger, project, tree };
    // register<Capability>(context, deps) calls go here, one per capability folder.
    void deps;
    void project.refresh().then(() => logger.info('AML Failover activated.'));
  } catch (err) {
    void showError(log, 'AML Failover could not start; see the log for details.', err);
    throw err;
  }
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
