// What an export of a workspace consists of: lists notebooks, model and environment versions and jobs through ARM
// and the datastores' storage, and turns them into planned downloads and generated YAML under safe local paths.
//   OUT/notebooks/<share path>
//   OUT/models/<name>/<version>/model.yml + <folder or file of the model>
//   OUT/environments/<name>/<version>/environment.yml [+ conda.yaml] [+ context/…]
//   OUT/data/<name>/<version>/data.yml [+ the file or folder, when it lives in the workspace's datastores]
//   OUT/jobs/<job name>.yml, OUT/code/<job name>/…, OUT/components/<name>/<version>/component.yml (src/export/jobs.ts)
//   OUT/schedules/<name>.json: the schedule's ARM properties, isEnabled and workspace ids as listed (src/schedules)
import type { DataVersionBase, EnvironmentVersion, ModelVersion } from '@azure/arm-machinelearning';
import type { AzureConnection } from '../azure/connection';
import { openDatastore, type DatastoreStorage } from '../azure/storage';
import { UserError, errorMessage } from '../common/errors';
import type { Logger } from '../common/logger';
import { workspaceArmId, type WorkspaceRef } from '../pair/pairFile';
import type { ExportPlan, PlanFailure, PlannedDownload, PlannedWrite } from './engine';
import { JobPlanner, type JobExportReport } from './jobs';
import type { AssetRef, ManifestEntry } from './manifest';
import { throwIfAborted } from '../azure/retry';
import { withoutClutter } from '../inventory/notebooks';
import { SafePathMapper, describeReason, inStableOrder, printable } from './safePaths';
import type { RangeReader } from './transfer';
import { jobOutputsOf, locateAsset } from './jobOutputs';
import { leafName, locateInDatastore, type DatastoreBinding } from './uris';
import { dataYaml, environmentYaml, modelYaml } from './yamlWriters';
import { listSchedules } from '../schedules/schedules';
import { scheduleFile } from '../schedules/handover';

export const EXPORT_KINDS = ['notebooks', 'models', 'environments', 'data', 'jobs', 'schedules'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

/** `--name credit` (every version) or `--name credit:3`. */
export interface NameFilter {
  name: string;
  version?: string;
}

export interface PlanRequest {
  kinds: ExportKind[];
  workspace: WorkspaceRef;
  names?: NameFilter[];
  /** Only this folder of the notebook share (e.g. "Users/alice"). */
  notebooksFolder?: string;
  /** Keep the studio's checkpoints and temp files (skipped by default, with what .amlignore names). */
  includeCheckpoints?: boolean;
  signal: AbortSignal;
  logger: Logger;
}

/** The share holding notebooks: the datastore the studio mounts as the users' working directory. */
export const NOTEBOOKS_DATASTORE = 'workspaceworkingdirectory';

export function parseNameFilter(text: string): NameFilter {
  const i = text.lastIndexOf(':');
  if (i <= 0) return { name: text };
  return { name: text.slice(0, i), version: text.slice(i + 1) || undefined };
}

/**
 * An export plan bound to open storage clients. Call `dispose()` when the export is over: it drops the datastore
 * secrets the clients hold.
 */
export interface BoundPlan extends ExportPlan {
  /** Every job listed (when jobs are planned), with its status at the time of listing (a backup records them). */
  jobStatuses: JobStatus[];
  /** Each job planned: its file and what could not be made portable. */
  jobs: JobExportReport[];
  /** The workspace's datastores (name, storage account, container or share), listed once. */
  datastores(): Promise<DatastoreBinding[]>;
  dispose(): void;
}

export interface JobStatus {
  name: string;
  status: string;
  jobType?: string;
  displayName?: string;
  experimentName?: string;
  /** Of a failed job: why, as the service says (`properties.FailureReason`); the failover reads outage failures. */
  failureReason?: string;
}

export async function planExport(conn: AzureConnection, req: PlanRequest): Promise<BoundPlan> {
  const { workspace, signal } = req;
  const ml = await conn.ml(workspace.subscription_id);
  const rg = workspace.resource_group;
  const ws = workspace.workspace_name;
  const wsId = workspaceArmId(workspace);
  const mapper = new SafePathMapper();
  const downloads: PlannedDownload[] = [];
  const writes: PlannedWrite[] = [];
  const warnings: string[] = [];
  const failed: PlanFailure[] = [];
  const scopes: ((e: ManifestEntry) => boolean)[] = [];
  const storages = new Map<string, Promise<DatastoreStorage>>();
  const storage = (name: string) => {
    let s = storages.get(name);
    if (!s) {
      s = openDatastore(conn, workspace, name, signal);
      storages.set(name, s);
    }
    return s;
  };
  let bindings: DatastoreBinding[] | undefined;
  const datastoreBindings = async () => {
    if (!bindings) {
      bindings = [];
      for await (const d of ml.datastores.list(rg, ws, { abortSignal: signal })) {
        const p = d.properties as { accountName?: string; containerName?: string; fileShareName?: string };
        bindings.push({ name: d.name ?? '', account: p.accountName, container: p.containerName ?? p.fileShareName });
      }
    }
    return bindings;
  };
  const jobOutputs = jobOutputsOf(ml, workspace, signal);
  const assetKey = (a: AssetRef) => `${a.kind}\u0000${a.name}\u0000${a.version ?? ''}`;
  const plannedAssets = new Set<string>();
  const jobStatuses: JobStatus[] = [];

  /**
   * Plans the files of an asset stored at `remotePath` (a folder when it ends in "/" or holds no file of that
   * name) into `dir`; returns the local name relative to `dir` for the asset's YAML, or undefined when refused.
   */
  const planAssetFiles = async (store: DatastoreStorage, remotePath: string, dir: string, asset: AssetRef, folderName?: string): Promise<string | undefined> => {
    const single = remotePath === '' || remotePath.endsWith('/') ? undefined : await store.stat(remotePath, signal);
    const source = (p: string) => ({ workspace: wsId, datastore: store.datastore, path: p });
    if (single) {
      const local = mapper.map(leafName(remotePath), dir);
      if (!local) return undefined;
      downloads.push({ local, source: source(single.path), asset, remote: single, reader: datastoreReader(store, single.path) });
      return local.slice(dir.length + 1);
    }
    const prefix = remotePath === '' || remotePath.endsWith('/') ? remotePath : `${remotePath}/`;
    const base = mapper.folder(folderName ?? leafName(prefix), dir);
    if (!base) return undefined;
    let count = 0;
    // Sorted: names that collide on the file system get the same local names whatever order the service lists.
    for (const file of await inStableOrder(store.list(prefix, signal), (f) => f.path)) {
      throwIfAborted(signal);
      if (!file.path.startsWith(prefix)) {
        // The service answered a prefix listing with a name outside it: never trust it.
        mapper.refuse(file.path, 'parent-segment');
        continue;
      }
      const local = mapper.map(file.path.slice(prefix.length), base);
      if (!local) continue;
      downloads.push({ local, source: source(file.path), asset, remote: file, reader: datastoreReader(store, file.path) });
      count++;
    }
    if (count === 0) warnings.push(`${asset.kind} ${asset.name}${asset.version ? `:${asset.version}` : ''}: no files found at ${store.datastore}/${remotePath}.`);
    return base.slice(dir.length + 1);
  };

  const found = new Set<string>();
  const wanted = (name: string, version?: string) => {
    if (!req.names?.length) return true;
    const hit = req.names.find((f) => f.name === name && (f.version === undefined || f.version === version));
    if (hit) found.add(`${hit.name}:${hit.version ?? ''}`);
    return hit !== undefined;
  };

  /**
   * The containers asked for, in stable order. Every container's name gets its folder first, asked for or not, so
   * a model exported alone lands where it lands in a full export (`Credit` and `credit` stay apart the same way).
   */
  const containersInOrder = async <T extends { name?: string }>(all: AsyncIterable<T>, under: string): Promise<T[]> => {
    const sorted = await inStableOrder(all, (c) => c.name ?? '');
    for (const c of sorted) mapper.folder(c.name ?? '', under, { report: false });
    const want = req.names?.length ? new Set(req.names.map((n) => n.name)) : undefined;
    return sorted.filter((c) => !want || (c.name !== undefined && want.has(c.name)));
  };

  const jobs = new JobPlanner({
    ml,
    workspace,
    wsId,
    mapper,
    writes,
    signal,
    storage,
    datastoreBindings,
    planAssetFiles: (store, remotePath, dir, asset, folderName) => planAssetFiles(store, remotePath, dir, asset, folderName),
  });

  const fail = (asset: AssetRef, sourcePath: string, err: unknown) => {
    failed.push({ source: { workspace: wsId, path: sourcePath }, asset, error: errorMessage(err) });
  };

  /** Every wanted version of every container of one kind, planned one by one; a version that fails is reported, not fatal. */
  const planVersions = async <V extends { name?: string; id?: string }>(
    kind: 'model' | 'environment' | 'data',
    folder: string,
    containers: AsyncIterable<{ name?: string }>,
    versionsOf: (name: string) => AsyncIterable<V>,
    planOne: (name: string, version: string, resource: V, asset: AssetRef) => Promise<void>,
  ) => {
    for (const container of await containersInOrder(containers, folder)) {
      const name = container.name ?? '';
      for (const version of await inStableOrder(versionsOf(name), (v) => v.name ?? '')) {
        const v = version.name ?? '';
        if (!wanted(name, v)) continue;
        const asset: AssetRef = { kind, name, version: v };
        plannedAssets.add(assetKey(asset));
        try {
          await planOne(name, v, version, asset);
        } catch (err) {
          if (signal.aborted) throw err;
          fail(asset, version.id ?? name, err);
        }
      }
    }
    scopes.push((e) => e.asset.kind === kind && plannedAssets.has(assetKey(e.asset)));
  };

  try {
    if (req.kinds.includes('notebooks')) {
      const store = await storage(NOTEBOOKS_DATASTORE);
      const folder = (req.notebooksFolder ?? '').replace(/^\/+|\/+$/g, '');
      if (folder && !mapper.map(folder)) throw new UserError(`The notebook folder "${printable(folder)}" is not a safe path.`, 'usage');
      const base = folder ? `notebooks/${folder}` : 'notebooks';
      const asset: AssetRef = { kind: 'notebooks', name: folder || '/' };
      const listed = await withoutClutter(store, await inStableOrder(store.list(folder, signal), (f) => f.path), req.includeCheckpoints, signal, req.logger);
      for (const file of listed) {
        throwIfAborted(signal);
        const rel = folder ? file.path.slice(folder.length + 1) : file.path;
        const local = mapper.map(rel, base);
        if (!local) continue;
        downloads.push({ local, source: { workspace: wsId, datastore: store.datastore, path: file.path }, asset, remote: file, reader: datastoreReader(store, file.path) });
      }
      scopes.push((e) => e.asset.kind === 'notebooks' && (e.path === base || e.path.startsWith(`${base}/`)));
    }

    if (req.kinds.includes('models')) {
      await planVersions('model', 'models', ml.modelContainers.list(rg, ws, { abortSignal: signal }), (name) => ml.modelVersions.list(rg, ws, name, { abortSignal: signal }), planModel);
    }
    if (req.kinds.includes('environments')) {
      await planVersions('environment', 'environments', ml.environmentContainers.list(rg, ws, { abortSignal: signal }), (name) => ml.environmentVersions.list(rg, ws, name, { abortSignal: signal }), planEnvironment);
    }
    if (req.kinds.includes('data')) {
      await planVersions('data', 'data', ml.dataContainers.list(rg, ws, { abortSignal: signal }), (name) => ml.dataVersions.list(rg, ws, name, { abortSignal: signal }), planData);
    }

    if (req.kinds.includes('jobs')) {
      // Job code and anonymous components belong to the job that names them: in scope with it.
      for (const job of await inStableOrder(ml.jobs.list(rg, ws, { abortSignal: signal }), (j) => j.name ?? '')) {
        const name = job.name ?? '';
        if (!wanted(name)) continue;
        const p = job.properties as { status?: string; jobType?: string; displayName?: string; experimentName?: string; properties?: Record<string, string> };
        const failureReason = p.properties?.FailureReason ?? p.properties?.failureReason;
        jobStatuses.push({ name, status: p.status ?? 'Unknown', jobType: p.jobType, displayName: p.displayName, experimentName: p.experimentName, ...(failureReason ? { failureReason } : {}) });
        const asset: AssetRef = { kind: 'job', name };
        plannedAssets.add(assetKey(asset));
        try {
          await jobs.plan(job, asset);
        } catch (err) {
          if (signal.aborted) throw err;
          fail(asset, job.id ?? name, err);
        }
      }
      scopes.push((e) => e.asset.kind === 'job' && plannedAssets.has(assetKey(e.asset)));
    }

    if (req.kinds.includes('schedules')) await planSchedules();
  } catch (err) {
    for (const s of storages.values()) void s.then((x) => x.dispose(), () => undefined);
    throw err;
  }

  /** Each schedule as `schedules/<name>.json`; a listing the service refuses is one failure, not the export's end. */
  async function planSchedules() {
    let listed;
    try {
      listed = await inStableOrder(await listSchedules(conn, workspace), (s) => s.name);
    } catch (err) {
      if (signal.aborted) throw err;
      fail({ kind: 'schedule', name: '*' }, `${wsId}/schedules`, err);
      return;
    }
    for (const s of listed) {
      if (!wanted(s.name)) continue;
      const asset: AssetRef = { kind: 'schedule', name: s.name };
      plannedAssets.add(assetKey(asset));
      const local = mapper.map(`${s.name.replace(/\//g, '%2F')}.json`, 'schedules');
      if (local) writes.push({ local, source: { workspace: wsId, path: `${wsId}/schedules/${s.name}` }, asset, content: scheduleFile(s.name, s.properties) });
    }
    scopes.push((e) => e.asset.kind === 'schedule' && plannedAssets.has(assetKey(e.asset)));
  }

  async function planModel(name: string, version: string, model: ModelVersion, asset: AssetRef) {
    const named = mapper.folder(name, 'models');
    const dir = named && mapper.folder(version, named);
    if (!dir) return;
    const uri = model.properties.modelUri;
    if (!uri) throw new Error('the model version has no modelUri');
    const location = await locateAsset(uri, datastoreBindings, workspace, jobOutputs);
    if (!location) throw new Error(`its files are at ${uri}, which is not a datastore of this workspace`);
    mapper.reserve(`${dir}/model.yml`);
    const store = await storage(location.datastore);
    const local = await planAssetFiles(store, location.path, dir, asset);
    if (!local) return;
    writes.push({
      local: `${dir}/model.yml`,
      source: { workspace: wsId, path: model.id ?? `${wsId}/models/${name}/versions/${version}` },
      asset,
      content: modelYaml(name, version, model, `./${local}`),
    });
  }

  /** A data asset: data.yml, with its files when they live in this workspace's datastores, else its reference kept. */
  async function planData(name: string, version: string, data: DataVersionBase, asset: AssetRef) {
    const named = mapper.folder(name, 'data');
    const dir = named && mapper.folder(version, named);
    if (!dir) return;
    const uri = data.properties.dataUri;
    mapper.reserve(`${dir}/data.yml`);
    const location = uri ? await locateAsset(uri, datastoreBindings, workspace, jobOutputs) : undefined;
    let local: string | undefined;
    if (location) {
      local = await planAssetFiles(await storage(location.datastore), location.path, dir, asset);
      if (!local) return;
    } else {
      warnings.push(`data ${name}:${version}: it lives outside the workspace (${uri ?? 'no URI'}); data.yml keeps the reference, no files were copied.`);
    }
    writes.push({
      local: `${dir}/data.yml`,
      source: { workspace: wsId, path: data.id ?? `${wsId}/data/${name}/versions/${version}` },
      asset,
      content: dataYaml(name, version, data, local === undefined ? undefined : `./${local}`),
    });
  }

  async function planEnvironment(name: string, version: string, env: EnvironmentVersion, asset: AssetRef) {
    const named = mapper.folder(name, 'environments');
    const dir = named && mapper.folder(version, named);
    if (!dir) return;
    const source = { workspace: wsId, path: env.id ?? `${wsId}/environments/${name}/versions/${version}` };
    mapper.reserve(`${dir}/environment.yml`);
    const files: { condaFile?: string; buildPath?: string } = {};
    if (env.properties.condaFile) {
      mapper.reserve(`${dir}/conda.yaml`);
      files.condaFile = 'conda.yaml';
      writes.push({ local: `${dir}/conda.yaml`, source, asset, content: env.properties.condaFile.endsWith('\n') ? env.properties.condaFile : `${env.properties.condaFile}\n` });
    }
    const contextUri = env.properties.build?.contextUri;
    if (contextUri) {
      const location = locateInDatastore(contextUri, await datastoreBindings(), workspace);
      if (!location) throw new Error(`its build context is at ${contextUri}, which is not a datastore of this workspace`);
      const store = await storage(location.datastore);
      const folder = location.path.endsWith('/') || location.path === '' ? location.path : `${location.path}/`;
      const local = await planAssetFiles(store, folder, dir, asset, 'context');
      if (local) files.buildPath = `./${local}`;
    }
    writes.push({ local: `${dir}/environment.yml`, source, asset, content: environmentYaml(name, version, env, files) });
  }

  const missing = (req.names ?? []).filter((f) => !found.has(`${f.name}:${f.version ?? ''}`));
  if (missing.length) {
    for (const s of storages.values()) void s.then((x) => x.dispose(), () => undefined);
    throw new UserError(`Not found in ${ws}: ${missing.map((f) => (f.version ? `${f.name}:${f.version}` : f.name)).join(', ')}.`, 'usage');
  }
  const names = mapper.report();
  for (const n of names) {
    const how = n.local ? `exported as ${n.local}` : 'not exported';
    req.logger.warn(`Name from the service ${JSON.stringify(n.remote)} ${n.reasons.map(describeReason).join('; ')}: ${how}.`);
  }
  return {
    downloads,
    writes,
    names,
    warnings,
    failed,
    jobs: jobs.reports,
    inScope: (e) => scopes.some((s) => s(e)),
    jobStatuses,
    datastores: datastoreBindings,
    dispose() {
      for (const s of storages.values()) void s.then((x) => x.dispose(), () => undefined);
      storages.clear();
    },
  };
}

/** Reads one file of a datastore for downloadVerified: ranges of the listed version, and its entry again after a change. */
export function datastoreReader(store: DatastoreStorage, remotePath: string): RangeReader {
  return {
    read: (offset, count, signal, etag) => store.read(remotePath, offset, count, signal, etag),
    stat: (signal) => store.stat(remotePath, signal),
  };
}
