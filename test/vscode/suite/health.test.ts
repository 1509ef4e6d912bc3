// @sandbox {"largeModelMb":1}
// @settings {"amlFailover.health.intervalSeconds": 2}
// Health in the real VS Code, against the sandbox: both regions in the status bar and on the tree's workspace
// nodes; an outage of the active primary turns both red and offers "Fail Over…" beside "Switch only"; Fail Over…
// runs the runbook to the end with its prompt answered; after the recovery, the way back is offered. Also the lazily
// listed children and the Drift node.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { sendFault } from '../../../src/sandbox/control';
import { execFileSync } from 'node:child_process';
import { activateExtension, runAcceptingDefaults, sandbox, waitFor } from '../support';

interface Inspect {
  statusBar: { role: string; text: string; tooltip: string; color?: string; background?: string; visible: boolean }[];
  notifications: { advice: { kind: string; to?: string }; message: string; actions: string[] }[];
}

interface TreeApi {
  getChildren(node?: unknown): Promise<unknown[]>;
  getTreeItem(node: unknown): vscode.TreeItem;
  view: vscode.TreeView<unknown>;
}

const inspect = () => vscode.commands.executeCommand<Inspect>('amlFailover.health.inspect');
const bar = async (role: string) => (await inspect()).statusBar.find((s) => s.role === role)!;
const label = (item: vscode.TreeItem) => (typeof item.label === 'string' ? item.label : (item.label?.label ?? ''));

describe('health: status bar, tree and notifications', function () {
  this.timeout(120_000);
  let tree: TreeApi;

  /** The Primary / Secondary row as the view shows it. */
  async function workspaceRow(role: 'primary' | 'secondary'): Promise<{ node: unknown; item: vscode.TreeItem }> {
    for (const node of await tree.getChildren()) {
      if ((node as { kind?: string; role?: string }).kind === 'workspace' && (node as { role: string }).role === role) return { node, item: tree.getTreeItem(node) };
    }
    throw new Error(`no ${role} node in the tree`);
  }

  before(async () => {
    const ext = await activateExtension<{ tree: TreeApi }>();
    tree = ext.exports.tree;
    // The team's backup, taken while the primary answered: the failover reads the interrupted jobs from it.
    const repo = process.env.AML_FAILOVER_TEST_REPO!;
    execFileSync(process.execPath, ['--import', 'tsx', path.join(repo, 'test/support/failoverBackup.ts'), sandbox().projectDir], { cwd: repo, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
    await fs.appendFile(path.join(sandbox().projectDir, 'aml-failover.yaml'), '\nresubmit:\n  compute: {gpu-cluster: cpu-cluster}\n');
  });

  it('shows both regions healthy in the status bar, the active primary marked, with command links', async () => {
    const primary = await waitFor(async () => {
      const s = await bar('primary');
      return s?.visible && s.text.includes('$(pass-filled)') ? s : undefined;
    }, 'the primary status bar item to show healthy', 30_000);
    assert.equal(primary.text, '$(pass-filled) Primary eastus (active)');
    assert.equal(primary.color, 'testing.iconPassed');
    const secondary = await waitFor(async () => {
      const s = await bar('secondary');
      return s.text.includes('$(pass-filled)') ? s : undefined;
    }, 'the secondary status bar item to show healthy', 30_000);
    assert.equal(secondary.text, '$(pass-filled) Secondary westus');
    assert.match(primary.tooltip, /command:amlFailover\.switchTo\?/);
    assert.match(primary.tooltip, /command:amlFailover\.runDiagnostics/);
    assert.match(primary.tooltip, /command:amlFailover\.refresh\b/);
    assert.match(primary.tooltip, /command:amlFailover\.showLog/);
  });

  it('amlFailover.statusBar.enabled hides both region items and shows them again', async () => {
    const settings = () => vscode.workspace.getConfiguration('amlFailover');
    const visible = async () => (await inspect()).statusBar.map((s) => s.visible);
    await settings().update('statusBar.enabled', false, vscode.ConfigurationTarget.Global);
    try {
      await waitFor(async () => (await visible()).every((v) => !v), 'both region items to hide');
    } finally {
      await settings().update('statusBar.enabled', undefined, vscode.ConfigurationTarget.Global);
    }
    await waitFor(async () => (await visible()).every((v) => v), 'both region items to show again');
    assert.equal((await bar('primary')).text, '$(pass-filled) Primary eastus (active)');
  });

  it('puts the verdict on the Primary and Secondary nodes', async () => {
    await waitFor(async () => String((await workspaceRow('primary')).item.description ?? '').includes('healthy'), 'the Primary node to say healthy');
    await waitFor(async () => String((await workspaceRow('secondary')).item.description ?? '').includes('healthy'), 'the Secondary node to say healthy');
  });

  it('lists what each workspace holds under its node, with an "as of" time, and a Drift node at the root', async () => {
    const { node } = await workspaceRow('primary');
    const children = await tree.getChildren(node);
    const rows = children.map((c) => tree.getTreeItem(c));
    const models = rows.find((r) => label(r) === 'Models');
    assert.ok(models, `no Models under Primary: ${rows.map(label).join(', ')}`);
    assert.match(String(models.description), /^\d+ · as of /);
    for (const name of ['Environments', 'Computes', 'Datastores', 'Jobs', 'Notebooks']) assert.ok(rows.some((r) => label(r) === name), `no ${name}`);
    const driftNode = await waitFor(async () => {
      for (const n of await tree.getChildren()) if (label(tree.getTreeItem(n)).startsWith('Drift')) return n;
      return undefined;
    }, 'the Drift node');
    const groups = (await tree.getChildren(driftNode)).map((n) => label(tree.getTreeItem(n)));
    assert.ok(groups.some((g) => /^Models \(\d+\)$/.test(g)), `drift groups: ${groups.join(', ')}`);
  });

  it('Readiness: expanding the node runs the checks, each a child with its verdict icon; the status-bar tooltip warns of the failing ones', async () => {
    const readinessNode = async () => {
      for (const n of await tree.getChildren()) if (label(tree.getTreeItem(n)) === 'Readiness') return n;
      return undefined;
    };
    const node = await waitFor(readinessNode, 'the Readiness node');
    assert.equal(tree.getTreeItem(node).description, 'expand to check');
    // As a user does: the view expands the node, and VS Code asks for its children.
    await tree.view.reveal(node, { expand: true, focus: false, select: false });
    const summary = await waitFor(async () => {
      const d = String(tree.getTreeItem((await readinessNode())!).description ?? '');
      return /fail/.test(d) ? d : undefined;
    }, 'the Readiness node to show its counts');
    assert.match(summary, /^\d+ fail · \d+ warn · \d+ pass$/);
    const checks = (await tree.getChildren(await readinessNode())).map((n) => tree.getTreeItem(n));
    const compute = checks.find((c) => label(c) === 'compute' && /gpu-cluster/.test(String(c.description)));
    assert.ok(compute, `checks: ${checks.map((c) => `${label(c)} ${String(c.description)}`).join('\n')}`);
    // The suite's pair file maps gpu-cluster to cpu-cluster (for the failover below): a counterpart of another size.
    assert.equal((compute.iconPath as vscode.ThemeIcon).id, 'warning');
    assert.match(String(compute.description), /^warn · .*cpu-cluster/);
    const pair = checks.find((c) => label(c) === 'region-pair')!;
    assert.equal((pair.iconPath as vscode.ThemeIcon).id, 'pass-filled');
    // The team's backup taken in before() is a verified snapshot in aml-backup/, but not copied off-region: a warning.
    const backup = checks.find((c) => label(c) === 'backup')!;
    assert.equal((backup.iconPath as vscode.ThemeIcon).id, 'warning');
    assert.match(String(backup.description), /^warn · The primary workspace's newest backup aml-backup\/primary\/\d{8}T\d{6}Z .*no copy is kept outside the primary's region/);
    const tooltip = await waitFor(async () => {
      const t = (await bar('primary')).tooltip;
      return /Readiness/.test(t) ? t : undefined;
    }, 'the status-bar tooltip to warn of failing readiness checks');
    assert.match(tooltip, /Readiness:\*\* \d+ checks? fails? \(.*assets.*\)/);
  });

  it('an outage of the active primary turns it red in the status bar and the tree, and offers the switch', async () => {
    await sendFault(sandbox().projectDir, 'primary', 'outage');
    const down = await waitFor(async () => {
      const s = await bar('primary');
      return s.text.startsWith('$(error)') ? s : undefined;
    }, 'the primary status bar item to show down', 30_000);
    assert.equal(down.background, 'statusBarItem.errorBackground');
    assert.equal((await bar('secondary')).text, '$(pass-filled) Secondary westus');
    await waitFor(async () => String((await workspaceRow('primary')).item.description ?? '').includes('down'), 'the Primary node to say down');
    const offer = await waitFor(async () => (await inspect()).notifications.find((n) => n.advice.kind === 'offerSwitch'), 'the switch to be offered');
    assert.match(offer.message, /^The primary workspace \(eastus\) is down: .*503/);
    assert.deepEqual(offer.actions.slice(0, 2), ['Fail Over…', 'Switch only']);
  });

  it('Fail Over… runs the runbook to the end with its prompt answered, and opens the report', async () => {
    // What the notification's Fail Over… button runs; the one question (run all steps) is answered as a person would.
    const result = await runAcceptingDefaults<{ report: { outcome: string; switched: boolean; steps: { title: string; outcome: string }[]; jobs: { source: string; outcome: string; name?: string }[] }; reportFile: string }>('amlFailover.failover', ['secondary'], 'the failover to finish', 90_000);
    assert.ok(result, 'the command gave its result');
    assert.equal(result.report.outcome, 'completed', JSON.stringify(result.report.steps));
    assert.equal(result.report.switched, true);
    // The seed's three unfinished jobs (Running, Paused, NotResponding) are all interrupted.
    assert.deepEqual(result.report.jobs.filter((j) => j.source === 'train_sentiment_nightly').map((j) => [j.source, j.outcome]), [['train_sentiment_nightly', 'submitted']]);
    assert.ok(result.report.jobs.every((j) => j.outcome === 'submitted'), JSON.stringify(result.report.jobs));
    assert.ok(result.report.steps.every((s) => s.outcome === 'done'), JSON.stringify(result.report.steps));
    await waitFor(async () => vscode.window.visibleTextEditors.some((e) => e.document.uri.fsPath === result.reportFile) || undefined, 'the report to open');
    await waitFor(async () => (await bar('secondary')).text.endsWith('(active)'), 'the secondary to be marked active');
  });

  it('after switching, recovery of the primary offers the way back', async () => {
    await sendFault(sandbox().projectDir, 'primary', 'none');
    const back = await waitFor(async () => (await inspect()).notifications.find((n) => n.advice.kind === 'offerSwitchBack'), 'the switch back to be offered', 30_000);
    assert.deepEqual(back.actions, ['Fail Back to Primary…', 'Switch back to primary']);
    assert.equal((await bar('primary')).text, '$(pass-filled) Primary eastus');
  });

  it('Fail Back to Primary… with no failover on record asks since when, then brings the project back to the primary', async () => {
    // As after a plain "Switch only": nothing says when work moved, so the command asks (the first answer: the last hour).
    await fs.rm(path.join(sandbox().projectDir, '.aml-failover', 'last-failover.json'));
    const asked = Date.now();
    const result = await runAcceptingDefaults<{ report: { kind: string; outcome: string; switched: boolean; recoveryPoint: { at: string } } }>('amlFailover.failback', ['primary'], 'the fail back to finish', 90_000);
    assert.ok(result, 'the command gave its result');
    assert.equal(result.report.kind, 'failback');
    assert.equal(result.report.outcome, 'completed');
    assert.equal(result.report.switched, true);
    // The answer came after `asked`: "since" is an hour before the answer, so at most an hour before `asked`.
    const since = asked - Date.parse(result.report.recoveryPoint.at);
    assert.ok(since <= 3_600_000 && since > 3_600_000 - 120_000, `brings back what was made in the last hour (since ${result.report.recoveryPoint.at})`);
    const config = JSON.parse(await fs.readFile(path.join(sandbox().projectDir, '.azureml', 'config.json'), 'utf8')) as { workspace_name: string };
    assert.equal(config.workspace_name, 'mlw-demo-eastus');
    await waitFor(async () => (await bar('primary')).text.endsWith('(active)'), 'the primary to be marked active again');
  });
});
