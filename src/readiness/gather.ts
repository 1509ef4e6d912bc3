// Reads what the checks need from ARM: the ML provider and the others (storage, key vault, registry, Application
// Insights, subscription locations, permissions) through the one generic ARM reader (src/azure/arm.ts), at the
// api-versions of the REST specs. Never throws for what a region or a permission does: each read carries its failure.
import { setMaxListeners } from 'node:events';
import { API_VERSIONS, armGet, armList } from '../azure/arm';
import type { AzureConnection } from '../azure/connection';
import { withDeadline } from '../health/deadline';
import { classifyFailure } from '../health/verdict';
import type { PairConfig, Role } from '../pair/pairFile';
import { jobAssetPaths } from './checks/assets';
import type { BackupFacts, Json, ProjectJobs, Read, ReadinessFacts, SideFacts } from './types';

const ML_API = API_VERSIONS['microsoft.machinelearningservices/workspaces'];
const ML = 'Microsoft.MachineLearningServices';

/** Reads the project's recovery points (backups.ts reads them from the project's backup folder with src/backup). */
export interface RecoveryPointSource {
  recoveryPoints(pair: PairConfig, signal?: AbortSignal): Promise<BackupFacts>;
}

/** Without a project folder there is no backup folder to read: the backup check says so. */
export const NO_BACKUP_SOURCE: RecoveryPointSource = {
  recoveryPoints: () => Promise.resolve({ state: 'unavailable', reason: 'no project folder to find the backups in.' }),
};

export interface GatherOptions {
  /** Answers the first workspace GET of each side: one quick enough that a region that is down is known soon. */
  gate: AzureConnection;
  /** Every other read (the full retry budget). */
  connection: AzureConnection;
  backups?: RecoveryPointSource;
  /** The project's job YAMLs (projectJobs.ts): what they name is looked up in both workspaces. */
  projectJobs?: ProjectJobs;
  backupMaxAgeHours?: number;
  /** Deadline of each read: a region that accepts connections and never answers must not hold the check forever. */
  readTimeoutMs?: number;
  signal?: AbortSignal;
  now?: () => number;
}

export const DEFAULT_BACKUP_MAX_AGE_HOURS = 24;

function failureOf(err: unknown): Extract<Read<never>, { ok: false }> {
  const f = classifyFailure(err);
  const kind =
    f.kind === 'forbidden' || f.kind === 'unauthenticated' ? 'forbidden'
    : f.kind === 'notFound' ? 'missing'
    : f.kind === 'timeout' || f.kind === 'unreachable' || f.kind === 'unavailable' || f.kind === 'throttled' ? 'down'
    : 'failed';
  return { ok: false, kind, reason: f.status ? `HTTP ${f.status}: ${f.message}` : f.message };
}

/** The pair file's `resubmit.compute` mapping (primary compute → secondary compute), when it has one. */
export function computeMapOf(pair: PairConfig): Record<string, string> {
  const resubmit = pair.sections.resubmit;
  const compute = resubmit && typeof resubmit === 'object' ? (resubmit as Record<string, unknown>).compute : undefined;
  const out: Record<string, string> = {};
  if (compute && typeof compute === 'object' && !Array.isArray(compute)) {
    for (const [from, to] of Object.entries(compute as Record<string, unknown>)) if (typeof to === 'string' && to) out[from] = to;
  }
  return out;
}

export async function gatherFacts(pair: PairConfig, options: GatherOptions): Promise<ReadinessFacts> {
  // Some thirty reads at once each listen to the caller's cancel: one listener on it, and theirs on ours.
  const cancel = new AbortController();
  setMaxListeners(100, cancel.signal);
  const onAbort = () => cancel.abort(options.signal?.reason);
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await gatherAll(pair, { ...options, signal: cancel.signal });
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

async function gatherAll(pair: PairConfig, options: GatherOptions): Promise<ReadinessFacts> {
  const timeoutMs = options.readTimeoutMs ?? 60_000;
  const read = async <T>(what: string, call: (signal: AbortSignal) => Promise<T>): Promise<Read<T>> => {
    try {
      return { ok: true, value: await withDeadline(timeoutMs, what, call, options.signal) };
    } catch (err) {
      if (options.signal?.aborted) throw err;
      return failureOf(err);
    }
  };
  const conn = options.connection;
  const subscriptions = [...new Set([pair.workspaces.primary.subscription_id, pair.workspaces.secondary.subscription_id])];
  const [primary, secondary, locations, storageAccounts, backup] = await Promise.all([
    gatherSide(pair, 'primary', options, read),
    gatherSide(pair, 'secondary', options, read),
    read('The locations', (signal) => armList(conn, `/subscriptions/${subscriptions[0]}/locations`, API_VERSIONS['microsoft.resources/subscriptions'], signal) as Promise<Json[]>),
    read('The storage accounts', async (signal) => (await Promise.all(subscriptions.map((s) => armList(conn, `/subscriptions/${s}/providers/Microsoft.Storage/storageAccounts`, API_VERSIONS['microsoft.storage/storageaccounts'], signal)))).flat() as Json[]),
    (options.backups ?? NO_BACKUP_SOURCE).recoveryPoints(pair, options.signal).catch((err: unknown): BackupFacts => ({ state: 'unavailable', reason: `the backups could not be listed: ${failureOf(err).reason}` })),
  ]);
  return {
    primary,
    secondary,
    availability: pair.availability,
    projectJobs: options.projectJobs ?? NO_PROJECT_JOBS,
    computeMap: computeMapOf(pair),
    locations,
    storageAccounts,
    backup,
    backupMaxAgeHours: options.backupMaxAgeHours ?? DEFAULT_BACKUP_MAX_AGE_HOURS,
    now: (options.now ?? Date.now)(),
  };
}

const NO_PROJECT_JOBS: ProjectJobs = { state: 'unavailable', reason: 'no project folder to find the job YAMLs in' };

type Reader = <T>(what: string, call: (signal: AbortSignal) => Promise<T>) => Promise<Read<T>>;

async function gatherSide(pair: PairConfig, role: Role, options: GatherOptions, read: Reader): Promise<SideFacts> {
  const ref = pair.workspaces[role];
  const conn = options.connection;
  const ws = `/subscriptions/${ref.subscription_id}/resourceGroups/${ref.resource_group}/providers/${ML}/workspaces/${ref.workspace_name}`;
  const location = `/subscriptions/${ref.subscription_id}/providers/${ML}/locations/${ref.region}`;
  const workspace = await read(`The ${role} workspace`, (signal) => armGet(options.gate, ws, { signal, apiVersion: ML_API }) as Promise<Json>);
  if (!workspace.ok && workspace.kind === 'down') {
    // The region is down: every read of it would wait for its retries only to say so again.
    const down = { ok: false as const, kind: 'down' as const, reason: `the ${role} region ${ref.region} is not answering (${workspace.reason})` };
    return { role, ref, workspace, storage: down, keyVault: down, registry: down, replications: down, appInsights: down, datastores: down, computes: down, vmSizes: down, usages: down, quotas: down, onlineEndpoints: down, onlineDeployments: down, models: down, permissions: down, privateEndpointConnections: down, jobAssets: down };
  }
  const props = (workspace.ok ? (workspace.value.properties as Json | undefined) : undefined) ?? {};
  const idOf = (key: string) => (typeof props[key] === 'string' && (props[key] as string).startsWith('/subscriptions/') ? (props[key] as string) : undefined);
  const resource = (key: string, label: string): Promise<Read<Json>> => {
    const id = idOf(key);
    if (!workspace.ok) return Promise.resolve(workspace);
    if (!id) return Promise.resolve({ ok: false, kind: 'missing', reason: `the ${role} workspace names no ${label}` });
    return read(`The ${label}`, (signal) => armGet(conn, id, { signal }) as Promise<Json>);
  };
  const listOf = (path: string, what: string, apiVersion: string = ML_API) => read(what, (signal) => armList(conn, path, apiVersion, signal) as Promise<Json[]>);
  const registryId = idOf('containerRegistry');
  const onlineEndpoints = await listOf(`${ws}/onlineEndpoints`, `The ${role} online endpoints`);
  const [storage, keyVault, registry, replications, appInsights, datastores, computes, vmSizes, usages, quotas, onlineDeployments, models, permissions, privateEndpointConnections, jobAssets] = await Promise.all([
    resource('storageAccount', 'storage account'),
    resource('keyVault', 'key vault'),
    resource('containerRegistry', 'container registry'),
    registryId ? listOf(`${registryId}/replications`, 'The registry replications', API_VERSIONS['microsoft.containerregistry/registries']) : Promise.resolve<Read<Json[]>>({ ok: true, value: [] }),
    resource('applicationInsights', 'Application Insights'),
    listOf(`${ws}/datastores`, `The ${role} datastores`),
    listOf(`${ws}/computes`, `The ${role} computes`),
    read(`The VM sizes of ${ref.region}`, async (signal) => (((await armGet(conn, `${location}/vmSizes`, { signal, apiVersion: ML_API })) as { value?: Json[] } | undefined)?.value ?? [])),
    listOf(`${location}/usages`, `The usages of ${ref.region}`),
    listOf(`${location}/quotas`, `The quotas of ${ref.region}`),
    onlineEndpoints.ok
      ? read(`The ${role} online deployments`, async (signal) => {
          const entries = await Promise.all(onlineEndpoints.value.map(async (e) => [String(e.name), (await armList(conn, `${ws}/onlineEndpoints/${String(e.name)}/deployments`, ML_API, signal)) as Json[]] as const));
          return Object.fromEntries(entries);
        })
      : Promise.resolve(onlineEndpoints),
    listOf(`${ws}/models`, `The ${role} models`),
    listOf(`${ws}/providers/Microsoft.Authorization/permissions`, `Your permissions on the ${role} workspace`, API_VERSIONS['microsoft.authorization/permissions']),
    listOf(`${ws}/privateEndpointConnections`, `The ${role} private endpoint connections`),
    workspace.ok ? read(`The assets of the ${role} the project's jobs name`, (signal) => lookUpAssets(conn, ws, jobAssetPaths(options.projectJobs ?? NO_PROJECT_JOBS), signal)) : Promise.resolve(workspace),
  ]);
  return { role, ref, workspace, storage, keyVault, registry, replications, appInsights, datastores, computes, vmSizes, usages, quotas, onlineEndpoints, onlineDeployments, models, permissions, privateEndpointConnections, jobAssets };
}

/** Each path under the workspace (`environments/x/versions/1`) → its ARM id, or null when ARM answers 404. */
async function lookUpAssets(conn: AzureConnection, ws: string, paths: string[], signal: AbortSignal): Promise<Record<string, string | null>> {
  const found = await Promise.all(
    paths.map(async (p) => {
      try {
        const body = (await armGet(conn, `${ws}/${p.split('/').map(encodeURIComponent).join('/')}`, { signal, apiVersion: ML_API })) as Json | undefined;
        return [p, typeof body?.id === 'string' ? body.id : `${ws}/${p}`] as const;
      } catch (err) {
        if (classifyFailure(err).kind === 'notFound') return [p, null] as const;
        throw err;
      }
    }),
  );
  return Object.fromEntries(found);
}
