// @sandbox {"largeModelMb":48,"notebooks":20}
// Export in the real VS Code, against the sandbox: "Export Notebooks" on the primary's Notebooks node writes the
// share's files and a complete manifest; a long export cancelled part-way leaves only complete files and a manifest
// of what is complete. That export, restored from the Secondary node, lists its notebooks under the Secondary; Back Up Now puts a recovery point on the workspace node.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { sendFault } from '../../../src/sandbox/control';
import { activateExtension, sandbox, waitFor } from '../support';

interface TreeApi {
  getChildren(node?: unknown): Promise<unknown[]>;
  getTreeItem(node: unknown): vscode.TreeItem;
}

interface ExportResult {
  fetched: number;
  localEdits: string[];
  complete: boolean;
  cancelled: boolean;
  manifestPath: string;
}

interface Manifest {
  complete: boolean;
  files: { path: string; size: number; sha256: string; asset: { kind: string } }[];
}

async function allFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (await fs.readdir(dir, { recursive: true })).map(String);
}

describe('export: from the tree, with cancel', function () {
  this.timeout(180_000);
  let tree: TreeApi;

  before(async () => {
    const ext = await activateExtension<{ tree: TreeApi }>();
    tree = ext.exports.tree;
  });

  it('exports the primary’s notebooks from its Notebooks node', async () => {
    const primary = await waitFor(async () => (await tree.getChildren()).find((n) => (n as { kind?: string; role?: string }).kind === 'workspace' && (n as { role: string }).role === 'primary'), 'the Primary node');
    const notebooksNode = await waitFor(async () => {
      for (const child of await tree.getChildren(primary)) {
        if (/\binventory\.notebooks\b/.test(tree.getTreeItem(child).contextValue ?? '')) return child;
      }
      return undefined;
    }, 'the Notebooks node under Primary', 60_000);
    const result = await vscode.commands.executeCommand<ExportResult>('amlFailover.exportNotebooks', notebooksNode);
    assert.ok(result, 'the export ran');
    assert.equal(result.complete, true);
    const out = path.join(sandbox().projectDir, 'aml-export', 'primary');
    assert.equal(result.manifestPath, path.join(out, 'manifest.json'));
    const manifest = JSON.parse(await fs.readFile(result.manifestPath, 'utf8')) as Manifest;
    assert.equal(manifest.complete, true);
    const notebooks = manifest.files.filter((f) => f.asset.kind === 'notebooks');
    assert.ok(notebooks.length >= 20, `${notebooks.length} notebooks exported`);
    for (const f of notebooks) {
      const bytes = await fs.readFile(path.join(out, f.path));
      assert.equal(createHash('sha256').update(bytes).digest('hex'), f.sha256, f.path);
    }
    assert.ok(notebooks.some((f) => f.path.startsWith('notebooks/Users/alice/') && f.path.endsWith('.ipynb')));
  });

  it('keeps a notebook edited in the export folder, and replaces it when asked to (force)', async () => {
    const out = path.join(sandbox().projectDir, 'aml-export', 'primary');
    const manifest = JSON.parse(await fs.readFile(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
    const notebook = manifest.files.find((f) => f.asset.kind === 'notebooks')!;
    const mine = '{"cells": [], "note": "edited here"}\n';
    await fs.writeFile(path.join(out, notebook.path), mine);
    const kept = await vscode.commands.executeCommand<ExportResult>('amlFailover.exportWorkspace', { role: 'primary', kinds: ['notebooks'] });
    assert.deepEqual(kept?.localEdits, [notebook.path]);
    assert.equal(kept?.complete, false);
    assert.equal(await fs.readFile(path.join(out, notebook.path), 'utf8'), mine, 'the edit was kept');
    // What "Replace Them" runs.
    const replaced = await vscode.commands.executeCommand<ExportResult>('amlFailover.exportWorkspace', { role: 'primary', kinds: ['notebooks'], force: true });
    assert.equal(replaced?.complete, true);
    const bytes = await fs.readFile(path.join(out, notebook.path));
    assert.equal(createHash('sha256').update(bytes).digest('hex'), notebook.sha256);
  });

  it('cancels a long export, leaving only complete files and a manifest of them', async () => {
    const projectDir = sandbox().projectDir;
    const out = path.join(projectDir, 'aml-export', 'cancelled');
    // Slow the primary's storage so the large model takes a while.
    await sendFault(projectDir, 'primary', 'slow', { latencyMs: 400 });
    try {
      const running = vscode.commands.executeCommand<ExportResult>('amlFailover.exportWorkspace', { role: 'primary', kinds: ['models'], outDir: out });
      // Wait until some files are complete (the manifest is checkpointed as they land), then cancel.
      await waitFor(async () => {
        try {
          return (JSON.parse(await fs.readFile(path.join(out, 'manifest.json'), 'utf8')) as Manifest).files.length > 0;
        } catch {
          return false;
        }
      }, 'the first files of the export', 120_000);
      const cancelled = await vscode.commands.executeCommand<number>('amlFailover.cancelExport');
      assert.equal(cancelled, 1, 'one export was running');
      const result = await running;
      assert.ok(result);
      assert.equal(result.cancelled, true);
      assert.equal(result.complete, false);
      const manifest = JSON.parse(await fs.readFile(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
      assert.equal(manifest.complete, false);
      const listed = new Set(manifest.files.map((f) => f.path));
      const onDisk = [];
      for (const rel of await allFiles(out)) {
        const abs = path.join(out, rel);
        if (!(await fs.stat(abs)).isFile() || rel === 'manifest.json') continue;
        onDisk.push(rel.split(path.sep).join('/'));
      }
      assert.deepEqual(onDisk.filter((f) => f.endsWith('.amlf-partial')), [], 'no partial file is left');
      for (const f of onDisk) assert.ok(listed.has(f), `${f} is on disk but not in the manifest`);
      for (const f of manifest.files) {
        const bytes = await fs.readFile(path.join(out, f.path));
        assert.equal(bytes.length, f.size, f.path);
        assert.equal(createHash('sha256').update(bytes).digest('hex'), f.sha256, f.path);
      }
      assert.ok(!manifest.files.some((f) => f.size >= 48 * 1024 * 1024), 'the large model was not finished');
    } finally {
      await sendFault(projectDir, 'primary', 'none');
    }
  });

  it('Restore from Backup on the Secondary node, the plan confirmed: the restored notebooks are listed under its Notebooks node', async () => {
    const out = path.join(sandbox().projectDir, 'aml-export', 'primary');
    const secondary = await waitFor(async () => (await tree.getChildren()).find((n) => (n as { kind?: string; role?: string }).kind === 'workspace' && (n as { role: string }).role === 'secondary'), 'the Secondary node');
    const listedNotebooks = async (): Promise<string[]> => {
      const paths: string[] = [];
      const walk = async (node: unknown): Promise<void> => {
        for (const child of await tree.getChildren(node)) {
          const item = tree.getTreeItem(child);
          if (/\binventory\.notebook\b/.test(item.contextValue ?? '')) paths.push((child as { node: { data: { path: string } } }).node.data.path);
          else if (item.collapsibleState !== vscode.TreeItemCollapsibleState.None) await walk(child);
        }
      };
      for (const child of await tree.getChildren(secondary)) {
        if (/\binventory\.notebooks\b/.test(tree.getTreeItem(child).contextValue ?? '')) await walk(child);
      }
      return paths;
    };
    const result = await vscode.commands.executeCommand<{ report: { created: { kind: string; path: string }[]; failed: unknown[] } }>('amlFailover.restoreBackup', secondary, { backupDir: out, confirmed: true });
    assert.ok(result, 'the restore ran');
    assert.deepEqual(result.report.failed, []);
    const restored = result.report.created.filter((e) => e.kind === 'notebook').map((e) => e.path.slice('notebooks/'.length));
    assert.ok(restored.length >= 20, `${restored.length} notebooks restored`);
    await waitFor(async () => {
      const listed = new Set(await listedNotebooks());
      return restored.every((p) => listed.has(p));
    }, 'every restored notebook under Secondary → Notebooks', 60_000);
  });

  it('Back Up Now on the Secondary node takes a verified snapshot, which the node shows; past maxAgeHours it is a warning', async () => {
    const secondary = await waitFor(async () => (await tree.getChildren()).find((n) => (n as { kind?: string; role?: string }).kind === 'workspace' && (n as { role: string }).role === 'secondary'), 'the Secondary node');
    const outcome = await vscode.commands.executeCommand<{ snapshot: string; complete: boolean }>('amlFailover.backupNow', secondary);
    assert.ok(outcome?.complete, 'the backup completed');
    assert.equal(path.dirname(outcome.snapshot), path.join(sandbox().projectDir, 'aml-backup', 'secondary'));
    const verified = JSON.parse(await fs.readFile(path.join(outcome.snapshot, 'verified.json'), 'utf8')) as { ok: boolean };
    assert.equal(verified.ok, true);
    const node = async () => (await tree.getChildren()).find((n) => (n as { role?: string }).role === 'secondary')!;
    const item = await waitFor(async () => {
      const i = tree.getTreeItem(await node());
      return /backup \d+ min old/.test(String(i.description)) ? i : undefined;
    }, 'the recovery point on the Secondary node');
    assert.notEqual((item.iconPath as vscode.ThemeIcon).id, 'warning');
    // Under the node: the Backup row, compared with the workspace (nothing changed since).
    const backupRow = await waitFor(async () => {
      for (const child of await tree.getChildren(await node())) {
        const i = tree.getTreeItem(child);
        if (/\bbackup\.point\b/.test(i.contextValue ?? '') && /nothing changed since/.test(String(i.description))) return i;
      }
      return undefined;
    }, 'the Backup row saying nothing changed since', 60_000);
    assert.match(String(backupRow.description), /verified/);

    await vscode.workspace.getConfiguration('amlFailover').update('backup.maxAgeHours', 0.0001, vscode.ConfigurationTarget.Global);
    try {
      await waitFor(async () => ((tree.getTreeItem(await node()).iconPath as vscode.ThemeIcon | undefined)?.id === 'warning' ? true : undefined), 'the warning on the Secondary node');
      // The tooltip says why, and what to do.
      const tip = async () => {
        for (const child of await tree.getChildren(await node())) {
          const i = tree.getTreeItem(child);
          if (/\bbackup\.point\b/.test(i.contextValue ?? '')) return i.tooltip instanceof vscode.MarkdownString ? i.tooltip.value : String(i.tooltip);
        }
        return undefined;
      };
      assert.match((await waitFor(tip, 'the Backup row')) ?? '', /Older than `amlFailover\.backup\.maxAgeHours` \(0\.0001 h\): use \*\*Back Up Now\*\*/);
    } finally {
      await vscode.workspace.getConfiguration('amlFailover').update('backup.maxAgeHours', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});
