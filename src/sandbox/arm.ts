// The sandbox's ARM endpoint: Microsoft.MachineLearningServices at api-version 2022-10-01 (the one
// @azure/arm-machinelearning sends), plus ARM GET of each workspace's associated resources. ARM conventions
// throughout: bearer token, {error:{code,message}} bodies, nextLink paging, 404/409, LROs with
// Azure-AsyncOperation/Location, and the region's fault on requests for that region's resources.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../common/logger';
import type { Role } from '../pair/pairFile';
import { CONTROL_PATH, faultOptionsProblem, isFaultMode, type FaultRequest } from './control';
import { THROTTLE_RETRY_AFTER_S, gate, sendBody, type FaultBoard } from './faults';
import { BodyTooLarge, ServiceError, commonHeaders, readBody } from './http';
import {
  API_VERSION,
  ML,
  associatedResources,
  containerBody,
  jobBody,
  key,
  systemData,
  workspaceBody,
  workspaceId,
  type AssetContainer,
  type Json,
  type Region,
  type World,
} from './world';

export interface ArmOptions {
  world: World;
  faults: FaultBoard;
  token: string;
  logger: Logger;
  /** https://127.0.0.1:<port>, used in nextLink and LRO URLs. */
  baseUrl: () => string;
  pageSize: number;
  /** How long a submitted job stays Queued and Running. */
  jobTiming: { queuedMs: number; runMs: number };
  /** How long diagnose runs before it succeeds. */
  diagnoseMs: number;
  /** Called for the control endpoint (fault switching). */
  /** Resolves once the fault is in force on every endpoint of the region. */
  onFault: (req: FaultRequest) => Promise<void>;
}

const ArmError = ServiceError;
type ArmError = ServiceError;

const notFound = (what: string) => new ArmError(404, 'ResourceNotFound', `${what} was not found.`);

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/;

/** Every path segment that names something: no '/', '\', '..', control characters, or leading dot. */
function checkName(kind: string, name: string): string {
  if (!NAME.test(name) || name.includes('..')) {
    throw new ArmError(
      400,
      'InvalidResourceName',
      `The ${kind} name '${printable(name)}' is not valid: use letters, digits, '-', '_' and '.', starting with a letter or digit, without '..' or '/'.`,
    );
  }
  return name;
}

function printable(s: string): string {
  return JSON.stringify(s).slice(1, -1).slice(0, 200);
}

interface Op {
  role: Role;
  started: number;
  workspace: string;
}

export function createArmHandler(opts: ArmOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { world, faults, logger } = opts;
  const operations = new Map<string, Op>();
  /** Credentials given to datastores by PUT (role/name → what listSecrets returns); seeded datastores use the account key. */
  const datastoreSecrets = new Map<string, Json>();
  const associated = new Map<string, { role: Role; body: Json }>();
  for (const r of Object.values(world.regions)) {
    for (const [id, body] of associatedResources(r)) associated.set(id, { role: r.role, body });
  }

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, role?: Role) => {
    const buf = Buffer.from(JSON.stringify(body));
    res.statusCode = status;
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.setHeader('content-length', buf.length);
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    sendBody(res, faults.bodyEffect(role, false), buf);
  };

  const error = (res: ServerResponse, e: ArmError, role?: Role) =>
    json(res, e.status, { error: { code: e.code, message: e.message } }, e.headers, role);

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
    const auth = req.headers.authorization;
    if (!auth || !/^Bearer\s+/i.test(auth)) {
      req.resume();
      throw new ArmError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing; send a bearer token from the sandbox's token file.");
    }
    if (auth.replace(/^Bearer\s+/i, '').trim() !== opts.token) {
      req.resume();
      throw new ArmError(401, 'InvalidAuthenticationToken', 'The access token is invalid. Use the token the running sandbox wrote to .aml-failover/sandbox-token.');
    }
    const qIndex = rawUrl.indexOf('?');
    const rawPath = qIndex < 0 ? rawUrl : rawUrl.slice(0, qIndex);
    const query = new URLSearchParams(qIndex < 0 ? '' : rawUrl.slice(qIndex + 1));

    if (rawPath === CONTROL_PATH && method === 'POST') return control(req, res);

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
    const lower = names.map((n) => n.toLowerCase());
    if (lower[0] !== 'subscriptions' || names.length < 2) throw noRoute(method, rawPath);
    const apiVersion = query.get('api-version');
    if (!apiVersion) throw new ArmError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
    if (!/^\d{4}-\d{2}-\d{2}(-preview)?$/.test(apiVersion)) {
      throw new ArmError(400, 'InvalidApiVersionParameter', `The api-version '${printable(apiVersion)}' is invalid. The supported version for ${ML} in the sandbox is '${API_VERSION}'.`);
    }
    const region = regionOf(names, lower);
    if (region) {
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
    const answer = route(method, names, lower, query, body, region);
    json(res, answer.status, answer.body, answer.headers ?? {}, region?.role);
  }

  function regionOf(names: string[], lower: string[]): Region | undefined {
    if (lower[2] === 'resourcegroups' && names[3]) {
      return Object.values(world.regions).find((r) => r.resourceGroup.toLowerCase() === lower[3]);
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

  interface Answer {
    status: number;
    body: unknown;
    headers?: Record<string, string>;
  }

  function noRoute(method: string, rawPath: string): ArmError {
    return new ArmError(404, 'InvalidResourceType', `The sandbox has no ARM operation ${method} ${printable(rawPath)}; it serves ${ML} workspaces and their associated resources.`);
  }

  function route(method: string, names: string[], lower: string[], query: URLSearchParams, body: unknown, region: Region | undefined): Answer {
    const path = '/' + names.map(encodeURIComponent).join('/');
    const sub = names[1];
    if (!Object.values(world.regions).some((r) => r.subscriptionId.toLowerCase() === sub.toLowerCase())) {
      throw new ArmError(404, 'SubscriptionNotFound', `The subscription '${printable(sub)}' could not be found.`);
    }
    const want = (...m: string[]) => {
      if (!m.includes(method)) throw new ArmError(405, 'MethodNotAllowed', `${method} is not supported on ${printable(path)}; use ${m.join(' or ')}.`);
    };
    // /subscriptions/{s}/providers/Microsoft.MachineLearningServices/...
    if (lower[2] === 'providers') {
      if (lower[3] !== ML.toLowerCase()) throw noRoute(method, path);
      if (lower.length === 5 && lower[4] === 'workspaces') {
        want('GET');
        return page(path, query, Object.values(world.regions).map((r) => workspaceBody(r, world.tenantId)));
      }
      if (lower[4] === 'locations' && lower.length === 8 && region) {
        want('GET');
        return operation(lower[6], names[7], region);
      }
      throw noRoute(method, path);
    }
    if (lower[2] !== 'resourcegroups' || !names[3]) throw noRoute(method, path);
    if (!region) throw new ArmError(404, 'ResourceGroupNotFound', `Resource group '${printable(names[3])}' could not be found.`);
    const r = region;
    if (lower.length === 4) {
      want('GET');
      return { status: 200, body: { id: `/subscriptions/${r.subscriptionId}/resourceGroups/${r.resourceGroup}`, name: r.resourceGroup, type: 'Microsoft.Resources/resourceGroups', location: r.location, properties: { provisioningState: 'Succeeded' } } };
    }
    if (lower[4] !== 'providers' || lower.length < 7) throw noRoute(method, path);
    if (lower[5] !== ML.toLowerCase()) {
      // Associated resources (storage account, key vault, registry, Application Insights).
      const found = associated.get(lower.join('/').replace(/^/, '/'));
      if (!found || lower.length !== 8) throw notFound(`The Resource '${printable(names.slice(5).join('/'))}' under resource group '${r.resourceGroup}'`);
      want('GET');
      return { status: 200, body: found.body };
    }
    if (lower[6] !== 'workspaces') throw noRoute(method, path);
    if (lower.length === 7) {
      want('GET');
      return page(path, query, [workspaceBody(r, world.tenantId)]);
    }
    if (lower[7] !== r.workspaceName.toLowerCase()) {
      checkName('workspace', names[7]);
      throw notFound(`The Resource '${ML}/workspaces/${printable(names[7])}' under resource group '${r.resourceGroup}'`);
    }
    const ws = workspaceId(r);
    const rest = names.slice(8);
    const restLower = lower.slice(8);
    if (rest.length === 0) {
      want('GET');
      return { status: 200, body: workspaceBody(r, world.tenantId) };
    }
    switch (restLower[0]) {
      case 'diagnose': {
        want('POST');
        if (rest.length !== 1) throw noRoute(method, path);
        const id = randomUUID();
        operations.set(id, { role: r.role, started: Date.now(), workspace: ws });
        const base = `${opts.baseUrl()}/subscriptions/${r.subscriptionId}/providers/${ML}/locations/${r.location}`;
        return {
          status: 202,
          body: {},
          headers: {
            'azure-asyncoperation': `${base}/workspaceOperationsStatus/${id}?api-version=${API_VERSION}`,
            location: `${base}/workspaceOperationsResults/${id}?api-version=${API_VERSION}`,
            'retry-after': '1',
          },
        };
      }
      case 'datastores':
        return datastores(method, want, path, rest, query, body, r);
      case 'models':
      case 'environments':
      case 'data':
        return assets(restLower[0], method, want, path, rest, query, body, r);
      case 'jobs':
        return jobs(method, want, path, rest, query, body, r);
      case 'computes': {
        want('GET');
        if (rest.length === 1) return page(path, query, [...r.computes.values()]);
        if (rest.length === 2) {
          const c = r.computes.get(key(checkName('compute', rest[1])));
          if (!c) throw notFound(`The compute '${printable(rest[1])}' in workspace '${r.workspaceName}'`);
          return { status: 200, body: c };
        }
        throw noRoute(method, path);
      }
      default:
        throw noRoute(method, path);
    }
  }

  function operation(kind: string, id: string, r: Region): Answer {
    const op = operations.get(id);
    if (!op || op.role !== r.role) throw notFound(`The operation '${printable(id)}'`);
    const done = Date.now() - op.started >= opts.diagnoseMs;
    if (kind === 'workspaceoperationsstatus') {
      return {
        status: 200,
        body: { id, name: id, status: done ? 'Succeeded' : 'InProgress', startTime: new Date(op.started).toISOString(), ...(done ? { endTime: new Date(op.started + opts.diagnoseMs).toISOString() } : {}) },
        headers: done ? {} : { 'retry-after': '1' },
      };
    }
    if (kind === 'workspaceoperationsresults') {
      if (!done) return { status: 202, body: {}, headers: { 'retry-after': '1' } };
      return { status: 200, body: { value: diagnoseResult(r) } };
    }
    throw notFound(`The operation '${printable(id)}'`);
  }

  function diagnoseResult(r: Region): Json {
    const info = (area: string) => [{ code: 'Healthy', level: 'Information', message: `${area} of ${r.workspaceName} answered.` }];
    return {
      userDefinedRouteResults: [],
      networkSecurityRuleResults: [],
      resourceLockResults: [],
      dnsResolutionResults: [],
      storageAccountResults: info('The storage account'),
      keyVaultResults: info('The key vault'),
      containerRegistryResults: info('The container registry'),
      applicationInsightsResults: info('Application Insights'),
      otherResults: [],
    };
  }

  /** ARM paging: `$skip` is the continuation token; `nextLink` carries host, path and api-version. */
  function page(path: string, query: URLSearchParams, items: unknown[]): Answer {
    const skipRaw = query.get('$skip') ?? query.get('$skipToken') ?? '0';
    const skip = Number(skipRaw);
    if (!Number.isInteger(skip) || skip < 0) throw new ArmError(400, 'InvalidSkipToken', `The continuation token '${printable(skipRaw)}' is not valid.`);
    const asked = Number(query.get('count') ?? query.get('$top') ?? opts.pageSize);
    const size = Math.max(1, Math.min(Number.isFinite(asked) && asked > 0 ? asked : opts.pageSize, opts.pageSize));
    const slice = items.slice(skip, skip + size);
    const body: Json = { value: slice };
    if (skip + size < items.length) {
      const next = new URLSearchParams(query);
      next.delete('$skipToken');
      next.set('$skip', String(skip + size));
      body.nextLink = `${opts.baseUrl()}${path}?${next.toString()}`;
    }
    return { status: 200, body };
  }

  function datastores(method: string, want: (...m: string[]) => void, path: string, rest: string[], query: URLSearchParams, body: unknown, r: Region): Answer {
    if (rest.length === 1) {
      want('GET');
      return page(path, query, [...r.datastores.values()]);
    }
    const name = checkName('datastore', rest[1]);
    if (rest.length === 2 && method === 'PUT') return putDatastore(name, requireProperties(body), r);
    const ds = r.datastores.get(key(name));
    if (!ds) throw notFound(`The datastore '${name}' in workspace '${r.workspaceName}'`);
    if (rest.length === 2) {
      want('GET', 'PUT');
      return { status: 200, body: ds };
    }
    if (rest.length === 3 && rest[2].toLowerCase() === 'listsecrets') {
      want('POST');
      const secrets = datastoreSecrets.get(`${r.role}/${key(name)}`);
      if (!secrets) return { status: 200, body: { secretsType: 'AccountKey', key: r.storageKey } };
      if (secrets.secretsType === 'None') throw new ArmError(400, 'UserError', `The datastore '${name}' uses identity-based access and has no secrets.`);
      return { status: 200, body: secrets };
    }
    throw noRoute(method, path);
  }

  /**
   * Creates or updates a blob or file datastore of the region's own storage account, as `az ml datastore update`
   * does: its credentials (account key, SAS or none) are kept for listSecrets and never returned by GET.
   */
  function putDatastore(name: string, props: Json, r: Region): Answer {
    const type = props.datastoreType;
    if (type !== 'AzureBlob' && type !== 'AzureFile') throw new ArmError(400, 'UserError', `The sandbox supports AzureBlob and AzureFile datastores, not ${String(type)}.`);
    if (props.accountName !== r.storageAccount) throw new ArmError(400, 'UserError', `The datastore must use the workspace's storage account '${r.storageAccount}'.`);
    const target = type === 'AzureBlob' ? props.containerName : props.fileShareName;
    if (typeof target !== 'string' || !target) throw new ArmError(400, 'UserError', `A ${type} datastore needs ${type === 'AzureBlob' ? 'containerName' : 'fileShareName'}.`);
    const credentials = (props.credentials ?? {}) as Json;
    const secrets = (credentials.secrets ?? {}) as Json;
    const credentialsType = credentials.credentialsType;
    let kept: Json;
    if (credentialsType === 'AccountKey') {
      if (typeof secrets.key !== 'string' || !secrets.key) throw new ArmError(400, 'UserError', 'AccountKey credentials need secrets.key.');
      kept = { secretsType: 'AccountKey', key: secrets.key };
    } else if (credentialsType === 'Sas') {
      if (typeof secrets.sasToken !== 'string' || !secrets.sasToken) throw new ArmError(400, 'UserError', 'Sas credentials need secrets.sasToken.');
      kept = { secretsType: 'Sas', sasToken: secrets.sasToken };
    } else if (credentialsType === 'None') {
      kept = { secretsType: 'None' };
    } else {
      throw new ArmError(400, 'UserError', `credentials.credentialsType must be AccountKey, Sas or None, not ${String(credentialsType)}.`);
    }
    const existing = r.datastores.get(key(name));
    const now = new Date().toISOString();
    const stored: Json = {
      id: `${workspaceId(r)}/datastores/${name}`,
      name,
      type: `${ML}/workspaces/datastores`,
      properties: {
        description: props.description ?? null,
        tags: props.tags ?? {},
        properties: props.properties ?? {},
        isDefault: Boolean((existing?.properties as Json | undefined)?.isDefault),
        datastoreType: type,
        accountName: r.storageAccount,
        [type === 'AzureBlob' ? 'containerName' : 'fileShareName']: target,
        endpoint: 'core.windows.net',
        protocol: 'https',
        serviceDataAccessAuthIdentity: 'None',
        credentials: { credentialsType, ...(credentialsType === 'None' ? {} : { secrets: { secretsType: kept.secretsType } }) },
      },
      systemData: existing ? { ...(existing.systemData as Json), lastModifiedAt: now } : systemData(now),
    };
    r.datastores.set(key(name), stored);
    datastoreSecrets.set(`${r.role}/${key(name)}`, kept);
    return { status: existing ? 200 : 201, body: stored };
  }

  function assets(kind: 'models' | 'environments' | 'data', method: string, want: (...m: string[]) => void, path: string, rest: string[], query: URLSearchParams, body: unknown, r: Region): Answer {
    const store = kind === 'models' ? r.models : kind === 'environments' ? r.environments : r.data;
    const label = kind === 'models' ? 'model' : kind === 'environments' ? 'environment' : 'data asset';
    const archived = (query.get('listViewType') ?? 'ActiveOnly') === 'ArchivedOnly';
    if (rest.length === 1) {
      want('GET');
      return page(path, query, archived ? [] : [...store.values()].map(containerBody));
    }
    const name = checkName(label, rest[1]);
    const container = store.get(key(name));
    const base = `${workspaceId(r)}/${kind}/${name}`;
    if (rest.length === 2) {
      want('GET', 'PUT');
      if (method === 'PUT') {
        const props = requireProperties(body);
        const now = new Date().toISOString();
        if (container) {
          container.body = { ...container.body, properties: { ...(container.body.properties as Json), description: props.description, tags: props.tags ?? {} } };
          return { status: 200, body: containerBody(container) };
        }
        const c: AssetContainer = { name, body: { id: base, name, type: `${ML}/workspaces/${kind}`, properties: { description: props.description, tags: props.tags ?? {}, properties: props.properties ?? {}, isArchived: false }, systemData: systemData(now) }, versions: new Map() };
        store.set(key(name), c);
        return { status: 201, body: containerBody(c) };
      }
      if (!container) throw notFound(`The ${label} container '${name}' in workspace '${r.workspaceName}'`);
      return { status: 200, body: containerBody(container) };
    }
    if (rest[2].toLowerCase() !== 'versions') throw noRoute(method, path);
    if (rest.length === 3) {
      want('GET');
      if (!container) throw notFound(`The ${label} container '${name}' in workspace '${r.workspaceName}'`);
      const versions = [...container.versions.values()].sort((a, b) => Number(b.name) - Number(a.name) || String(b.name).localeCompare(String(a.name)));
      return page(path, query, archived ? [] : versions);
    }
    if (rest.length !== 4) throw noRoute(method, path);
    const version = checkName('version', rest[3]);
    want('GET', 'PUT');
    const existing = container?.versions.get(key(version));
    if (method === 'GET') {
      if (!existing) throw notFound(`Version '${version}' of ${label} '${name}' in workspace '${r.workspaceName}'`);
      return { status: 200, body: existing };
    }
    const props = requireProperties(body);
    const immutable = kind === 'models' ? ['modelUri', 'modelType'] : kind === 'data' ? ['dataUri', 'dataType'] : ['image', 'condaFile', 'build'];
    if (existing) {
      const old = existing.properties as Json;
      const changed = immutable.filter((f) => props[f] !== undefined && JSON.stringify(props[f]) !== JSON.stringify(old[f]));
      if (changed.length) {
        throw new ArmError(409, 'Conflict', `Version '${version}' of ${label} '${name}' already exists with a different ${changed.join(', ')}; versions are immutable. Register a new version instead.`);
      }
      const updated = { ...existing, properties: { ...old, description: props.description ?? old.description, tags: props.tags ?? old.tags }, systemData: { ...(existing.systemData as Json), lastModifiedAt: new Date().toISOString() } };
      container!.versions.set(key(version), updated);
      return { status: 200, body: updated };
    }
    const now = new Date().toISOString();
    let c = container;
    if (!c) {
      c = { name, body: { id: base, name, type: `${ML}/workspaces/${kind}`, properties: { description: null, tags: {}, properties: {}, isArchived: false }, systemData: systemData(now) }, versions: new Map() };
      store.set(key(name), c);
    }
    const created = { id: `${base}/versions/${version}`, name: version, type: `${ML}/workspaces/${kind}/versions`, properties: { isAnonymous: false, isArchived: false, tags: {}, properties: {}, ...props }, systemData: systemData(now) };
    c.versions.set(key(version), created);
    return { status: 201, body: created };
  }

  function jobs(method: string, want: (...m: string[]) => void, path: string, rest: string[], query: URLSearchParams, body: unknown, r: Region): Answer {
    if (rest.length === 1) {
      want('GET');
      const now = Date.now();
      const jobType = query.get('jobType');
      const list = [...r.jobs.values()]
        .sort((a, b) => b.submittedAt - a.submittedAt)
        .map((j) => jobBody(j, now))
        .filter((j) => !jobType || ((j.properties as Json).jobType as string)?.toLowerCase() === jobType.toLowerCase());
      return page(path, query, list);
    }
    if (rest.length !== 2) throw noRoute(method, path);
    const name = checkName('job', rest[1]);
    want('GET', 'PUT');
    const existing = r.jobs.get(key(name));
    if (method === 'GET') {
      if (!existing) throw notFound(`The job '${name}' in workspace '${r.workspaceName}'`);
      return { status: 200, body: jobBody(existing) };
    }
    const props = requireProperties(body);
    const jobType = props.jobType;
    if (jobType !== 'Command' && jobType !== 'Pipeline' && jobType !== 'Sweep') {
      throw new ArmError(400, 'InvalidRequestContent', "properties.jobType must be 'Command', 'Pipeline' or 'Sweep'.");
    }
    if (jobType === 'Command' && typeof props.command !== 'string') throw new ArmError(400, 'InvalidRequestContent', 'A Command job needs properties.command.');
    if (existing) throw new ArmError(409, 'Conflict', `A job named '${name}' already exists in workspace '${r.workspaceName}'; job names are unique. Submit it under a new name.`);
    const now = Date.now();
    const job = {
      name,
      body: { id: `${workspaceId(r)}/jobs/${name}`, name, type: `${ML}/workspaces/jobs`, properties: { experimentName: 'Default', displayName: name, tags: {}, properties: {}, isArchived: false, ...props }, systemData: systemData(new Date(now).toISOString()) },
      submittedAt: now,
      queuedMs: opts.jobTiming.queuedMs,
      runMs: opts.jobTiming.runMs,
    };
    r.jobs.set(key(name), job);
    return { status: 201, body: jobBody(job, now) };
  }
}

function requireProperties(body: unknown): Json {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ArmError(400, 'InvalidRequestContent', 'The request body must be a JSON object with "properties".');
  const props = (body as Json).properties;
  if (!props || typeof props !== 'object' || Array.isArray(props)) throw new ArmError(400, 'InvalidRequestContent', 'The request body needs a "properties" object.');
  return props as Json;
}
