import * as vscode from 'vscode';
import type { Logger } from '../common/logger';

/** The extension's one log channel, as the core's Logger. */
export function createLog(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel('AML Failover', { log: true });
}

export function loggerFor(channel: vscode.LogOutputChannel): Logger {
  return {
    trace: (m) => channel.trace(m),
    debug: (m) => channel.debug(m),
    info: (m) => channel.info(m),
    warn: (m) => channel.warn(m),
    error: (m) => channel.error(m),
  };
}

/** One sentence of what failed and what to do, with a way to the details. */
export async function showError(channel: vscode.LogOutputChannel, message: string, err?: unknown): Promise<void> {
  if (err !== undefined) channel.error(err instanceof Error ? err : String(err));
  const choice = await vscode.window.showErrorMessage(message, 'Show Log');
  if (choice === 'Show Log') channel.show(true);
}
