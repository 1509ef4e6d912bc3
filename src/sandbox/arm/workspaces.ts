// Workspaces (list by subscription and resource group, get) and the resource group itself.
// Shapes: specs/ (Workspaces_Get, Workspaces_ListByResourceGroup examples of the 2022-10-01 REST spec).
import { workspaceBody } from '../world';
import { ML_PROVIDER, RESOURCE_GROUP, WORKSPACE, WORKSPACES, page, regionOf, type ArmEnv, type Route } from './router';

export function workspaceRoutes(env: ArmEnv): Route[] {
  const { world } = env;
  return [
    { path: `${ML_PROVIDER}/workspaces`, methods: { GET: (req) => page(env, req, Object.values(world.regions).map((r) => workspaceBody(r, world.tenantId))) } },
    {
      path: RESOURCE_GROUP,
      methods: {
        GET: (req) => {
          const r = regionOf(req);
          return { status: 200, body: { id: `/subscriptions/${r.subscriptionId}/resourceGroups/${r.resourceGroup}`, name: r.resourceGroup, type: 'Microsoft.Resources/resourceGroups', location: r.location, properties: { provisioningState: 'Succeeded' } } };
        },
      },
    },
    { path: WORKSPACES, methods: { GET: (req) => page(env, req, [workspaceBody(regionOf(req), world.tenantId)]) } },
    { path: WORKSPACE, methods: { GET: (req) => ({ status: 200, body: workspaceBody(regionOf(req), world.tenantId) }) } },
  ];
}
