// @fixture test/fixtures/projects/no-pair
// A project with a workspace config but no aml-failover.yaml: opening the Failover view activates the extension,
// the tree is empty (the welcome offers "Create failover config"), and the guide, answered with its first choice at
// every step, takes the current .azureml/config.json as the primary, the other config found as the secondary and
// the paired region, writes a valid aml-failover.yaml, and the tree and status bar appear.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parse } from 'yaml';
import type { AmlFailoverApi } from '../../../src/extension';
import { EXTENSION_ID, nextEvent, projectDir, runAcceptingDefaults, waitFor } from '../support';

let api: AmlFailoverApi;

describe('foundation: create failover config', () => {
  it('activates when the user opens the Failover view, with an empty tree for the welcome', async () => {
    const ext = vscode.extensions.getExtension<AmlFailoverApi>(EXTENSION_ID);
    assert.ok(ext);
    assert.equal(ext.isActive, false, 'no pair file: the extension stays asleep until asked');
    await vscode.commands.executeCommand('workbench.view.extension.amlFailover');
    await waitFor(() => ext.isActive, 'activation by opening the view');
    api = ext.exports;
    assert.equal((await api.project.refresh()).pair.state, 'missing');
    assert.deepEqual(await api.tree.getChildren(), []);
    assert.equal(api.statusBarText(), undefined, 'no status bar item without a pair');
  });

  it('switching without a pair file switches nothing', async () => {
    const before = await fs.readFile(path.join(projectDir(), '.azureml', 'config.json'), 'utf8');
    assert.equal(await vscode.commands.executeCommand('amlFailover.switchTo', 'secondary'), undefined);
    assert.equal(await fs.readFile(path.join(projectDir(), '.azureml', 'config.json'), 'utf8'), before);
  });

  it('the guide offers the current config as primary and the paired region, and writes a valid pair file', async () => {
    // Press Enter on whatever step is showing until the guide finishes (4 steps: workspace and region, twice).
    const uri = await runAcceptingDefaults<vscode.Uri | undefined>('amlFailover.createConfig', [], 'the guide to finish', 20_000);
    assert.equal(uri?.fsPath, path.join(projectDir(), 'aml-failover.yaml'));
    const pair = parse(await fs.readFile(uri.fsPath, 'utf8'));
    assert.deepEqual(pair.workspaces, {
      primary: { subscription_id: '00000000-0000-0000-0000-000000000001', resource_group: 'rg-ml-eastus', workspace_name: 'mlw-eastus', region: 'eastus' },
      secondary: { subscription_id: '00000000-0000-0000-0000-000000000001', resource_group: 'rg-ml-westus', workspace_name: 'mlw-westus', region: 'westus' },
    });
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, uri.fsPath, 'the new file is opened');
  });

  it('the tree and status bar appear, with the primary active and the stale deploy/config.json pointed out', async () => {
    const snapshot = await api.project.refresh();
    assert.equal(snapshot.pair.state, 'valid');
    assert.equal(snapshot.active?.role, 'primary');
    const labels = (await api.tree.getChildren()).map((n) => api.tree.getTreeItem(n).label);
    assert.deepEqual(labels.slice(0, 2), ['Primary', 'Secondary']);
    assert.ok(snapshot.warnings.some((w) => w.kind === 'stale' && w.file === path.join(projectDir(), 'deploy', 'config.json')));
    await waitFor(() => api.statusBarText()?.includes('Primary eastus (active)'), 'the status bar to name the primary');
  });

  it('"Which Azure ML workspace applies here?" answers for a folder', async () => {
    const result = await vscode.commands.executeCommand<{ hit?: { file: string }; role?: string }>('amlFailover.whichConfig', vscode.Uri.file(path.join(projectDir(), 'deploy')));
    assert.equal(result?.hit?.file, path.join(projectDir(), '.azureml', 'config.json'), '.azureml/config.json above beats config.json next to the code');
    assert.equal(result?.role, 'primary');
  });
  it('a pair file that appears while the guide is open is reported and left as it is, never overwritten', async () => {
    const file = path.join(projectDir(), 'aml-failover.yaml');
    await fs.rm(file);
    await waitFor(async () => (await api.project.refresh()).pair.state === 'missing', 'the project to see no pair file');
    // The guide reads the project once when it starts; the file appears right after, while its pickers are open.
    const guideRead = nextEvent(api.project.onDidChange, 'the guide to read the project');
    const created = vscode.commands.executeCommand<vscode.Uri | undefined>('amlFailover.createConfig');
    let done = false;
    void created.then(() => (done = true), () => (done = true));
    assert.equal((await guideRead).pair.state, 'missing');
    const theirs = '# written by a teammate\nworkspaces: {}\n';
    await fs.writeFile(file, theirs);
    await waitFor(async () => {
      if (!done) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      return done;
    }, 'the guide to finish', 20_000);
    assert.equal(await created, undefined, 'nothing was created');
    assert.equal(await fs.readFile(file, 'utf8'), theirs);
  });
});
