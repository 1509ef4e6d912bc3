// The VS Code side of export and replicate: commands on the Failover tree's nodes (workspace, Notebooks and its
// folders, models and versions, the Drift node), each run under window.withProgress with a working Cancel that
// aborts every SDK call. A command started from a node uses that node and never asks for (or guesses) another.
// The work itself is the core (exportWorkspace, replicate); this file only adapts.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { connect } from '../azure/connection';
import { errorMessage } from '../common/errors';
import type { PairConfig, Role } from '../pair/pairFile';
import type { ExtensionDeps } from '../vscode/deps';
import { showError } from '../vscode/log';
import { whenTrusted } from '../vscode/workspaceTrust';
import { isContributedNode, isWorkspaceNode } from '../view/contributions';
import type { ExportResult } from './engine';
import { defaultOutDir, exportWorkspace, summarize } from './exportWorkspace';
import { EXPORT_KINDS, type ExportKind, type NameFilter } from './plan';
import { listInventory } from '../inventory/listInventory';
import { missingVersions } from '../replicate/plan';
import { replicate, summarizeReplication, type ReplicateKind, type ReplicateResult } from '../replicate/replicate';

/** What a command may be given: a tree node, or (from tests, keybindings, other extensions) plain options. */
interface CommandOptions {
  role?: Role;
  kinds?: ExportKind[];
  names?: NameFilter[];
  folder?: string;
  outDir?: string;
  /** Replace files edited in the export folder since the last export. */
  force?: boolean;
}

export function registerExport(context: vscode.ExtensionContext, deps: ExtensionDeps): void {
  const running = new Set<AbortController>();

  const pairOrExplain = (): { projectDir: string; pair: PairConfig } | undefined => {
    const snap = deps.project.snapshot;
    if (snap.pair.state !== 'valid' || !snap.projectDir) {
      void vscode.window.showWarningMessage('Export needs a valid aml-failover.yaml in the open folder.');
      return undefined;
    }
    return { projectDir: snap.projectDir, pair: snap.pair.config };
  };

  /** Runs `work` under a cancellable notification; the token becomes the AbortSignal every call gets. */
  const withCancel = <T>(title: string, work: (signal: AbortSignal, progress: vscode.Progress<{ message?: string; increment?: number }>) => Promise<T>) =>
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      const abort = new AbortController();
      running.add(abort);
      const sub = token.onCancellationRequested(() => abort.abort(new Error('Cancelled by the user.')));
      try {
        return await work(abort.signal, progress);
      } finally {
        sub.dispose();
        running.delete(abort);
      }
    });

  const runExportCommand = async (options: CommandOptions): Promise<ExportResult | undefined> => {
    const p = pairOrExplain();
    if (!p) return undefined;
    const role = options.role ?? (await pickRole());
    if (!role) return undefined;
    const kinds = options.kinds ?? (await pickKinds());
    if (!kinds) return undefined;
    const outDir = options.outDir ?? defaultOutDir(p.projectDir, role);
    const what = options.folder ? `notebooks in ${options.folder}` : options.names?.length ? options.names.map((n) => (n.version ? `${n.name}:${n.version}` : n.name)).join(', ') : kinds.join(', ');
    try {
      const result = await withCancel(`Exporting ${what} from the ${role} workspace`, async (signal, progress) => {
        let shown = 0;
        const conn = await connect(p.pair.cloud, { logger: deps.logger, trust: deps.cloudTrust, credentials: deps.credentials });
        return exportWorkspace({
          projectDir: p.projectDir,
          from: role,
          kinds,
          names: options.names,
          notebooksFolder: options.folder,
          outDir,
          force: options.force,
          signal,
          logger: deps.logger,
          connection: conn,
          onProgress: (x) => {
            const percent = x.bytes > 0 ? (100 * x.bytesDone) / x.bytes : (100 * x.filesDone) / Math.max(1, x.files);
            progress.report({ increment: Math.max(0, percent - shown), message: `${x.filesDone}/${x.files} files` });
            shown = Math.max(shown, percent);
          },
        });
      });
      void showExportResult(result, role, p.projectDir);
      if (result.localEdits.length) offerReplace(result.localEdits, () => runExportCommand({ ...options, role, kinds, outDir, force: true }));
      return result;
    } catch (err) {
      void showError(deps.log, `Export from the ${role} workspace failed: ${errorMessage(err)}`, err);
      return undefined;
    }
  };

  /** The log gets every line (warnings at warn); the notification names the folder and counts the warnings. */
  const showExportResult = async (result: ExportResult, role: Role, projectDir: string) => {
    const lines = summarize(result);
    for (const line of lines) {
      if (line.startsWith('  failed')) deps.logger.error(line.trim());
      else if (/^ {2}(warning|name)/.test(line)) deps.logger.warn(line.trim().replace(/^warning: /, ''));
      else deps.logger.info(line);
    }
    const warnings = result.warnings.length + result.names.length;
    const folder = path.relative(projectDir, result.outDir) || '.';
    const counts = lines[0].replace(/^[^:]*:\s*/, '').replace(/\.$/, '');
    const verb = result.cancelled ? 'Cancelled the export' : result.complete ? 'Exported' : 'Exported with problems';
    const message = `${verb} from the ${role} workspace into ${folder.startsWith('..') ? result.outDir : folder}: ${counts}.${warnings ? ` ${warnings} warning${warnings === 1 ? '' : 's'} (see the log).` : ''}${result.failed.length ? ` ${result.failed.length} failed.` : ''}`;
    const show = result.cancelled || (result.complete && !warnings) ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
    const actions = existsSync(result.manifestPath) ? [REVEAL, OPEN_MANIFEST, SHOW_LOG] : [SHOW_LOG];
    const choice = await show(message, ...actions);
    if (choice === REVEAL) await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(result.outDir));
    if (choice === OPEN_MANIFEST) await vscode.window.showTextDocument(vscode.Uri.file(result.manifestPath));
    if (choice === SHOW_LOG) deps.log.show(true);
  };

  const runReplicateCommand = async (options: { from: Role; names?: NameFilter[]; kinds?: ReplicateKind[]; confirm?: boolean }): Promise<ReplicateResult | undefined> => {
    const p = pairOrExplain();
    if (!p) return undefined;
    const from = options.from;
    const to: Role = from === 'primary' ? 'secondary' : 'primary';
    const kinds = options.kinds ?? ['models', 'environments'];
    try {
      if (options.confirm && !(await confirmReplication(p.pair, from, to, kinds))) return undefined;
      const result = await withCancel(`Replicating to the ${to} workspace`, async (signal, progress) => {
        const conn = await connect(p.pair.cloud, { logger: deps.logger, trust: deps.cloudTrust, credentials: deps.credentials });
        return replicate(conn, {
          kinds,
          source: p.pair.workspaces[from],
          target: p.pair.workspaces[to],
          names: options.names,
          signal,
          logger: deps.logger,
          onProgress: (done, total, last) => progress.report({ increment: 100 / total, message: `${done}/${total} ${last}` }),
          hashesFrom: defaultOutDir(p.projectDir, from),
        });
      });
      if (result.assets.some((a) => a.outcome.status === 'replicated')) deps.refresh.didWrite({ kind: 'replicate', roles: [to] });
      void showReplicationResult(result, to);
      return result;
    } catch (err) {
      void showError(deps.log, `Replication to the ${to} workspace failed: ${errorMessage(err)}`, err);
      return undefined;
    }
  };

  /** Lists both workspaces and asks, naming every version that would be created; true to go ahead. */
  const confirmReplication = async (pair: PairConfig, from: Role, to: Role, kinds: ReplicateKind[]): Promise<boolean> => {
    const missing = await withCancel(`Comparing the ${from} and the ${to} workspace`, async (signal) => {
      const conn = await connect(pair.cloud, { logger: deps.logger, trust: deps.cloudTrust, credentials: deps.credentials });
      const sections = kinds.filter((k): k is 'models' | 'environments' => k !== 'data');
      const [source, target] = await Promise.all([
        listInventory(conn, from, pair.workspaces[from], { sections, signal }),
        listInventory(conn, to, pair.workspaces[to], { sections, signal }),
      ]);
      return missingVersions(source, target, kinds);
    });
    const target = pair.workspaces[to].workspace_name;
    if (!missing.length) {
      void vscode.window.showInformationMessage(`Nothing to replicate: the ${to} workspace ${target} holds every model and environment version of the ${from}.`);
      return false;
    }
    const shown = missing.slice(0, 30).map((m) => `${m.kind} ${m.name}:${m.version}`);
    if (missing.length > shown.length) shown.push(`… and ${missing.length - shown.length} more`);
    const go = `Replicate ${missing.length}`;
    const choice = await vscode.window.showWarningMessage(
      `Create ${missing.length} version${missing.length === 1 ? '' : 's'} in the ${to} workspace ${target}?`,
      { modal: true, detail: `${shown.join('\n')}\n\nVersions that already exist there with other content are reported as conflicts, never overwritten.` },
      go,
    );
    return choice === go;
  };

  const showReplicationResult = async (result: ReplicateResult, to: Role) => {
    const lines = summarizeReplication(result);
    deps.logger.info(lines[0]);
    // Only what was not replicated is a warning; how files travelled (server to server, through this machine,
    // without a sha256) is information.
    for (const line of lines.slice(1)) {
      if (/^ {2}(conflict|refused|failed):/.test(line)) deps.logger.warn(line.trim());
      else deps.logger.info(line.trim());
    }
    const problems = result.assets.filter((a) => a.outcome.status === 'conflict' || a.outcome.status === 'refused' || a.outcome.status === 'failed');
    const showProblems = `Show ${problems.length} Problem${problems.length === 1 ? '' : 's'}`;
    const choice = await (problems.length ? vscode.window.showWarningMessage : vscode.window.showInformationMessage)(
      problems.length ? `${lines[0]} Nothing in the ${to} workspace was overwritten.` : lines[0],
      ...(problems.length ? [showProblems, SHOW_LOG] : [SHOW_LOG]),
    );
    if (choice === SHOW_LOG) deps.log.show(true);
    if (choice === showProblems) {
      await vscode.window.showQuickPick(
        problems.map((a) => ({
          label: `$(${a.outcome.status === 'conflict' ? 'warning' : 'error'}) ${a.kind} ${a.name}:${a.version}`,
          description: a.outcome.status,
          detail: 'reason' in a.outcome ? a.outcome.reason : undefined,
        })),
        { title: `Not replicated to the ${to} workspace`, placeHolder: 'Conflicts are never overwritten: register a new version, or remove the one there first', matchOnDetail: true },
      );
    }
  };

  /** Model nodes under Primary offer "Replicate to Secondary", under Secondary "Replicate to Primary". */
  const replicateModelTo = (to: Role) => (arg?: unknown) => {
    const from: Role = to === 'primary' ? 'secondary' : 'primary';
    if (isContributedNode(arg)) {
      if (arg.workspace && arg.workspace.role !== from) {
        void vscode.window.showWarningMessage(`That model is in the ${arg.workspace.role} workspace; it cannot be replicated to itself.`);
        return undefined;
      }
      return runReplicateCommand({ from, names: [modelFilter(arg.node.data)], kinds: ['models'] });
    }
    const o = asOptions(arg);
    if (!o.names?.length) return nodeGone('Replicate');
    return runReplicateCommand({ from, names: o.names, kinds: ['models'] });
  };

  /** A node command that got no node: the view re-read it while the menu was open. Never guess another target. */
  const nodeGone = (what: string) => {
    void vscode.window.showInformationMessage(`${what}: the item changed in the Failover view while its menu was open. Try again.`);
    return undefined;
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('amlFailover.exportWorkspace', whenTrusted('Export', (arg?: unknown) => {
      if (isWorkspaceNode(arg)) return runExportCommand({ role: arg.role });
      return runExportCommand(asOptions(arg));
    })),
    vscode.commands.registerCommand('amlFailover.exportNotebooks', whenTrusted('Export', (arg?: unknown) => {
      const node = isContributedNode(arg) ? arg : undefined;
      const folder = (node?.node.data as { path?: string } | undefined)?.path;
      const role = isWorkspaceNode(arg) ? arg.role : node?.workspace?.role;
      return runExportCommand({ ...asOptions(arg), ...(role ? { role } : {}), kinds: ['notebooks'], ...(folder ? { folder } : {}) });
    })),
    vscode.commands.registerCommand('amlFailover.exportModel', whenTrusted('Export', (arg?: unknown) => {
      if (isContributedNode(arg)) return runExportCommand({ role: arg.workspace?.role, kinds: ['models'], names: [modelFilter(arg.node.data)] });
      const o = asOptions(arg);
      if (!o.role || !o.names?.length) return nodeGone('Export Model');
      return runExportCommand({ ...o, kinds: ['models'] });
    })),
    vscode.commands.registerCommand('amlFailover.replicateToSecondary', whenTrusted('Replication', replicateModelTo('secondary'))),
    vscode.commands.registerCommand('amlFailover.replicateToPrimary', whenTrusted('Replication', replicateModelTo('primary'))),
    vscode.commands.registerCommand('amlFailover.replicateMissing', whenTrusted('Replication', () => runReplicateCommand({ from: 'primary', confirm: true }))),
    vscode.commands.registerCommand('amlFailover.cancelExport', () => {
      for (const a of running) a.abort(new Error('Cancelled by the user.'));
      return running.size;
    }),
    { dispose: () => running.forEach((a) => a.abort(new Error('The extension is shutting down.'))) },
  );
}

const REVEAL = 'Reveal in Explorer';
const OPEN_MANIFEST = 'Open Manifest';
const SHOW_LOG = 'Show Log';

/** Files edited in the export folder were kept: say which, and offer to export again replacing them. */
function offerReplace(localEdits: string[], again: () => Thenable<unknown>): void {
  const replace = 'Replace Them';
  const which = localEdits.length === 1 ? localEdits[0] : `${localEdits.length} files (${localEdits.slice(0, 3).join(', ')}${localEdits.length > 3 ? ', …' : ''})`;
  void vscode.window
    .showWarningMessage(`${which} in the export folder ${localEdits.length === 1 ? 'was' : 'were'} edited since the last export and kept. Export again and replace ${localEdits.length === 1 ? 'it' : 'them'} with the workspace's version?`, replace)
    .then((choice) => {
      if (choice === replace) void again();
    });
}

function asOptions(arg: unknown): CommandOptions {
  return arg && typeof arg === 'object' && !isContributedNode(arg) && !isWorkspaceNode(arg) ? (arg as CommandOptions) : {};
}

/** The model (and version) a node stands for: inventory.model data is {name, versions}, inventory.modelVersion {model, version}. */
function modelFilter(data: unknown): NameFilter {
  const d = data as { name?: string; model?: string; version?: string };
  return d.model ? { name: d.model, version: d.version } : { name: d.name ?? '' };
}

export async function pickRole(title = 'Export from which workspace?'): Promise<Role | undefined> {
  const pick = await vscode.window.showQuickPick(
    [
      { label: 'Primary', role: 'primary' as Role },
      { label: 'Secondary', role: 'secondary' as Role },
    ],
    { title },
  );
  return pick?.role;
}

async function pickKinds(): Promise<ExportKind[] | undefined> {
  const pick = await vscode.window.showQuickPick(
    [{ label: 'Everything', kinds: [...EXPORT_KINDS] }, ...EXPORT_KINDS.map((k) => ({ label: k[0].toUpperCase() + k.slice(1), kinds: [k] }))],
    { title: 'Export what?' },
  );
  return pick?.kinds;
}

