// @fixture test/fixtures/projects/foundation
// The foundation as a user meets it in a real VS Code: the extension activates on the pair file, the Failover tree
// shows Primary and Secondary with the active one marked, switching rewrites .azureml/config.json, the status bar
// and the tree follow changes made by the extension and by anyone else, and a bad pair file gets diagnostics and
// blocks the switch.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AmlFailoverApi } from '../../../src/extension';
import type { FailoverTreeNode } from '../../../src/view/contributions';
import { EXTENSION_ID, nextEvent, projectDir, waitFor } from '../support';

const configFile = () => path.join(projectDir(), '.azureml', 'config.json');
const pairFile = () => vscode.Uri.file(path.join(projectDir(), 'aml-failover.yaml'));
const readConfig = async () => JSON.parse(await fs.readFile(configFile(), 'utf8')) as Record<string, unknown>;

let api: AmlFailoverApi;

/** A diagnostic's code, whether given plainly or with a link to its documentation. */
const codeOf = (d: vscode.Diagnostic) => (typeof d.code === 'object' ? d.code.value : d.code);

/** What the view shows for each root node: label, description and contextValue. */
async function rootRows(): Promise<{ label: string; description: string; contextValue: string; node: FailoverTreeNode }[]> {
  const nodes = await api.tree.getChildren();
  return nodes.map((node) => {
    const item = api.tree.getTreeItem(node);
    const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
    return { label, description: String(item.description ?? ''), contextValue: item.contextValue ?? '', node };
  });
}

async function activeRow(): Promise<string | undefined> {
  return (await rootRows()).find((r) => /\bactive\b/.test(r.contextValue))?.label;
}

describe('foundation: tree, switch, status bar, pair-file diagnostics', () => {
  it('activates on the folder holding aml-failover.yaml', async () => {
    const ext = vscode.extensions.getExtension<AmlFailoverApi>(EXTENSION_ID);
    assert.ok(ext);
    await waitFor(() => ext.isActive, 'activation on workspaceContains:aml-failover.yaml');
    api = ext.exports;
    const snapshot = await api.project.refresh();
    assert.equal(snapshot.pair.state, 'valid');
  });

  it('shows Primary and Secondary with name, region and the active one marked', async () => {
    const rows = await rootRows();
    assert.deepEqual(rows.slice(0, 2).map((r) => r.label), ['Primary', 'Secondary']);
    // Other capabilities' verdicts (health) come first, so a narrow side bar still shows them.
    assert.match(rows[0].description, /(^| · )active · eastus · mlw-eastus$/);
    assert.match(rows[1].description, /(^| · )westus · mlw-westus$/);
    assert.doesNotMatch(rows[1].description, /\bactive\b/);
    assert.match(rows[0].contextValue, /\bworkspace\b/);
    assert.match(rows[0].contextValue, /\bprimary\b/);
    assert.match(rows[0].contextValue, /\bactive\b/);
    assert.doesNotMatch(rows[1].contextValue, /\bactive\b/);
    const tooltip = api.tree.resolveTreeItem(api.tree.getTreeItem(rows[1].node), rows[1].node).tooltip as vscode.MarkdownString;
    assert.match(tooltip.value, /rg-ml-westus/);
    assert.match(tooltip.value, /00000000-0000-0000-0000-000000000001/);
  });

  it('takes contributions from other capabilities: children, verdicts and root nodes; a failing one is left out', async () => {
    const broken = api.tree.addContribution({
      id: 'test-broken',
      order: 1,
      workspaceChildren: () => {
        throw new Error('boom');
      },
      workspaceVerdict: () => {
        throw new Error('boom');
      },
    });
    const good = api.tree.addContribution({
      id: 'test-good',
      workspaceChildren: (ws) => [{ item: new vscode.TreeItem(`Models of ${ws.workspace.workspace_name}`), children: () => [{ item: new vscode.TreeItem('model-a'), data: 'a' }] }],
      workspaceVerdict: (ws) => (ws.role === 'secondary' ? { severity: 'error', label: 'test-unreachable', detail: 'test detail' } : undefined),
      rootNodes: () => [{ item: new vscode.TreeItem('Test root') }],
    });
    try {
      const rows = await rootRows();
      assert.ok(rows.some((r) => r.label === 'Test root'), 'the root node is shown');
      const secondary = rows.find((r) => r.label === 'Secondary');
      assert.ok(secondary && secondary.description.includes('test-unreachable'), secondary?.description);
      const secondaryItem = api.tree.getTreeItem(secondary.node);
      assert.equal(secondaryItem.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
      assert.equal((secondaryItem.iconPath as vscode.ThemeIcon).id, 'error', 'the worst verdict picks the icon');
      // Other capabilities (health) may contribute children too: find ours by its label.
      const models = (await api.tree.getChildren(secondary.node)).find((n) => api.tree.getTreeItem(n).label === 'Models of mlw-westus');
      assert.ok(models, 'the contributed child is under Secondary');
      const [modelA] = await api.tree.getChildren(models);
      assert.ok(modelA.kind === 'contributed' && modelA.node.data === 'a' && modelA.workspace?.role === 'secondary');
      assert.equal(api.tree.getParent(modelA), models);
    } finally {
      broken.dispose();
      good.dispose();
    }
    const after = await rootRows();
    assert.ok(!after.some((r) => r.label === 'Test root'), 'dispose removes the contribution');
  });

  it('names the active workspace and its region in the status bar, once', async () => {
    await waitFor(() => api.statusBarText()?.includes('Primary eastus (active)'), 'the status bar to name the primary');
    assert.doesNotMatch(api.statusBarText() ?? '', /mlw-eastus/, 'the region item is the only one naming it');
  });

  it('switches to the secondary: config.json rewritten with other keys kept; tree and status bar follow', async () => {
    const result = await vscode.commands.executeCommand<{ changed: boolean } | undefined>('amlFailover.switchTo', 'secondary');
    assert.equal(result?.changed, true);
    assert.deepEqual(await readConfig(), {
      subscription_id: '00000000-0000-0000-0000-000000000001',
      resource_group: 'rg-ml-westus',
      workspace_name: 'mlw-westus',
      friendly_name: 'team workspace (kept by the switch)',
    });
    assert.deepEqual(await fs.readdir(path.dirname(configFile())), ['config.json'], 'no temp file left next to it');
    await waitFor(() => api.statusBarText()?.includes('Secondary westus (active)'), 'the status bar to name the secondary');
    await waitFor(async () => (await activeRow()) === 'Secondary', 'the tree to mark the secondary active');
  });

  it('labels config.json with the workspace it names and offers the switch above it', async () => {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(configFile()));
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
    const titles = lenses.map((l) => l.command?.title);
    assert.ok(titles.includes('$(cloud) Secondary workspace · westus · active'), titles.join(' | '));
    const back = lenses.find((l) => l.command?.command === 'amlFailover.switchTo');
    assert.deepEqual(back?.command?.arguments, ['primary']);
  });

  it('switches back through the tree node, as the inline action does', async () => {
    const primary = (await rootRows()).find((r) => r.label === 'Primary');
    assert.ok(primary);
    await vscode.commands.executeCommand('amlFailover.switchTo', primary.node);
    assert.equal((await readConfig()).workspace_name, 'mlw-eastus');
    await waitFor(() => api.statusBarText()?.includes('Primary eastus (active)'), 'the status bar to name the primary again');
  });

  it('follows a change to config.json made outside the extension (file watcher)', async () => {
    const changed = nextEvent(api.project.onDidChange, 'the project to notice the edit', (s) => s.active?.role === 'secondary');
    const data = await readConfig();
    await fs.writeFile(configFile(), JSON.stringify({ ...data, resource_group: 'rg-ml-westus', workspace_name: 'mlw-westus' }, null, 2));
    await changed;
    await waitFor(() => api.statusBarText()?.includes('Secondary westus (active)'), 'the status bar to follow the edit');
    assert.equal(await activeRow(), 'Secondary');
  });

  it('warns about a nested config that shadows the switched one, with its path', async () => {
    const nested = path.join(projectDir(), 'src', '.azureml', 'config.json');
    await fs.mkdir(path.dirname(nested), { recursive: true });
    const noticed = nextEvent(api.project.onDidChange, 'the shadowing warning', (s) => s.warnings.some((w) => w.kind === 'shadowing'));
    await fs.writeFile(nested, JSON.stringify({ subscription_id: '00000000-0000-0000-0000-000000000001', resource_group: 'rg-ml-eastus', workspace_name: 'mlw-eastus' }));
    const snapshot = await noticed;
    assert.equal(snapshot.warnings[0].file, nested);
    const warningsNode = (await rootRows()).find((r) => r.label.startsWith('Config warnings'));
    assert.ok(warningsNode, 'a Config warnings node in the tree');
    const children = await api.tree.getChildren(warningsNode.node);
    assert.equal(api.tree.getTreeItem(children[0]).label, 'src/.azureml/config.json');
    await waitFor(
      () => vscode.languages.getDiagnostics(vscode.Uri.file(nested)).some((d) => codeOf(d) === 'shadowing-config' && d.message.includes('shadows')),
      'a warning diagnostic in the shadowing file',
    );
    await fs.rm(path.join(projectDir(), 'src', '.azureml'), { recursive: true });
    await waitFor(async () => !(await rootRows()).some((r) => r.label.startsWith('Config warnings')), 'the warning to go away');
  });

  it('with the setting on, the Azure CLI local defaults are switched too, keeping the rest of the file', async () => {
    const cliConfig = path.join(projectDir(), '.azure', 'config');
    await fs.mkdir(path.dirname(cliConfig), { recursive: true });
    await fs.writeFile(cliConfig, '[core]\noutput = table\n\n[defaults]\nlocation = eastus\n');
    const settings = vscode.workspace.getConfiguration('amlFailover');
    await settings.update('switch.updateAzureCliDefaults', true, vscode.ConfigurationTarget.Workspace);
    try {
      await vscode.commands.executeCommand('amlFailover.switchTo', 'secondary');
      assert.equal(await fs.readFile(cliConfig, 'utf8'), '[core]\noutput = table\n\n[defaults]\nlocation = eastus\ngroup = rg-ml-westus\nworkspace = mlw-westus\n');
      assert.equal((await readConfig()).workspace_name, 'mlw-westus');
    } finally {
      await settings.update('switch.updateAzureCliDefaults', undefined, vscode.ConfigurationTarget.Workspace);
    }
    const before = await fs.readFile(cliConfig, 'utf8');
    await vscode.commands.executeCommand('amlFailover.switchTo', 'primary');
    assert.equal(await fs.readFile(cliConfig, 'utf8'), before, 'off again: .azure/config is left alone');
  });

  it('a bad pair file on disk gets diagnostics, empties the tree, and blocks the switch', async () => {
    const good = await fs.readFile(pairFile().fsPath, 'utf8');
    const before = await fs.readFile(configFile(), 'utf8');
    const diagnosed = nextEvent(vscode.languages.onDidChangeDiagnostics, 'diagnostics for aml-failover.yaml', () =>
      vscode.languages.getDiagnostics(pairFile()).some((d) => d.severity === vscode.DiagnosticSeverity.Error),
    );
    await fs.writeFile(pairFile().fsPath, good.replace('region: westus', 'region: West US'));
    await diagnosed;
    const [d] = vscode.languages.getDiagnostics(pairFile());
    assert.equal(codeOf(d), 'invalid-value');
    assert.ok(typeof d.code === 'object' && d.code.target.path.endsWith('docs/pair-file.md') && d.code.target.fragment === 'invalid-value', 'the code links to its documentation');
    assert.equal(d.source, 'aml-failover');
    assert.equal(d.range.start.line, 11);
    assert.equal(good.split('\n')[11].replace('westus', 'West US').slice(d.range.start.character, d.range.end.character), 'West US');
    assert.equal((await api.project.refresh()).pair.state, 'invalid');
    assert.deepEqual(await api.tree.getChildren(), [], 'the tree is empty so the welcome explains the problem');
    await waitFor(() => api.statusBarText()?.includes('aml-failover.yaml'), 'the status bar to point at the bad pair file');

    const result = await vscode.commands.executeCommand('amlFailover.switchTo', 'primary');
    assert.equal(result, undefined);
    assert.equal(await fs.readFile(configFile(), 'utf8'), before, 'config.json is untouched');
    await fs.writeFile(pairFile().fsPath, good);
    await waitFor(async () => (await api.project.refresh()).pair.state === 'valid', 'the pair file to be valid again');
  });

  it('validates as the user types, and the quick fix repairs the value', async () => {
    const doc = await vscode.workspace.openTextDocument(pairFile());
    await vscode.window.showTextDocument(doc);
    const line = doc.lineAt(11);
    const at = line.text.indexOf('westus');
    const edit = new vscode.WorkspaceEdit();
    edit.replace(doc.uri, new vscode.Range(11, at, 11, at + 'westus'.length), 'West US');
    const diagnosed = nextEvent(vscode.languages.onDidChangeDiagnostics, 'diagnostics of the unsaved edit', () =>
      vscode.languages.getDiagnostics(doc.uri).some((d) => codeOf(d) === 'invalid-value'),
    );
    assert.ok(await vscode.workspace.applyEdit(edit));
    await diagnosed;
    const [d] = vscode.languages.getDiagnostics(doc.uri);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, d.range, vscode.CodeActionKind.QuickFix.value);
    const fix = actions.find((a) => a.title === 'Write "westus"');
    assert.ok(fix?.edit, `quick fixes offered: ${actions.map((a) => a.title).join(', ')}`);
    assert.equal(fix.isPreferred, true);
    const cleared = nextEvent(vscode.languages.onDidChangeDiagnostics, 'the diagnostics to clear', () => vscode.languages.getDiagnostics(doc.uri).length === 0);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    await cleared;
    assert.equal(doc.lineAt(11).text.trim(), 'region: westus');
    await doc.save();
  });

  it('completes the secondary\'s region with the primary\'s paired region first', async () => {
    const doc = await vscode.workspace.openTextDocument(pairFile());
    const end = doc.lineAt(11).range.end;
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, end);
    const ours = list.items.filter((i) => i.kind === vscode.CompletionItemKind.Value);
    const westus = ours.find((i) => i.label === 'westus');
    assert.ok(westus?.preselect, ours.map((i) => i.label).join(', '));
    assert.equal(westus.detail, 'paired with eastus');
    assert.ok(!ours.some((i) => i.label === 'eastus'), 'the primary\'s own region is not offered');
  });

  it('does not switch under unsaved edits to config.json', async () => {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(configFile()));
    const editor = await vscode.window.showTextDocument(doc);
    assert.ok(await editor.edit((b) => b.insert(new vscode.Position(0, 1), '\n    "note": "mine",')));
    assert.ok(doc.isDirty);
    const before = await fs.readFile(configFile(), 'utf8');
    assert.equal(await vscode.commands.executeCommand('amlFailover.switchTo', 'primary'), undefined);
    assert.equal(await fs.readFile(configFile(), 'utf8'), before);
    assert.ok(doc.isDirty && doc.getText().includes('"note": "mine"'), 'the unsaved edit is still there');
    await vscode.commands.executeCommand('workbench.action.files.revert');
    assert.equal(doc.isDirty, false);
  });

  it('refuses to overwrite a config.json that is not valid JSON, keeping its bytes', async () => {
    const broken = '{ "subscription_id": "00000000-0000-0000-0000-000000000001", oops }\n';
    const noticed = nextEvent(api.project.onDidChange, 'the broken config', (s) => s.active?.state === 'invalid');
    await fs.writeFile(configFile(), broken);
    await noticed;
    await waitFor(() => api.statusBarText()?.includes('AML config invalid'), 'the status bar to show the config is invalid');
    const result = await vscode.commands.executeCommand('amlFailover.switchTo', 'primary');
    assert.equal(result, undefined);
    assert.equal(await fs.readFile(configFile(), 'utf8'), broken);
  });
});
