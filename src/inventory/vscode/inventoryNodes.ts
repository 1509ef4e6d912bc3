import * as vscode from 'vscode';
import type { Role } from '../../pair/pairFile';
import type { ContributedNode } from '../../view/contributions';
import { isJobRunning, printableName, recentJobs, type InventorySection, type NotebookFile, type WorkspaceInventory } from '../inventory';
import type { InventoryEntry } from './inventoryService';

/** Names from the service are shown as text; control characters would garble the row. */
export const displayName = printableName;

export function asOf(ms: number): string {
  return `as of ${new Date(ms).toLocaleTimeString()}`;
}

function node(label: string, options: { description?: string; icon?: string; color?: string; tooltip?: string; contextValue?: string; children?: () => ContributedNode[]; data?: unknown; id?: string }): ContributedNode {
  const item = new vscode.TreeItem(displayName(label));
  item.description = options.description;
  if (options.icon) item.iconPath = new vscode.ThemeIcon(options.icon, options.color ? new vscode.ThemeColor(options.color) : undefined);
  item.tooltip = options.tooltip;
  item.contextValue = options.contextValue;
  if (options.id) item.id = options.id;
  const children = options.children;
  return { item, data: options.data, children: children ? () => children() : undefined };
}

const JOB_ICON: Record<string, [string, string?]> = {
  Running: ['sync~spin'],
  NotStarted: ['clock'],
  Queued: ['clock'],
  Preparing: ['clock'],
  Starting: ['clock'],
  Provisioning: ['clock'],
  Finalizing: ['sync~spin'],
  Completed: ['pass', 'testing.iconPassed'],
  Failed: ['error', 'problemsErrorIcon.foreground'],
  Canceled: ['circle-slash'],
  NotResponding: ['warning', 'problemsWarningIcon.foreground'],
  Paused: ['debug-pause'],
};

function computeIcon(state: string): [string, string?] {
  if (/running|succeeded|steady/i.test(state)) return ['vm-running', 'testing.iconPassed'];
  if (/stopped|stopping/i.test(state)) return ['vm-outline'];
  if (/failed|unusable/i.test(state)) return ['error', 'problemsErrorIcon.foreground'];
  return ['vm'];
}

/**
 * The children of a Primary / Secondary node: one node per kind of asset, each listing lazily from the cache. Every
 * node's `contextValue` ends with the role it sits under (`inventory.model primary`), so menus can name the real
 * direction ("Replicate to Secondary" under Primary, "Replicate to Primary" under Secondary).
 */
export function inventoryNodes(entry: InventoryEntry, role: Role): ContributedNode[] {
  return withRole(sections(entry), role);
}

function withRole(nodes: ContributedNode[], role: Role): ContributedNode[] {
  return nodes.map((n) => {
    if (n.item.contextValue) n.item.contextValue = `${n.item.contextValue} ${role}`;
    const children = n.children;
    return children ? { ...n, children: async (token) => withRole((await children.call(n, token)) ?? [], role) } : n;
  });
}

function sections(entry: InventoryEntry): ContributedNode[] {
  const out: ContributedNode[] = [];
  const inv = entry.inventory;
  if (entry.error) {
    out.push(
      node(inv ? 'Could not refresh' : 'Could not list this workspace', {
        description: inv ? `showing ${asOf(inv.fetchedAt)}` : undefined,
        icon: 'warning',
        color: 'problemsWarningIcon.foreground',
        tooltip: entry.error,
        contextValue: 'inventory.error',
      }),
    );
  }
  if (!inv) return out;
  const when = asOf(inv.fetchedAt);
  const section = (key: InventorySection, label: string, icon: string, count: number, children: () => ContributedNode[], summary?: string) => {
    const problem = inv.problems[key];
    if (problem) {
      out.push(node(label, { description: 'could not list', icon: 'warning', tooltip: problem, contextValue: `inventory.section inventory.${key}` }));
      return;
    }
    out.push(node(label, { description: `${summary ?? count} · ${when}`, icon, tooltip: `${label} in ${inv.workspace.workspace_name}, ${when}`, contextValue: `inventory.section inventory.${key}`, children: count ? children : undefined }));
  };
  section('models', 'Models', 'package', inv.models.length, () =>
    inv.models.map((m) =>
      node(m.name, {
        description: `${m.versions.length} version${m.versions.length === 1 ? '' : 's'}${m.versions[0] ? ` · latest ${m.versions[0]}` : ''}`,
        icon: 'package',
        contextValue: 'inventory.model',
        data: m,
        children: () => m.versions.map((v) => node(`version ${v}`, { icon: 'tag', contextValue: 'inventory.modelVersion', data: { model: m.name, version: v } })),
      }),
    ),
  );
  section('environments', 'Environments', 'symbol-namespace', inv.environments.length, () =>
    inv.environments.map((e) =>
      node(e.name, {
        description: `${e.versions.length} version${e.versions.length === 1 ? '' : 's'}`,
        icon: 'symbol-namespace',
        contextValue: 'inventory.environment',
        data: e,
        children: () => e.versions.map((v) => node(`version ${v}`, { icon: 'tag', contextValue: 'inventory.environmentVersion', data: { environment: e.name, version: v } })),
      }),
    ),
  );
  section('computes', 'Computes', 'server', inv.computes.length, () =>
    inv.computes.map((c) => {
      const [icon, color] = computeIcon(c.state);
      return node(c.name, { description: `${c.type} · ${c.state}`, icon, color, tooltip: c.vmSize ? `${c.type}, ${c.vmSize}: ${c.state}` : undefined, contextValue: 'inventory.compute', data: c });
    }),
  );
  section('datastores', 'Datastores', 'database', inv.datastores.length, () =>
    inv.datastores.map((d) =>
      node(d.name, {
        description: [d.type, d.accountName && d.location ? `${d.accountName}/${d.location}` : d.accountName, d.isDefault ? 'default' : undefined].filter(Boolean).join(' · '),
        icon: 'database',
        contextValue: 'inventory.datastore',
        data: d,
      }),
    ),
  );
  const running = inv.jobs.filter(isJobRunning).length;
  section(
    'jobs',
    'Jobs',
    'beaker',
    inv.jobs.length,
    () =>
      recentJobs(inv.jobs, 25).map((j) => {
        const [icon, color] = JOB_ICON[j.status] ?? ['circle-outline'];
        return node(j.displayName || j.name, {
          description: `${j.status}${j.createdAt ? ` · ${new Date(j.createdAt).toLocaleString()}` : ''}`,
          icon,
          color,
          tooltip: `${j.name} (${j.type}${j.experimentName ? `, experiment ${j.experimentName}` : ''})`,
          contextValue: `inventory.job${isJobRunning(j) ? ' inventory.runningJob' : ''}`,
          data: j,
        });
      }),
    `${running} running, ${inv.jobs.length} in all`,
  );
  section('notebooks', 'Notebooks', 'notebook', inv.notebooks.length, () => folderNodes(inv.notebooks, ''));
  return out;
}

/** Notebook files as a folder tree built from their paths. */
export function folderNodes(files: readonly NotebookFile[], prefix: string): ContributedNode[] {
  const folders = new Map<string, NotebookFile[]>();
  const here: NotebookFile[] = [];
  for (const f of files) {
    const rest = f.path.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash < 0) here.push(f);
    else {
      const name = rest.slice(0, slash);
      const list = folders.get(name) ?? [];
      list.push(f);
      folders.set(name, list);
    }
  }
  return [
    ...[...folders.entries()].map(([name, list]) =>
      node(name, { description: `${list.length}`, icon: 'folder', contextValue: 'inventory.folder', data: { path: `${prefix}${name}` }, children: () => folderNodes(list, `${prefix}${name}/`) }),
    ),
    ...here.map((f) => node(f.path.slice(prefix.length), { description: formatSize(f.size), icon: f.path.endsWith('.ipynb') ? 'notebook' : 'file', contextValue: 'inventory.notebook', data: f })),
  ];
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function inventoryDescription(inv: WorkspaceInventory): string {
  return `${inv.models.length} models, ${inv.environments.length} environments, ${inv.computes.length} computes`;
}
