// Microsoft.Authorization at the scopes of a region's resource group: role assignments (GET/PUT/DELETE) and the
// caller's effective `permissions` of a resource (Permissions - List For Resource, 2022-04-01), computed from the
// assignments at that scope and above. Reads of non-ML resources are refused with 403 `AuthorizationFailed` when no
// assignment grants `<provider>/<type>/read` there, as ARM does — so a test removes a Reader assignment to see a 403.
// Shapes: the authorization REST spec examples (specs/providers/Microsoft.Authorization/RoleAssignments_Get.json, the permissions list `{actions, notActions,
// dataActions, notDataActions}`).
import { associatedResources, type Json, type Region, type RoleAssignmentRecord, type World } from '../world';
import { ArmError, RESOURCE_GROUP, page, printable, regionOf, requireProperties, type ArmEnv, type ArmRequest, type Route } from './router';

const AUTH = 'providers/Microsoft.Authorization';

/** Built-in role definitions the sandbox knows, by name (ids as in Azure). */
export const ROLE_DEFINITIONS: Record<string, { id: string; permissions: Json }> = {
  Owner: { id: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635', permissions: { actions: ['*'], notActions: [], dataActions: [], notDataActions: [] } },
  Reader: { id: 'acdd72a7-3385-48ef-bd42-f606fba81ae7', permissions: { actions: ['*/read'], notActions: [], dataActions: [], notDataActions: [] } },
  'AzureML Data Scientist': {
    id: 'f6c7c914-8db3-469d-8ca1-694a8f32e121',
    permissions: {
      actions: ['Microsoft.MachineLearningServices/workspaces/*/read', 'Microsoft.MachineLearningServices/workspaces/*/action', 'Microsoft.MachineLearningServices/workspaces/*/delete', 'Microsoft.MachineLearningServices/workspaces/*/write'],
      notActions: ['Microsoft.MachineLearningServices/workspaces/delete', 'Microsoft.MachineLearningServices/workspaces/write', 'Microsoft.MachineLearningServices/workspaces/computes/*/write', 'Microsoft.MachineLearningServices/workspaces/computes/*/delete'],
      dataActions: [],
      notDataActions: [],
    },
  },
};

const roleDefinitionId = (r: Region, name: string) => `/subscriptions/${r.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${ROLE_DEFINITIONS[name].id}`;

export function roleAssignmentBody(r: Region, id: string, scope: string, roleName: string, principalId: string): Json {
  return {
    id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${id}`,
    name: id,
    type: 'Microsoft.Authorization/roleAssignments',
    properties: { roleDefinitionId: roleDefinitionId(r, roleName), principalId, principalType: 'User', scope },
  };
}

export function addRoleAssignment(r: Region, id: string, scope: string, roleName: string, principalId: string): void {
  r.services.roleAssignments.set(id.toLowerCase(), { id, scope: scope.toLowerCase(), roleName, body: roleAssignmentBody(r, id, scope, roleName, principalId) });
}

/** The permissions the caller has at `path` (lower-case ARM path): every assignment at that scope or above. */
export function permissionsAt(r: Region, path: string): Json[] {
  const p = path.toLowerCase().replace(/^\/?/, '/');
  return [...r.services.roleAssignments.values()].filter((a) => p === a.scope || p.startsWith(`${a.scope}/`)).map((a) => ROLE_DEFINITIONS[a.roleName].permissions);
}

function matches(pattern: string, action: string): boolean {
  return new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`, 'i').test(action);
}

/** 403 unless an assignment at `path` or above lets the caller read the resource there. */
export function requireRead(r: Region, path: string): void {
  const parts = path.replace(/^\//, '').split('/');
  // subscriptions/{s}/resourceGroups/{g}/providers/{provider}/{type}/{name}…
  const action = `${parts[5]}/${parts[6]}/read`;
  const allowed = permissionsAt(r, `/${parts.slice(0, 8).join('/')}`).some(
    (p) => (p.actions as string[]).some((a) => matches(a, action)) && !(p.notActions as string[]).some((n) => matches(n, action)),
  );
  if (!allowed) {
    throw new ArmError(403, 'AuthorizationFailed', `The client does not have authorization to perform action '${action}' over scope '/${printable(parts.slice(0, 8).join('/'))}' or the scope is invalid.`);
  }
}

/** The region's non-ML resources by lower-case id; the workspace's associated resources are there from the start. */
export function resourcesOf(r: Region): Map<string, Json> {
  if (!r.services.resources.size) for (const [id, body] of associatedResources(r)) r.services.resources.set(id, body);
  return r.services.resources;
}

/** The ARM body of a non-ML resource (storage account, key vault, registry, …) by lower-case id. */
export function associatedBody(world: World, lowerId: string): Json | undefined {
  for (const r of Object.values(world.regions)) {
    const found = resourcesOf(r).get(lowerId);
    if (found) return found;
  }
  return undefined;
}

function assignment(req: ArmRequest): RoleAssignmentRecord | undefined {
  return regionOf(req).services.roleAssignments.get(req.params.assignment.toLowerCase());
}

function scopeOf(req: ArmRequest): string {
  const i = req.lower.lastIndexOf('providers');
  return '/' + req.names.slice(0, i).join('/');
}

export function authorizationRoutes(env: ArmEnv): Route[] {
  const permissions = { GET: (req: ArmRequest) => page(env, req, permissionsAt(regionOf(req), scopeOf(req))) };
  const assignments = {
    GET: (req: ArmRequest) => {
      const a = assignment(req);
      if (!a) throw new ArmError(404, 'RoleAssignmentNotFound', `The role assignment '${printable(req.params.assignment)}' is not found.`);
      return { status: 200, body: a.body };
    },
    PUT: (req: ArmRequest) => {
      const r = regionOf(req);
      const props = requireProperties(req.body);
      const name = Object.keys(ROLE_DEFINITIONS).find((n) => String(props.roleDefinitionId ?? '').toLowerCase().endsWith(ROLE_DEFINITIONS[n].id));
      if (!name) throw new ArmError(400, 'RoleDefinitionDoesNotExist', `The sandbox knows the roles ${Object.keys(ROLE_DEFINITIONS).join(', ')}; properties.roleDefinitionId names none of them.`);
      if (typeof props.principalId !== 'string' || !props.principalId) throw new ArmError(400, 'InvalidPrincipalId', 'properties.principalId is required.');
      const existed = r.services.roleAssignments.has(req.params.assignment.toLowerCase());
      addRoleAssignment(r, req.params.assignment, scopeOf(req), name, props.principalId);
      return { status: existed ? 200 : 201, body: assignment(req)!.body };
    },
    DELETE: (req: ArmRequest) => {
      const a = assignment(req);
      if (!a) return { status: 204, body: null };
      regionOf(req).services.roleAssignments.delete(req.params.assignment.toLowerCase());
      return { status: 200, body: a.body };
    },
  };
  const free = ['provider', 'type', 'assignment'];
  return [
    { path: `${RESOURCE_GROUP}/${AUTH}/permissions`, methods: permissions },
    { path: `${RESOURCE_GROUP}/providers/{provider}/{type}/{name}/${AUTH}/permissions`, free, methods: permissions },
    { path: `${RESOURCE_GROUP}/${AUTH}/roleAssignments/{assignment}`, free, methods: assignments },
    { path: `${RESOURCE_GROUP}/providers/{provider}/{type}/{name}/${AUTH}/roleAssignments/{assignment}`, free, methods: assignments },
  ];
}

