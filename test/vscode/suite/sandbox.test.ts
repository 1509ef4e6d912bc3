// @env AML_FAILOVER_SANDBOX_LARGE_MODEL_MB=1
// "Start Sandbox Cloud in a Terminal" on an empty folder: the terminal runs the CLI's sandbox, which seeds the folder
// and writes aml-failover.yaml; the extension picks the pair up (both workspaces in the tree); closing the terminal
// stops the sandbox and everything it started. The terminal runs the CLI as a process with separate arguments, so a
// folder name with shell syntax in it is just a name.
import * as assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AmlFailoverApi } from '../../../src/extension';
import { EXTENSION_ID, projectDir, waitFor } from '../support';

describe('sandbox: start from VS Code', () => {
  let terminal: vscode.Terminal | undefined;
  after(() => terminal?.dispose());

  it('starts the sandbox in a terminal, and the extension connects through the pair file it writes', async () => {
    const repo = process.env.AML_FAILOVER_TEST_REPO;
    assert.ok(repo, 'AML_FAILOVER_TEST_REPO is set by the runner');
    // Use this checkout's CLI (the default, `npx --no aml-failover`, needs the CLI installed in the project).
    await vscode.workspace.getConfiguration('amlFailover').update('sandbox.command', `node ${JSON.stringify(path.join(repo, 'dist', 'cli.js'))}`, vscode.ConfigurationTarget.Global);
    const dir = projectDir();
    terminal = await vscode.commands.executeCommand<vscode.Terminal>('amlFailover.startSandbox', vscode.Uri.file(dir));
    assert.ok(terminal, 'the command returns its terminal');
    assert.equal(terminal.name, 'AML Failover sandbox');
    const record = path.join(dir, '.aml-failover', 'sandbox.json');
    await waitFor(() => existsSync(record), 'the sandbox to be ready (.aml-failover/sandbox.json)', 90_000);
    const pair = await fs.readFile(path.join(dir, 'aml-failover.yaml'), 'utf8');
    assert.match(pair, /^# Written by `aml-failover sandbox`/);
    const ext = vscode.extensions.getExtension<AmlFailoverApi>(EXTENSION_ID)!;
    await waitFor(() => ext.isActive, 'activation');
    const api = ext.exports;
    await waitFor(async () => (await api.project.refresh()).pair.state === 'valid', 'the pair file to be read as valid', 20_000);
    const labels = (await api.tree.getChildren()).map((n) => {
      const label = api.tree.getTreeItem(n).label;
      return typeof label === 'string' ? label : (label?.label ?? '');
    });
    assert.deepEqual(labels.slice(0, 2), ['Primary', 'Secondary']);
  });

  it('a second start shows the same terminal instead of starting another sandbox', async () => {
    const again = await vscode.commands.executeCommand<vscode.Terminal>('amlFailover.startSandbox', vscode.Uri.file(projectDir()));
    assert.equal(again, terminal);
  });

  it('closing the terminal stops the sandbox', async () => {
    const record = path.join(projectDir(), '.aml-failover', 'sandbox.json');
    const { pid } = JSON.parse(await fs.readFile(record, 'utf8')) as { pid: number };
    terminal!.dispose();
    terminal = undefined;
    await waitFor(() => !existsSync(record), 'the sandbox to remove its record on stop', 30_000);
    await waitFor(() => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    }, `sandbox process ${pid} to exit`, 30_000);
  });

  it('starts a folder whose name holds $(…), backquotes, quotes and spaces as that very folder, running nothing else', async () => {
    const parent = projectDir();
    const dir = path.join(parent, `p $(touch PWNED) \`touch PWNED2\` "q" 'r'; touch PWNED3`);
    await fs.mkdir(dir);
    terminal = await vscode.commands.executeCommand<vscode.Terminal>('amlFailover.startSandbox', vscode.Uri.file(dir));
    assert.ok(terminal, 'the command returns its terminal');
    const record = path.join(dir, '.aml-failover', 'sandbox.json');
    await waitFor(() => existsSync(record), 'the sandbox for the oddly named folder to be ready', 90_000);
    assert.match(await fs.readFile(path.join(dir, 'aml-failover.yaml'), 'utf8'), /^# Written by `aml-failover sandbox`/);
    for (const folder of [parent, dir]) {
      const stray = (await fs.readdir(folder)).filter((n) => n.startsWith('PWNED'));
      assert.deepEqual(stray, [], `nothing in the folder name ran (in ${folder})`);
    }
    terminal.dispose();
    terminal = undefined;
    await waitFor(() => !existsSync(record), 'the sandbox to stop when its terminal closes', 30_000);
  });
});
