import * as path from 'node:path';
import * as vscode from 'vscode';
import { createFileExclusive } from '../common/atomicWrite';
import { errorMessage } from '../common/errors';
import { readWorkspaceConfig } from '../switch/configSearch';
import { scanConfigFiles } from '../switch/active';
import { findSdkConfig } from '../switch/configSearch';
import type { ExtensionDeps } from '../vscode/deps';
import { showError } from '../vscode/log';
import { PAIR_FILE_NAME, parsePairFile, sameWorkspace, validateWorkspaceField, type Role, type WorkspaceRef } from './pairFile';
import { COMMON_REGIONS, pairedRegion, parseWorkspaceId, renderPairFile } from './pairTemplate';
import { listWorkspaces } from './azureWorkspaces';
import { connect } from '../azure/connection';
import { KNOWN_CLOUDS } from '../azure/cloud';

type Named = Omit<WorkspaceRef, 'region'>;

/** `amlFailover.createConfig`: a short guide that writes aml-failover.yaml and opens it. Resolves to its URI. */
export function registerCreateConfig(context: vscode.ExtensionContext, deps: ExtensionDeps): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('amlFailover.createConfig', async (): Promise<vscode.Uri | undefined> => {
      try {
        return await createConfig(deps);
      } catch (err) {
        void showError(deps.log, `Could not create ${PAIR_FILE_NAME}: ${errorMessage(err)}`, err);
        return undefined;
      }
    }),
  );
}

async function createConfig(deps: ExtensionDeps): Promise<vscode.Uri | undefined> {
  const snapshot = await deps.project.refresh();
  if (!snapshot.folder || !snapshot.projectDir || !snapshot.pairFile) {
    void vscode.window.showInformationMessage('Open the folder of your Azure ML project first.');
    return undefined;
  }
  if (snapshot.pair.state !== 'missing') {
    await vscode.window.showTextDocument(snapshot.pairFile);
    void vscode.window.showInformationMessage(`${PAIR_FILE_NAME} already exists; edit it here.`);
    return snapshot.pairFile;
  }
  const projectDir = snapshot.projectDir;
  const known = await knownWorkspaces(projectDir);

  const primary = await askWorkspace('primary', known, undefined, deps);
  if (!primary) return undefined;
  const secondary = await askWorkspace('secondary', known.filter((k) => !sameWorkspace(k.workspace, primary)), primary, deps);
  if (!secondary) return undefined;
  if (sameWorkspace(primary, secondary)) {
    void vscode.window.showErrorMessage('The primary and the secondary must be two different workspaces; nothing was written.');
    return undefined;
  }

  const text = renderPairFile(primary, secondary);
  const check = parsePairFile(text, projectDir);
  if (!check.ok) throw new Error(check.problems.map((p) => p.message).join(' '));
  try {
    // Exclusive: a pair file that appeared while the pickers were open (another window, a git pull) is never replaced.
    await createFileExclusive(snapshot.pairFile.fsPath, text);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    deps.logger.warn(`${snapshot.pairFile.fsPath} appeared while the guide was open; not overwritten.`);
    const open = 'Open It';
    void vscode.window.showWarningMessage(`${PAIR_FILE_NAME} was created by something else while you were choosing; it was left as it is and nothing was written.`, open).then((choice) => {
      if (choice === open) void vscode.window.showTextDocument(snapshot.pairFile!);
    });
    await deps.project.refresh();
    return undefined;
  }
  deps.logger.info(`Wrote ${snapshot.pairFile.fsPath}.`);
  const after = await deps.project.refresh();
  await vscode.window.showTextDocument(snapshot.pairFile);
  if (after.active?.state === 'none') {
    // The SDK would find no config at all yet: offer to write one for the primary right away.
    void vscode.window
      .showInformationMessage(`Created ${PAIR_FILE_NAME}. No workspace is selected yet: write .azureml/config.json for the primary, ${primary.workspace_name}?`, 'Use Primary')
      .then((choice) => {
        if (choice) void vscode.commands.executeCommand('amlFailover.switchTo', 'primary');
      });
  }
  return snapshot.pairFile;
}

interface KnownWorkspace {
  workspace: Named;
  /** Where it was found, relative to the project. */
  source: string;
  /** The config the SDK reads from the project root (offered first as the primary). */
  current: boolean;
}

/** Workspaces named by config files in and above the project: the current one first. */
async function knownWorkspaces(projectDir: string): Promise<KnownWorkspace[]> {
  const out: KnownWorkspace[] = [];
  const add = async (file: string, current: boolean) => {
    const read = await readWorkspaceConfig(file);
    if (read.state !== 'ok' || out.some((k) => sameWorkspace(k.workspace, read.workspace))) return;
    const { subscription_id, resource_group, workspace_name } = read.workspace;
    out.push({ workspace: { subscription_id, resource_group, workspace_name }, source: path.relative(projectDir, file) || file, current });
  };
  const hit = await findSdkConfig(projectDir);
  if (hit) await add(hit.file, true);
  for (const f of await scanConfigFiles(projectDir, { maxDepth: 4, limit: 500 })) await add(f.file, false);
  return out;
}

async function askWorkspace(role: Role, known: KnownWorkspace[], primary: WorkspaceRef | undefined, deps: ExtensionDeps): Promise<WorkspaceRef | undefined> {
  const title = `Create failover config (${role === 'primary' ? '1' : '2'}/2): the ${role} workspace`;
  type Item = vscode.QuickPickItem & { pick?: Named; action?: 'paste' | 'type' | 'azure' };
  const items: Item[] = [
    ...known.map((k) => ({
      label: `$(file) ${k.workspace.workspace_name}`,
      description: k.current ? `current ${k.source}` : k.source,
      detail: `resource group ${k.workspace.resource_group} · subscription ${k.workspace.subscription_id}`,
      pick: k.workspace,
    })),
    { label: '$(azure) Pick from an Azure subscription…', action: 'azure' },
    { label: '$(link) Paste an ARM id or Azure ML studio URL…', action: 'paste' },
    { label: '$(edit) Type subscription, resource group and name…', action: 'type' },
  ];
  let choice: Item | undefined;
  for (;;) {
    choice = await vscode.window.showQuickPick(items, { title, placeHolder: `Which workspace is the ${role}?`, ignoreFocusOut: true });
    if (!choice) return undefined;
    if (choice.action !== 'azure') break;
    const fromAzure = await pickFromAzure(title, role, known, primary, deps);
    if (fromAzure === 'back') continue;
    return fromAzure;
  }
  let named: Named | undefined = choice.pick;
  if (choice.action === 'paste') {
    const text = await vscode.window.showInputBox({
      title,
      prompt: 'The workspace ARM id, or a studio URL holding wsid=…',
      placeHolder: '/subscriptions/…/resourceGroups/…/providers/Microsoft.MachineLearningServices/workspaces/…',
      ignoreFocusOut: true,
      validateInput: (v) => (parseWorkspaceId(v) ? undefined : 'This holds no /subscriptions/…/resourceGroups/…/workspaces/… id.'),
    });
    named = text === undefined ? undefined : parseWorkspaceId(text);
  } else if (choice.action === 'type') {
    const field = (key: keyof Named, prompt: string, value?: string) =>
      vscode.window.showInputBox({ title, prompt, value, ignoreFocusOut: true, validateInput: (v) => validateWorkspaceField(key, v.trim()) });
    const subscription_id = await field('subscription_id', 'Subscription id', primary?.subscription_id);
    if (subscription_id === undefined) return undefined;
    const resource_group = await field('resource_group', 'Resource group');
    if (resource_group === undefined) return undefined;
    const workspace_name = await field('workspace_name', 'Workspace name');
    if (workspace_name === undefined) return undefined;
    named = { subscription_id: subscription_id.trim(), resource_group: resource_group.trim(), workspace_name: workspace_name.trim() };
  }
  if (!named) return undefined;
  const region = await askRegion(title, role, primary);
  return region ? { ...named, region } : undefined;
}

async function askRegion(title: string, role: Role, primary: WorkspaceRef | undefined): Promise<string | undefined> {
  const suggested = primary ? pairedRegion(primary.region) : undefined;
  const pick = vscode.window.createQuickPick<vscode.QuickPickItem>();
  pick.title = title;
  pick.placeholder = `Region of the ${role} (pick or type, e.g. eastus)`;
  pick.ignoreFocusOut = true;
  const base = COMMON_REGIONS.filter((r) => r !== primary?.region).map((r) => ({
    label: r,
    description: r === suggested ? `paired with ${primary?.region}` : undefined,
  }));
  base.sort((a, b) => Number(b.label === suggested) - Number(a.label === suggested));
  pick.items = base;
  // Typing a region not in the list offers it as typed.
  pick.onDidChangeValue((v) => {
    const typed = v.trim().toLowerCase();
    pick.items = typed && !COMMON_REGIONS.includes(typed) && !validateWorkspaceField('region', typed) ? [{ label: typed, description: 'as typed' }, ...base] : base;
  });
  return new Promise((resolve) => {
    pick.onDidAccept(() => {
      resolve(pick.selectedItems[0]?.label);
      pick.hide();
    });
    pick.onDidHide(() => {
      resolve(undefined);
      pick.dispose();
    });
    pick.show();
  });
}

/**
 * Lists the workspaces of a subscription (public Azure cloud, the user's Azure sign-in) and lets the user pick one;
 * its region comes with it. 'back' when listing failed or was cancelled, so the user can choose another way.
 */
async function pickFromAzure(title: string, role: Role, known: KnownWorkspace[], primary: WorkspaceRef | undefined, deps: ExtensionDeps): Promise<WorkspaceRef | undefined | 'back'> {
  const subscriptions = [...new Set([primary?.subscription_id, ...known.map((k) => k.workspace.subscription_id)].filter((x): x is string => Boolean(x)))];
  let subscription: string | undefined;
  if (subscriptions.length) {
    const other = '$(edit) Another subscription…';
    const picked = await vscode.window.showQuickPick([...subscriptions, other], { title, placeHolder: 'Which subscription holds the workspace?', ignoreFocusOut: true });
    if (!picked) return 'back';
    subscription = picked === other ? undefined : picked;
  }
  subscription ??= (await vscode.window.showInputBox({
    title,
    prompt: 'Subscription id',
    ignoreFocusOut: true,
    validateInput: (v) => validateWorkspaceField('subscription_id', v.trim()),
  }))?.trim();
  if (!subscription) return 'back';
  const sub = subscription;
  let listed: WorkspaceRef[];
  try {
    listed = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Listing the Azure ML workspaces of ${sub}…`, cancellable: true },
      async (_progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort(new Error('Cancelled.')));
        const connection = await connect(KNOWN_CLOUDS.AzureCloud, { logger: deps.logger, trust: deps.cloudTrust, credentials: deps.credentials, credentialTimeoutMs: 30_000 });
        abort.signal.throwIfAborted();
        return listWorkspaces(connection, sub, abort.signal);
      },
    );
  } catch (err) {
    void showError(deps.log, `Could not list the workspaces of subscription ${sub}: ${errorMessage(err)} Sign in with "az login", or paste the workspace id instead.`, err);
    return 'back';
  }
  const suggested = primary ? pairedRegion(primary.region) : undefined;
  const choices = listed
    .filter((w) => !primary || !sameWorkspace(w, primary))
    .map((w) => ({ label: `$(cloud) ${w.workspace_name}`, description: `${w.region}${w.region === suggested ? ' · paired region' : ''}`, detail: `resource group ${w.resource_group}`, ws: w }))
    .sort((a, b) => Number(b.ws.region === suggested) - Number(a.ws.region === suggested));
  if (!choices.length) {
    void vscode.window.showInformationMessage(`No other Azure ML workspace in subscription ${sub}.`);
    return 'back';
  }
  const picked = await vscode.window.showQuickPick(choices, { title, placeHolder: `The ${role} workspace`, matchOnDescription: true, matchOnDetail: true, ignoreFocusOut: true });
  return picked ? picked.ws : 'back';
}
