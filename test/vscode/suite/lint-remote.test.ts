// @sandbox
// The remote check in the real editor against the sandbox: portable references to what only the active (primary)
// workspace holds, and a URL into its own storage account, are flagged once the background listing arrives; an
// outage of the primary and a switch to the secondary keep those findings, marked as the last known answer.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { sendFault } from '../../../src/sandbox/control';
import { activateExtension, nextEvent, projectDir, sandbox } from '../support';

const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'AML Failover');
const codeOf = (d: vscode.Diagnostic) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code));

async function diagnosticsFor(uri: vscode.Uri, what: string, match: (ds: vscode.Diagnostic[]) => boolean): Promise<vscode.Diagnostic[]> {
  if (match(ours(uri))) return ours(uri);
  await nextEvent(vscode.languages.onDidChangeDiagnostics, what, (e) => e.uris.some((u) => u.toString() === uri.toString()) && match(ours(uri)), 60_000);
  return ours(uri);
}

describe('lint remote check in VS Code (sandbox)', () => {
  before(async () => {
    await activateExtension();
  });

  it('flags the environment and compute the secondary lacks, on their values', async () => {
    const uri = vscode.Uri.file(path.join(projectDir(), 'jobs/finetune-sentiment.yml'));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const ds = await diagnosticsFor(uri, 'two not-in-other-workspace diagnostics', (d) => d.filter((x) => codeOf(x) === 'not-in-other-workspace').length === 2);
    const texts = ds.filter((x) => codeOf(x) === 'not-in-other-workspace').map((x) => doc.getText(x.range)).sort();
    assert.deepEqual(texts, ['azureml:gpu-cluster', 'azureml:pytorch-env@latest']);
    assert.match(ds[0]!.message, /exists in the primary workspace .* but not in the secondary/);
  });

  it("flags a URL into the primary's storage account and fixes it to the datastore spelling", async () => {
    const uri = vscode.Uri.file(path.join(projectDir(), 'jobs/credit-pipeline.yml'));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const [d] = (await diagnosticsFor(uri, 'the workspace-storage-url diagnostic', (x) => x.some((y) => codeOf(y) === 'workspace-storage-url'))).filter((y) => codeOf(y) === 'workspace-storage-url');
    assert.match(doc.getText(d!.range), /^https:\/\/.+\.blob\.core\.windows\.net\/.+\/data\/credit\/$/);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, d!.range, vscode.CodeActionKind.QuickFix.value);
    const preferred = actions.find((a) => a.isPreferred);
    assert.ok(preferred, actions.map((a) => a.title).join(' | '));
    assert.ok(await vscode.workspace.applyEdit(preferred.edit!));
    assert.match(doc.lineAt(d!.range.start.line).text, /path: azureml:\/\/datastores\/[\w-]+\/paths\/data\/credit\/$/);
  });

  it('keeps the findings through an outage of the primary and a switch, marked as last known', async () => {
    const uri = vscode.Uri.file(path.join(projectDir(), 'jobs/finetune-sentiment.yml'));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    await diagnosticsFor(uri, 'the two findings', (d) => d.filter((x) => codeOf(x) === 'not-in-other-workspace').length === 2);
    // The fault is on before the switch starts, and stays on.
    await sendFault(sandbox().projectDir, 'primary', 'outage');
    try {
      await vscode.commands.executeCommand('amlFailover.switchTo', 'secondary');
      const ds = await diagnosticsFor(uri, 'the findings marked as last known', (d) => d.filter((x) => codeOf(x) === 'not-in-other-workspace' && / \(last known, [^;]+; \S+ unreachable\)$/.test(x.message)).length === 2);
      const kept = ds.filter((x) => codeOf(x) === 'not-in-other-workspace');
      assert.deepEqual(kept.map((x) => doc.getText(x.range)).sort(), ['azureml:gpu-cluster', 'azureml:pytorch-env@latest']);
      assert.match(kept[0]!.message, /exists in the primary workspace .* but not in the secondary .*: the secondary is the active workspace, so this reference does not resolve now/);
    } finally {
      await sendFault(sandbox().projectDir, 'primary', 'none');
    }
  });
});
