import type { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import type { AzureConnection } from '../azure/connection';
import type { Role, WorkspaceRef } from '../pair/pairFile';
import {
  sortVersions,
  type ComputeAsset,
  type DatastoreAsset,
  type EnvironmentAsset,
  type InventorySection,
  type JobAsset,
  type ModelAsset,
  type NotebookFile,
  type WorkspaceInventory,
} from './inventory';

export interface ListOptions {
  signal?: AbortSignal;
  /** Version lists fetched at once (one call per model or environment). */
  concurrency?: number;
  /** Lists the notebooks on the workspace's file share; left out, notebooks are reported as not listed. */
  listNotebooks?: (datastores: DatastoreAsset[], signal?: AbortSignal) => Promise<NotebookFile[]>;
  /** Only these sections (the tree lists one when the user expands it). Default: all. */
  sections?: readonly InventorySection[];
  now?: () => number;
}

/**
 * Lists what a workspace holds through the Azure ML SDK. Each section is listed on its own: one that fails is
 * named in `problems` with why, and the others still arrive.
 */
export async function listInventory(connection: AzureConnection, role: Role, workspace: WorkspaceRef, options: ListOptions = {}): Promise<WorkspaceInventory> {
  const ml = await connection.ml(workspace.subscription_id);
  const rg = workspace.resource_group;
  const ws = workspace.workspace_name;
  const signal = options.signal;
  const wanted = new Set(options.sections ?? ['models', 'environments', 'computes', 'datastores', 'jobs', 'notebooks']);
  const inventory: WorkspaceInventory = { role, workspace, fetchedAt: 0, models: [], environments: [], computes: [], datastores: [], jobs: [], notebooks: [], problems: {} };
  const section = async <K extends InventorySection>(name: K, list: () => Promise<WorkspaceInventory[K]>) => {
    if (!wanted.has(name)) return;
    try {
      inventory[name] = await list();
    } catch (err) {
      if (signal?.aborted) throw err;
      inventory.problems[name] = describe(err);
    }
  };
  const datastores = section('datastores', () => listDatastores(ml, rg, ws, signal));
  await Promise.all([
    section('models', () => listModels(ml, rg, ws, options)),
    section('environments', () => listEnvironments(ml, rg, ws, options)),
    section('computes', () => listComputes(ml, rg, ws, signal)),
    datastores,
    section('jobs', () => listJobs(ml, rg, ws, signal)),
    (async () => {
      if (!wanted.has('notebooks')) return;
      if (!options.listNotebooks) {
        inventory.problems.notebooks = 'Notebooks are not listed here.';
        return;
      }
      // Notebooks live on the share the workspaceworkingdirectory datastore names: list datastores first.
      const stores = wanted.has('datastores') ? (await datastores, inventory.datastores) : await listDatastores(ml, rg, ws, signal).catch(() => []);
      const listNotebooks = options.listNotebooks;
      await section('notebooks', () => listNotebooks(stores, signal));
    })(),
  ]);
  inventory.fetchedAt = (options.now ?? Date.now)();
  return inventory;
}

function describe(err: unknown): string {
  const e = err as { statusCode?: number; message?: string; code?: string };
  const message = (e?.message ?? String(err)).split('\n')[0];
  return e?.statusCode ? `HTTP ${e.statusCode}: ${message}` : message;
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Names of the containers, then each one's versions (a few at a time): models and environments alike. */
async function listVersioned(
  containers: AsyncIterable<{ name?: string }>,
  versionsOf: (name: string) => AsyncIterable<{ name?: string }>,
  concurrency: number,
): Promise<ModelAsset[] | EnvironmentAsset[]> {
  const names = (await collect(containers)).map((c) => c.name).filter((n): n is string => Boolean(n));
  return mapLimited(names, concurrency, async (name) => ({
    name,
    versions: sortVersions((await collect(versionsOf(name))).map((v) => v.name ?? '').filter(Boolean)),
  }));
}

function listModels(ml: AzureMachineLearningWorkspaces, rg: string, ws: string, options: ListOptions): Promise<ModelAsset[]> {
  const abortSignal = options.signal;
  return listVersioned(ml.modelContainers.list(rg, ws, { abortSignal }), (name) => ml.modelVersions.list(rg, ws, name, { abortSignal }), options.concurrency ?? 4);
}

function listEnvironments(ml: AzureMachineLearningWorkspaces, rg: string, ws: string, options: ListOptions): Promise<EnvironmentAsset[]> {
  const abortSignal = options.signal;
  return listVersioned(ml.environmentContainers.list(rg, ws, { abortSignal }), (name) => ml.environmentVersions.list(rg, ws, name, { abortSignal }), options.concurrency ?? 4);
}

async function listComputes(ml: AzureMachineLearningWorkspaces, rg: string, ws: string, signal?: AbortSignal): Promise<ComputeAsset[]> {
  const computes = await collect(ml.computeOperations.list(rg, ws, { abortSignal: signal }));
  return computes
    .filter((c) => c.name)
    .map((c) => {
      const p = c.properties as { computeType?: string; provisioningState?: string; properties?: { state?: string; vmSize?: string; allocationState?: string; currentNodeCount?: number } } | undefined;
      const inner = p?.properties;
      const state =
        inner?.state ??
        (inner?.allocationState ? `${inner.allocationState}${inner.currentNodeCount !== undefined ? `, ${inner.currentNodeCount} node${inner.currentNodeCount === 1 ? '' : 's'}` : ''}` : undefined) ??
        p?.provisioningState ??
        'Unknown';
      return { name: c.name as string, type: p?.computeType ?? 'Unknown', state, vmSize: inner?.vmSize };
    });
}

async function listDatastores(ml: AzureMachineLearningWorkspaces, rg: string, ws: string, signal?: AbortSignal): Promise<DatastoreAsset[]> {
  const stores = await collect(ml.datastores.list(rg, ws, { abortSignal: signal }));
  return stores
    .filter((d) => d.name)
    .map((d) => {
      const p = d.properties as { datastoreType?: string; accountName?: string; containerName?: string; fileShareName?: string; isDefault?: boolean };
      return { name: d.name as string, type: p?.datastoreType ?? 'Unknown', accountName: p?.accountName, location: p?.containerName ?? p?.fileShareName, isDefault: p?.isDefault };
    });
}

async function listJobs(ml: AzureMachineLearningWorkspaces, rg: string, ws: string, signal?: AbortSignal): Promise<JobAsset[]> {
  const jobs = await collect(ml.jobs.list(rg, ws, { abortSignal: signal }));
  return jobs
    .filter((j) => j.name)
    .map((j) => {
      const p = j.properties as { jobType?: string; status?: string; displayName?: string; experimentName?: string };
      const created = j.systemData?.createdAt;
      return {
        name: j.name as string,
        displayName: p?.displayName,
        status: p?.status ?? 'Unknown',
        type: p?.jobType ?? 'Unknown',
        experimentName: p?.experimentName,
        createdAt: created ? new Date(created).getTime() : undefined,
      };
    });
}
