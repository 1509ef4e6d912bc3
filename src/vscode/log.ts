import * as vscode from 'vscode';
import type { Logger } from '../common/logger';
import { scrubError, scrubSecrets } from '../common/secrets';

/** The extension's one log channel, behind the scrubber (src/common/secrets.ts): nothing written to it carries a secret. */
export function createLog(): vscode.LogOutputChannel {
  return scrubbingChannel(vscode.window.createOutputChannel('AML Failover', { log: true }));
}

const WRITERS = new Set<PropertyKey>(['trace', 'debug', 'info', 'warn', 'error', 'append', 'appendLine', 'replace']);

function scrubbingChannel(channel: vscode.LogOutputChannel): vscode.LogOutputChannel {
  const scrub = (value: unknown) => (value instanceof Error ? scrubError(value) : typeof value === 'string' ? scrubSecrets(value) : value);
  return new Proxy(channel, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      return WRITERS.has(property) ? (...args: unknown[]) => method.apply(target, args.map(scrub)) : method.bind(target);
    },
  });
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
  const choice = await vscode.window.showErrorMessage(scrubSecrets(message), 'Show Log');
  if (choice === 'Show Log') channel.show(true);
}
