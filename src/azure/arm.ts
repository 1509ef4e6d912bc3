import type { AzureConnection } from './connection';

/**
 * API versions per resource type, as the public REST specs (Azure/azure-rest-api-specs, stable folders) give them.
 * ARM wants one per resource type; these are stable versions every public cloud serves (and the sandbox accepts).
 * Non-ML providers are read through armGet / armList with these, not through one npm package each.
 */
export const API_VERSIONS = {
  'microsoft.storage/storageaccounts': '2023-01-01',
  'microsoft.keyvault/vaults': '2023-07-01',
  'microsoft.containerregistry/registries': '2023-07-01',
  'microsoft.insights/components': '2020-02-02',
  'microsoft.machinelearningservices/workspaces': '2022-10-01',
  /** Subscriptions - List Locations (metadata.pairedRegion). */
  'microsoft.resources/subscriptions': '2022-12-01',
  /** Permissions - List For Resource. */
  'microsoft.authorization/permissions': '2022-04-01',
  /** Availability Statuses - Get By Resource; Events - List By Subscription Id. */
  'microsoft.resourcehealth': '2022-10-01',
} as const satisfies Record<string, string>;

const API_VERSION_OF: Record<string, string> = API_VERSIONS;

/** The provider/type of an ARM id, lower case: `microsoft.keyvault/vaults`. */
export function resourceType(resourceId: string): string | undefined {
  const m = /\/providers\/([^/]+)\/([^/]+)\/[^/]+$/i.exec(resourceId);
  return m ? `${m[1]}/${m[2]}`.toLowerCase() : undefined;
}

export function subscriptionOf(resourceId: string): string | undefined {
  return /^\/subscriptions\/([^/]+)\//i.exec(resourceId)?.[1];
}

/** An ARM error answer, shaped like the SDK's RestError so that callers classify both alike. */
export class ArmError extends Error {
  override readonly name = 'RestError';
  constructor(
    message: string,
    readonly statusCode: number,
    readonly code: string | undefined,
    readonly response: { headers: { get(name: string): string | undefined } },
  ) {
    super(message);
  }
}

/**
 * GET of any ARM resource id through the connection's own pipeline (bearer token, CA, user agent, retry options),
 * aborted by `signal` (the caller's deadline). Resolves with the parsed body; rejects with an ArmError on 4xx/5xx.
 */
export async function armGet(connection: AzureConnection, resourceId: string, options: { signal?: AbortSignal; apiVersion?: string } = {}): Promise<unknown> {
  return (await armCall(connection, 'GET', resourceId, options)).body;
}

/**
 * Every item of an ARM list (`{value: [...], nextLink}`) at any path (a collection, a provider action such as
 * `…/providers/Microsoft.Authorization/permissions`), following nextLink only while it stays on the cloud's resource
 * manager: a server never decides where the token goes next.
 */
export async function armList(connection: AzureConnection, armPath: string, apiVersion: string, signal?: AbortSignal): Promise<unknown[]> {
  const items: unknown[] = [];
  const origin = new URL(connection.cloud.resourceManager).origin;
  let body = (await armCall(connection, 'GET', armPath, { signal, apiVersion })).body as { value?: unknown[]; nextLink?: string } | undefined;
  for (let pages = 1; ; pages++) {
    if (Array.isArray(body?.value)) items.push(...body.value);
    if (!body?.nextLink) return items;
    const next = new URL(body.nextLink);
    if (next.origin !== origin) throw new Error(`The list of ${armPath} continues at ${next.origin}, not at Azure Resource Manager; not followed.`);
    if (pages >= 1000) throw new Error(`The list of ${armPath} has more than 1000 pages; stopped.`);
    body = (await armCall(connection, 'GET', `${next.pathname}${next.search}`, { signal, rawPath: true })).body as typeof body;
  }
}

/**
 * PUT of a raw ARM body, waiting for the long-running operation when the service answers with one
 * (`Azure-AsyncOperation`, polled on the connection's own ARM endpoint only; `Retry-After` honoured). Resolves with the
 * resource as a GET then returns it. For bodies the typed SDK client would alter: @azure/arm-machinelearning 2.1.1
 * serialises a job definition's `uri_folder`/`uri_file`/`mltable`/model inputs as bare `{jobInputType}`, dropping
 * `uri` and `mode` (its discriminator table knows them only under `AssetJobInput.*`).
 */
export async function armPut(
  connection: AzureConnection,
  resourceId: string,
  body: unknown,
  options: { signal?: AbortSignal; apiVersion: string; pollIntervalMs?: number },
): Promise<unknown> {
  const put = await armCall(connection, 'PUT', resourceId, { ...options, body });
  const operation = put.headers.get('azure-asyncoperation');
  if (put.status === 201 || put.status === 202) {
    if (operation) await waitForOperation(connection, resourceId, operation, options);
    return armGet(connection, resourceId, options);
  }
  return put.body;
}

const TERMINAL = new Set(['succeeded', 'failed', 'canceled', 'cancelled']);

async function waitForOperation(connection: AzureConnection, resourceId: string, url: string, options: { signal?: AbortSignal; pollIntervalMs?: number }): Promise<void> {
  const arm = new URL(connection.cloud.resourceManager);
  const op = new URL(url);
  if (op.origin !== arm.origin) throw new Error(`The service named an operation URL outside ${arm.origin} for ${resourceId}; not following it.`);
  for (;;) {
    const answer = await armCall(connection, 'GET', `${op.pathname}${op.search}`, { ...options, rawPath: true });
    const status = String((answer.body as { status?: string } | undefined)?.status ?? '').toLowerCase();
    if (TERMINAL.has(status)) {
      if (status !== 'succeeded') {
        const error = (answer.body as { error?: { code?: string; message?: string } }).error;
        throw new ArmError(error?.message ?? `The operation on ${resourceId} ended ${status}.`, 409, error?.code, { headers: { get: () => undefined } });
      }
      return;
    }
    const retryAfter = Number(answer.headers.get('retry-after'));
    const waitMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : (options.pollIntervalMs ?? 2000);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, waitMs);
      options.signal?.addEventListener('abort', () => (clearTimeout(timer), reject(options.signal!.reason)), { once: true });
    });
  }
}

interface ArmAnswer {
  status: number;
  body: unknown;
  headers: { get(name: string): string | undefined };
}

async function armCall(
  connection: AzureConnection,
  method: 'GET' | 'PUT',
  resourceId: string,
  options: { signal?: AbortSignal; apiVersion?: string; body?: unknown; rawPath?: boolean },
): Promise<ArmAnswer> {
  const subscription = subscriptionOf(resourceId);
  const type = resourceType(resourceId);
  if (!subscription || (!type && !options.apiVersion && !options.rawPath) || !resourceId.startsWith('/')) throw new Error(`Not an ARM resource id: ${resourceId}`);
  const [client, sdk] = await Promise.all([connection.ml(subscription), import('./azureSdk')]);
  let url: string;
  if (options.rawPath) {
    url = `${connection.cloud.resourceManager}${resourceId}`;
  } else {
    const apiVersion = options.apiVersion ?? API_VERSION_OF[type!] ?? '2021-04-01';
    const encodedPath = resourceId
      .split('/')
      .map((segment) => encodeURIComponent(segment))
      .join('/');
    url = `${connection.cloud.resourceManager}${encodedPath}?api-version=${encodeURIComponent(apiVersion)}`;
  }
  const request = sdk.createPipelineRequest({
    url,
    method,
    abortSignal: options.signal,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body), headers: sdk.createHttpHeaders({ 'content-type': 'application/json' }) }),
  });
  const response = await client.sendRequest(request);
  const text = response.bodyAsText ?? '';
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  const headers = { get: (name: string) => response.headers.get(name) };
  if (response.status >= 400) {
    const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ArmError(error?.message ?? `HTTP ${response.status} from ${resourceId}`, response.status, error?.code, { headers });
  }
  return { status: response.status, body, headers };
}
