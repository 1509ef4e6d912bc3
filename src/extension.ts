import * as vscode from 'vscode';
import { createLog, loggerFor, showError } from './vscode/log';

/** Only wires: each capability's register function returns its disposables. */
export function activate(context: vscode.ExtensionContext): void {
  const log = createLog();
  context.subscriptions.push(log);
  const logger = loggerFor(log);
  try {
    logger.info('AML Failover activated.');
    // register<Capability>(context, deps) calls go here, one per capability folder.
  } catch (err) {
    void showError(log, 'AML Failover could not start; see the log for details.', err);
    throw err;
  }
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
