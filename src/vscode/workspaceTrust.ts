// Workspace Trust: in a folder the user has not trusted, the extension runs in a limited mode. The linter still runs
// on the files and shows its warnings (its remote check, which calls the pair file's endpoints, is off); everything
// that sends the user's sign-in to the pair file's endpoints or rewrites files — switching, export, replicate,
// backup, restore, the failover runbook (fail over, drill, resubmit, fail back, clean up), health probes, inventory
// listings, diagnostics, the sandbox — asks for trust first.
import * as vscode from 'vscode';

/** Why a limited feature waits, in the words shown in the view and the tooltip. */
export const RESTRICTED_REASON = 'Restricted Mode: trust this folder to probe and list its workspaces (the pair file names where your Azure sign-in goes).';

/** True when the folder is trusted (and so Azure and rewriting commands may run). */
export function isTrusted(): boolean {
  return vscode.workspace.isTrusted;
}

export const MANAGE_TRUST = 'Manage Workspace Trust';

/**
 * Resolves true when the folder is trusted. When it is not, says what waits for trust and offers VS Code's Workspace
 * Trust editor (requestWorkspaceTrust is a proposed API, not for published extensions); resolves true only if the
 * user trusts the folder there before closing the question, false otherwise (nothing runs).
 */
export async function requireTrust(action: string): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const choice = await vscode.window.showWarningMessage(
    `${action} needs a trusted folder.`,
    {
      modal: true,
      detail: 'aml-failover.yaml comes with the repository and names the Azure endpoints your sign-in is sent to and the files that are rewritten. Trust this folder first; the linter keeps working meanwhile.',
    },
    MANAGE_TRUST,
  );
  if (choice !== MANAGE_TRUST) return false;
  await vscode.commands.executeCommand('workbench.trust.manage');
  return vscode.workspace.isTrusted;
}

/** `handler` behind requireTrust: nothing runs (undefined) unless the folder is or becomes trusted. */
export function whenTrusted<A extends unknown[], R>(action: string, handler: (...args: A) => R): (...args: A) => Promise<R | undefined> {
  return async (...args: A) => ((await requireTrust(action)) ? handler(...args) : undefined);
}

/** Calls `listener` once the user trusts the folder. */
export function onDidGrantTrust(listener: () => void): vscode.Disposable {
  return vscode.workspace.onDidGrantWorkspaceTrust(listener);
}
