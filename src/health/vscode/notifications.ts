import * as vscode from 'vscode';
import type { Logger } from '../../common/logger';
import type { Role } from '../../pair/pairFile';
import { getSetting } from '../../vscode/settings';
import { adviceFor, type Advice } from '../advice';
import type { HealthService } from './healthService';

/** A notification as shown: its text and buttons (kept for the log and for tests of the offer). */
export interface ShownNotification {
  advice: Advice;
  message: string;
  actions: string[];
  at: number;
}

/**
 * Tells the user when the active workspace goes down (offering the other one through the foundation's
 * `amlFailover.switchTo`) and when a workspace recovers (offering to switch back).
 */
export class HealthNotifier implements vscode.Disposable {
  private readonly subscription: vscode.Disposable;
  readonly shown: ShownNotification[] = [];
  private readonly shownEmitter = new vscode.EventEmitter<ShownNotification>();
  readonly onDidShow = this.shownEmitter.event;

  constructor(
    health: HealthService,
    private readonly logger: Logger,
  ) {
    this.subscription = health.onDidChange((change) => {
      if (!change || !getSetting('health.notifications')) return;
      const otherRole: Role = change.role === 'primary' ? 'secondary' : 'primary';
      const advice = adviceFor(change, health.activeRole, health.state(otherRole));
      if (advice) void this.show(advice);
    });
  }

  private async show(advice: Advice): Promise<void> {
    let actions: string[];
    let run: (choice: string) => Thenable<unknown> | undefined;
    switch (advice.kind) {
      case 'offerSwitch': {
        // The runbook (src/failover) beside the plain switch of the config file.
        actions = ['Fail Over…', 'Switch only', 'Run Diagnostics', 'Show Log'];
        run = (choice) =>
          choice === 'Fail Over…' ? vscode.commands.executeCommand('amlFailover.failover', advice.to)
          : choice === 'Switch only' ? vscode.commands.executeCommand('amlFailover.switchTo', advice.to)
          : choice === 'Run Diagnostics' ? vscode.commands.executeCommand('amlFailover.runDiagnostics', advice.from)
          : choice === 'Show Log' ? vscode.commands.executeCommand('amlFailover.showLog')
          : undefined;
        break;
      }
      case 'offerSwitchBack': {
        const target = `Switch back to ${advice.to}`;
        // The whole way back (src/failover/failback.ts) beside the plain switch.
        const failback = `Fail Back to ${advice.to === 'primary' ? 'Primary' : 'Secondary'}…`;
        actions = [failback, target];
        run = (choice) =>
          choice === failback ? vscode.commands.executeCommand('amlFailover.failback', advice.to)
          : choice === target ? vscode.commands.executeCommand('amlFailover.switchTo', advice.to)
          : undefined;
        break;
      }
      case 'bothDown':
        actions = ['Show Log'];
        run = (choice) => (choice === 'Show Log' ? vscode.commands.executeCommand('amlFailover.showLog') : undefined);
        break;
      case 'recovered':
        actions = [];
        run = () => undefined;
        break;
    }
    const shown: ShownNotification = { advice, message: advice.message, actions, at: Date.now() };
    this.shown.push(shown);
    if (this.shown.length > 20) this.shown.shift();
    this.logger.info(`health: notified "${advice.message}"${actions.length ? ` [${actions.join(' | ')}]` : ''}`);
    this.shownEmitter.fire(shown);
    const show = advice.kind === 'offerSwitch' || advice.kind === 'bothDown' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    const choice = await show(advice.message, ...actions);
    if (choice) await run(choice);
  }

  dispose(): void {
    this.subscription.dispose();
    this.shownEmitter.dispose();
  }
}
