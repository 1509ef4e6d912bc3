// @sandbox
// @settings {"amlFailover.health.intervalSeconds": 2}
// The Failover tree against the sandbox, read through its data provider the way VS Code reads it: every node that
// has children can be opened (its collapsibleState is not None); health probes re-read only the rows they change,
// never the whole tree (a whole-tree refresh makes VS Code forget the nodes a menu command runs on); a replicate
// lowers the Drift count without a Refresh; the model commands name the real direction.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, waitFor } from '../support';

interface Node {
  kind: string;
  role?: string;
  id?: string;
}

interface TreeApi {
  getChildren(node?: Node): Promise<Node[]>;
  getTreeItem(node: Node): vscode.TreeItem;
  onDidChangeTreeData: vscode.Event<Node | Node[] | undefined>;
}

interface ReplicateResult {
  assets: { kind: string; name: string; version: string; outcome: { status: string } }[];
}

const label = (item: vscode.TreeItem) => (typeof item.label === 'string' ? item.label : (item.label?.label ?? ''));
const inspect = () => vscode.commands.executeCommand<{ callsSent: Record<string, number> }>('amlFailover.health.inspect');

describe('view: the Failover tree opens, stays put and follows the product’s own writes', function () {
  this.timeout(180_000);
  let tree: TreeApi;

  const root = async (role: string) => (await tree.getChildren()).find((n) => n.kind === 'workspace' && n.role === role)!;
  const child = async (parent: Node, name: string | RegExp) => {
    for (const n of await tree.getChildren(parent)) {
      const l = label(tree.getTreeItem(n));
      if (typeof name === 'string' ? l === name : name.test(l)) return n;
    }
    return undefined;
  };
  const driftLabel = async () => {
    for (const n of await tree.getChildren()) {
      const l = label(tree.getTreeItem(n));
      if (l.startsWith('Drift')) return l;
    }
    return undefined;
  };

  before(async () => {
    tree = (await activateExtension<{ tree: TreeApi }>()).exports.tree;
    // The inventory is listed when a workspace is first opened: wait until both are, and Drift has a count.
    await waitFor(async () => (await tree.getChildren(await root('primary'))).some((n) => label(tree.getTreeItem(n)) === 'Models'), 'the primary listing', 60_000);
    await waitFor(async () => (await tree.getChildren(await root('secondary'))).some((n) => label(tree.getTreeItem(n)) === 'Models'), 'the secondary listing', 60_000);
    await waitFor(async () => /^Drift \(\d+\)$/.test((await driftLabel()) ?? ''), 'the Drift count');
  });

  it('every node that has children can be expanded, at every depth', async () => {
    const seen = new Map<string, number>();
    const walk = async (parent: Node | undefined, path: string[]): Promise<void> => {
      for (const node of await tree.getChildren(parent)) {
        const item = tree.getTreeItem(node);
        const here = [...path, label(item)];
        const children = await tree.getChildren(node);
        if (children.length) {
          assert.notEqual(item.collapsibleState, vscode.TreeItemCollapsibleState.None, `${here.join(' › ')} has ${children.length} children but cannot be expanded`);
          const kind = (item.contextValue ?? label(item)).split(' ')[0]!;
          seen.set(kind, (seen.get(kind) ?? 0) + 1);
          await walk(node, here);
        } else if (item.collapsibleState !== vscode.TreeItemCollapsibleState.None) {
          assert.fail(`${here.join(' › ')} shows a twistie but has no children`);
        }
      }
    };
    await walk(undefined, []);
    // Every kind of node with children was met (and checked) at least once.
    for (const kind of ['workspace', 'inventory.section', 'inventory.model', 'inventory.environment', 'inventory.folder', 'drift', 'drift.group']) {
      assert.ok(seen.has(kind), `no ${kind} node with children was found: ${[...seen.keys()].join(', ')}`);
    }
  });

  it('health probes re-read the workspace rows they change, never the whole tree', async () => {
    const fired: (Node | Node[] | undefined)[] = [];
    const sub = tree.onDidChangeTreeData((e) => fired.push(e));
    try {
      const start = (await inspect()).callsSent;
      // Three more probes of each workspace (2 s apart), each answering with another latency.
      await waitFor(async () => {
        const now = (await inspect()).callsSent;
        return now.primary! >= start.primary! + 3 && now.secondary! >= start.secondary! + 3;
      }, 'three more health probes of each workspace', 30_000);
    } finally {
      sub.dispose();
    }
    assert.deepEqual(fired.filter((e) => e === undefined), [], 'no whole-tree refresh while nothing but latencies changed');
  });

  it('a replicate from a model node lowers the Drift count, with no Refresh', async () => {
    const before = Number(/\((\d+)\)/.exec((await driftLabel())!)![1]);
    const models = (await child(await root('primary'), 'Models'))!;
    const fraud = await child(models, 'fraud-detector');
    assert.ok(fraud, 'fraud-detector is under Primary › Models');
    assert.match(tree.getTreeItem(fraud).contextValue ?? '', /\bprimary\b/);
    const result = await vscode.commands.executeCommand<ReplicateResult>('amlFailover.replicateToSecondary', fraud);
    // Both versions: 1 in the default store, 2 in securestore (Shared Key disabled, read with the identity).
    assert.deepEqual(result.assets.map((a) => [a.name, a.version, a.outcome.status]).sort(), [['fraud-detector', '1', 'replicated'], ['fraud-detector', '2', 'replicated']]);
    // No refresh command: the view re-lists the secondary because the product wrote into it.
    await waitFor(async () => (await driftLabel()) === `Drift (${before - 1})`, `the Drift count to drop from ${before} to ${before - 1}`, 30_000);
    const secondaryModels = (await child(await root('secondary'), 'Models'))!;
    assert.ok(await child(secondaryModels, 'fraud-detector'), 'fraud-detector now listed under Secondary');
  });

  it('a model under Secondary replicates to the primary, and only that way', async () => {
    const models = (await child(await root('secondary'), 'Models'))!;
    const legacy = (await child(models, 'legacy-scorer'))!;
    assert.match(tree.getTreeItem(legacy).contextValue ?? '', /\bsecondary\b/);
    const manifest = vscode.extensions.getExtension('aml-failover.aml-failover')!.packageJSON as {
      contributes: { commands: { command: string; title: string }[]; menus: { 'view/item/context': { command: string; when: string }[] } };
    };
    const title = (command: string) => manifest.contributes.commands.find((c) => c.command === command)?.title;
    const offered = manifest.contributes.menus['view/item/context'].filter((m) => m.when.includes('inventory\\.(model|modelVersion)') && m.command.startsWith('amlFailover.replicate'));
    const onSecondary = offered.filter((m) => m.when.includes('\\bsecondary\\b')).map((m) => title(m.command));
    const onPrimary = offered.filter((m) => m.when.includes('\\bprimary\\b')).map((m) => title(m.command));
    assert.deepEqual({ onPrimary, onSecondary }, { onPrimary: ['Replicate to Secondary'], onSecondary: ['Replicate to Primary'] });
    const result = await vscode.commands.executeCommand<ReplicateResult>('amlFailover.replicateToPrimary', legacy);
    assert.deepEqual(result.assets.map((a) => [a.name, a.outcome.status]), [['legacy-scorer', 'replicated']]);
    const primaryModels = (await child(await root('primary'), 'Models'))!;
    await waitFor(async () => child(primaryModels, 'legacy-scorer'), 'legacy-scorer listed under Primary', 30_000);
  });

  it('one Refresh re-reads health, inventory and Drift', async () => {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('amlFailover.refresh'));
    assert.ok(!commands.includes('amlFailover.refreshHealth'), 'the second Refresh is gone');
    const models = async () => String(tree.getTreeItem((await child(await root('primary'), 'Models'))!).description);
    const was = await models();
    const calls = (await inspect()).callsSent.primary!;
    await new Promise<void>((resolve) => {
      // The "as of" time has a resolution of one second: wait for the clock to move past it.
      const started = Date.now();
      const timer = setInterval(() => {
        if (Math.floor(Date.now() / 1000) > Math.floor(started / 1000)) {
          clearInterval(timer);
          resolve();
        }
      }, 20);
    });
    await vscode.commands.executeCommand('amlFailover.refresh');
    assert.notEqual(await models(), was, 'the Models listing is new');
    assert.ok((await inspect()).callsSent.primary! > calls, 'health was probed');
  });
});
