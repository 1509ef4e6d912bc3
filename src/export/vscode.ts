// The VS Code side of export and replicate: commands on the Failover tree's nodes (workspace, Notebooks and its
// folders, models and versions, the Drift node), each run under window.withProgress with a working Cancel that
// aborts every SDK call. The work itself is the core (exportWorkspace, replicate); this file only adapts.
import * as vscode from 'vscode';
import { connect } from '../azure/connection';
import { errorMessage } from '../common/errors';
import type { PairConfig, Role } from '../pair/pairFile';
import type { ExtensionDeps } from '../vscode/deps';
import { showError } from '../vscode/log';
import { isContributedNode, isWorkspaceNode } from '../view/contributions';
import type { ExportResult } from './engine';
import { defaultOutDir, exportWorkspace, summarize } from './exportWorkspace';
import { EXPORT_KINDS, type ExportKind, type NameFilter } from './plan';
import { replicate, summarizeReplication, type ReplicateResult } from '../replicate/replicate';

/** What a command may be given: a tree node, or (from tests, keybindings, other extensions) plain options. */
interface CommandOptions {
  role?: Role;
  kinds?: ExportKind[];
  names?: NameFilter[];
  folder?: string;
  outDir?: string;
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
        const conn = await connect(p.pair.cloud, { logger: deps.logger, trust: deps.cloudTrust });
        return exportWorkspace({
          projectDir: p.projectDir,
          from: role,
          kinds,
          names: options.names,
          notebooksFolder: options.folder,
          outDir,
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
      for (const line of summarize(result)) deps.logger.info(line);
      const headline = summarize(result)[0];
      const open = 'Open Manifest';
      const show = result.cancelled || result.complete ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
      void show(`${headline}${result.names.length || result.warnings.length ? ' See the log for names and warnings.' : ''}`, open, 'Show Log').then((choice) => {
        if (choice === open) void vscode.window.showTextDocument(vscode.Uri.file(result.manifestPath));
        if (choice === 'Show Log') deps.log.show(true);
      });
      return result;
    } catch (err) {
      void showError(deps.log, `Export from the ${role} workspace failed: ${errorMessage(err)}`, err);
      return undefined;
    }
  };

  const runReplicateCommand = async (options: { from: Role; names?: NameFilter[]; kinds?: ('models' | 'environments')[] }): Promise<ReplicateResult | undefined> => {
    const p = pairOrExplain();
    if (!p) return undefined;
    const to: Role = options.from === 'primary' ? 'secondary' : 'primary';
    try {
      const result = await withCancel(`Replicating to the ${to} workspace`, async (signal, progress) => {
        const conn = await connect(p.pair.cloud, { logger: deps.logger, trust: deps.cloudTrust });
        return replicate(conn, {
          kinds: options.kinds ?? ['models', 'environments'],
          source: p.pair.workspaces[options.from],
          target: p.pair.workspaces[to],
          names: options.names,
          signal,
          logger: deps.logger,
          onProgress: (done, total, last) => progress.report({ increment: 100 / total, message: `${done}/${total} ${last}` }),
        });
      });
      const lines = summarizeReplication(result);
      for (const line of lines) deps.logger.info(line);
      const problems = result.assets.some((a) => a.outcome.status === 'conflict' || a.outcome.status === 'refused' || a.outcome.status === 'failed');
      void (problems ? vscode.window.showWarningMessage : vscode.window.showInformationMessage)(`${lines[0]}${problems ? ' See the log for details.' : ''}`, 'Show Log').then((c) => {
        if (c) deps.log.show(true);
      });
      return result;
    } catch (err) {
      void showError(deps.log, `Replication to the ${to} workspace failed: ${errorMessage(err)}`, err);
      return undefined;
    }
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('amlFailover.exportWorkspace', (arg?: unknown) => {
      if (isWorkspaceNode(arg)) return runExportCommand({ role: arg.role });
      return runExportCommand(asOptions(arg));
    }),
    vscode.commands.registerCommand('amlFailover.exportNotebooks', (arg?: unknown) => {
      const node = isContributedNode(arg) ? arg : undefined;
      const folder = (node?.node.data as { path?: string } | undefined)?.path;
      const role = isWorkspaceNode(arg) ? arg.role : node?.workspace?.role;
      return runExportCommand({ ...asOptions(arg), ...(role ? { role } : {}), kinds: ['notebooks'], ...(folder ? { folder } : {}) });
    }),
    vscode.commands.registerCommand('amlFailover.exportModel', (arg?: unknown) => {
      if (!isContributedNode(arg)) return runExportCommand({ ...asOptions(arg), kinds: ['models'] });
      return runExportCommand({ role: arg.workspace?.role, kinds: ['models'], names: [modelFilter(arg.node.data)] });
    }),
    vscode.commands.registerCommand('amlFailover.replicateModel', (arg?: unknown) => {
      if (!isContributedNode(arg)) {
        const o = asOptions(arg);
        return runReplicateCommand({ from: o.role ?? 'primary', names: o.names, kinds: ['models'] });
      }
      return runReplicateCommand({ from: arg.workspace?.role ?? 'primary', names: [modelFilter(arg.node.data)], kinds: ['models'] });
    }),
    vscode.commands.registerCommand('amlFailover.replicateMissing', () => runReplicateCommand({ from: 'primary' })),
    vscode.commands.registerCommand('amlFailover.cancelExport', () => {
      for (const a of running) a.abort(new Error('Cancelled by the user.'));
      return running.size;
    }),
    { dispose: () => running.forEach((a) => a.abort(new Error('The extension is shutting down.'))) },
  );
}

function asOptions(arg: unknown): CommandOptions {
  return arg && typeof arg === 'object' && !isContributedNode(arg) && !isWorkspaceNode(arg) ? (arg as CommandOptions) : {};
}

/** The model (and version) a node stands for: inventory.model data is {name, versions}, inventory.modelVersion {model, version}. */
function modelFilter(data: unknown): NameFilter {
  const d = data as { name?: string; model?: string; version?: string };
  return d.model ? { name: d.model, version: d.version } : { name: d.name ?? '' };
}

async function pickRole(): Promise<Role | undefined> {
  const pick = await vscode.window.showQuickPick(
    [
      { label: 'Primary', role: 'primary' as Role },
      { label: 'Secondary', role: 'secondary' as Role },
    ],
    { title: 'Export from which workspace?' },
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

