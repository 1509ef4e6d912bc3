// Where an asset's files live: model URIs and build-context URIs name a datastore path in one of three spellings.

export interface DatastoreLocation {
  datastore: string;
  /** Path inside the datastore's container, without a leading "/"; a trailing "/" means a folder. */
  path: string;
}

/** A datastore as far as locating URLs needs: its storage account and container. */
export interface DatastoreBinding {
  name: string;
  account?: string;
  container?: string;
}

/** The workspace whose datastores a URI is looked up in (case does not matter, as in Azure). */
export interface WorkspaceCoordinates {
  subscription_id: string;
  resource_group: string;
  workspace_name: string;
}

/**
 * Resolves `azureml://subscriptions/…/workspaces/<ws>/datastores/<ds>/paths/<p>`, `azureml://datastores/<ds>/paths/<p>`
 * (also without `paths/`, as a job's default output `azureml://datastores/workspaceartifactstore/ExperimentRun/dcid.<job>` is written),
 * and blob URLs (`https://<account>.blob.<suffix>/<container>/<p>`, or path-style `https://host/<account>/<container>/<p>`)
 * of `workspace`'s own datastores. Undefined when the URI points elsewhere (a registry, another account). Throws when
 * a long-form URI names another workspace: its datastore of the same name here is not the one meant.
 */
export function locateInDatastore(uri: string, datastores: readonly DatastoreBinding[], workspace: WorkspaceCoordinates): DatastoreLocation | undefined {
  const azureml = /^azureml:\/\/(?:subscriptions\/([^/]+)\/resource[gG]roups\/([^/]+)\/(?:providers\/Microsoft\.MachineLearningServices\/)?workspaces\/([^/]+)\/)?datastores\/([^/]+)\/(?:paths\/)?(.*)$/i.exec(uri);
  if (azureml) {
    const [, subscription, group, name] = azureml.map((part) => (part === undefined ? part : safeDecode(part)));
    if (name !== undefined && !sameCoordinates({ subscription_id: subscription!, resource_group: group!, workspace_name: name }, workspace)) {
      throw new Error(
        `its files are at ${uri}, a datastore of workspace '${name}' (resource group ${group}, subscription ${subscription}), not of '${workspace.workspace_name}'; ` +
          `the datastore of that name in '${workspace.workspace_name}' was not read`,
      );
    }
    return { datastore: safeDecode(azureml[4]), path: safeDecode(azureml[5]).replace(/^\/+/, '') };
  }
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  const segments = url.pathname.split('/').slice(1);
  const hostAccount = /^([a-z0-9]+)\.blob\./i.exec(url.hostname)?.[1];
  const [account, container, rest] = hostAccount
    ? [hostAccount, segments[0], segments.slice(1)]
    : [segments[0], segments[1], segments.slice(2)];
  if (!account || !container) return undefined;
  const match = datastores.find((d) => d.account?.toLowerCase() === account.toLowerCase() && d.container === decodeURIComponent(container));
  if (!match) return undefined;
  return { datastore: match.name, path: rest.map((s) => decodeURIComponent(s)).join('/') };
}

/** The last path segment of a datastore path ("a/b/model/" → "model"), for naming the exported folder. */
export function leafName(p: string): string {
  const parts = p.split('/').filter(Boolean);
  return parts[parts.length - 1] ?? 'files';
}

function sameCoordinates(a: WorkspaceCoordinates, b: WorkspaceCoordinates): boolean {
  const same = (x: string, y: string) => x.toLowerCase() === y.toLowerCase();
  return same(a.subscription_id, b.subscription_id) && same(a.resource_group, b.resource_group) && same(a.workspace_name, b.workspace_name);
}

/** Percent-decoding that leaves a malformed escape as written instead of throwing. */
function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
