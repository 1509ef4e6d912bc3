import * as path from 'node:path';
import * as vscode from 'vscode';
import { UserError, errorMessage } from '../common/errors';
import { PAIR_DOC, PAIR_FILE_NAME, ROLES, sameWorkspace, type Role } from '../pair/pairFile';
import { isWorkspaceNode } from '../view/contributions';
import type { ExtensionDeps } from '../vscode/deps';
import { showError } from '../vscode/log';
import { whenTrusted } from '../vscode/workspaceTrust';
import { projectRelative, type FailoverProject, type ProjectSnapshot } from '../vscode/project';
import { getSetting } from '../vscode/settings';
import { switchWorkspace, type SwitchResult } from './switchConfig';
import { which, type WhichResult } from './which';
import { SWITCH_TARGET } from './configSearch';
import { registerConfigCodeLens } from './codeLens';

const ROLE_TITLE: Record<Role, string> = { primary: 'Primary', secondary: 'Secondary' };

/**
 * Commands: `amlFailover.switchTo` (a role or a tree node), `amlFailover.switchWorkspace` (quick pick),
 * `amlFailover.whichConfig` (Explorer), `amlFailover.openPairFile`, `amlFailover.showLog`;
 * warning diagnostics in config files that shadow or contradict the switched one; the config-file CodeLens.
 * Both switch commands resolve to the SwitchResult (undefined when nothing was switched), for scripts and tests.
 */
export function registerSwitch(context: vscode.ExtensionContext, deps: ExtensionDeps): void {
  const { project, log } = deps;

  const switchTo = async (arg?: unknown): Promise<SwitchResult | undefined> => {
    const role = roleFromArg(arg);
    if (!role) return pickAndSwitch();
    const snapshot = await project.refresh();
    if (!ensureValidPair(snapshot)) return undefined;
    if (snapshot.pair.state !== 'valid' || !snapshot.projectDir) return undefined;
    // Writing under an editor with unsaved changes would leave the user two versions to reconcile: ask first.
    const target = path.join(snapshot.projectDir, ...SWITCH_TARGET.split('/'));
    const dirty = vscode.workspace.textDocuments.find((d) => d.isDirty && d.uri.scheme === 'file' && d.uri.fsPath === target);
    if (dirty) {
      void vscode.window.showWarningMessage(`${SWITCH_TARGET} has unsaved changes; save or revert them, then switch. Nothing was switched.`, 'Show File').then((choice) => {
        if (choice) void vscode.window.showTextDocument(dirty);
      });
      return undefined;
    }
    let result: SwitchResult;
    try {
      result = await switchWorkspace(snapshot.projectDir, snapshot.pair.config, role, {
        updateAzureCliDefaults: getSetting('switch.updateAzureCliDefaults', snapshot.folder),
        logger: deps.logger,
      });
    } catch (err) {
      if (err instanceof UserError) {
        const configFile = vscode.Uri.file(path.join(snapshot.projectDir, '.azureml', 'config.json'));
        deps.logger.error(err.message);
        void vscode.window.showErrorMessage(`Could not switch: ${err.message}`, 'Open config.json', 'Show Log').then((choice) => {
          if (choice === 'Open config.json') void vscode.window.showTextDocument(configFile);
          if (choice === 'Show Log') log.show(true);
        });
      } else {
        void showError(log, `Could not switch to the ${role} workspace: ${errorMessage(err)}`, err);
      }
      return undefined;
    }
    const after = await project.refresh();
    if (result.changed) deps.refresh.didWrite({ kind: 'switch', roles: [role] });
    const ws = result.target;
    for (const note of result.notes) deps.logger.info(note);
    // Nested configs that agree with the new workspace are harmless for now (they stay listed in the view).
    const shadowing = after.warnings.filter((w) => w.kind === 'shadowing' && w.workspace && !sameWorkspace(w.workspace, ws));
    if (shadowing.length) {
      const first = shadowing[0];
      void vscode.window
        .showWarningMessage(
          `Switched to ${ws.workspace_name}, but ${shadowing.length === 1 ? projectRelative(after, first.file) : `${shadowing.length} nested config files`} still ${shadowing.length === 1 ? 'names' : 'name'} another workspace for code in ${shadowing.length === 1 ? 'its folder' : 'their folders'}.`,
          'Open File',
        )
        .then((choice) => {
          if (choice) void vscode.window.showTextDocument(vscode.Uri.file(first.file));
        });
    } else {
      vscode.window.setStatusBarMessage(
        result.changed ? `$(check) Switched to the ${role} workspace ${ws.workspace_name} (${ws.region})` : `Already on the ${role} workspace ${ws.workspace_name}`,
        5000,
      );
    }
    for (const note of result.notes) void vscode.window.showInformationMessage(note);
    return result;
  };

  const pickAndSwitch = async (arg?: unknown): Promise<SwitchResult | undefined> => {
    // Called with a role or a node (from another capability's notification, say), it switches without asking.
    if (roleFromArg(arg)) return switchTo(arg);
    const snapshot = await project.refresh();
    if (!ensureValidPair(snapshot) || snapshot.pair.state !== 'valid') return undefined;
    const pair = snapshot.pair.config;
    const items = ROLES.map((role) => {
      const ws = pair.workspaces[role];
      const active = snapshot.active?.role === role;
      return {
        role,
        label: `$(${active ? 'check' : 'cloud'}) ${ROLE_TITLE[role]}: ${ws.workspace_name}`,
        description: `${ws.region}${active ? ' · active' : ''}`,
        detail: `resource group ${ws.resource_group} · subscription ${ws.subscription_id}`,
      };
    });
    // Offer the other workspace first: that is what someone switching wants.
    items.sort((a, b) => Number(snapshot.active?.role === a.role) - Number(snapshot.active?.role === b.role));
    const picked = await vscode.window.showQuickPick(items, {
      title: 'Switch the Azure ML workspace',
      placeHolder: `Writes .azureml/config.json in ${path.basename(snapshot.projectDir ?? '')}`,
    });
    return picked ? switchTo(picked.role) : undefined;
  };

  /** Tells the user why nothing can be switched; never waits for the notification (it may stay open). */
  const ensureValidPair = (snapshot: ProjectSnapshot): boolean => {
    if (snapshot.pair.state === 'valid') return true;
    if (snapshot.pair.state === 'invalid') {
      const n = snapshot.pair.problems.filter((p) => p.severity === 'error').length;
      const file = snapshot.pairFile;
      void vscode.window
        .showErrorMessage(`${PAIR_FILE_NAME} has ${n} problem${n === 1 ? '' : 's'}; nothing was switched. Fix ${n === 1 ? 'it' : 'them'} and try again.`, 'Open File')
        .then((choice) => {
          if (choice && file) void vscode.window.showTextDocument(file);
        });
    } else if (snapshot.pair.state === 'missing') {
      void vscode.window
        .showInformationMessage(`There is no ${PAIR_FILE_NAME} naming the primary and the secondary workspace yet.`, 'Create Failover Config')
        .then((choice) => {
          if (choice) void vscode.commands.executeCommand('amlFailover.createConfig');
        });
    } else {
      void vscode.window.showInformationMessage('Open a folder to use AML Failover.');
    }
    return false;
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('amlFailover.switchTo', whenTrusted('Switching workspaces', switchTo)),
    vscode.commands.registerCommand('amlFailover.switchWorkspace', whenTrusted('Switching workspaces', pickAndSwitch)),
    vscode.commands.registerCommand('amlFailover.showLog', () => log.show(true)),
    vscode.commands.registerCommand('amlFailover.whichConfig', (uri?: vscode.Uri) => whichConfig(uri, project.snapshot)),
    registerConfigWarningDiagnostics(project, vscode.Uri.joinPath(context.extensionUri, PAIR_DOC)),
    registerConfigCodeLens(project),
    vscode.commands.registerCommand('amlFailover.openPairFile', async () => {
      const file = project.snapshot.pairFile;
      if (file) await vscode.window.showTextDocument(file);
    }),
  );
}

/**
 * `amlFailover.whichConfig` (Explorer context menu): which config file the SDK would use from a folder (or a file's
 * folder) and which workspace it names. Resolves to the WhichResult.
 */
async function whichConfig(uri: vscode.Uri | undefined, snapshot: ProjectSnapshot): Promise<WhichResult | undefined> {
  const target = uri ?? vscode.window.activeTextEditor?.document.uri ?? snapshot.folder?.uri;
  if (!target || target.scheme !== 'file') return undefined;
  const stat = await vscode.workspace.fs.stat(target);
  const dir = stat.type & vscode.FileType.Directory ? target.fsPath : path.dirname(target.fsPath);
  const pair = snapshot.pair.state === 'valid' ? snapshot.pair.config : undefined;
  const result = await which(dir, pair);
  const from = snapshot.projectDir ? `${path.relative(snapshot.projectDir, dir) || '.'}/` : dir;
  if (!result.hit || !result.config) {
    void vscode.window.showWarningMessage(`From ${from} the Azure ML SDK finds no config.json (it looks for .azureml/config.json first, upward from there).`);
    return result;
  }
  const file = projectRelative(snapshot, result.hit.file);
  let message: string;
  if (result.config.state === 'ok') {
    const ws = result.config.workspace;
    const role = result.role && pair ? `the ${result.role}, ${pair.workspaces[result.role].region}` : pair ? 'not in the pair' : `resource group ${ws.resource_group}`;
    message = `From ${from} the Azure ML SDK reads ${file}: ${ws.workspace_name} (${role}).`;
  } else {
    message = `From ${from} the Azure ML SDK reads ${file}, which is not usable: ${result.config.state === 'invalid' ? result.config.error : 'missing'}.`;
  }
  const hit = result.hit;
  void vscode.window.showInformationMessage(message, 'Open File').then((choice) => {
    if (choice) void vscode.window.showTextDocument(vscode.Uri.file(hit.file));
  });
  return result;
}

/** A warning diagnostic in each config file that shadows or contradicts the switched one, on the workspace it names. */
function registerConfigWarningDiagnostics(project: FailoverProject, docs: vscode.Uri): vscode.Disposable {
  const collection = vscode.languages.createDiagnosticCollection('aml-failover-config');
  const update = async (snapshot: ProjectSnapshot) => {
    const next = new Map<string, vscode.Diagnostic[]>();
    for (const w of snapshot.warnings) {
      let range = new vscode.Range(0, 0, 0, 1);
      try {
        const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(w.file)));
        const at = text.search(/"(Scope|workspace_name)"\s*:/);
        if (at >= 0) {
          const before = text.slice(0, at).split(/\r?\n/);
          const line = before.length - 1;
          const lineText = text.split(/\r?\n/)[line];
          range = new vscode.Range(line, before[line].length, line, lineText.length);
        }
      } catch {
        // gone since the scan: the next refresh drops it
      }
      const d = new vscode.Diagnostic(range, w.message, vscode.DiagnosticSeverity.Warning);
      d.source = 'aml-failover';
      const code = w.kind === 'shadowing' ? 'shadowing-config' : w.kind === 'stale' ? 'stale-config' : 'invalid-config';
      d.code = { value: code, target: docs.with({ fragment: code }) };
      next.set(w.file, [...(next.get(w.file) ?? []), d]);
    }
    collection.clear();
    for (const [file, list] of next) collection.set(vscode.Uri.file(file), list);
  };
  const sub = project.onDidChange((s) => void update(s));
  return vscode.Disposable.from(sub, collection);
}

/** `'primary'`, `'secondary'`, or a Primary/Secondary tree node. */
function roleFromArg(arg: unknown): Role | undefined {
  if (arg === 'primary' || arg === 'secondary') return arg;
  if (isWorkspaceNode(arg)) return arg.role;
  return undefined;
}
