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
  const subscription = subscriptionOf(resourceId);
  const type = resourceType(resourceId);
  if (!subscription || !type || !resourceId.startsWith('/')) throw new Error(`Not an ARM resource id: ${resourceId}`);
  const apiVersion = options.apiVersion ?? API_VERSION_OF[type] ?? '2021-04-01';
  return armRequest(connection, subscription, resourceId, apiVersion, options.signal);
}

/**
 * GET of any ARM path (a collection, a provider action such as `…/providers/Microsoft.Authorization/permissions`) at
 * `apiVersion`, through the same pipeline as armGet.
 */
export async function armGetPath(connection: AzureConnection, armPath: string, apiVersion: string, signal?: AbortSignal): Promise<unknown> {
  const subscription = /^\/subscriptions\/([^/]+)/i.exec(armPath)?.[1];
  if (!subscription) throw new Error(`Not an ARM path: ${armPath}`);
  return armRequest(connection, subscription, armPath, apiVersion, signal);
}

/**
 * Every item of an ARM list (`{value: [...], nextLink}`), following nextLink — only while it stays on the cloud's
 * resource manager: a server never decides where the token goes next.
 */
export async function armList(connection: AzureConnection, armPath: string, apiVersion: string, signal?: AbortSignal): Promise<unknown[]> {
  const items: unknown[] = [];
  let body = (await armGetPath(connection, armPath, apiVersion, signal)) as { value?: unknown[]; nextLink?: string } | undefined;
  const origin = new URL(connection.cloud.resourceManager).origin;
  for (let pages = 1; ; pages++) {
    if (Array.isArray(body?.value)) items.push(...body.value);
    const next = body?.nextLink;
    if (!next) return items;
    const url = new URL(next);
    if (url.origin !== origin) throw new Error(`The list of ${armPath} continues at ${url.origin}, not at Azure Resource Manager; not followed.`);
    if (pages >= 1000) throw new Error(`The list of ${armPath} has more than 1000 pages; stopped.`);
    const subscription = /^\/subscriptions\/([^/]+)/i.exec(url.pathname)?.[1] ?? subscriptionOf(armPath) ?? '';
    body = (await sendGet(connection, subscription, url.toString(), armPath, signal)) as typeof body;
  }
}

async function armRequest(connection: AzureConnection, subscription: string, armPath: string, apiVersion: string, signal?: AbortSignal): Promise<unknown> {
  if (!armPath.startsWith('/')) throw new Error(`Not an ARM path: ${armPath}`);
  const encodedPath = armPath
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
  return sendGet(connection, subscription, `${connection.cloud.resourceManager.replace(/\/+$/, '')}${encodedPath}?api-version=${encodeURIComponent(apiVersion)}`, armPath, signal);
}

async function sendGet(connection: AzureConnection, subscription: string, url: string, what: string, signal?: AbortSignal): Promise<unknown> {
  const [client, sdk] = await Promise.all([connection.ml(subscription), import('./azureSdk')]);
  const request = sdk.createPipelineRequest({ url, method: 'GET', abortSignal: signal });
  const response = await client.sendRequest(request);
  const text = response.bodyAsText ?? '';
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (response.status >= 400) {
    const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ArmError(error?.message ?? `HTTP ${response.status} from ${what}`, response.status, error?.code, {
      headers: { get: (name) => response.headers.get(name) },
    });
  }
  return body;
}
