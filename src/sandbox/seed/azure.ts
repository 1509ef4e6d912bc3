// What the sandbox seeds around the workspaces for readiness and Azure's health views: a realistic, IMPERFECT pair.
// - the secondary's default storage is Standard_LRS (the primary's is RA-GRS);
// - the primary's container registry is Premium but has no replica in the secondary's region;
// - the GPU cluster exists only in the primary (the seeded pair file has no resubmit.compute to map it);
// - the secondary region's quota for the CPU clusters' family (DSv2) is too low for the primary's cpu-cluster at
//   its maximum node count;
// - the online endpoint credit-endpoint has deployments blue and green in the primary, only blue in the secondary;
// - the key vaults are as Azure ML creates them: soft delete on, purge protection off, one per workspace.
// Each region also gets its VM sizes, usages and quotas, role assignments (Reader on the resource group, AzureML Data
// Scientist on the workspace) and no private endpoints. Shapes: the REST spec examples in ../specs/providers/ and
// ../specs/examples-2022-10-01/ (VM sizes, usages, quotas).
import { addRoleAssignment, resourcesOf } from '../arm/authorization';
import { ML, key, resourceId, systemData, workspaceId, type Json, type Region, type World } from '../world';

const VM_SIZES: [name: string, family: string, vCPUs: number, gpus: number, memoryGB: number][] = [
  ['Standard_DS3_v2', 'standardDSv2Family', 4, 0, 14],
  ['Standard_DS11_v2', 'standardDSv2Family', 2, 0, 14],
  ['Standard_DS12_v2', 'standardDSv2Family', 4, 0, 28],
  ['Standard_D4s_v3', 'standardDSv3Family', 4, 0, 16],
  ['Standard_NC6s_v3', 'standardNCSv3Family', 6, 1, 112],
  ['Standard_NC12s_v3', 'standardNCSv3Family', 12, 2, 224],
];

/** Family usages of a region: [family label, dedicated current, dedicated limit, low-priority current, low-priority limit]. */
const USAGES: Record<Region['role'], [string, number, number, number, number][]> = {
  primary: [
    ['Standard DSv2', 4, 48, 0, 100],
    ['Standard DSv3', 0, 24, 0, 100],
    ['Standard NCSv3', 0, 24, 6, 48],
  ],
  secondary: [
    ['Standard DSv2', 12, 20, 0, 100],
    ['Standard DSv3', 0, 24, 0, 100],
    ['Standard NCSv3', 0, 24, 0, 48],
  ],
};

const PRINCIPAL = 'a1ce0000-0000-4000-8000-000000000001';

function usage(r: Region, label: string, priority: 'Dedicated' | 'LowPriority', currentValue: number, limit: number): Json {
  const name = `${label} Family Cluster ${priority} vCPUs`;
  return { id: `/subscriptions/${r.subscriptionId}/usages/${name.replace(/ /g, '_')}`, type: `${ML}/vmFamily/usages`, currentValue, limit, name: { value: name, localizedValue: name }, unit: 'Count' };
}

function regionServices(r: Region): void {
  r.services.vmSizes = VM_SIZES.map(([name, family, vCPUs, gpus, memoryGB]) => ({
    name, family, vCPUs, gpus, osVhdSizeMB: 1047552, maxResourceVolumeMB: vCPUs * 7168, memoryGB, lowPriorityCapable: true, premiumIO: true,
    estimatedVMPrices: { billingCurrency: 'USD', unitOfMeasure: 'OneHour', values: [{ retailPrice: +(vCPUs * 0.07 + gpus * 0.8).toFixed(2), osType: 'Linux', vmTier: 'Standard' }] },
    supportedComputeTypes: ['AmlCompute', 'ComputeInstance'],
  }));
  const totals = USAGES[r.role].reduce((t, u) => [t[0] + u[1], t[1] + u[3]], [0, 0]);
  r.services.usages = [
    { id: `/subscriptions/${r.subscriptionId}/usages`, type: `${ML}/totalCores/usages`, currentValue: 3, limit: 100, name: { value: 'Clusters', localizedValue: 'Clusters' }, unit: 'Count' },
    { id: `/subscriptions/${r.subscriptionId}/usages`, type: `${ML}/dedicatedCores/usages`, currentValue: totals[0], limit: 100, name: { value: 'Total Cluster Dedicated Regional vCPUs', localizedValue: 'Total Cluster Dedicated Regional vCPUs' }, unit: 'Count' },
    ...USAGES[r.role].flatMap(([label, dc, dl, lc, ll]) => [usage(r, label, 'Dedicated', dc, dl), usage(r, label, 'LowPriority', lc, ll)]),
  ];
  r.services.quotas = USAGES[r.role].map(([label]) => {
    const name = `${label} Family Cluster Dedicated vCPUs`;
    return { id: `${workspaceId(r)}/quotas/${name.replace(/ /g, '_')}`, type: `${ML}/workspaces/quotas`, limit: 0, name: { value: name, localizedValue: name }, unit: 'Count' };
  });
}

function resources(r: Region): void {
  const all = resourcesOf(r);
  const get = (provider: string, type: string, name: string) => all.get(resourceId(r, provider, type, name).toLowerCase())!;
  const storage = get('Microsoft.Storage', 'storageAccounts', r.storageAccount);
  // As Azure ML creates a workspace's vault: soft delete on, purge protection off.
  const vault = get('Microsoft.KeyVault', 'vaults', r.keyVault);
  (vault.properties as Json).softDeleteRetentionInDays = 90;
  if (r.keylessAccount) {
    // The Shared-Key-disabled account of seed/keylessStore.ts, as ARM shows it: locally redundant, in the region.
    const account = get('Microsoft.Storage', 'storageAccounts', r.storageAccount);
    const id = resourceId(r, 'Microsoft.Storage', 'storageAccounts', r.keylessAccount.name);
    const name = r.keylessAccount.name;
    all.set(id.toLowerCase(), { ...account, id, name, sku: { name: 'Standard_LRS', tier: 'Standard' }, properties: { ...(account.properties as Json), allowSharedKeyAccess: false, primaryEndpoints: { blob: `https://${name}.blob.core.windows.net/` } } });
  }
  const registry = get('Microsoft.ContainerRegistry', 'registries', r.containerRegistry);
  if (r.role === 'primary') {
    storage.sku = { name: 'Standard_RAGRS', tier: 'Standard' };
    Object.assign(storage.properties as Json, { secondaryLocation: 'westus', statusOfSecondary: 'available', secondaryEndpoints: { blob: `https://${r.storageAccount}-secondary.blob.core.windows.net/`, file: `https://${r.storageAccount}-secondary.file.core.windows.net/` } });
    registry.sku = { name: 'Premium', tier: 'Premium' };
  }
  // Every registry has its home replication; the primary's has no other.
  const home = `${String(registry.id)}/replications/${r.location}`;
  all.set(home.toLowerCase(), { id: home, name: r.location, type: 'Microsoft.ContainerRegistry/registries/replications', location: r.location, tags: {}, properties: { provisioningState: 'Succeeded', status: { displayStatus: 'Ready' }, regionEndpointEnabled: true, zoneRedundancy: 'Disabled' } });
}

function onlineEndpoints(r: Region): void {
  const ws = workspaceId(r);
  const at = r.createdAt;
  const endpoint = (name: string) => ({ id: `${ws}/onlineEndpoints/${name}`, name, type: `${ML}/workspaces/onlineEndpoints`, location: r.location, kind: 'Managed', identity: { type: 'SystemAssigned' }, properties: { authMode: 'Key', description: 'Credit default scoring', scoringUri: `https://${name}.${r.location}.inference.ml.azure.com/score`, traffic: r.role === 'primary' ? { blue: 90, green: 10 } : { blue: 100 }, provisioningState: 'Succeeded' }, systemData: systemData(at) });
  const deployment = (endpointName: string, name: string, version: string) => ({
    id: `${ws}/onlineEndpoints/${endpointName}/deployments/${name}`, name, type: `${ML}/workspaces/onlineEndpoints/deployments`, location: r.location, kind: 'Managed', sku: { name: 'Default', tier: 'Standard', capacity: 1 },
    properties: { endpointComputeType: 'Managed', model: `${ws}/models/credit-default/versions/${version}`, instanceType: 'Standard_DS3_v2', scaleSettings: { scaleType: 'Default' }, provisioningState: 'Succeeded' },
    systemData: systemData(at),
  });
  const deployments = new Map<string, Json>([[key('blue'), deployment('credit-endpoint', 'blue', '2')]]);
  if (r.role === 'primary') deployments.set(key('green'), deployment('credit-endpoint', 'green', '3'));
  r.services.onlineEndpoints.set(key('credit-endpoint'), { body: endpoint('credit-endpoint'), deployments });
}

function roleAssignments(r: Region): void {
  const group = `/subscriptions/${r.subscriptionId}/resourceGroups/${r.resourceGroup}`;
  addRoleAssignment(r, `reader-${r.location}`, group, 'Reader', PRINCIPAL);
  addRoleAssignment(r, `data-scientist-${r.location}`, workspaceId(r), 'AzureML Data Scientist', PRINCIPAL);
}

/** Seeds both regions (one line in seed.ts's seedWorld). */
export function seedAzureServices(world: World): void {
  for (const r of Object.values(world.regions)) {
    regionServices(r);
    resources(r);
    onlineEndpoints(r);
    roleAssignments(r);
  }
}
