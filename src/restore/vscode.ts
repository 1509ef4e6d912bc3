// The VS Code side of restore: "Restore from Backup…" on a workspace node (or the palette). Pick the backup (the
// project's own export folders and snapshots are offered first, choices.ts; or browse for a folder),
// read the plan (decided against the workspace, nothing written), confirm, then the restore runs under a cancellable
// progress notification; the workspace's nodes re-read what it now holds (Refresher.didWrite). The work is the core
// (restoreBackup); this file only adapts.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { connect } from '../azure/connection';
import { errorMessage } from '../common/errors';
import { pickRole } from '../export/vscode';
import { DEFAULT_EXPORT_FOLDER } from '../export/exportFolder';
import type { PairConfig, Role } from '../pair/pairFile';
import type { ExtensionDeps } from '../vscode/deps';
import { showError } from '../vscode/log';
import { whenTrusted } from '../vscode/workspaceTrust';
import { isWorkspaceNode } from '../view/contributions';
import { findBackups } from './choices';
import { summarizeRestore, type ReportEntry } from './plan';
import { resubmitSection } from '../pair/resubmitSection';
import { restoreBackup, type OnConflict, type RestoreOutcome } from './restore';

/** What the command may be given besides a workspace node (tests, keybindings): the folder, and an answer to the confirmation. */
interface RestoreCommandOptions {
  role?: Role;
  backupDir?: string;
  onConflict?: OnConflict;
  /** The plan was confirmed elsewhere: do not ask. */
  confirmed?: boolean;
}

export function registerRestore(context: vscode.ExtensionContext, deps: ExtensionDeps): void {
  /** From a node `(node)`, or with options `(options)` or `(node, options)`; a menu passes its selection second (an array, ignored). */
  const run = async (arg?: unknown, more?: unknown): Promise<RestoreOutcome | undefined> => {
    const extra = more && typeof more === 'object' && !Array.isArray(more) ? (more as RestoreCommandOptions) : {};
    const options: RestoreCommandOptions = isWorkspaceNode(arg) ? { ...extra, role: arg.role } : { ...((arg as RestoreCommandOptions | undefined) ?? {}), ...extra };
    const snap = deps.project.snapshot;
    if (snap.pair.state !== 'valid' || !snap.projectDir) {
      void vscode.window.showWarningMessage('Restore needs a valid aml-failover.yaml in the open folder.');
      return undefined;
    }
    const pair = snap.pair.config;
    const role = options.role ?? (await pickRole('Restore into which workspace?'));
    if (!role) return undefined;
    const backupDir = options.backupDir ?? (await pickBackup(snap.projectDir, pair, role));
    if (!backupDir) return undefined;
    const target = pair.workspaces[role].workspace_name;
    const restore = (plan: boolean, signal: AbortSignal, progress?: vscode.Progress<{ message?: string; increment?: number }>) =>
      connect(pair.cloud, { logger: deps.logger, trust: deps.cloudTrust, credentials: deps.credentials }).then((conn) =>
        restoreBackup(
          {
            backupDir,
            target: pair.workspaces[role],
            computeMap: resubmitSection(pair).compute,
            onConflict: options.onConflict,
            plan,
            signal,
            logger: deps.logger,
            onProgress: progress && ((p) => progress.report({ increment: 100 / Math.max(1, p.total), message: `${p.done}/${p.total} files` })),
          },
          { conn },
        ),
      );
    try {
      const plan = await withCancel(`Checking the backup against the ${role} workspace ${target}`, (signal) => restore(true, signal));
      if (plan.cancelled) return undefined;
      if (!plan.report.created.length) {
        void vscode.window.showInformationMessage(`Nothing to restore into ${target}: ${summarizeRestore(plan.report, { plan: true, cancelled: false, target })[0].replace(/^[^:]*:\s*/, '')}`);
        return plan;
      }
      if (!options.confirmed && !(await confirm(plan, role, target))) return undefined;
      const result = await withCancel(`Restoring into the ${role} workspace ${target}`, (signal, progress) => restore(false, signal, progress));
      if (result.report.created.length) deps.refresh.didWrite({ kind: 'restore', roles: [role] });
      void showResult(result, target);
      return result;
    } catch (err) {
      void showError(deps.log, `Restore into the ${role} workspace failed: ${errorMessage(err)}`, err);
      return undefined;
    }
  };

  const showResult = async (result: RestoreOutcome, target: string) => {
    const lines = summarizeRestore(result.report, { plan: false, cancelled: result.cancelled, target });
    for (const line of lines) (/^ {2}(conflict|failed)/.test(line) ? deps.logger.warn : deps.logger.info)(line.trim());
    const problems = result.report.conflicts.length + result.report.failed.length;
    const show = result.cancelled || problems ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    const choice = await show(`${lines[0]}${problems ? ' Conflicts are never overwritten; see the log.' : ''}`, 'Show Log');
    if (choice === 'Show Log') deps.log.show(true);
  };

  context.subscriptions.push(vscode.commands.registerCommand('amlFailover.restoreBackup', whenTrusted('Restore', run)));
}

/** Runs `work` under a cancellable notification; the token becomes the AbortSignal every call gets. */
function withCancel<T>(title: string, work: (signal: AbortSignal, progress: vscode.Progress<{ message?: string; increment?: number }>) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const abort = new AbortController();
    const sub = token.onCancellationRequested(() => abort.abort(new Error('Cancelled by the user.')));
    try {
      return await work(abort.signal, progress);
    } finally {
      sub.dispose();
    }
  });
}

/** The project's own backups first (newest first), then "Browse…" for any other folder holding manifest.json. */
async function pickBackup(projectDir: string, pair: PairConfig, role: Role): Promise<string | undefined> {
  const found = await findBackups(projectDir, pair);
  if (found.length) {
    const browse: vscode.QuickPickItem = { label: '$(folder-opened) Browse…', description: 'another folder holding manifest.json' };
    const items: (vscode.QuickPickItem & { dir?: string })[] = [...found.map((c) => ({ label: c.label, description: c.description, dir: c.dir })), browse];
    const chosen = await vscode.window.showQuickPick(items, { title: `Restore into the ${role} workspace from which backup?`, matchOnDescription: true });
    if (!chosen) return undefined;
    if (chosen.dir) return chosen.dir;
  }
  const picked = await vscode.window.showOpenDialog({
    title: `Restore into the ${role} workspace from which backup? (a folder holding manifest.json)`,
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    openLabel: 'Restore from This Backup',
    defaultUri: vscode.Uri.file(path.join(projectDir, DEFAULT_EXPORT_FOLDER)),
  });
  return picked?.[0]?.fsPath;
}

/** The plan, shown before anything is written: what will be created, what is there already, what conflicts. */
async function confirm(plan: RestoreOutcome, role: Role, target: string): Promise<boolean> {
  const r = plan.report;
  const name = (e: ReportEntry) => (e.name ? `${e.kind} ${e.name}:${e.version} — ${e.path}` : e.path);
  const shown = r.created.slice(0, 25).map(name);
  if (r.created.length > shown.length) shown.push(`… and ${r.created.length - shown.length} more`);
  const extra = [
    r.unchanged.length ? `${r.unchanged.length} already there (left alone).` : '',
    r.conflicts.length ? `${r.conflicts.length} conflict(s) — there with other content, never overwritten: ${r.conflicts.slice(0, 5).map((e) => e.path).join(', ')}${r.conflicts.length > 5 ? ', …' : ''}.` : '',
    r.failed.length ? `${r.failed.length} cannot be restored (see the log after).` : '',
  ].filter(Boolean);
  const go = `Restore ${r.created.length} File${r.created.length === 1 ? '' : 's'}`;
  const choice = await vscode.window.showWarningMessage(
    `Restore ${r.created.length} file${r.created.length === 1 ? '' : 's'} into the ${role} workspace ${target}?`,
    { modal: true, detail: `${shown.join('\n')}${extra.length ? `\n\n${extra.join('\n')}` : ''}` },
    go,
  );
  return choice === go;
}
