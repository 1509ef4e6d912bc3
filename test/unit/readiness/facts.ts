// A workspace pair that passes every readiness check, as ARM answers it: bodies shaped like the REST spec examples
// (Microsoft.MachineLearningServices 2022-10-01 Usage/list, VirtualMachineSize/list, Quota/list, Compute/get;
// Microsoft.Resources 2022-12-01 GetLocations; Microsoft.Storage, KeyVault, ContainerRegistry, insights GETs).
// Each test breaks one thing in a copy.
import type { JobNeeds } from '../../../src/failover/needs';
import type { Role } from '../../../src/pair/pairFile';
import type { Json, Read, ReadinessFacts, SideFacts } from '../../../src/readiness/types';

export const SUB = '00000000-1111-2222-3333-444444444444';
const REGION: Record<Role, string> = { primary: 'eastus', secondary: 'westus' };
const RG: Record<Role, string> = { primary: 'rg-ml-eastus', secondary: 'rg-ml-westus' };
const WS: Record<Role, string> = { primary: 'mlw-eastus', secondary: 'mlw-westus' };

export const ok = <T>(value: T): Read<T> => ({ ok: true, value });
export const forbidden: Read<never> = { ok: false, kind: 'forbidden', reason: 'HTTP 403: The client does not have authorization to perform action.' };
export const down: Read<never> = { ok: false, kind: 'down', reason: 'HTTP 503: The region westus is unavailable.' };

export const rid = (role: Role, provider: string, type: string, name: string) => `/subscriptions/${SUB}/resourceGroups/${RG[role]}/providers/${provider}/${type}/${name}`;
export const wsId = (role: Role) => rid(role, 'Microsoft.MachineLearningServices', 'workspaces', WS[role]);

const STORAGE: Record<Role, string> = { primary: 'stmleastus', secondary: 'stmlwestus' };
export const VAULT = rid('primary', 'Microsoft.KeyVault', 'vaults', 'kv-ml-shared');
export const REGISTRY = rid('primary', 'Microsoft.ContainerRegistry', 'registries', 'crmlshared');

export function storageAccount(role: Role, name = STORAGE[role], sku = 'Standard_RAGRS', location = REGION[role]): Json {
  return {
    id: rid(role, 'Microsoft.Storage', 'storageAccounts', name),
    name,
    type: 'Microsoft.Storage/storageAccounts',
    location,
    kind: 'StorageV2',
    sku: { name: sku, tier: 'Standard' },
    properties: {
      provisioningState: 'Succeeded',
      primaryLocation: location,
      statusOfPrimary: 'available',
      primaryEndpoints: { blob: `https://${name}.blob.core.windows.net/` },
      ...(/RA/.test(sku) ? { secondaryLocation: 'westus', secondaryEndpoints: { blob: `https://${name}-secondary.blob.core.windows.net/` } } : {}),
    },
  };
}

function workspace(role: Role): Json {
  return {
    id: wsId(role),
    name: WS[role],
    type: 'Microsoft.MachineLearningServices/workspaces',
    location: REGION[role],
    properties: {
      friendlyName: WS[role],
      storageAccount: rid(role, 'Microsoft.Storage', 'storageAccounts', STORAGE[role]),
      keyVault: VAULT,
      containerRegistry: REGISTRY,
      applicationInsights: rid(role, 'microsoft.insights', 'components', `appi-${REGION[role]}`),
      discoveryUrl: `https://${REGION[role]}.api.azureml.ms/discovery`,
      provisioningState: 'Succeeded',
      publicNetworkAccess: 'Enabled',
      privateEndpointConnections: [],
    },
  };
}

/** A compute as Compute/get answers it. */
function computeBody(role: Role, name: string, computeType: string, properties: Json): Json {
  return { id: `${wsId(role)}/computes/${name}`, name, type: 'Microsoft.MachineLearningServices/workspaces/computes', location: REGION[role], properties: { computeType, provisioningState: 'Succeeded', properties } };
}

export function cluster(role: Role, name: string, vmSize: string, maxNodeCount: number, vmPriority = 'Dedicated'): Json {
  return computeBody(role, name, 'AmlCompute', { vmSize, vmPriority, scaleSettings: { maxNodeCount, minNodeCount: 0, nodeIdleTimeBeforeScaleDown: 'PT120S' } });
}

export function instance(role: Role, name: string, objectId: string, vmSize = 'STANDARD_DS11_V2'): Json {
  return computeBody(role, name, 'ComputeInstance', {
    vmSize,
    idleTimeBeforeShutdown: 'PT30M',
    personalComputeInstanceSettings: { assignedUser: { objectId, tenantId: '00000000-0000-0000-0000-000000000000' } },
    setupScripts: { scripts: { creationScript: { scriptSource: 'workspaceStorage', scriptData: 'Users/alice/setup.sh' } } },
  });
}

export function vmSize(name: string, family: string, vCPUs: number, gpus = 0): Json {
  return { name, family, vCPUs, gpus, osVhdSizeMB: 1047552, maxResourceVolumeMB: 28672, memoryGB: 14, lowPriorityCapable: true, premiumIO: true, supportedComputeTypes: ['AmlCompute', 'ComputeInstance'] };
}

/** A region-level family usage (`Microsoft.MachineLearningServices/vmFamily/usages`), as Usage/list.json has them. */
export function usage(family: string, currentValue: number, limit: number, priority = 'Dedicated'): Json {
  const label = `${family} Family Cluster ${priority} vCPUs`;
  return { id: `/subscriptions/${SUB}/usages/${label.replace(/ /g, '_')}`, type: 'Microsoft.MachineLearningServices/vmFamily/usages', currentValue, limit, name: { value: label, localizedValue: label }, unit: 'Count' };
}

export function workspaceQuota(role: Role, family: string, limit: number): Json {
  const label = `${family} Family Cluster Dedicated vCPUs`;
  return { id: `${wsId(role)}/quotas/${label.replace(/ /g, '_')}`, type: 'Microsoft.MachineLearningServices/workspaces/quotas', limit, name: { value: label, localizedValue: label }, unit: 'Count' };
}

export function endpoint(role: Role, name: string, provisioningState = 'Succeeded'): Json {
  return { id: `${wsId(role)}/onlineEndpoints/${name}`, name, type: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints', location: REGION[role], properties: { authMode: 'Key', provisioningState, scoringUri: `https://${name}.${REGION[role]}.inference.ml.azure.com/score`, traffic: { blue: 100 } } };
}

export function deployment(role: Role, endpointName: string, name: string, model: string, provisioningState = 'Succeeded'): Json {
  return { id: `${wsId(role)}/onlineEndpoints/${endpointName}/deployments/${name}`, name, type: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments', location: REGION[role], sku: { name: 'Default', capacity: 1 }, properties: { endpointComputeType: 'Managed', model, instanceType: 'Standard_DS3_v2', provisioningState } };
}

export function datastore(role: Role, name: string, accountName: string, isDefault = false): Json {
  return { id: `${wsId(role)}/datastores/${name}`, name, type: 'Microsoft.MachineLearningServices/workspaces/datastores', properties: { datastoreType: 'AzureBlob', accountName, containerName: 'data', endpoint: 'core.windows.net', protocol: 'https', isDefault, credentials: { credentialsType: 'AccountKey', secrets: { secretsType: 'AccountKey' } } } };
}

export const DATA_SCIENTIST = [{ actions: ['Microsoft.MachineLearningServices/workspaces/*/read', 'Microsoft.MachineLearningServices/workspaces/*/action', 'Microsoft.MachineLearningServices/workspaces/*/write', 'Microsoft.MachineLearningServices/workspaces/read'], notActions: ['Microsoft.MachineLearningServices/workspaces/delete', 'Microsoft.MachineLearningServices/workspaces/write'], dataActions: [], notDataActions: [] }];

/** What the project's job YAML below names, as the assets check looks each up (`<kind>/<name>[/versions/<v>]`). */
export const JOB_ASSETS = ['environments/sklearn-env/versions/1', 'models/credit-default/versions/3', 'data/credit-data/versions/1', 'components/prep'];

/** jobs/train.yml, as src/failover/needs.ts reads it: every kind of reference once. */
export function trainJob(): JobNeeds {
  return {
    computes: ['cpu-cluster'],
    environments: [{ name: 'sklearn-env', version: '1' }],
    models: [{ name: 'credit-default', version: '3' }],
    data: [{ name: 'credit-data', version: '1' }],
    components: [{ name: 'prep' }],
    datastores: ['curated'],
  };
}

function side(role: Role): SideFacts {
  return {
    role,
    ref: { subscription_id: SUB, resource_group: RG[role], workspace_name: WS[role], region: REGION[role] },
    workspace: ok(workspace(role)),
    storage: ok(storageAccount(role)),
    keyVault: ok({ id: VAULT, name: 'kv-ml-shared', type: 'Microsoft.KeyVault/vaults', location: 'eastus', properties: { tenantId: SUB, sku: { family: 'A', name: 'standard' }, enableSoftDelete: true, enablePurgeProtection: true, vaultUri: 'https://kv-ml-shared.vault.azure.net/', provisioningState: 'Succeeded' } }),
    registry: ok({ id: REGISTRY, name: 'crmlshared', type: 'Microsoft.ContainerRegistry/registries', location: 'eastus', sku: { name: 'Premium', tier: 'Premium' }, properties: { loginServer: 'crmlshared.azurecr.io', provisioningState: 'Succeeded', adminUserEnabled: false } }),
    replications: ok(['eastus', 'westus'].map((l) => ({ id: `${REGISTRY}/replications/${l}`, name: l, type: 'Microsoft.ContainerRegistry/registries/replications', location: l, properties: { provisioningState: 'Succeeded', status: { displayStatus: 'Ready' } } }))),
    appInsights: ok({ id: rid(role, 'microsoft.insights', 'components', `appi-${REGION[role]}`), name: `appi-${REGION[role]}`, type: 'microsoft.insights/components', location: REGION[role], kind: 'web', properties: { ApplicationId: `appi-${REGION[role]}`, Application_Type: 'web', provisioningState: 'Succeeded' } }),
    datastores: ok([datastore(role, 'workspaceblobstore', STORAGE[role], true), datastore(role, 'curated', 'stcuratedwestus')]),
    computes: ok([cluster(role, 'cpu-cluster', 'Standard_DS3_v2', 4), cluster(role, 'gpu-cluster', 'Standard_NC6', 2), instance(role, `ci-alice-${REGION[role]}`, 'a1a1a1a1-0000-0000-0000-000000000001')]),
    vmSizes: ok([vmSize('Standard_DS3_v2', 'standardDSv2Family', 4), vmSize('Standard_NC6', 'standardNCFamily', 6, 1), vmSize('STANDARD_DS11_V2', 'standardDSv2Family', 2)]),
    usages: ok([usage('Standard DSv2', 2, 100), usage('Standard NC', 0, 24), usage('Standard NC', 0, -1, 'LowPriority')]),
    quotas: ok([workspaceQuota(role, 'Standard NC', 0)]),
    onlineEndpoints: ok([endpoint(role, 'credit-endpoint')]),
    onlineDeployments: ok({ 'credit-endpoint': [deployment(role, 'credit-endpoint', 'blue', `${wsId(role)}/models/credit-default/versions/3`)] }),
    models: ok([{ id: `${wsId(role)}/models/credit-default`, name: 'credit-default', type: 'Microsoft.MachineLearningServices/workspaces/models', properties: { latestVersion: '3' } }]),
    permissions: ok(DATA_SCIENTIST),
    privateEndpointConnections: ok([]),
    jobAssets: ok(Object.fromEntries(JOB_ASSETS.map((a) => [a, `${wsId(role)}/${a}`]))),
  };
}

export function passingFacts(): ReadinessFacts {
  return {
    primary: side('primary'),
    secondary: side('secondary'),
    availability: { inference: 'hot/hot', scoring: 'hot/warm', training: 'hot/cold' },
    projectJobs: { state: 'read', jobs: [{ file: 'jobs/train.yml', needs: trainJob() }], unreadable: [] },
    computeMap: {},
    locations: ok([
      { id: `/subscriptions/${SUB}/locations/eastus`, name: 'eastus', type: 'Region', displayName: 'East US', metadata: { regionType: 'Physical', pairedRegion: [{ name: 'westus', id: `/subscriptions/${SUB}/locations/westus` }] } },
      { id: `/subscriptions/${SUB}/locations/westus`, name: 'westus', type: 'Region', displayName: 'West US', metadata: { regionType: 'Physical', pairedRegion: [{ name: 'eastus', id: `/subscriptions/${SUB}/locations/eastus` }] } },
      { id: `/subscriptions/${SUB}/locations/eastus2`, name: 'eastus2', type: 'Region', displayName: 'East US 2', metadata: { regionType: 'Physical', pairedRegion: [{ name: 'centralus', id: `/subscriptions/${SUB}/locations/centralus` }] } },
    ]),
    storageAccounts: ok([storageAccount('primary'), storageAccount('secondary'), storageAccount('secondary', 'stcuratedwestus', 'Standard_LRS', 'westus')]),
    backup: { state: 'read', dir: 'aml-backup', points: { primary: { place: 'aml-backup/primary/20261206T200000Z', takenAt: '2026-12-06T20:00:00.000Z', verified: true }, secondary: undefined } },
    backupMaxAgeHours: 24,
    now: Date.parse('2026-12-06T22:00:00Z'),
  };
}
