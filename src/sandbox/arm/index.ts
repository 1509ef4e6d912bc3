// The sandbox's ARM endpoint: Microsoft.MachineLearningServices at api-version 2022-10-01 (the one
// @azure/arm-machinelearning sends), plus ARM GET of each workspace's associated resources. ARM conventions
// throughout: bearer token, {error:{code,message}} bodies, nextLink paging, 404/409, LROs with
// Azure-AsyncOperation/Location, and the region's fault on requests for that region's resources.
// What it answers is the route table below: one module per resource type (see README "What it serves").
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../common/logger';
import type { Role } from '../../pair/pairFile';
import { CONTROL_PATH, faultOptionsProblem, isFaultMode, type FaultRequest } from '../control';
import { THROTTLE_RETRY_AFTER_S, gate, sendBody, type FaultBoard } from '../faults';
import { BodyTooLarge, commonHeaders, readBody } from '../http';
import { API_VERSION, ML, type Region, type World } from '../world';
import { assetRoutes } from './assets';
import { associatedRoutes } from './associated';
import { computeRoutes } from './computes';
import { datastoreRoutes } from './datastores';
import { jobAssetRoutes } from './jobAssets';
import { jobRoutes, type JobTiming } from './jobs';
import { operationRoutes } from './operations';
import { scheduleRoutes } from './schedules';
import { ArmError, createRouter, noRoute, printable, type ArmEnv, type Route } from './router';
import { workspaceRoutes } from './workspaces';
import { authorizationRoutes } from './authorization';
import { azureServiceRoutes } from './azureServices';
import { answerDataPlane, isDataPlanePath } from './dataPlane';
import { onlineEndpointRoutes } from './onlineEndpoints';
import { privateEndpointRoutes } from './privateEndpoints';
import { regionServiceRoutes } from './regionServices';

export interface ArmOptions {
  world: World;
  faults: FaultBoard;
  token: string;
  logger: Logger;
  /** https://127.0.0.1:<port>, used in nextLink and LRO URLs. */
  baseUrl: () => string;
  pageSize: number;
  /** How long a submitted job stays Queued and Running. */
  jobTiming: JobTiming;
  /** How long diagnose runs before it succeeds. */
  diagnoseMs: number;
  /** Called for the control endpoint (fault switching); resolves once the fault is in force on every endpoint of the region. */
  onFault: (req: FaultRequest) => Promise<void>;
}

/** The route table: the first route whose path matches answers. A new resource type is a module and a row here. */
function armRoutes(env: ArmEnv, opts: ArmOptions): Route[] {
  return [
    ...workspaceRoutes(env),
    ...operationRoutes(env, opts.diagnoseMs),
    ...datastoreRoutes(env),
    ...assetRoutes(env),
    ...jobAssetRoutes(env),
    ...jobRoutes(env, opts.jobTiming, opts.faults),
    ...computeRoutes(env),
    ...regionServiceRoutes(env),
    ...onlineEndpointRoutes(env),
    ...privateEndpointRoutes(env),
    ...authorizationRoutes(env),
    ...azureServiceRoutes(env, opts.faults),
    ...scheduleRoutes(env),
    // Last: every other provider's resources by one generic GET.
    ...associatedRoutes(env),
  ];
}

export function createArmHandler(opts: ArmOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { world, faults, logger } = opts;
  const route = createRouter(world, armRoutes({ world, baseUrl: opts.baseUrl, pageSize: opts.pageSize }, opts));

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, role?: Role) => {
    const buf = Buffer.from(JSON.stringify(body));
    res.statusCode = status;
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.setHeader('content-length', buf.length);
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    sendBody(res, faults.bodyEffect(role, false), buf);
  };

  const error = (res: ServerResponse, e: ArmError, role?: Role) =>
    json(res, e.status, { error: { code: e.code, message: e.message, ...e.details } }, e.headers, role);

  return (req, res) => {
    commonHeaders(res);
    handle(req, res).catch((err: unknown) => {
      if (err instanceof ArmError) return error(res, err);
      logger.error(err as Error);
      if (!res.headersSent) error(res, new ArmError(500, 'InternalServerError', `The sandbox failed to answer: ${(err as Error).message}`));
      else res.destroy();
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const rawUrl = req.url ?? '/';
    if (isDataPlanePath(rawUrl.split('?')[0])) return answerDataPlane(req, res, world, faults, opts.baseUrl(), opts.token);
    checkBearer(req, opts.token);
    const qIndex = rawUrl.indexOf('?');
    const rawPath = qIndex < 0 ? rawUrl : rawUrl.slice(0, qIndex);
    const query = new URLSearchParams(qIndex < 0 ? '' : rawUrl.slice(qIndex + 1));

    if (rawPath === CONTROL_PATH && method === 'POST') return control(req, res);

    const names = decodeSegments(rawPath);
    const lower = names.map((n) => n.toLowerCase());
    // GET /tenants: the account's tenants — the sandbox's own and a guest one, so that signing in asks which.
    if (lower.length === 1 && lower[0] === 'tenants' && method === 'GET') return json(res, 200, { value: sandboxTenants(world) });
    if (lower[0] !== 'subscriptions' || names.length < 2) throw noRoute(method, rawPath);
    checkApiVersion(query);
    const region = regionOfPath(world, names, lower);
    // Resource Health is global: it answers during the region's outage, and reports it.
    if (region && !lower.includes('microsoft.resourcehealth')) {
      const outcome = await gate(faults, region.role, res);
      if (outcome === 'held') return;
      if (outcome === 'outage') {
        req.resume();
        return error(res, new ArmError(503, 'ServiceUnavailable', `The region ${region.location} is unavailable (sandbox outage). Retry later or fail over to the other workspace.`));
      }
      if (outcome === 'throttle') {
        req.resume();
        return error(
          res,
          new ArmError(429, 'TooManyRequests', `Too many requests for resources in ${region.location}; retry after ${THROTTLE_RETRY_AFTER_S} s.`, {
            'retry-after': String(THROTTLE_RETRY_AFTER_S),
          }),
        );
      }
    }
    const body = method === 'PUT' || method === 'POST' || method === 'PATCH' ? await readJson(req) : (req.resume(), undefined);
    const path = '/' + names.map(encodeURIComponent).join('/');
    const answer = route({ method, path, query, body, names, lower, region });
    json(res, answer.status, answer.body, answer.headers ?? {}, region?.role);
  }

  function control(req: IncomingMessage, res: ServerResponse): Promise<void> {
    return readJson(req).then(async (body) => {
      const b = (body ?? {}) as Partial<FaultRequest>;
      if ((b.role !== 'primary' && b.role !== 'secondary') || typeof b.mode !== 'string' || !isFaultMode(b.mode)) {
        throw new ArmError(400, 'InvalidFault', 'Send {"role": "primary"|"secondary", "mode": "none"|"outage"|"blackhole"|"slow"|"throttle"|"reset"|"corrupt", "latencyMs"?: N, "rate"?: P, "seed"?: N, "uploads"?: true|false}.');
      }
      const problem = faultOptionsProblem(b.mode, b);
      if (problem) throw new ArmError(400, 'InvalidFault', problem);
      await opts.onFault({ role: b.role, mode: b.mode, latencyMs: b.latencyMs, rate: b.rate, seed: b.seed, uploads: b.uploads });
      json(res, 200, { role: b.role, ...faults.get(b.role) });
    });
  }
}

function checkBearer(req: IncomingMessage, token: string): void {
  const auth = req.headers.authorization;
  if (!auth || !/^Bearer\s+/i.test(auth)) {
    req.resume();
    throw new ArmError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing; send a bearer token from the sandbox's token file.");
  }
  if (auth.replace(/^Bearer\s+/i, '').trim() !== token) {
    req.resume();
    throw new ArmError(401, 'InvalidAuthenticationToken', 'The access token is invalid. Use the token the running sandbox wrote to .aml-failover/sandbox-token.');
  }
}

/** The path's segments, percent-decoded; a segment that could smuggle a path (`/`, `\`, `..`, control characters) is refused. */
function decodeSegments(rawPath: string): string[] {
  const segments = rawPath.split('/').slice(1);
  if (segments.at(-1) === '') segments.pop();
  const names = segments.map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new ArmError(400, 'InvalidResourceName', `The path segment '${printable(s)}' is not valid percent-encoding.`);
    }
  });
  for (const n of names) {
    if (n === '' || n.includes('/') || n.includes('\\') || n === '.' || n === '..' || /[\u0000-\u001f]/.test(n)) {
      throw new ArmError(400, 'InvalidResourceName', `The resource name '${printable(n)}' in the request path is not valid: names may not be empty or contain '/', '\\', control characters or be '..'.`);
    }
  }
  return names;
}

function checkApiVersion(query: URLSearchParams): void {
  const apiVersion = query.get('api-version');
  if (!apiVersion) throw new ArmError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
  if (!/^\d{4}-\d{2}-\d{2}(-preview)?$/.test(apiVersion)) {
    throw new ArmError(400, 'InvalidApiVersionParameter', `The api-version '${printable(apiVersion)}' is invalid. The supported version for ${ML} in the sandbox is '${API_VERSION}'.`);
  }
}

/** A request belongs to a region by its resource group, or by `providers/<ML>/locations/<region>`. */
function regionOfPath(world: World, names: string[], lower: string[]): Region | undefined {
  if (lower[2] === 'resourcegroups' && names[3]) {
    const home = Object.values(world.regions).find((r) => r.resourceGroup.toLowerCase() === lower[3]);
    // A workspace created through ARM in that resource group answers for itself.
    const named = lower[4] === 'providers' && lower[5] === ML.toLowerCase() && lower[6] === 'workspaces' && lower[7];
    return (named && world.moreWorkspaces?.find((r) => r.resourceGroup.toLowerCase() === lower[3] && r.workspaceName.toLowerCase() === named)) || home;
  }
  if (lower[2] === 'providers' && lower[3] === ML.toLowerCase() && lower[4] === 'locations' && names[5]) {
    return Object.values(world.regions).find((r) => r.location === lower[5]);
  }
  return undefined;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let buf: Buffer;
  try {
    buf = await readBody(req);
  } catch (err) {
    if (err instanceof BodyTooLarge) throw new ArmError(413, 'RequestEntityTooLarge', err.message);
    throw err;
  }
  if (buf.length === 0) return undefined;
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (err) {
    throw new ArmError(400, 'InvalidRequestContent', `The request content was invalid and could not be deserialized: ${(err as Error).message}`);
  }
}

/** The tenants GET /tenants lists (tenant choice in VS Code's sign-in). */
export function sandboxTenants(world: World): { id: string; tenantId: string; displayName: string; defaultDomain: string }[] {
  const guest = `${world.tenantId.slice(0, -4)}9e57`;
  return [
    { id: `/tenants/${world.tenantId}`, tenantId: world.tenantId, displayName: 'Sandbox', defaultDomain: 'sandbox.aml-failover.invalid' },
    { id: `/tenants/${guest}`, tenantId: guest, displayName: 'Sandbox Guest', defaultDomain: 'guest.aml-failover.invalid' },
  ];
}
