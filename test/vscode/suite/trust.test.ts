// @fixture test/fixtures/lint/project
// @workspaceTrust
// @settings {"security.workspace.trust.startupPrompt": "never"}
// Workspace Trust on (no --disable-workspace-trust): a stranger's repository opens in Restricted Mode. The linter
// still runs on its files and shows its warnings; the switch, export, the failover runbook, backup and restore ask for
// trust first and write nothing (VS Code refuses to show dialogs to a test run and says what was asked); health and
// inventory wait for trust.
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, nextEvent, projectDir } from '../support';

const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'AML Failover');

describe('an untrusted folder (Restricted Mode)', () => {
  before(async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the folder opened untrusted');
    await activateExtension();
  });

  it('the linter runs on the files and shows its warnings', async () => {
    const uri = vscode.Uri.file(path.join(projectDir(), 'jobs/train.yml'));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    if (ours(uri).length !== 2) await nextEvent(vscode.languages.onDidChangeDiagnostics, 'lint diagnostics on train.yml', () => ours(uri).length === 2, 15_000);
    assert.deepEqual(ours(uri).map((d) => d.severity), [vscode.DiagnosticSeverity.Warning, vscode.DiagnosticSeverity.Warning]);
  });

  it('switching and exporting ask for trust first, and nothing is written', async () => {
    const config = path.join(projectDir(), '.azureml', 'config.json');
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('amlFailover.switchTo', 'secondary')), /Contents: Switching workspaces needs a trusted folder\./);
    assert.equal(existsSync(config), false, 'no config.json written');
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('amlFailover.exportWorkspace', { role: 'primary' })), /Contents: Export needs a trusted folder\./);
    assert.equal(existsSync(path.join(projectDir(), 'aml-export')), false, 'no export folder');
  });

  it('the failover runbook, backup and restore ask for trust first, and nothing is written', async function () {
    this.timeout(30_000); // untrusted, each command would otherwise wait on its first quick pick forever
    const asks: [string, string, ...unknown[]][] = [
      ['amlFailover.failover', 'Failover', 'secondary'],
      ['amlFailover.startDrill', 'The drill'],
      ['amlFailover.resubmitInterrupted', 'Resubmitting', 'secondary'],
      ['amlFailover.failback', 'Fail back', 'primary'],
      ['amlFailover.cleanUpDrill', 'Cleaning up a drill', 'drill-1'],
      ['amlFailover.restoreBackup', 'Restore', { role: 'secondary', backupDir: path.join(projectDir(), 'aml-export') }],
      ['amlFailover.backupNow', 'Backup', 'primary'],
    ];
    for (const [command, action, ...args] of asks) {
      await assert.rejects(Promise.resolve(vscode.commands.executeCommand(command, ...args)), new RegExp(`Contents: ${action} needs a trusted folder\\.`), command);
    }
    for (const written of ['.aml-failover', 'aml-backup']) assert.equal(existsSync(path.join(projectDir(), written)), false, `no ${written} (runbook state, reports, backups)`);
  });

  it('health and inventory wait for trust, and say so', async () => {
    const inspect = await vscode.commands.executeCommand<{ tree: { label: string; description?: string; tooltip?: string }[] }>('amlFailover.health.inspect', { treeDepth: 1 });
    const text = JSON.stringify(inspect);
    assert.match(text, /Restricted Mode: trust this folder to probe and list its workspaces/);
  });
});
