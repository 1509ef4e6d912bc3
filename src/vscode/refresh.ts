import * as vscode from 'vscode';
import { errorMessage } from '../common/errors';
import type { Logger } from '../common/logger';
import type { Role } from '../pair/pairFile';

/** A write the product made that changes what a workspace holds or which one is active. */
export interface ProductWrite {
  kind: 'replicate' | 'switch' | 'restore';
  /** The workspaces whose contents or role changed. */
  roles: readonly Role[];
}

/**
 * The one refresh (view title, palette, status bar): every capability adds what it re-reads, and the command runs
 * them all. Capabilities that write (replicate, switch) tell {@link didWrite} so the views re-read on their own.
 */
export class Refresher implements vscode.Disposable {
  private readonly participants = new Map<string, () => Promise<unknown>>();
  private readonly wrote = new vscode.EventEmitter<ProductWrite>();
  readonly onDidWrite = this.wrote.event;

  constructor(private readonly logger: Logger) {}

  /** `refresh` runs on every Refresh; a failure is logged and does not stop the others. */
  add(name: string, refresh: () => Promise<unknown>): vscode.Disposable {
    this.participants.set(name, refresh);
    return { dispose: () => this.participants.delete(name) };
  }

  async refreshAll(): Promise<void> {
    await Promise.all(
      [...this.participants].map(async ([name, refresh]) => {
        try {
          await refresh();
        } catch (err) {
          this.logger.warn(`refresh: ${name} failed: ${errorMessage(err)}`);
        }
      }),
    );
  }

  didWrite(write: ProductWrite): void {
    this.logger.debug(`refresh: after ${write.kind} (${write.roles.join(', ')})`);
    this.wrote.fire(write);
  }

  dispose(): void {
    this.participants.clear();
    this.wrote.dispose();
  }
}
