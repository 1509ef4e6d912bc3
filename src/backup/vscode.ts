// The VS Code side of backups: each workspace's recovery point on its Failover node (age in the description, a
// warning past amlFailover.backup.maxAgeHours, age/place/verified/changes in the tooltip, a Backup node under it
// that compares with the workspace when expanded) and "Back Up Now" on a workspace node, with progress and cancel.
// The work is the core (backupWorkspace, verifySnapshot, recoveryPoint); this file only adapts.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { connect } from '../azure/connection';
import { errorMessage } from '../common/errors';
import { ROLES, type PairConfig, type Role } from '../pair/pairFile';
import { isWorkspaceNode, type ContributedNode, type TreeChange, type WorkspaceTreeNode } from '../view/contributions';
import type { ExtensionDeps } from '../vscode/deps';
import { showError } from '../vscode/log';
import { getSetting, onDidChangeSetting } from '../vscode/settings';
import { whenTrusted } from '../vscode/workspaceTrust';
import { backupWorkspace, summarizeBackup, type BackupOutcome } from './backup';
import { describeChanges, formatAge, isTooOld, listChangesSince, projectRecoveryPoint, type ChangedSince } from './recoveryPoint';
import type { Snapshot } from './snapshots';
import { verifySnapshot } from './verify';

interface KnownPoint {
  snapshot?: Snapshot;
  /** What changed in the workspace since; listed when the user expands the workspace. */
  changes?: Promise<ChangedSince | null>;
  changed?: ChangedSince | null;
}

const ROLE_TITLE: Record<Role, string> = { primary: 'Primary', secondary: 'Secondary' };

export function registerBackup(context: vscode.ExtensionContext, deps: ExtensionDeps): void {
  const changed = new vscode.EventEmitter<TreeChange | void>();
  const points = new Map<Role, KnownPoint>();
  let generation = 0;

  const pairNow = (): { projectDir: string; pair: PairConfig } | undefined => {
    const snap = deps.project.snapshot;
    return snap.pair.state === 'valid' && snap.projectDir ? { projectDir: snap.projectDir, pair: snap.pair.config } : undefined;
  };

  /** Re-reads both recovery points from disk (cheap: a folder listing and a few small files). */
  const reload = async () => {
    const mine = ++generation;
    const p = pairNow();
    const next = new Map<Role, KnownPoint>();
    if (p) for (const role of ROLES) next.set(role, { snapshot: await projectRecoveryPoint(p.projectDir, p.pair, role) });
    if (mine !== generation) return;
    points.clear();
    for (const [role, point] of next) points.set(role, point);
    changed.fire({ workspaces: [...ROLES] });
  };

  const compareWithWorkspace = (role: Role, point: KnownPoint) => {
    const p = pairNow();
    if (!p || !point.snapshot || point.changes) return;
    const snapshot = point.snapshot;
    point.changes = (async () => {
      try {
        const conn = await connect(p.pair.cloud, { logger: deps.logger, trust: deps.cloudTrust, credentials: deps.credentials });
        return await listChangesSince(conn, p.pair.workspaces[role], snapshot, new AbortController().signal, deps.logger);
      } catch (err) {
        deps.logger.warn(`Could not compare the ${role} workspace with its backup: ${errorMessage(err)}`);
        return null;
      }
    })();
    void point.changes.then((c) => {
      point.changed = c;
      if (points.get(role) === point) changed.fire({ workspaces: [role] });
    });
  };

  const maxAgeHours = () => getSetting('backup.maxAgeHours');

  const handle = deps.tree.addContribution({
    id: 'backup',
    order: 20,
    onDidChange: changed.event,
    workspaceVerdict: (ws) => {
      const point = points.get(ws.role);
      const s = point?.snapshot;
      if (!s) return undefined;
      const now = new Date();
      const old = isTooOld(s.takenAt, now, maxAgeHours());
      return { severity: old ? 'warning' : 'ok', label: `backup ${formatAge(now.getTime() - s.takenAt.getTime())} old`, detail: tooltip(ws, s, point, now, old) };
    },
    workspaceChildren: (ws) => {
      const point = points.get(ws.role);
      const s = point?.snapshot;
      if (!point || !s) return [];
      compareWithWorkspace(ws.role, point);
      return [backupNode(ws, s, point)];
    },
  });

  const backupNode = (ws: WorkspaceTreeNode, s: Snapshot, point: KnownPoint): ContributedNode => {
    const now = new Date();
    const old = isTooOld(s.takenAt, now, maxAgeHours());
    const item = new vscode.TreeItem('Backup');
    item.id = `workspace:${ws.role}/backup`;
    item.description = [`${formatAge(now.getTime() - s.takenAt.getTime())} old`, s.verified ? 'verified' : 'not verified', point.changed === undefined ? 'comparing…' : describeChanges(point.changed)].join(' · ');
    item.tooltip = new vscode.MarkdownString(tooltip(ws, s, point, now, old));
    item.iconPath = new vscode.ThemeIcon(old ? 'warning' : 'archive', old ? new vscode.ThemeColor('problemsWarningIcon.foreground') : undefined);
    item.contextValue = `backup.point ${ws.role}`;
    item.resourceUri = vscode.Uri.file(s.path);
    return { item, data: s };
  };

  const tooltip = (ws: WorkspaceTreeNode, s: Snapshot, point: KnownPoint, now: Date, old: boolean) => {
    const place = path.relative(ws.context.projectDir, s.path);
    const where = place.startsWith('..') || path.isAbsolute(place) ? s.path : place;
    const changes = point.changed === undefined ? 'expand the workspace to compare it with the workspace' : describeChanges(point.changed);
    const warning = old ? `\n\n$(warning) Older than \`amlFailover.backup.maxAgeHours\` (${maxAgeHours()} h): use **Back Up Now**.` : '';
    return `**Backup**: ${formatAge(now.getTime() - s.takenAt.getTime())} old (${s.takenAt.toISOString()}), ${s.verified ? 'verified' : 'not verified'}, in \`${where}\`; ${changes}.${warning}`;
  };

  const backUpNow = async (arg?: unknown): Promise<BackupOutcome | undefined> => {
    const p = pairNow();
    if (!p) {
      void vscode.window.showWarningMessage('Back Up Now needs a valid aml-failover.yaml in the open folder.');
      return undefined;
    }
    const role = isWorkspaceNode(arg) ? arg.role : await pickRole();
    if (!role) return undefined;
    try {
      const outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Backing up the ${role} workspace`, cancellable: true }, async (progress, token) => {
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => abort.abort(new Error('Cancelled by the user.')));
        try {
          let shown = 0;
          const connection = await connect(p.pair.cloud, { logger: deps.logger, trust: deps.cloudTrust, credentials: deps.credentials });
          const result = await backupWorkspace({
            projectDir: p.projectDir,
            from: role,
            signal: abort.signal,
            logger: deps.logger,
            connection,
            onProgress: (x) => {
              const percent = x.bytes > 0 ? (100 * x.bytesDone) / x.bytes : (100 * x.filesDone) / Math.max(1, x.files);
              progress.report({ increment: Math.max(0, percent - shown), message: `${x.filesDone}/${x.files} files` });
              shown = Math.max(shown, percent);
            },
          });
          // A snapshot taken here is checked at once, so the recovery point on view is a verified one.
          if (result.complete) {
            progress.report({ message: 'verifying' });
            await verifySnapshot(result.snapshot, { signal: abort.signal });
          }
          return result;
        } finally {
          sub.dispose();
        }
      });
      const lines = summarizeBackup(outcome);
      for (const line of lines) deps.logger.info(line);
      await reload();
      const where = path.relative(p.projectDir, outcome.snapshot);
      const message = outcome.complete
        ? `Backed up the ${role} workspace into ${where.startsWith('..') ? outcome.snapshot : where}: ${(outcome.stats.bytesDownloaded / 1024 / 1024).toFixed(1)} MB downloaded, ${outcome.stats.linkedFiles} unchanged file(s) linked.${outcome.gitignore ? ` Added ${outcome.gitignore.line} to .gitignore.` : ''}`
        : outcome.cancelled
          ? `Backup of the ${role} workspace cancelled; the last complete snapshot stays the recovery point.`
          : `Backup of the ${role} workspace is incomplete (see the log); the last complete snapshot stays the recovery point.`;
      const show = outcome.complete || outcome.cancelled ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
      void show(message, 'Show Log').then((c) => c && deps.log.show(true));
      return outcome;
    } catch (err) {
      void showError(deps.log, `Backup of the ${role} workspace failed: ${errorMessage(err)}`, err);
      return undefined;
    }
  };

  // Backups taken elsewhere (a terminal, a scheduled job writing into the project) move the recovery point too.
  const watcher = vscode.workspace.createFileSystemWatcher('**/{latest,verified.json}');
  const minute = setInterval(() => changed.fire({ workspaces: [...ROLES] }), 60_000);
  context.subscriptions.push(
    handle,
    changed,
    watcher,
    watcher.onDidCreate(() => void reload()),
    watcher.onDidChange(() => void reload()),
    watcher.onDidDelete(() => void reload()),
    { dispose: () => clearInterval(minute) },
    deps.project.onDidChange(() => void reload()),
    deps.refresh.add('backup', reload),
    onDidChangeSetting('backup.maxAgeHours', () => changed.fire({ workspaces: [...ROLES] })),
    vscode.commands.registerCommand('amlFailover.backupNow', whenTrusted('Backup', backUpNow)),
  );
  void reload();
}

async function pickRole(): Promise<Role | undefined> {
  const pick = await vscode.window.showQuickPick(
    ROLES.map((role) => ({ label: ROLE_TITLE[role], role })),
    { title: 'Back up which workspace?' },
  );
  return pick?.role;
}
