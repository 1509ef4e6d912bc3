// Workspaces: list (subscription, resource group), get, create (Workspaces_CreateOrUpdate of a new name: an empty
// workspace with the associated resources it names) and update (Workspaces_Update, or CreateOrUpdate of an existing
// one) of what Azure lets change: description, friendlyName, imageBuildCompute, publicNetworkAccess,
// applicationInsights, containerRegistry, tags. The storage account and key vault "cannot be changed once the
// workspace has been created" (the REST spec's words): 400. And the resource group itself.
// Shapes: specs/ (Workspaces_Get, Workspaces_ListByResourceGroup examples; 2022-10-01 WorkspaceUpdateParameters).
import { newWorkspaceIn, workspaceBody, type Json, type Region, type World } from '../world';
import { associatedBody } from './authorization';
import { ArmError, ML_PROVIDER, RESOURCE_GROUP, WORKSPACE, WORKSPACES, page, printable, regionOf, requireProperties, type ArmEnv, type ArmRequest, type Route } from './router';

/** The associated resources a workspace names, with the resource type each must be. */
const ASSOCIATED: Record<string, [RegExp, string]> = {
  storageAccount: [/\/providers\/microsoft\.storage\/storageaccounts\/[^/]+$/i, 'Microsoft.Storage/storageAccounts'],
  keyVault: [/\/providers\/microsoft\.keyvault\/vaults\/[^/]+$/i, 'Microsoft.KeyVault/vaults'],
  applicationInsights: [/\/providers\/microsoft\.insights\/components\/[^/]+$/i, 'microsoft.insights/components'],
  containerRegistry: [/\/providers\/microsoft\.containerregistry\/registries\/[^/]+$/i, 'Microsoft.ContainerRegistry/registries'],
};
const IMMUTABLE = ['storageAccount', 'keyVault'];
const UPDATABLE = ['description', 'friendlyName', 'imageBuildCompute', 'publicNetworkAccess', 'applicationInsights', 'containerRegistry'];

export function workspaceRoutes(env: ArmEnv): Route[] {
  const { world } = env;
  const all = () => [...Object.values(world.regions), ...(world.moreWorkspaces ?? [])];
  return [
    { path: `${ML_PROVIDER}/workspaces`, methods: { GET: (req) => page(env, req, all().map((r) => workspaceBody(r, world.tenantId))) } },
    {
      path: RESOURCE_GROUP,
      methods: {
        GET: (req) => {
          const r = regionOf(req);
          return { status: 200, body: { id: `/subscriptions/${r.subscriptionId}/resourceGroups/${r.resourceGroup}`, name: r.resourceGroup, type: 'Microsoft.Resources/resourceGroups', location: r.location, properties: { provisioningState: 'Succeeded' } } };
        },
      },
    },
    { path: WORKSPACES, methods: { GET: (req) => page(env, req, all().filter((r) => r.resourceGroup === regionOf(req).resourceGroup).map((r) => workspaceBody(r, world.tenantId))) } },
    {
      path: WORKSPACE,
      methods: {
        GET: (req) => ({ status: 200, body: workspaceBody(regionOf(req), world.tenantId) }),
        PUT: (req) => {
          const r = regionOf(req);
          // 200 either way, provisioned at once (the spec's answers are 200 and 202): the SDK's poller ends on it.
          if (r.workspaceName.toLowerCase() === req.params.workspace.toLowerCase()) return { status: 200, body: update(world, r, req.body) };
          return { status: 200, body: create(world, r, req) };
        },
        PATCH: (req) => ({ status: 200, body: update(world, regionOf(req), req.body) }),
      },
    },
  ];
}

function create(world: World, home: Region, req: ArmRequest): Json {
  const body = req.body as Json;
  const props = requireProperties(body);
  const name = req.params.workspace;
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$/.test(name)) throw new ArmError(400, 'InvalidResourceName', `The workspace name '${printable(name)}' is not valid: 3 to 33 letters, digits, '-' and '_', starting with a letter or digit.`);
  const location = typeof body.location === 'string' ? body.location.toLowerCase().replace(/\s/g, '') : '';
  if (location !== home.location) throw new ArmError(400, 'InvalidLocation', `The sandbox keeps resource group '${home.resourceGroup}' in ${home.location}: create the workspace there ("location": "${home.location}").`);
  for (const key of IMMUTABLE) if (typeof props[key] !== 'string') throw new ArmError(400, 'UserError', `A new workspace needs properties.${key}: the ARM id of an existing ${key === 'keyVault' ? 'key vault' : 'storage account'}.`);
  const properties: Json = { friendlyName: name, description: '', publicNetworkAccess: 'Enabled' };
  for (const key of [...IMMUTABLE, ...UPDATABLE]) if (props[key] !== undefined) properties[key] = checked(world, key, props[key]);
  const r = newWorkspaceIn(home, name, properties, (body.tags as Record<string, string> | undefined) ?? undefined);
  (world.moreWorkspaces ??= []).push(r);
  return workspaceBody(r, world.tenantId);
}

function update(world: World, r: Region, body: unknown): Json {
  const props = ((body as Json | undefined)?.properties ?? {}) as Json;
  const current = (workspaceBody(r, world.tenantId).properties ?? {}) as Json;
  for (const key of IMMUTABLE) {
    if (props[key] !== undefined && String(props[key]).toLowerCase() !== String(current[key]).toLowerCase()) {
      throw new ArmError(400, 'UserError', `The ${key === 'keyVault' ? 'key vault' : 'storage account'} of workspace '${r.workspaceName}' cannot be changed once the workspace has been created (properties.${key}).`);
    }
  }
  const changes: Json = {};
  for (const key of UPDATABLE) if (props[key] !== undefined) changes[key] = checked(world, key, props[key]);
  r.workspaceProperties = { ...r.workspaceProperties, ...changes };
  const tags = (body as Json | undefined)?.tags;
  if (tags && typeof tags === 'object') r.workspaceTags = tags as Record<string, string>;
  return workspaceBody(r, world.tenantId);
}

/** A property's value as ARM would keep it: associated resources must exist and be of their type. */
function checked(world: World, key: string, value: unknown): unknown {
  if (key === 'publicNetworkAccess' && value !== 'Enabled' && value !== 'Disabled') throw new ArmError(400, 'InvalidRequestContent', 'properties.publicNetworkAccess must be Enabled or Disabled.');
  const associated = ASSOCIATED[key];
  if (!associated) return value;
  if (typeof value !== 'string' || !associated[0].test(value)) throw new ArmError(400, 'InvalidRequestContent', `properties.${key} must be the ARM id of a ${associated[1]} resource.`);
  if (!associatedBody(world, value.toLowerCase())) throw new ArmError(400, 'UserError', `properties.${key}: the resource '${printable(value)}' was not found.`);
  return value;
}
