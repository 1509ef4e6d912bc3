import { sortVersions, type InventorySection, type WorkspaceInventory } from '../inventory/inventory';

export type DriftKind = 'model' | 'environment' | 'compute' | 'datastore' | 'notebook';

export interface DriftItem {
  kind: DriftKind;
  name: string;
  status: 'onlyInPrimary' | 'onlyInSecondary' | 'versionsDiffer';
  /** For versioned assets present in both: versions each side lacks. */
  missingInSecondary?: string[];
  missingInPrimary?: string[];
}

export interface DriftReport {
  items: DriftItem[];
  /** Sections not compared because one side could not be listed, with why. */
  skipped: Partial<Record<DriftKind, string>>;
  /** When each side was listed (the comparison is as old as the older one). */
  primaryAsOf: number;
  secondaryAsOf: number;
}

const SECTION_OF: Record<DriftKind, InventorySection> = {
  model: 'models',
  environment: 'environments',
  compute: 'computes',
  datastore: 'datastores',
  notebook: 'notebooks',
};

/**
 * What differs between the two workspaces: assets present in one and missing in the other, versions that differ,
 * computes and datastores missing, notebooks present on one share only. Linear in the number of assets.
 */
export function computeDrift(primary: WorkspaceInventory, secondary: WorkspaceInventory): DriftReport {
  const items: DriftItem[] = [];
  const skipped: Partial<Record<DriftKind, string>> = {};
  const names = (kind: DriftKind, inv: WorkspaceInventory): Map<string, string[]> => {
    switch (kind) {
      case 'model':
        return new Map(inv.models.map((m) => [m.name, m.versions]));
      case 'environment':
        return new Map(inv.environments.map((e) => [e.name, e.versions]));
      case 'compute':
        return new Map(inv.computes.map((c) => [c.name, []]));
      case 'datastore':
        return new Map(inv.datastores.map((d) => [d.name, []]));
      case 'notebook':
        return new Map(inv.notebooks.map((n) => [n.path, []]));
    }
  };
  for (const kind of Object.keys(SECTION_OF) as DriftKind[]) {
    const section = SECTION_OF[kind];
    const problem = primary.problems[section] ?? secondary.problems[section];
    if (problem) {
      skipped[kind] = `${primary.problems[section] ? 'primary' : 'secondary'}: ${problem}`;
      continue;
    }
    const p = names(kind, primary);
    const s = names(kind, secondary);
    for (const [name, versions] of p) {
      const other = s.get(name);
      if (!other) {
        items.push({ kind, name, status: 'onlyInPrimary' });
        continue;
      }
      if (kind !== 'model' && kind !== 'environment') continue;
      const otherSet = new Set(other);
      const mine = new Set(versions);
      const missingInSecondary = sortVersions(versions.filter((v) => !otherSet.has(v)));
      const missingInPrimary = sortVersions(other.filter((v) => !mine.has(v)));
      if (missingInSecondary.length || missingInPrimary.length) items.push({ kind, name, status: 'versionsDiffer', missingInSecondary, missingInPrimary });
    }
    for (const name of s.keys()) if (!p.has(name)) items.push({ kind, name, status: 'onlyInSecondary' });
  }
  const order: DriftKind[] = ['model', 'environment', 'compute', 'datastore', 'notebook'];
  items.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || a.name.localeCompare(b.name));
  return { items, skipped, primaryAsOf: primary.fetchedAt, secondaryAsOf: secondary.fetchedAt };
}

/** One line per difference, in the user's words. */
export function describeDrift(item: DriftItem): string {
  const what = `${item.kind} ${item.name}`;
  switch (item.status) {
    case 'onlyInPrimary':
      return `${what}: missing in the secondary`;
    case 'onlyInSecondary':
      return `${what}: missing in the primary`;
    case 'versionsDiffer': {
      const parts: string[] = [];
      if (item.missingInSecondary?.length) parts.push(`secondary lacks version${item.missingInSecondary.length > 1 ? 's' : ''} ${item.missingInSecondary.join(', ')}`);
      if (item.missingInPrimary?.length) parts.push(`primary lacks version${item.missingInPrimary.length > 1 ? 's' : ''} ${item.missingInPrimary.join(', ')}`);
      return `${what}: ${parts.join('; ')}`;
    }
  }
}
