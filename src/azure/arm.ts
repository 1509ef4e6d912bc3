import type { AzureConnection } from './connection';

/**
 * API versions for the ARM GET of a workspace's associated resources. ARM wants one per resource type; these are
 * stable versions every public cloud serves (and the sandbox accepts).
 */
const API_VERSIONS: Record<string, string> = {
  'microsoft.storage/storageaccounts': '2023-01-01',
  'microsoft.keyvault/vaults': '2023-07-01',
  'microsoft.containerregistry/registries': '2023-07-01',
  'microsoft.insights/components': '2020-02-02',
  'microsoft.machinelearningservices/workspaces': '2022-10-01',
};

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
  const apiVersion = options.apiVersion ?? API_VERSIONS[type] ?? '2021-04-01';
  const [client, sdk] = await Promise.all([connection.ml(subscription), import('./azureSdk')]);
  const encodedPath = resourceId
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
  const request = sdk.createPipelineRequest({
    url: `${connection.cloud.resourceManager}${encodedPath}?api-version=${encodeURIComponent(apiVersion)}`,
    method: 'GET',
    abortSignal: options.signal,
  });
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
    throw new ArmError(error?.message ?? `HTTP ${response.status} from ${resourceId}`, response.status, error?.code, {
      headers: { get: (name) => response.headers.get(name) },
    });
  }
  return body;
}

/** The tenants the connection's account can use: ARM GET /tenants (every page). */
export async function listTenants(connection: AzureConnection, signal?: AbortSignal): Promise<{ tenantId: string; displayName?: string; defaultDomain?: string }[]> {
  // Any subscription id builds the client: /tenants is above every subscription.
  const [client, sdk] = await Promise.all([connection.ml('00000000-0000-0000-0000-000000000000'), import('./azureSdk')]);
  const tenants: { tenantId: string; displayName?: string; defaultDomain?: string }[] = [];
  let url: string | undefined = `${connection.cloud.resourceManager}/tenants?api-version=2022-12-01`;
  for (let page = 0; url && page < 100; page++) {
    const response = await client.sendRequest(sdk.createPipelineRequest({ url, method: 'GET', abortSignal: signal }));
    const body = JSON.parse(response.bodyAsText ?? '{}') as { value?: { tenantId?: unknown; displayName?: unknown; defaultDomain?: unknown }[]; nextLink?: unknown; error?: { message?: string } };
    if (response.status >= 400) throw new ArmError(body.error?.message ?? `HTTP ${response.status} from /tenants`, response.status, undefined, { headers: { get: (n) => response.headers.get(n) } });
    for (const t of body.value ?? []) {
      if (typeof t.tenantId === 'string') tenants.push({ tenantId: t.tenantId, displayName: typeof t.displayName === 'string' ? t.displayName : undefined, defaultDomain: typeof t.defaultDomain === 'string' ? t.defaultDomain : undefined });
    }
    // A next page only from the same endpoint: the token never follows a link elsewhere.
    url = typeof body.nextLink === 'string' && body.nextLink.startsWith(`${connection.cloud.resourceManager}/`) ? body.nextLink : undefined;
  }
  return tenants;
}
