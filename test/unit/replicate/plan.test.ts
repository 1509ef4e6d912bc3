// What "Replicate Everything Missing" lists for confirmation before it writes: the versions the source has and the
// target lacks, and no answer at all when a side could not be listed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkspaceInventory } from '../../../src/inventory/inventory';
import type { Role } from '../../../src/pair/pairFile';
import { missingVersions } from '../../../src/replicate/plan';

function inventory(role: Role, models: Record<string, string[]>, environments: Record<string, string[]>, problems: WorkspaceInventory['problems'] = {}): WorkspaceInventory {
  const assets = (x: Record<string, string[]>) => Object.entries(x).map(([name, versions]) => ({ name, versions }));
  return {
    role,
    workspace: { subscription_id: 's', resource_group: 'rg', workspace_name: `ws-${role}`, region: 'eastus' },
    fetchedAt: 0,
    models: assets(models) as WorkspaceInventory['models'],
    environments: assets(environments) as WorkspaceInventory['environments'],
    computes: [],
    datastores: [],
    jobs: [],
    notebooks: [],
    problems,
  };
}

test('lists every version the source holds and the target lacks, models then environments', () => {
  const primary = inventory('primary', { credit: ['3', '2', '1'], fraud: ['1'] }, { sklearn: ['2', '1'], inference: ['1'] });
  const secondary = inventory('secondary', { credit: ['2', '1'], legacy: ['1'] }, { sklearn: ['1'], inference: ['1'] });
  assert.deepEqual(missingVersions(primary, secondary, ['models', 'environments']), [
    { kind: 'model', name: 'credit', version: '3' },
    { kind: 'model', name: 'fraud', version: '1' },
    { kind: 'environment', name: 'sklearn', version: '2' },
  ]);
  assert.deepEqual(missingVersions(primary, secondary, ['environments']), [{ kind: 'environment', name: 'sklearn', version: '2' }]);
  assert.deepEqual(missingVersions(secondary, primary, ['models']), [{ kind: 'model', name: 'legacy', version: '1' }]);
});

test('a section either side could not list gives no answer rather than a wrong one', () => {
  const primary = inventory('primary', { credit: ['1'] }, {});
  const secondary = inventory('secondary', {}, {}, { models: 'HTTP 503' });
  assert.throws(() => missingVersions(primary, secondary, ['models']), /Could not list the models of the secondary workspace: HTTP 503/);
  assert.deepEqual(missingVersions(primary, secondary, ['environments']), []);
});
