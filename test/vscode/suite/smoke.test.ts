// @fixture test/fixtures/vscode/pair
// The packaged extension, installed from the .vsix, activates on a folder holding aml-failover.yaml and registers
// every command its package.json declares.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, waitFor } from '../support';

describe('smoke: the installed extension', () => {
  it('is installed from the .vsix, not loaded from the source tree', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed`);
    assert.ok(!ext.extensionPath.startsWith(process.env.AML_FAILOVER_TEST_REPO ?? '/nonexistent'), ext.extensionPath);
  });

  it('activates by itself because the folder holds aml-failover.yaml', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    await waitFor(() => ext.isActive, 'the extension to activate on workspaceContains:aml-failover.yaml');
  });

  it('registers every command declared in package.json', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const declared: string[] = (ext.packageJSON.contributes?.commands ?? []).map((c: { command: string }) => c.command);
    assert.ok(declared.includes('amlFailover.switchTo'), 'package.json declares no amlFailover.switchTo command');
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = declared.filter((c) => !registered.has(c));
    assert.deepEqual(missing, [], `declared but not registered: ${missing.join(', ')}`);
  });
});
