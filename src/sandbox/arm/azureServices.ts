// Azure services around the workspaces, outside Machine Learning, that readiness and health read:
// - subscription `locations` with pair metadata (Subscriptions - List Locations, 2022-12-01; GetLocations.json);
// - the subscription's storage accounts (Storage Accounts - List, 2023-01-01; bodies as StorageAccountGetProperties.json),
//   each shown only where readable, and a storage account's PATCH of its sku and `allowSharedKeyAccess` (Storage
//   Accounts - Update; false makes the account's storage endpoint refuse its key, 403 KeyBasedAuthenticationNotPermitted,
//   as a security baseline does);
// - a key vault's PATCH of soft delete and purge protection (Vaults - Update, 2023-07-01, bodies as getVault.json;
//   never turned off again);
// - Application Insights components created where the request says (Components - Create Or Update, 2020-02-02;
//   ComponentsCreate.json);
// - a container registry's replications (Replications - List/Get/Create, 2023-07-01; ReplicationList.json);
// - Resource Health `availabilityStatuses/current` of any resource (2022-10-01; AvailabilityStatus_GetByResource.json)
//   and the subscription's Service Health events (Events_ListBySubscriptionId.json). Both are global: they answer
//   during a regional outage (the fault gate lets them through) and report it.
import { randomUUID } from 'node:crypto';
import type { Role } from '../../pair/pairFile';
import type { FaultBoard } from '../faults';
import type { Json, Region } from '../world';
import { associatedBody, requireRead, resourcesOf } from './authorization';
import { ArmError, RESOURCE_GROUP, SUBSCRIPTION, notFound, page, printable, regionOf, type ArmEnv, type ArmRequest, type Route } from './router';

/** Azure's region pairs for the regions the sandbox may use (subscription locations metadata.pairedRegion). */
const REGIONS: [name: string, display: string, geography: string, paired: string][] = [
  ['eastus', 'East US', 'United States', 'westus'],
  ['westus', 'West US', 'United States', 'eastus'],
  ['eastus2', 'East US 2', 'United States', 'centralus'],
  ['centralus', 'Central US', 'United States', 'eastus2'],
  ['westus2', 'West US 2', 'United States', 'westcentralus'],
  ['westcentralus', 'West Central US', 'United States', 'westus2'],
  ['northeurope', 'North Europe', 'Europe', 'westeurope'],
  ['westeurope', 'West Europe', 'Europe', 'northeurope'],
];
const DISPLAY = new Map(REGIONS.map(([name, display]) => [name, display]));

/** Faults a region's customers notice as an Azure incident. */
const INCIDENT: Record<string, string> = { outage: 'is unavailable', blackhole: 'is not responding', dataplane: 'cannot accept jobs or serve the studio (data plane)' };

const storagePattern = (id: string) => /\/providers\/microsoft\.storage\/storageaccounts\/[^/]+$/.test(id);

function setSku(account: Json, sku: string): void {
  account.sku = { name: sku, tier: sku.startsWith('Premium') ? 'Premium' : 'Standard' };
  const props = account.properties as Json;
  const name = String(account.name);
  if (/_RA(G|GZ)RS$/.test(sku)) {
    props.secondaryLocation = props.secondaryLocation ?? props.primaryLocation;
    props.secondaryEndpoints = { blob: `https://${name}-secondary.blob.core.windows.net/`, file: `https://${name}-secondary.file.core.windows.net/` };
  } else {
    delete props.secondaryEndpoints;
  }
  if (!/(GRS|GZRS)$/.test(sku)) delete props.secondaryLocation;
  props.statusOfSecondary = /(GRS|GZRS)$/.test(sku) ? 'available' : undefined;
}

/**
 * Vaults - Update (2023-07-01): soft delete and purge protection, and the retention. Either, once on, cannot be
 * turned off — Azure refuses, as here.
 */
function updateVault(vault: Json, body: unknown): Json {
  const changes = ((body as Json | undefined)?.properties ?? {}) as Json;
  const props = vault.properties as Json;
  for (const key of ['enableSoftDelete', 'enablePurgeProtection']) {
    const value = changes[key];
    if (value === undefined) continue;
    if (typeof value !== 'boolean') throw new ArmError(400, 'BadRequest', `properties.${key} must be true or false.`);
    if (!value && props[key] === true) throw new ArmError(400, 'BadRequest', `The property "${key}" cannot be set to false. ${key === 'enablePurgeProtection' ? 'Enabling the purge protection for a vault is an irreversible action.' : 'Soft delete cannot be turned off once enabled.'}`);
    props[key] = value;
  }
  const days = changes.softDeleteRetentionInDays;
  if (days !== undefined) {
    if (typeof days !== 'number' || !Number.isInteger(days) || days < 7 || days > 90) throw new ArmError(400, 'BadRequest', 'properties.softDeleteRetentionInDays must be a whole number of days from 7 to 90.');
    props.softDeleteRetentionInDays = days;
  }
  return vault;
}

/** Components - Create Or Update (2020-02-02; specs/providers/Microsoft.Insights/ComponentsCreate.json): a component where the request says. */
function component(id: string, name: string, body: unknown): Json {
  const b = (body ?? {}) as Json;
  const location = typeof b.location === 'string' ? b.location.toLowerCase().replace(/\s/g, '') : '';
  if (!location) throw new ArmError(400, 'InvalidRequestContent', 'An Application Insights component needs a location.');
  const kind = typeof b.kind === 'string' ? b.kind : 'web';
  const props = (b.properties ?? {}) as Json;
  const key = randomUUID();
  const workspace = typeof props.WorkspaceResourceId === 'string' ? { WorkspaceResourceId: props.WorkspaceResourceId } : {};
  return {
    id,
    name,
    type: 'Microsoft.Insights/components',
    location,
    tags: (b.tags as Json | undefined) ?? {},
    kind,
    properties: {
      ApplicationId: name, AppId: randomUUID(), Application_Type: props.Application_Type ?? 'web', Flow_Type: props.Flow_Type ?? 'Bluefield', Request_Source: props.Request_Source ?? 'rest',
      InstrumentationKey: key, CreationDate: new Date().toISOString(), TenantId: randomUUID(), provisioningState: 'Succeeded', SamplingPercentage: 100.0, ...workspace,
      ConnectionString: `InstrumentationKey=${key}`, DisableIpMasking: false, publicNetworkAccessForQuery: 'Enabled', publicNetworkAccessForIngestion: 'Enabled', IngestionMode: workspace.WorkspaceResourceId ? 'LogAnalytics' : 'ApplicationInsights',
    },
  };
}

export function azureServiceRoutes(env: ArmEnv, faults: FaultBoard): Route[] {
  const since: Record<Role, number> = { primary: Date.now(), secondary: Date.now() };
  faults.on('change', (role: Role) => (since[role] = Date.now()));
  const regions = () => Object.values(env.world.regions);
  const resource = (req: ArmRequest, lowerId: string): Json => {
    const body = associatedBody(env.world, lowerId);
    if (!body) throw notFound(`The Resource '${printable(req.names.slice(5, 8).join('/'))}' under resource group '${regionOf(req).resourceGroup}'`);
    requireRead(regionOf(req), lowerId);
    return body;
  };
  /** The lower-case id of the resource a path is under (`/subscriptions/…/providers/<provider>/<type>/<name>`). */
  const resourceIdOf = (req: ArmRequest) => '/' + req.lower.slice(0, 8).join('/');
  const replicationsOf = (r: Region, registry: string) => [...resourcesOf(r).entries()].filter(([id]) => id.startsWith(`${registry}/replications/`)).map(([, body]) => body);

  const availability = (req: ArmRequest): Json => {
    const r = regionOf(req);
    const target = '/' + req.names.slice(0, 8).join('/');
    const body = associatedBody(env.world, target.toLowerCase());
    const isWorkspace = req.lower[6] === 'workspaces' && req.lower[7] === r.workspaceName.toLowerCase();
    if (!body && !isWorkspace) throw notFound(`The Resource '${printable(req.names.slice(5, 8).join('/'))}' under resource group '${r.resourceGroup}'`);
    const mode = faults.get(r.role).mode;
    const down = mode === 'outage' || mode === 'blackhole';
    const occured = new Date(since[r.role]).toISOString();
    return {
      id: `${target}/providers/Microsoft.ResourceHealth/availabilityStatuses/current`,
      name: 'current',
      type: 'Microsoft.ResourceHealth/AvailabilityStatuses',
      location: r.location,
      properties: down
        ? { availabilityState: 'Unavailable', title: 'Unavailable', summary: `We're sorry, your resource is unavailable because of an Azure incident in ${DISPLAY.get(r.location) ?? r.location}.`, reasonType: 'Unplanned', category: 'Unplanned', reasonChronicity: 'Persistent', context: 'Platform Initiated', occuredTime: occured, reportedTime: new Date().toISOString() }
        : { availabilityState: 'Available', title: 'Available', summary: 'There aren\'t any known Azure platform problems affecting this resource.', reasonChronicity: 'Persistent', occuredTime: occured, reportedTime: new Date().toISOString() },
    };
  };

  const events = (): Json[] =>
    regions()
      .filter((r) => INCIDENT[faults.get(r.role).mode])
      .map((r) => {
        const trackingId = `SBX-${r.location.toUpperCase()}-${since[r.role].toString(36).toUpperCase()}`;
        const display = DISPLAY.get(r.location) ?? r.location;
        const lastUpdateTime = new Date(since[r.role]).toISOString();
        return {
          id: `/providers/Microsoft.ResourceHealth/events/${trackingId}`,
          name: trackingId,
          type: '/providers/Microsoft.ResourceHealth/events',
          properties: {
            eventType: 'ServiceIssue',
            eventSource: 'ServiceHealth',
            status: 'Active',
            title: `ACTIVE: Azure Machine Learning in ${display}`,
            summary: `Azure Machine Learning in ${display} ${INCIDENT[faults.get(r.role).mode]} (sandbox fault). More information will be provided as it is known.`,
            header: 'Your service might have been impacted by an Azure service issue',
            level: 'Error',
            eventLevel: 'Error',
            impactStartTime: lastUpdateTime,
            impact: [{ impactedService: 'Machine Learning', impactedRegions: [{ impactedRegion: display, status: 'Active', impactedSubscriptions: [r.subscriptionId], impactedTenants: [], lastUpdateTime }] }],
            isHIR: false,
            priority: 1,
            lastUpdateTime,
          },
        };
      });

  return [
    {
      path: `${SUBSCRIPTION}/locations`,
      methods: {
        GET: (req) =>
          page(env, req, REGIONS.map(([name, displayName, geography, paired]) => ({
            id: `/subscriptions/${req.names[1]}/locations/${name}`,
            name,
            type: 'Region',
            displayName,
            regionalDisplayName: `(${geography === 'Europe' ? 'Europe' : 'US'}) ${displayName}`,
            metadata: { regionType: 'Physical', regionCategory: 'Recommended', geography, geographyGroup: geography === 'Europe' ? 'Europe' : 'US', pairedRegion: [{ name: paired, id: `/subscriptions/${req.names[1]}/locations/${paired}` }] },
          }))),
      },
    },
    {
      path: `${SUBSCRIPTION}/providers/Microsoft.Storage/storageAccounts`,
      methods: {
        GET: (req) => {
          const readable: Json[] = [];
          for (const r of regions()) {
            for (const [id, body] of resourcesOf(r)) {
              if (!storagePattern(id)) continue;
              try {
                requireRead(r, id);
                readable.push(body);
              } catch {
                // ARM lists only what the caller may read.
              }
            }
          }
          return page(env, req, readable);
        },
      },
    },
    { path: `${SUBSCRIPTION}/providers/Microsoft.ResourceHealth/events`, methods: { GET: (req) => page(env, req, events()) } },
    {
      path: `${RESOURCE_GROUP}/providers/Microsoft.Storage/storageAccounts/{account}`,
      methods: {
        GET: (req) => ({ status: 200, body: resource(req, resourceIdOf(req)) }),
        PATCH: (req) => {
          const account = resource(req, resourceIdOf(req));
          const sku = ((req.body as Json | undefined)?.sku as Json | undefined)?.name;
          const allowSharedKey = ((req.body as Json | undefined)?.properties as Json | undefined)?.allowSharedKeyAccess;
          const skuOk = typeof sku === 'string' && /^(Standard_(LRS|ZRS|GRS|RAGRS|GZRS|RAGZRS)|Premium_(LRS|ZRS))$/.test(sku);
          if ((sku !== undefined && !skuOk) || (allowSharedKey !== undefined && typeof allowSharedKey !== 'boolean') || (sku === undefined && allowSharedKey === undefined)) {
            throw new ArmError(400, 'InvalidRequestContent', 'Send {"sku": {"name": "Standard_LRS" | "Standard_GRS" | "Standard_RAGRS" | …}} and/or {"properties": {"allowSharedKeyAccess": true | false}}.');
          }
          if (skuOk) setSku(account, sku);
          if (typeof allowSharedKey === 'boolean') (account.properties as Json).allowSharedKeyAccess = allowSharedKey;
          return { status: 200, body: account };
        },
      },
    },
    {
      path: `${RESOURCE_GROUP}/providers/Microsoft.KeyVault/vaults/{vault}`,
      methods: {
        GET: (req) => ({ status: 200, body: resource(req, resourceIdOf(req)) }),
        PATCH: (req) => ({ status: 200, body: updateVault(resource(req, resourceIdOf(req)), req.body) }),
      },
    },
    {
      path: `${RESOURCE_GROUP}/providers/microsoft.insights/components/{component}`,
      methods: {
        GET: (req) => ({ status: 200, body: resource(req, resourceIdOf(req)) }),
        PUT: (req) => {
          const r = regionOf(req);
          const id = '/' + req.names.slice(0, 8).join('/');
          const body = component(id, req.params.component, req.body);
          resourcesOf(r).set(id.toLowerCase(), body);
          // 200 for a new component too, as the spec's example answers (ComponentsCreate.json).
          return { status: 200, body };
        },
      },
    },
    { path: `${RESOURCE_GROUP}/providers/Microsoft.ContainerRegistry/registries/{registry}/replications`, methods: { GET: (req) => (resource(req, resourceIdOf(req)), page(env, req, replicationsOf(regionOf(req), resourceIdOf(req)))) } },
    {
      path: `${RESOURCE_GROUP}/providers/Microsoft.ContainerRegistry/registries/{registry}/replications/{replication}`,
      methods: {
        GET: (req) => {
          resource(req, resourceIdOf(req));
          const body = resourcesOf(regionOf(req)).get('/' + req.lower.join('/'));
          if (!body) throw notFound(`The replication '${printable(req.params.replication)}' of registry '${printable(req.params.registry)}'`);
          return { status: 200, body };
        },
        PUT: (req) => {
          const registry = resource(req, resourceIdOf(req));
          if ((registry.sku as Json | undefined)?.name !== 'Premium') throw new ArmError(400, 'PremiumSkuRequired', 'Geo-replication is only available for Premium registries.');
          const location = (req.body as Json | undefined)?.location;
          if (typeof location !== 'string' || !location) throw new ArmError(400, 'InvalidRequestContent', 'A replication needs a location.');
          const id = `${String(registry.id)}/replications/${req.params.replication}`;
          const existed = resourcesOf(regionOf(req)).has(id.toLowerCase());
          const body = { id, name: req.params.replication, type: 'Microsoft.ContainerRegistry/registries/replications', location: location.toLowerCase().replace(/\s/g, ''), tags: {}, properties: { provisioningState: 'Succeeded', status: { displayStatus: 'Ready' }, regionEndpointEnabled: true, zoneRedundancy: 'Disabled' } };
          resourcesOf(regionOf(req)).set(id.toLowerCase(), body);
          return { status: existed ? 200 : 201, body };
        },
      },
    },
    { path: `${RESOURCE_GROUP}/providers/{provider}/{type}/{name}/providers/Microsoft.ResourceHealth/availabilityStatuses/current`, free: ['provider', 'type'], methods: { GET: (req) => ({ status: 200, body: availability(req) }) } },
  ];
}
