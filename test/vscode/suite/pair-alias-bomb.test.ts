// @fixture test/fixtures/vscode/pair-alias-bomb
// A pair file holding an alias bomb in the folder VS Code opens: the extension still activates, and the file gets
// one problem where the expansion starts instead of an exception.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AmlFailoverApi } from '../../../src/extension';
import { EXTENSION_ID, projectDir, waitFor } from '../support';

describe('pair file with an alias bomb', () => {
  it('activates, reports the pair file as broken, and underlines the first alias', async () => {
    const ext = vscode.extensions.getExtension<AmlFailoverApi>(EXTENSION_ID);
    assert.ok(ext);
    await waitFor(() => ext.isActive, 'activation on workspaceContains:aml-failover.yaml');
    const snapshot = await ext.exports.project.refresh();
    assert.equal(snapshot.pair.state, 'invalid');

    const uri = vscode.Uri.file(path.join(projectDir(), 'aml-failover.yaml'));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const diagnostics = await waitFor(() => {
      const d = vscode.languages.getDiagnostics(uri).filter((x) => x.source === 'aml-failover');
      return d.length ? d : undefined;
    }, 'a diagnostic on the pair file');
    assert.equal(diagnostics.length, 1, diagnostics.map((d) => d.message).join('\n'));
    assert.match(diagnostics[0].message, /alias/i);
    assert.equal(doc.getText(diagnostics[0].range), '*l0');
  });
});
