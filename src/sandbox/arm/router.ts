// The ARM emulator's route table: a route is a path pattern and a handler per HTTP method. ARM's conventions that
// every route shares live here — error bodies, name checks, paging, 404 `InvalidResourceType` for a path no route
// serves and 405 for a method a route does not take — so a resource type's module only says what it answers.
import { ServiceError } from '../http';
import { ML, type Json, type Region, type World } from '../world';

export const ArmError = ServiceError;
export type ArmError = ServiceError;

export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface ArmRequest {
  method: string;
  /** The request path, re-encoded from its decoded segments (used in messages and nextLink). */
  path: string;
  query: URLSearchParams;
  /** Parsed JSON body of PUT/POST/PATCH (undefined when empty). */
  body: unknown;
  /** Decoded values of the route's `{placeholders}`; a trailing `*` puts the rest in `rest`. */
  params: Record<string, string>;
  rest: string[];
  /** Decoded path segments, as sent and lower-cased. */
  names: string[];
  lower: string[];
  /** The region the request belongs to (its resource group or `locations/<region>`). */
  region: Region | undefined;
}

export type Handler = (req: ArmRequest) => Answer;

export interface Route {
  /** Segments separated by '/': literals match case-insensitively; `{x}` binds one segment; a last `*` binds one or more. */
  path: string;
  methods: Partial<Record<'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE', Handler>>;
  /** Runs before 405 is answered, so a missing resource answers 404 whatever the method (as datastores do). */
  exists?: (req: ArmRequest) => void;
  /** Placeholders that are not resource names (ids, kinds): not checked with `checkName`. */
  free?: string[];
}

/** What every module may read: the world, the server's own URL and the list page size. */
export interface ArmEnv {
  world: World;
  baseUrl: () => string;
  pageSize: number;
}

/** Placeholders settled by the router's scope checks before a route is chosen. */
const SCOPE = new Set(['subscription', 'resourceGroup', 'workspace', 'location']);

export const SUBSCRIPTION = 'subscriptions/{subscription}';
export const RESOURCE_GROUP = `${SUBSCRIPTION}/resourceGroups/{resourceGroup}`;
export const ML_PROVIDER = `${SUBSCRIPTION}/providers/${ML}`;
export const WORKSPACES = `${RESOURCE_GROUP}/providers/${ML}/workspaces`;
export const WORKSPACE = `${WORKSPACES}/{workspace}`;

export const notFound = (what: string) => new ArmError(404, 'ResourceNotFound', `${what} was not found.`);

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/;

/** Every path segment that names something: no '/', '\', '..', control characters, or leading dot. */
export function checkName(kind: string, name: string): string {
  if (!NAME.test(name) || name.includes('..')) {
    throw new ArmError(
      400,
      'InvalidResourceName',
      `The ${kind} name '${printable(name)}' is not valid: use letters, digits, '-', '_' and '.', starting with a letter or digit, without '..' or '/'.`,
    );
  }
  return name;
}

export function printable(s: string): string {
  return JSON.stringify(s).slice(1, -1).slice(0, 200);
}

export function noRoute(method: string, path: string): ArmError {
  return new ArmError(404, 'InvalidResourceType', `The sandbox has no ARM operation ${method} ${printable(path)}; it serves ${ML} workspaces and their associated resources.`);
}

export function requireProperties(body: unknown): Json {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ArmError(400, 'InvalidRequestContent', 'The request body must be a JSON object with "properties".');
  const props = (body as Json).properties;
  if (!props || typeof props !== 'object' || Array.isArray(props)) throw new ArmError(400, 'InvalidRequestContent', 'The request body needs a "properties" object.');
  return props as Json;
}

/** The region of a workspace-scoped route (the router's scope checks guarantee it). */
/** Azure ML lists active items by default; `listViewType=ArchivedOnly|All` asks for the archived ones. */
export function inView(item: Json, req: ArmRequest): boolean {
  const view = (req.query.get('listViewType') ?? 'ActiveOnly').toLowerCase();
  const archived = Boolean((item.properties as Json | undefined)?.isArchived);
  return view === 'all' || (view === 'archivedonly' ? archived : !archived);
}

export function regionOf(req: ArmRequest): Region {
  if (!req.region) throw noRoute(req.method, req.path);
  return req.region;
}

/** ARM paging: `$skip` is the continuation token; `nextLink` carries host, path and api-version. */
export function page(env: ArmEnv, req: ArmRequest, items: unknown[]): Answer {
  const { query } = req;
  const skipRaw = query.get('$skip') ?? query.get('$skipToken') ?? '0';
  const skip = Number(skipRaw);
  if (!Number.isInteger(skip) || skip < 0) throw new ArmError(400, 'InvalidSkipToken', `The continuation token '${printable(skipRaw)}' is not valid.`);
  const asked = Number(query.get('count') ?? query.get('$top') ?? env.pageSize);
  const size = Math.max(1, Math.min(Number.isFinite(asked) && asked > 0 ? asked : env.pageSize, env.pageSize));
  const slice = items.slice(skip, skip + size);
  const body: Json = { value: slice };
  if (skip + size < items.length) {
    const next = new URLSearchParams(query);
    next.delete('$skipToken');
    next.set('$skip', String(skip + size));
    body.nextLink = `${env.baseUrl()}${req.path}?${next.toString()}`;
  }
  return { status: 200, body };
}

interface Compiled {
  route: Route;
  segments: string[];
}

/** Builds the dispatcher for a table of routes; the first route whose pattern matches the path answers. */
export function createRouter(world: World, routes: Route[]): (req: Omit<ArmRequest, 'params' | 'rest'>) => Answer {
  const table: Compiled[] = routes.map((route) => ({ route, segments: route.path.split('/') }));
  return (base) => {
    const { method, names, lower, path } = base;
    checkScope(world, base);
    for (const { route, segments } of table) {
      const bound = match(segments, names, lower);
      if (!bound) continue;
      const req: ArmRequest = { ...base, params: bound.params, rest: bound.rest };
      for (const [name, value] of Object.entries(bound.params)) {
        if (!SCOPE.has(name) && !route.free?.includes(name)) checkName(name, value);
      }
      const handler = route.methods[method as keyof Route['methods']];
      if (!handler) {
        route.exists?.(req);
        const allowed = Object.keys(route.methods);
        throw new ArmError(405, 'MethodNotAllowed', `${method} is not supported on ${printable(path)}; use ${allowed.join(' or ')}.`);
      }
      return handler(req);
    }
    throw noRoute(method, path);
  };
}

/** Subscription, resource group and workspace are checked before any route, as ARM does. */
function checkScope(world: World, req: Omit<ArmRequest, 'params' | 'rest'>): void {
  const { names, lower, region } = req;
  const regions = Object.values(world.regions);
  if (!regions.some((r) => r.subscriptionId.toLowerCase() === lower[1])) {
    throw new ArmError(404, 'SubscriptionNotFound', `The subscription '${printable(names[1])}' could not be found.`);
  }
  if (lower[2] !== 'resourcegroups' || !names[3]) return;
  if (!region) throw new ArmError(404, 'ResourceGroupNotFound', `Resource group '${printable(names[3])}' could not be found.`);
  const workspacePath = lower[4] === 'providers' && lower[5] === ML.toLowerCase() && lower[6] === 'workspaces' && names.length > 7;
  // A PUT of the workspace itself may create it (arm/workspaces.ts).
  const creation = req.method === 'PUT' && names.length === 8;
  if (workspacePath && !creation && lower[7] !== region.workspaceName.toLowerCase()) {
    checkName('workspace', names[7]);
    throw notFound(`The Resource '${ML}/workspaces/${printable(names[7])}' under resource group '${region.resourceGroup}'`);
  }
}

function match(segments: string[], names: string[], lower: string[]): { params: Record<string, string>; rest: string[] } | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    if (seg === '*' && i === segments.length - 1) {
      if (names.length <= i) return undefined;
      return { params, rest: names.slice(i) };
    }
    if (i >= names.length) return undefined;
    if (seg.startsWith('{') && seg.endsWith('}')) params[seg.slice(1, -1)] = names[i];
    else if (seg.toLowerCase() !== lower[i]) return undefined;
  }
  return segments.length === names.length ? { params, rest: [] } : undefined;
}
