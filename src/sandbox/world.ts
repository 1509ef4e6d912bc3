// What the sandbox cloud holds: two regions, each with one resource group, one workspace, its associated resources
// and its assets. Bodies are kept as ARM JSON shaped like the REST spec examples (see specs/), so answering a GET is
// handing back what is stored, plus the few fields computed on read (job status, latest versions).
import { randomUUID } from 'node:crypto';
import type { Role } from '../pair/pairFile';

export const API_VERSION = '2022-10-01';
export const ML = 'Microsoft.MachineLearningServices';

export type Json = Record<string, unknown>;

export interface AssetContainer {
  name: string;
  body: Json;
  versions: Map<string, Json>;
}

export interface JobRecord {
  name: string;
  body: Json;
  /** When it was submitted (ms since epoch). */
  submittedAt: number;
  /** Time before it runs: NotStarted → Starting → [Provisioning] → Preparing → Queued (see jobStatus). */
  queuedMs: number;
  /** How long it runs; undefined runs until the region goes down. */
  runMs?: number;
  /** Its compute had to scale up from zero nodes: it passes through Provisioning. */
  provisions?: boolean;
  /** Terminal status set at seeding, on cancel, or when its region heals from an outage it was caught in. */
  finalStatus?: 'Completed' | 'Failed' | 'Canceled';
  /** A status it stays in until something ends it (seeded): NotResponding, Paused. */
  heldStatus?: 'NotResponding' | 'Paused';
  endedAt?: number;
  /** Set while its region is down: the job stopped changing at this moment. */
  frozenAt?: number;
  /** Why it failed (its region's outage). */
  failureReason?: string;
  /** A step of this pipeline job: reachable by name, never listed at the top level (as the service does). */
  parent?: string;
}

/** An online endpoint and its deployments (Microsoft.MachineLearningServices/workspaces/onlineEndpoints). */
export interface OnlineEndpointRecord {
  body: Json;
  deployments: Map<string, Json>;
}

/** A role assignment at a scope inside the region's resource group (Microsoft.Authorization/roleAssignments). */
export interface RoleAssignmentRecord {
  id: string;
  /** Lower-case ARM path the assignment applies to (and everything below it). */
  scope: string;
  roleName: string;
  body: Json;
}

/**
 * What readiness and Azure's own views read besides the workspace's assets: the region's VM sizes, usages and quotas,
 * online endpoints, private endpoint connections, role assignments, and the ARM bodies of the associated resources
 * (storage, key vault, registry with its replications, Application Insights), keyed by lower-case ARM id.
 */
export interface RegionServices {
  vmSizes: Json[];
  usages: Json[];
  quotas: Json[];
  onlineEndpoints: Map<string, OnlineEndpointRecord>;
  privateEndpointConnections: Map<string, Json>;
  roleAssignments: Map<string, RoleAssignmentRecord>;
  resources: Map<string, Json>;
}

export interface Region {
  role: Role;
  location: string;
  subscriptionId: string;
  resourceGroup: string;
  workspaceName: string;
  workspaceGuid: string;
  storageAccount: string;
  /** Base64 account key (Shared Key), returned by datastores listSecrets. */
  storageKey: string;
  /** An extra storage account with Shared Key disabled (primary only; seed/keylessStore.ts). */
  keylessAccount?: { name: string; key: string; container: string };
  keyVault: string;
  containerRegistry: string;
  applicationInsights: string;
  blobContainer: string;
  artifactContainer: string;
  fileShare: string;
  fileStoreShare: string;
  createdAt: string;
  models: Map<string, AssetContainer>;
  environments: Map<string, AssetContainer>;
  /** Data assets (uri_file, uri_folder, mltable). */
  data: Map<string, AssetContainer>;
  jobs: Map<string, JobRecord>;
  /** Code assets and components (containers and versions), the assets jobs refer to. */
  codes: Map<string, AssetContainer>;
  components: Map<string, AssetContainer>;
  computes: Map<string, Json>;
  datastores: Map<string, Json>;
  services: RegionServices;
  /** `<ARM endpoint>/discovery/<location>`, once the sandbox listens (the workspace's discoveryUrl). */
  discoveryUrl?: string;
  /** Recurring jobs (ARM Schedule bodies), keyed by lower-case name. */
  schedules: Map<string, Json>;
  /**
   * The workspace's properties as set through ARM (Workspaces_CreateOrUpdate of a new workspace, Workspaces_Update):
   * ARM ids of its associated resources, publicNetworkAccess, description… over the seeded ones.
   */
  workspaceProperties?: Json;
  workspaceTags?: Record<string, string>;
}

export interface World {
  tenantId: string;
  regions: Record<Role, Region>;
  /**
   * Workspaces created through ARM besides the seeded two (arm/workspaces.ts): each a Region of its own, empty, in a
   * seeded region's resource group and location, sharing that region's faults, role assignments and resources.
   */
  moreWorkspaces?: Region[];
}

/** ARM names are case-insensitive: maps are keyed by the lower-case name. */
export const key = (name: string) => name.toLowerCase();

export function workspaceId(r: Region): string {
  return `/subscriptions/${r.subscriptionId}/resourceGroups/${r.resourceGroup}/providers/${ML}/workspaces/${r.workspaceName}`;
}

export function resourceId(r: Region, provider: string, type: string, name: string): string {
  return `/subscriptions/${r.subscriptionId}/resourceGroups/${r.resourceGroup}/providers/${provider}/${type}/${name}`;
}

export function systemData(at: string, by = 'Alice Example'): Json {
  return { createdAt: at, createdBy: by, createdByType: 'User', lastModifiedAt: at, lastModifiedBy: by, lastModifiedByType: 'User' };
}

export function newRegion(role: Role, init: { location: string; subscriptionId: string; suffix: string; storageKey: string }): Region {
  const guid = randomUUID();
  const tag = init.location;
  return {
    role,
    location: init.location,
    subscriptionId: init.subscriptionId,
    resourceGroup: `rg-ml-${tag}`,
    workspaceName: `mlw-demo-${tag}`,
    workspaceGuid: guid,
    storageAccount: `stmldemo${tag}${init.suffix}`.slice(0, 24),
    storageKey: init.storageKey,
    keyVault: `kv-mldemo-${tag}`,
    containerRegistry: `crmldemo${tag}`,
    applicationInsights: `appi-mldemo-${tag}`,
    blobContainer: `azureml-blobstore-${guid}`,
    artifactContainer: 'azureml',
    fileShare: `code-${guid}`,
    fileStoreShare: `azureml-filestore-${guid}`,
    createdAt: new Date(Date.now() - 90 * 24 * 3600 * 1000).toISOString(),
    models: new Map(),
    environments: new Map(),
    data: new Map(),
    jobs: new Map(),
    codes: new Map(),
    components: new Map(),
    computes: new Map(),
    datastores: new Map(),
    services: { vmSizes: [], usages: [], quotas: [], onlineEndpoints: new Map(), privateEndpointConnections: new Map(), roleAssignments: new Map(), resources: new Map() },
    schedules: new Map(),
  };
}

export function workspaceBody(r: Region, tenantId: string): Json {
  return {
    id: workspaceId(r),
    name: r.workspaceName,
    type: `${ML}/workspaces`,
    location: r.location,
    kind: 'Default',
    tags: r.workspaceTags ?? { role: r.role, 'created-by': 'aml-failover sandbox' },
    identity: { type: 'SystemAssigned', principalId: randomUUIDFor(r, 'principal'), tenantId },
    sku: { name: 'Basic', tier: 'Basic' },
    properties: {
      friendlyName: r.workspaceName,
      description: `${r.role === 'primary' ? 'Primary' : 'Secondary'} workspace (${r.location}) of the sandbox pair`,
      storageAccount: resourceId(r, 'Microsoft.Storage', 'storageAccounts', r.storageAccount),
      keyVault: resourceId(r, 'Microsoft.KeyVault', 'vaults', r.keyVault),
      containerRegistry: resourceId(r, 'Microsoft.ContainerRegistry', 'registries', r.containerRegistry),
      applicationInsights: resourceId(r, 'microsoft.insights', 'components', r.applicationInsights),
      discoveryUrl: r.discoveryUrl ?? `https://${r.location}.api.azureml.ms/discovery`,
      mlFlowTrackingUri: `azureml://${r.location}.api.azureml.ms/mlflow/v1.0${workspaceId(r)}`,
      workspaceId: r.workspaceGuid,
      provisioningState: 'Succeeded',
      hbiWorkspace: false,
      allowPublicAccessWhenBehindVnet: false,
      publicNetworkAccess: 'Enabled',
      storageHnsEnabled: false,
      v1LegacyMode: false,
      privateEndpointConnections: [],
      notebookInfo: { fqdn: `ml-${r.workspaceName}-${r.workspaceGuid}.${r.location}.notebooks.azure.net`, resourceId: r.workspaceGuid.replace(/-/g, '') },
      ...r.workspaceProperties,
    },
    systemData: systemData(r.createdAt),
  };
}

/**
 * A workspace created through ARM in `home`'s resource group: empty (no assets, computes, datastores, endpoints), with
 * the associated resources its creation named. Faults, role assignments and the resource group's resources are
 * `home`'s (the same maps); Machine Learning's per-region services (VM sizes, usages, quotas) too.
 */
export function newWorkspaceIn(home: Region, name: string, properties: Json, tags: Record<string, string> | undefined): Region {
  const r = newRegion(home.role, { location: home.location, subscriptionId: home.subscriptionId, suffix: '', storageKey: home.storageKey });
  const storage = String(properties.storageAccount);
  Object.assign(r, {
    resourceGroup: home.resourceGroup,
    workspaceName: name,
    createdAt: new Date().toISOString(),
    storageAccount: storage.split('/').pop() ?? storage,
    discoveryUrl: home.discoveryUrl,
    workspaceProperties: properties,
    workspaceTags: tags ?? {},
  });
  r.services = { ...home.services, onlineEndpoints: new Map(), privateEndpointConnections: new Map() };
  return r;
}

/** Stable per-region GUID-like ids for fields that only need to look real. */
function randomUUIDFor(r: Region, what: string): string {
  const hex = Buffer.from(`${r.workspaceGuid}${what}`).toString('hex').padEnd(32, '0').slice(0, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * ARM GET bodies of the workspace's associated resources (health probes ask these), shaped like the REST spec
 * examples in specs/providers/: Microsoft.Storage/StorageAccountGetProperties.json, Microsoft.KeyVault/getVault.json,
 * Microsoft.ContainerRegistry/RegistryGet.json, Microsoft.Insights/ComponentsGet.json.
 */
export function associatedResources(r: Region): Map<string, Json> {
  const out = new Map<string, Json>();
  const add = (provider: string, type: string, name: string, body: Json) => {
    const id = resourceId(r, provider, type, name);
    out.set(id.toLowerCase(), { id, name, type: `${provider}/${type}`, location: r.location, tags: {}, ...body });
  };
  add('Microsoft.Storage', 'storageAccounts', r.storageAccount, {
    kind: 'StorageV2',
    sku: { name: 'Standard_LRS', tier: 'Standard' },
    properties: {
      provisioningState: 'Succeeded',
      primaryLocation: r.location,
      statusOfPrimary: 'available',
      supportsHttpsTrafficOnly: true,
      allowBlobPublicAccess: false,
      minimumTlsVersion: 'TLS1_2',
      primaryEndpoints: {
        blob: `https://${r.storageAccount}.blob.core.windows.net/`,
        file: `https://${r.storageAccount}.file.core.windows.net/`,
      },
    },
  });
  add('Microsoft.KeyVault', 'vaults', r.keyVault, {
    properties: { provisioningState: 'Succeeded', vaultUri: `https://${r.keyVault}.vault.azure.net/`, tenantId: randomUUIDFor(r, 'tenant'), sku: { family: 'A', name: 'standard' }, enableSoftDelete: true },
  });
  add('Microsoft.ContainerRegistry', 'registries', r.containerRegistry, {
    sku: { name: 'Standard', tier: 'Standard' },
    properties: { provisioningState: 'Succeeded', loginServer: `${r.containerRegistry}.azurecr.io`, adminUserEnabled: false },
  });
  add('microsoft.insights', 'components', r.applicationInsights, {
    kind: 'web',
    properties: { provisioningState: 'Succeeded', ApplicationId: r.applicationInsights, Application_Type: 'web', InstrumentationKey: randomUUIDFor(r, 'ikey') },
  });
  return out;
}

/** Statuses a job does not leave (JobStatus in the REST spec). */
export const TERMINAL_STATUSES = new Set(['Completed', 'Failed', 'Canceled']);

/** Shares of the time before a job runs spent in each status (Provisioning only when its compute scales up). */
const BEFORE_RUNNING: [string, number][] = [
  ['NotStarted', 0.1],
  ['Starting', 0.15],
  ['Provisioning', 0.25],
  ['Preparing', 0.2],
  ['Queued', 0.3],
];
const FINALIZING_MS = 400;

/**
 * A job's status now, as the service reports it: NotStarted → Starting → [Provisioning] → Preparing → Queued →
 * Running → Finalizing → Completed, or a held or terminal status. While its region is down it stays where it was.
 */
export function jobStatus(job: JobRecord, now = Date.now()): string {
  if (job.finalStatus) return job.finalStatus;
  if (job.heldStatus) return job.heldStatus;
  const t = (job.frozenAt ?? now) - job.submittedAt;
  if (t < job.queuedMs) {
    const phases = BEFORE_RUNNING.filter(([s]) => s !== 'Provisioning' || job.provisions);
    const total = phases.reduce((n, [, share]) => n + share, 0);
    let until = 0;
    for (const [status, share] of phases) {
      until += (share / total) * job.queuedMs;
      if (t < until) return status;
    }
    return 'Queued';
  }
  if (job.runMs === undefined || t < job.queuedMs + job.runMs) return 'Running';
  if (t < job.queuedMs + job.runMs + FINALIZING_MS) return 'Finalizing';
  return 'Completed';
}

/** The region went down: its unfinished jobs stop changing (they keep the status they had). */
export function freezeUnfinishedJobs(r: Region, now = Date.now()): number {
  let n = 0;
  for (const job of r.jobs.values()) {
    if (job.frozenAt === undefined && !TERMINAL_STATUSES.has(jobStatus(job, now))) {
      job.frozenAt = now;
      n++;
    }
  }
  return n;
}

/** The region is back: the jobs its outage caught end Failed, with the outage as the reason (as a real job does). */
export function failJobsCaughtInOutage(r: Region, now = Date.now()): number {
  let n = 0;
  for (const job of r.jobs.values()) {
    if (job.frozenAt === undefined) continue;
    job.finalStatus = 'Failed';
    job.endedAt = now;
    job.failureReason = `The job was interrupted by an outage of region ${r.location}; it did not finish. Resubmit it (for instance in the other workspace of the pair).`;
    job.frozenAt = undefined;
    n++;
  }
  return n;
}

export function jobBody(job: JobRecord, now = Date.now()): Json {
  const props = { ...(job.body.properties as Json) };
  const status = jobStatus(job, now);
  props.status = status;
  const p = { ...((props.properties as Json | undefined) ?? {}) } as Record<string, string>;
  if (status === 'Running' || status === 'Finalizing' || TERMINAL_STATUSES.has(status) || job.heldStatus) p.StartTimeUtc = new Date(job.submittedAt + job.queuedMs).toISOString();
  if (TERMINAL_STATUSES.has(status)) p.EndTimeUtc = new Date(job.endedAt ?? job.submittedAt + job.queuedMs + (job.runMs ?? 0) + FINALIZING_MS).toISOString();
  if (job.failureReason) p.FailureReason = job.failureReason;
  props.properties = p;
  return { ...job.body, properties: props };
}

export function containerBody(c: AssetContainer): Json {
  const versions = [...c.versions.keys()];
  const numeric = versions.map(Number).filter((n) => Number.isInteger(n));
  const latest = numeric.length ? String(Math.max(...numeric)) : versions.at(-1);
  const props = { ...(c.body.properties as Json), latestVersion: latest ?? null, nextVersion: String((numeric.length ? Math.max(...numeric) : 0) + 1) };
  return { ...c.body, properties: props };
}
