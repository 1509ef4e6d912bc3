// @fixture test/fixtures/lint/project
// Lint in the real editor: open a job YAML and a Python file, see the diagnostics on the pinned values, apply the
// preferred quick fix, edit, close.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, nextEvent, projectDir, waitFor } from '../support';

const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'AML Failover');
const codeOf = (d: vscode.Diagnostic) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code));

async function diagnosticsFor(uri: vscode.Uri, what: string, match: (ds: vscode.Diagnostic[]) => boolean): Promise<vscode.Diagnostic[]> {
  if (match(ours(uri))) return ours(uri);
  await nextEvent(vscode.languages.onDidChangeDiagnostics, what, (e) => e.uris.some((u) => u.toString() === uri.toString()) && match(ours(uri)), 15_000);
  return ours(uri);
}

describe('lint in VS Code', () => {
  before(async () => {
    await activateExtension();
  });

  it('flags the pinned environment and compute of a job YAML on the values themselves, with rule links', async () => {
    const uri = vscode.Uri.file(path.join(projectDir(), 'jobs/train.yml'));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const ds = await diagnosticsFor(uri, 'two lint diagnostics on train.yml', (d) => d.length === 2);
    const [env, compute] = [...ds].sort((a, b) => a.range.start.line - b.range.start.line);
    assert.equal(codeOf(env!), 'workspace-arm-id');
    assert.equal(env!.severity, vscode.DiagnosticSeverity.Warning);
    assert.match(env!.message, /workspace 'mlw-eastus'.*the primary workspace of this pair/);
    assert.ok(doc.getText(env!.range).startsWith('azureml:/subscriptions/'), doc.getText(env!.range));
    assert.ok(doc.getText(env!.range).endsWith('/environments/sklearn-env/versions/2'));
    assert.equal(env!.range.start.line, 3);
    // The compute is a double-quoted value continued over two lines: the range spans both.
    assert.equal(compute!.range.start.line, 4);
    assert.equal(compute!.range.end.line, 5);
    const target = (env!.code as { target: vscode.Uri }).target;
    assert.match(target.path, /docs\/lint-rules\.md$/);
    assert.equal(target.fragment, 'workspace-arm-id');
    // The link opens the rule's explanation shipped with the extension.
    const explained = new TextDecoder().decode(await vscode.workspace.fs.readFile(target.with({ fragment: '' })));
    assert.match(explained, /^## workspace-arm-id$/m);
  });

  it('applies the preferred quick fix, and the diagnostic goes away', async () => {
    const uri = vscode.Uri.file(path.join(projectDir(), 'jobs/train.yml'));
    const doc = await vscode.workspace.openTextDocument(uri);
    const env = ours(uri).find((d) => d.range.start.line === 3)!;
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, env.range, vscode.CodeActionKind.QuickFix.value);
    const titles = actions.map((a) => a.title);
    const preferred = actions.find((a) => a.isPreferred);
    assert.ok(preferred, `no preferred fix among ${titles.join(' | ')}`);
    assert.equal(preferred.title, 'Use azureml:sklearn-env:2');
    assert.ok(titles.includes('Ignore workspace-arm-id on this line'), titles.join(' | '));
    assert.ok(titles.some((t) => t.startsWith('Fix all pinned workspace references in this file')), titles.join(' | '));
    assert.ok(await vscode.workspace.applyEdit(preferred.edit!));
    assert.equal(doc.lineAt(3).text, 'environment: azureml:sklearn-env:2');
    const left = await diagnosticsFor(uri, 'one diagnostic left after the fix', (d) => d.length === 1);
    assert.equal(left[0]!.range.start.line, 4);
  });

  it('re-lints after an edit (debounced) and fixes all in the file', async () => {
    const uri = vscode.Uri.file(path.join(projectDir(), 'jobs/train.yml'));
    const doc = await vscode.workspace.openTextDocument(uri);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(uri, new vscode.Position(doc.lineCount, 0), 'outputs:\n  model:\n    path: azureml://jobs/bold_lime_1/outputs/model\n');
    await vscode.workspace.applyEdit(edit);
    const ds = await diagnosticsFor(uri, 'the job-output reference (raised to warning in lint.rules)', (d) => d.some((x) => codeOf(x) === 'job-output-reference'));
    assert.equal(ds.find((x) => codeOf(x) === 'job-output-reference')!.severity, vscode.DiagnosticSeverity.Warning);
    const applied = await vscode.commands.executeCommand<number>('amlFailover.lint.fixAll', uri);
    assert.equal(applied, 1);
    assert.match(doc.getText(), /^compute: "azureml:cpu-cluster"$/m);
    await diagnosticsFor(uri, 'only the job output left', (d) => d.length === 1 && codeOf(d[0]!) === 'job-output-reference');
  });

  it('flags MLClient with literal coordinates in Python and offers MLClient.from_config', async () => {
    const uri = vscode.Uri.file(path.join(projectDir(), 'src/train.py'));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const [d] = await diagnosticsFor(uri, 'the MLClient diagnostic', (ds) => ds.length === 1);
    assert.equal(codeOf(d!), 'literal-workspace-client');
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, d!.range, vscode.CodeActionKind.QuickFix.value);
    const preferred = actions.find((a) => a.isPreferred)!;
    assert.ok(await vscode.workspace.applyEdit(preferred.edit!));
    assert.equal(doc.lineAt(3).text, 'ml_client = MLClient.from_config(credential=DefaultAzureCredential())');
    await diagnosticsFor(uri, 'no diagnostics after the fix', (ds) => ds.length === 0);
  });

  it('flags literal MLClient arguments in a notebook code cell, ranged in the cell', async () => {
    const uri = vscode.Uri.file(path.join(projectDir(), 'notebooks/explore.ipynb'));
    const notebook = await vscode.workspace.openNotebookDocument(uri);
    await vscode.window.showNotebookDocument(notebook);
    const cell = notebook.cellAt(1).document;
    assert.equal(cell.uri.scheme, 'vscode-notebook-cell');
    const [d] = await diagnosticsFor(cell.uri, 'the MLClient diagnostic in the code cell', (ds) => ds.length === 1);
    assert.equal(codeOf(d!), 'literal-workspace-client');
    assert.equal(d!.range.start.line, 3);
    assert.ok(cell.getText(d!.range).startsWith('MLClient('));
    assert.equal(ours(notebook.cellAt(0).document.uri).length, 0);
  });

  it('clears the diagnostics when VS Code closes the document (a change of language closes and reopens it)', async () => {
    const uri = vscode.Uri.file(path.join(projectDir(), 'src/train.py'));
    const doc = await vscode.workspace.openTextDocument(uri);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(uri, new vscode.Position(doc.lineCount, 0), 'legacy = MLClient(DefaultAzureCredential(), "00000000-0000-0000-0000-000000000001", "rg-ml-westus", "mlw-westus")\n');
    await vscode.workspace.applyEdit(edit);
    const [d] = await diagnosticsFor(uri, 'the diagnostic on the new line', (ds) => ds.length === 1);
    assert.match(d!.message, /the secondary workspace of this pair/);
    const closed = nextEvent(vscode.workspace.onDidCloseTextDocument, 'train.py to close', (e) => e.uri.toString() === uri.toString());
    await vscode.languages.setTextDocumentLanguage(doc, 'plaintext');
    await closed;
    await waitFor(() => ours(uri).length === 0, 'diagnostics of train.py to be cleared');
  });

  it('leaves an export alone: files in a folder holding an aml-failover manifest.json get no diagnostics', async () => {
    // What an export to a folder of the user's choosing writes, while the editor is open.
    const pinned = 'environment: azureml:/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-ml-eastus/providers/Microsoft.MachineLearningServices/workspaces/mlw-eastus/environments/sklearn-env/versions/2\n';
    const out = path.join(projectDir(), 'backups', 'primary');
    await fs.mkdir(path.join(out, 'jobs'), { recursive: true });
    await fs.writeFile(path.join(out, 'manifest.json'), `${JSON.stringify({ version: 1, tool: 'aml-failover', complete: true, files: [], names: [], failed: [] }, null, 2)}\n`);
    await fs.writeFile(path.join(out, 'jobs', 'exported.yml'), pinned);
    await fs.writeFile(path.join(projectDir(), 'jobs', 'copied.yml'), pinned);
    const exported = vscode.Uri.file(path.join(out, 'jobs', 'exported.yml'));
    const copied = vscode.Uri.file(path.join(projectDir(), 'jobs', 'copied.yml'));
    // Opened first, so its (debounced) lint runs first: once the copy outside the export has its diagnostic, the
    // exported file has had its turn.
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(exported));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(copied));
    await diagnosticsFor(copied, 'the diagnostic on the copy outside the export', (ds) => ds.length === 1);
    assert.deepEqual(ours(exported), []);
  });
});
