import * as vscode from 'vscode';
import type { InventoryService } from '../../inventory/vscode/inventoryService';
import { asOf, displayName } from '../../inventory/vscode/inventoryNodes';
import type { ContributedNode } from '../../view/contributions';
import { computeDrift, describeDrift, type DriftKind, type DriftReport } from '../drift';

const HEADINGS: Record<DriftKind, [string, string]> = {
  model: ['Models', 'package'],
  environment: ['Environments', 'symbol-namespace'],
  compute: ['Computes', 'server'],
  datastore: ['Datastores', 'database'],
  notebook: ['Notebooks', 'notebook'],
};

/** The root "Drift" node: what differs between the two workspaces, from their cached listings. */
export function driftRootNode(inventory: InventoryService): ContributedNode {
  const p = inventory.peek('primary')?.inventory;
  const s = inventory.peek('secondary')?.inventory;
  const known = p && s ? computeDrift(p, s) : undefined;
  const item = new vscode.TreeItem(known ? `Drift (${known.items.length})` : 'Drift');
  item.id = 'drift';
  item.contextValue = 'drift';
  item.iconPath = new vscode.ThemeIcon('diff', known?.items.length ? new vscode.ThemeColor('problemsWarningIcon.foreground') : undefined);
  item.description = known ? `${known.items.length ? 'primary vs secondary' : 'in step'} · ${asOf(Math.min(known.primaryAsOf, known.secondaryAsOf))}` : 'expand to compare';
  item.tooltip = 'Assets present in one workspace and missing in the other, versions that differ, computes missing.';
  return {
    item,
    children: async () => {
      const [pe, se] = await Promise.all([inventory.load('primary'), inventory.load('secondary')]);
      if (!pe.inventory || !se.inventory) {
        const failed = !pe.inventory ? ['primary', pe.error] : ['secondary', se.error];
        const n = new vscode.TreeItem(`Cannot compare: the ${failed[0]} workspace could not be listed`);
        n.tooltip = failed[1];
        n.iconPath = new vscode.ThemeIcon('warning');
        return [{ item: n }];
      }
      return driftNodes(computeDrift(pe.inventory, se.inventory));
    },
  };
}

export function driftNodes(report: DriftReport): ContributedNode[] {
  const out: ContributedNode[] = [];
  for (const kind of Object.keys(HEADINGS) as DriftKind[]) {
    const [label, icon] = HEADINGS[kind];
    const items = report.items.filter((i) => i.kind === kind);
    const skipped = report.skipped[kind];
    if (!items.length && !skipped) continue;
    const group = new vscode.TreeItem(`${label} (${items.length})`);
    group.iconPath = new vscode.ThemeIcon(icon);
    group.contextValue = `drift.group drift.${kind}`;
    if (skipped) {
      group.description = 'not compared';
      group.tooltip = skipped;
    }
    out.push({
      item: group,
      children: items.length
        ? () =>
            items.map((d) => {
              const row = new vscode.TreeItem(displayName(d.name));
              row.description = describeDrift(d).slice(d.kind.length + d.name.length + 3);
              row.iconPath = new vscode.ThemeIcon(d.status === 'versionsDiffer' ? 'versions' : d.status === 'onlyInPrimary' ? 'arrow-right' : 'arrow-left');
              row.tooltip = displayName(describeDrift(d));
              row.contextValue = `drift.item drift.${d.status}`;
              return { item: row, data: d };
            })
        : undefined,
    });
  }
  if (!out.length) {
    const none = new vscode.TreeItem('No drift: both hold the same assets');
    none.iconPath = new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
    out.push({ item: none });
  }
  return out;
}
