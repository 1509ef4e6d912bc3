// VS Code adapter: "Start Sandbox Cloud" opens a terminal whose process is `aml-failover sandbox --project <folder>`. The
// sandbox lives in the CLI package, not in the extension; the extension connects through the pair file it writes.
import * as vscode from 'vscode';
import { whenTrusted } from '../vscode/workspaceTrust';
import type { ExtensionDeps } from '../vscode/deps';
import { getSetting } from '../vscode/settings';
import { errorMessage } from '../common/errors';
import { sandboxProcess, type SandboxProcess } from './terminal';

export const START_SANDBOX_COMMAND = 'amlFailover.startSandbox';
const TERMINAL_NAME = 'AML Failover sandbox';

export function registerSandbox(context: vscode.ExtensionContext, deps: Pick<ExtensionDeps, 'logger'>): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(START_SANDBOX_COMMAND, whenTrusted('Starting the sandbox', async (target?: vscode.Uri) => {
      const folder = target ?? (await pickFolder());
      if (!folder) return undefined;
      const existing = vscode.window.terminals.find((t) => t.name === TERMINAL_NAME && (t.creationOptions as vscode.TerminalOptions).cwd?.toString() === folder.fsPath);
      if (existing && existing.exitStatus === undefined) {
        existing.show();
        return existing;
      }
      let run: SandboxProcess;
      try {
        run = sandboxProcess(getSetting('sandbox.command'), folder.fsPath, process.platform);
      } catch (err) {
        void vscode.window.showErrorMessage(errorMessage(err));
        return undefined;
      }
      deps.logger.info(`Starting the sandbox in a terminal: ${JSON.stringify([run.executable, ...run.args])}`);
      // The terminal runs the CLI itself with separate arguments: no shell reads the folder's name.
      // Ctrl-C (or closing the terminal) stops the sandbox and everything it started.
      const terminal = vscode.window.createTerminal({ name: TERMINAL_NAME, cwd: folder.fsPath, shellPath: run.executable, shellArgs: run.args, iconPath: new vscode.ThemeIcon('cloud') });
      terminal.show();
      return terminal;
    })),
  );
}

async function pickFolder(): Promise<vscode.Uri | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 1) return folders[0].uri;
  if (folders.length > 1) {
    const picked = await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Folder to seed as the sandbox project (its aml-failover.yaml will point at the sandbox)' });
    return picked?.uri;
  }
  const chosen = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Use as sandbox project' });
  return chosen?.[0];
}
