import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeDrift, describeDrift } from '../../../src/drift/drift';
import { recentJobs, sortVersions, type WorkspaceInventory } from '../../../src/inventory/inventory';

const ws = { subscription_id: '00000000-0000-0000-0000-000000000000', resource_group: 'rg', workspace_name: 'w', region: 'eastus' };
function inventory(role: 'primary' | 'secondary', part: Partial<WorkspaceInventory>): WorkspaceInventory {
  return { role, workspace: ws, fetchedAt: 1, models: [], environments: [], computes: [], datastores: [], jobs: [], notebooks: [], problems: {}, ...part };
}

test('assets present in one and missing in the other, versions that differ, computes missing', () => {
  const primary = inventory('primary', {
    models: [{ name: 'churn', versions: ['3', '2', '1'] }, { name: 'fraud', versions: ['1'] }, { name: 'same', versions: ['1'] }],
    environments: [{ name: 'sklearn', versions: ['2', '1'] }],
    computes: [{ name: 'gpu-cluster', type: 'AmlCompute', state: 'Succeeded' }, { name: 'cpu', type: 'AmlCompute', state: 'Succeeded' }],
    notebooks: [{ path: 'Users/alice/train.ipynb', size: 10 }],
  });
  const secondary = inventory('secondary', {
    models: [{ name: 'churn', versions: ['1', '4'] }, { name: 'same', versions: ['1'] }, { name: 'legacy', versions: ['1'] }],
    environments: [{ name: 'sklearn', versions: ['2', '1'] }],
    computes: [{ name: 'cpu', type: 'AmlCompute', state: 'Succeeded' }],
  });
  const report = computeDrift(primary, secondary);
  assert.deepEqual(report.items.map(describeDrift), [
    'model churn: secondary lacks versions 3, 2; primary lacks version 4',
    'model fraud: missing in the secondary',
    'model legacy: missing in the primary',
    'compute gpu-cluster: missing in the secondary',
    'notebook Users/alice/train.ipynb: missing in the secondary',
  ]);
});

test('identical workspaces have no drift', () => {
  const part = { models: [{ name: 'm', versions: ['1'] }], computes: [{ name: 'c', type: 'AmlCompute', state: 'Succeeded' }] };
  assert.deepEqual(computeDrift(inventory('primary', part), inventory('secondary', part)).items, []);
});

test('a section that could not be listed is skipped and said so, not reported as missing', () => {
  const primary = inventory('primary', { notebooks: [{ path: 'a.ipynb', size: 1 }] });
  const secondary = inventory('secondary', { problems: { notebooks: 'storage unreachable' } });
  const report = computeDrift(primary, secondary);
  assert.deepEqual(report.items, []);
  assert.equal(report.skipped.notebook, 'secondary: storage unreachable');
});

test('versions sort newest first, numbers before labels', () => {
  assert.deepEqual(sortVersions(['1', '10', '2', 'beta', '2']), ['10', '2', '1', 'beta']);
});

test('recent jobs: running first, then newest', () => {
  const jobs = [
    { name: 'old', status: 'Completed', type: 'Command', createdAt: 1 },
    { name: 'new', status: 'Failed', type: 'Command', createdAt: 3 },
    { name: 'run', status: 'Running', type: 'Command', createdAt: 2 },
  ];
  assert.deepEqual(recentJobs(jobs, 2).map((j) => j.name), ['run', 'new']);
});

test('names from the service print without control characters, in the text report', async () => {
  const { formatDrift } = await import('../../../src/drift/format');
  const { printableName } = await import('../../../src/inventory/inventory');
  assert.equal(printableName('Users/alice/ctrl\u0001name\u001b[31m.ipynb'), 'Users/alice/ctrl\uFFFDname\uFFFD[31m.ipynb');
  const report = computeDrift(inventory('primary', { notebooks: [{ path: 'a\u001b]0;pwned\u0007.ipynb', size: 1 }] }), inventory('secondary', {}));
  const text = formatDrift(report);
  assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f]/);
  assert.match(text, /a\uFFFD\]0;pwned\uFFFD\.ipynb: missing in the secondary/);
});
