import { API_VERSIONS, armGet, armList } from '../azure/arm';
import { storageEndpoints } from '../azure/cloud';
import type { AzureConnection } from '../azure/connection';
import { HttpStatusError, getAnonymousJson, reachEndpoint } from '../azure/reachability';
import type { WorkspaceRef } from '../pair/pairFile';
import { machineLearningEvents, resourceHealthEntry, type AzureView, type ResourceHealthEntry } from './azureView';
import type { WorkspaceEndpoints, WorkspaceFacts } from './probe';
import type { AssociatedKind } from './verdict';

/**
 * The probe's calls against Azure (or the sandbox): the SDK's workspaces.get, ARM GETs of the resources the
 * workspace names, and a plain HTTPS request to its storage endpoint. Use a connection made with
 * `retry: NO_RETRY`: the probe decides its own retries and deadlines.
 */
export function azureWorkspaceEndpoints(connection: AzureConnection, ws: WorkspaceRef, signIn = tokenKeeper(connection)): WorkspaceEndpoints {
  /** The regional endpoint the discovery URL named last: asked again only after it failed. */
  let discovered: { discoveryUrl: string; api: string } | undefined;
  /** The last workspace GET's associated resources: Resource Health is asked about them while the region is down. */
  let lastAssociated: WorkspaceFacts['associated'] = [];
  let azureViewAt = 0;
  let lastView: AzureView | undefined;
  return {
    // Loading the SDK (first probe) and getting a token are not the region's latency: done before the timed call.
    async signIn(signal) {
      await Promise.all([signIn(signal), connection.ml(ws.subscription_id)]);
    },
    async getWorkspace(signal) {
      const ml = await connection.ml(ws.subscription_id);
      const w = await ml.workspaces.get(ws.resource_group, ws.workspace_name, { abortSignal: signal });
      const associated: WorkspaceFacts['associated'] = [];
      const add = (kind: AssociatedKind, id: string | undefined) => {
        if (id && id.startsWith('/subscriptions/')) associated.push({ kind, target: id });
      };
      add('storageAccount', w.storageAccount);
      add('keyVault', w.keyVault);
      add('containerRegistry', w.containerRegistry);
      add('applicationInsights', w.applicationInsights);
      const account = w.storageAccount?.split('/').pop();
      if (account) {
        try {
          associated.push({ kind: 'storageEndpoint', target: storageEndpoints(connection.cloud, account).blob });
        } catch {
          // The cloud has no endpoint for this account: the ARM GET of the account still tells something.
        }
      }
      lastAssociated = associated;
      return { provisioningState: w.provisioningState, associated, discoveryUrl: w.discoveryUrl };
    },
    async reachDataPlane(discoveryUrl, signal) {
      try {
        if (discovered?.discoveryUrl !== discoveryUrl) {
          const doc = (await getAnonymousJson(connection, discoveryUrl, signal)) as { api?: unknown } | undefined;
          if (typeof doc?.api !== 'string' || !/^https:\/\//.test(doc.api)) throw new Error(`The discovery URL ${discoveryUrl} names no regional endpoint.`);
          discovered = { discoveryUrl, api: doc.api };
        }
        const status = await reachEndpoint(connection, discovered.api, signal);
        if (status >= 500) throw new HttpStatusError(`HTTP ${status} from the regional endpoint ${new URL(discovered.api).host}`, status);
      } catch (err) {
        discovered = undefined;
        throw err;
      }
    },
    async azureView(signal) {
      // Global reads, at most twice a minute: they answer during the region's outage, and say so.
      if (Date.now() - azureViewAt < 30_000) return lastView;
      azureViewAt = Date.now();
      const healthOf = async (kind: ResourceHealthEntry['kind']): Promise<ResourceHealthEntry | undefined> => {
        const id = lastAssociated.find((a) => a.kind === kind)?.target;
        if (!id) return undefined;
        try {
          return resourceHealthEntry(kind, id, await armGet(connection, `${id}/providers/Microsoft.ResourceHealth/availabilityStatuses/current`, { signal, apiVersion: API_VERSIONS['microsoft.resourcehealth'] }));
        } catch {
          return undefined;
        }
      };
      const events = armList(connection, `/subscriptions/${ws.subscription_id}/providers/Microsoft.ResourceHealth/events`, API_VERSIONS['microsoft.resourcehealth'], signal).then(
        (list) => machineLearningEvents(list, [ws.region]),
        () => undefined,
      );
      const [storage, vault, serviceHealth] = await Promise.all([healthOf('storageAccount'), healthOf('keyVault'), events]);
      lastView = { checkedAt: Date.now(), resourceHealth: [storage, vault].filter((e): e is ResourceHealthEntry => e !== undefined), serviceHealth: serviceHealth ?? lastView?.serviceHealth ?? [] };
      return lastView;
    },
    async getResource(armId, signal) {
      await armGet(connection, armId, { signal });
    },
    async reachEndpoint(url, signal) {
      await reachEndpoint(connection, url, signal);
    },
  };
}

/**
 * Asks the credential for an ARM token only when the last one is close to expiry: some credentials (Azure CLI)
 * start a process per call, and probes run every few seconds. Share one keeper between the two workspaces.
 */
export function tokenKeeper(connection: AzureConnection): (signal?: AbortSignal) => Promise<void> {
  let expiresAt = 0;
  let pending: Promise<void> | undefined;
  return (signal) => {
    if (Date.now() < expiresAt - 300_000) return Promise.resolve();
    pending ??= connection.credential
      .getToken(connection.cloud.armScope, { abortSignal: signal })
      .then((token) => {
        if (!token) throw Object.assign(new Error('The credential returned no token.'), { name: 'CredentialUnavailableError' });
        expiresAt = token.expiresOnTimestamp;
      })
      .finally(() => (pending = undefined));
    return pending;
  };
}
