import type { WorkspaceInventory } from '../inventory/inventory';
import type { ReplicateKind } from './replicate';

/** A version replicate would create in the target: registered in the source, absent from the target. */
export interface MissingVersion {
  kind: 'model' | 'environment';
  name: string;
  version: string;
}

/** Kinds the inventory lists (data assets are not listed there: replicate finds them itself). */
const SECTION: Partial<Record<ReplicateKind, { kind: MissingVersion['kind']; key: 'models' | 'environments' }>> = {
  models: { kind: 'model', key: 'models' },
  environments: { kind: 'environment', key: 'environments' },
};

/**
 * What replicating `kinds` from `source` to `target` would create, from their listings (shown for confirmation
 * before anything is written). A section either side could not list makes the answer unknown: it throws.
 */
export function missingVersions(source: WorkspaceInventory, target: WorkspaceInventory, kinds: readonly ReplicateKind[]): MissingVersion[] {
  const out: MissingVersion[] = [];
  for (const k of kinds) {
    const section = SECTION[k];
    if (!section) continue;
    const { kind, key } = section;
    const problem = source.problems[key] ?? target.problems[key];
    if (problem) throw new Error(`Could not list the ${key} of the ${source.problems[key] ? source.role : target.role} workspace: ${problem}`);
    const there = new Map(target[key].map((a) => [a.name, new Set(a.versions)]));
    for (const asset of source[key]) {
      for (const version of asset.versions) if (!there.get(asset.name)?.has(version)) out.push({ kind, name: asset.name, version });
    }
  }
  return out;
}
