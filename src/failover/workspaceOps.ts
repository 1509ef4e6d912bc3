// What the failover asks of a workspace, over the product's one Azure connection: is it there and can the signed-in
// identity use it, its jobs (with definitions and statuses), what it holds, submit/cancel/archive. The runbook's
// steps (failover.ts) call these through the `WorkspaceOps` interface so a backup can stand in for a source that is
// down and a drill can forbid the source outright.
import { API_VERSIONS, armGet, armList, armPut } from '../azure/arm';
import type { AzureConnection } from '../azure/connection';
import { unlessNotFound } from '../azure/notFound';
import { retryReason, statusOf } from '../azure/retry';
import { listInventory } from '../inventory/listInventory';
import { workspaceArmId, type Role, type WorkspaceRef } from '../pair/pairFile';
import { emptyHoldings, storageAccountFacts, type StorageAccountFacts, type TargetHoldings } from './preflight';
import type { AssetNeed } from './needs';
import type { Logger } from '../common/logger';
import { submitJob, type SubmitResult } from '../jobs/submit';
import type { SnapshotJob } from './backups';

export type Reachability = { state: 'healthy' } | { state: 'down' | 'unauthorized'; reason: string };

/** A job to submit: its exported YAML, the folder its code and component files stay in, its new name and the resubmission's changes. */
export interface JobToSubmit {
  file: string;
  root: string;
  name: string;
  edit: (doc: Record<string, unknown>) => Record<string, unknown>;
  /** On what the submission creates besides the job (a drill's tag). */
  tags?: Record<string, string>;
}

/**
 * The submit path: the jobs library's `submitJob` (src/jobs/submit.ts) — checks the target first, uploads and
 * registers the job's code, creates its components and inline environments, then the job; pipelines as pipelines.
 */
export interface JobSubmitter {
  submit(target: WorkspaceRef, job: JobToSubmit, signal: AbortSignal): Promise<{ id: string; status?: string; created: string[]; registered: SubmitResult['registered'] }>;
}

export type VersionKind = 'environment' | 'model' | 'component' | 'code';

export interface WorkspaceOps {
  reach(ws: WorkspaceRef, signal: AbortSignal): Promise<Reachability>;
  jobs(ws: WorkspaceRef, signal: AbortSignal): Promise<SnapshotJob[]>;
  job(ws: WorkspaceRef, name: string, signal: AbortSignal): Promise<SnapshotJob | undefined>;
  holdings(ws: WorkspaceRef, needs: { data: AssetNeed[]; components: AssetNeed[] }, signal: AbortSignal): Promise<TargetHoldings>;
  environment(ws: WorkspaceRef, name: string, version: string, signal: AbortSignal): Promise<Record<string, unknown> | undefined>;
  /** Archives a version (and its container when no active version is left): what a drill registered. */
  archiveVersion(ws: WorkspaceRef, kind: VersionKind, name: string, version: string, signal: AbortSignal): Promise<void>;
  /** Adds `tags` to a version (what a drill restored or replicated), keeping the rest of it. */
  tagVersion(ws: WorkspaceRef, kind: VersionKind, name: string, version: string, tags: Record<string, string>, signal: AbortSignal): Promise<void>;
  /** The storage accounts of these subscriptions ARM lists (lower-case name → facts); empty when they cannot be listed. */
  storageAccounts(subscriptions: string[], signal: AbortSignal): Promise<Map<string, StorageAccountFacts>>;
  cancelJob(ws: WorkspaceRef, name: string, signal: AbortSignal): Promise<void>;
  archiveJob(ws: WorkspaceRef, name: string, signal: AbortSignal): Promise<void>;
  submitter: JobSubmitter;
}

export function azureWorkspaceOps(conn: AzureConnection, probe: AzureConnection, logger: Logger): WorkspaceOps {
  const ml = (ws: WorkspaceRef) => conn.ml(ws.subscription_id);
  const ops: WorkspaceOps = {
    async reach(ws, signal) {
      try {
        const client = await probe.ml(ws.subscription_id);
        await client.workspaces.get(ws.resource_group, ws.workspace_name, { abortSignal: signal });
        // The identity can use it: it may list jobs (reading the workspace alone needs only Reader on it).
        const it = client.jobs.list(ws.resource_group, ws.workspace_name, { abortSignal: signal }).byPage();
        await it.next();
        return { state: 'healthy' };
      } catch (err) {
        if (signal.aborted) throw err;
        const status = statusOf(err);
        if (status === 401 || status === 403) return { state: 'unauthorized', reason: retryReason(err) };
        return { state: 'down', reason: retryReason(err) };
      }
    },
    // Jobs are read and written as raw ARM JSON: the typed SDK 2.1.1 drops job inputs' uri and mode (src/azure/arm.ts).
    async jobs(ws, signal) {
      const out: SnapshotJob[] = [];
      let next: string | undefined = `${workspaceArmId(ws)}/jobs`;
      let first = true;
      while (next) {
        const page = (await armGetPath(conn, next, first, signal)) as { value?: RawJob[]; nextLink?: string };
        out.push(...(page.value ?? []).map(toSnapshotJob));
        next = page.nextLink ?? undefined;
        first = false;
      }
      return out;
    },
    async job(ws, name, signal) {
      try {
        return toSnapshotJob((await armGet(conn, `${workspaceArmId(ws)}/jobs/${name}`, { signal, apiVersion: API_VERSION })) as RawJob);
      } catch (err) {
        if (statusOf(err) === 404) return undefined;
        throw err;
      }
    },
    async holdings(ws, needs, signal) {
      const inv = await listInventory(conn, 'secondary' as Role, ws, { signal, sections: ['models', 'environments', 'computes', 'datastores'] });
      const problems = Object.entries(inv.problems);
      if (problems.length) throw new Error(`Could not list ${problems.map(([s, why]) => `${s} (${why})`).join(', ')} of ${ws.workspace_name}.`);
      const h = emptyHoldings();
      for (const c of inv.computes) h.computes.set(c.name.toLowerCase(), c.type);
      for (const e of inv.environments) for (const v of ['', ...e.versions]) h.environments.add((v ? `${e.name}:${v}` : e.name).toLowerCase());
      for (const m of inv.models) for (const v of ['', ...m.versions]) h.models.add((v ? `${m.name}:${v}` : m.name).toLowerCase());
      for (const d of inv.datastores) h.datastores.set(d.name.toLowerCase(), d.accountName);
      const client = await ml(ws);
      for (const d of needs.data) if (await exists(() => (d.version ? client.dataVersions.get(ws.resource_group, ws.workspace_name, d.name, d.version, { abortSignal: signal }) : client.dataContainers.get(ws.resource_group, ws.workspace_name, d.name, { abortSignal: signal })))) h.data.add(label(d));
      for (const c of needs.components) if (await exists(() => (c.version ? client.componentVersions.get(ws.resource_group, ws.workspace_name, c.name, c.version, { abortSignal: signal }) : client.componentContainers.get(ws.resource_group, ws.workspace_name, c.name, { abortSignal: signal })))) h.components.add(label(c));
      return h;
    },
    async environment(ws, name, version, signal) {
      const client = await ml(ws);
      const v = await unlessNotFound(client.environmentVersions.get(ws.resource_group, ws.workspace_name, name, version, { abortSignal: signal }));
      return v ? (v.properties as unknown as Record<string, unknown>) : undefined;
    },
    async archiveVersion(ws, kind, name, version, signal) {
      const { versions, containers } = versionClients(await ml(ws), kind);
      const v = await versions.get(ws.resource_group, ws.workspace_name, name, version, { abortSignal: signal });
      await versions.createOrUpdate(ws.resource_group, ws.workspace_name, name, version, { properties: { ...v.properties, isArchived: true } }, { abortSignal: signal });
      // A container left with no active version was the archived version's alone: archive it too.
      for await (const _active of versions.list(ws.resource_group, ws.workspace_name, name, { abortSignal: signal })) return;
      const c = await containers.get(ws.resource_group, ws.workspace_name, name, { abortSignal: signal });
      await containers.createOrUpdate(ws.resource_group, ws.workspace_name, name, { properties: { ...c.properties, isArchived: true } }, { abortSignal: signal });
    },
    async tagVersion(ws, kind, name, version, tags, signal) {
      const { versions } = versionClients(await ml(ws), kind);
      const v = await versions.get(ws.resource_group, ws.workspace_name, name, version, { abortSignal: signal });
      const had = (v.properties.tags ?? {}) as Record<string, string>;
      if (Object.entries(tags).every(([k, value]) => had[k] === value)) return;
      await versions.createOrUpdate(ws.resource_group, ws.workspace_name, name, version, { properties: { ...v.properties, tags: { ...had, ...tags } } }, { abortSignal: signal });
    },
    async storageAccounts(subscriptions, signal) {
      const out = new Map<string, StorageAccountFacts>();
      for (const sub of subscriptions) {
        try {
          for (const a of await armList(conn, `/subscriptions/${sub}/providers/Microsoft.Storage/storageAccounts`, API_VERSIONS['microsoft.storage/storageaccounts'], signal)) {
            const facts = storageAccountFacts(a as Record<string, unknown>);
            if (facts) out.set(...facts);
          }
        } catch (err) {
          if (signal.aborted) throw err;
          logger.warn(`failover: the storage accounts of subscription ${sub} could not be listed (${retryReason(err)}); the backup's record stands in.`);
        }
      }
      return out;
    },
    async cancelJob(ws, name, signal) {
      const client = await ml(ws);
      await client.jobs.beginCancelAndWait(ws.resource_group, ws.workspace_name, name, { abortSignal: signal, updateIntervalInMs: 500 });
    },
    async archiveJob(ws, name, signal) {
      const id = `${workspaceArmId(ws)}/jobs/${name}`;
      const j = (await armGet(conn, id, { signal, apiVersion: API_VERSION })) as RawJob;
      await armPut(conn, id, { properties: { ...j.properties, isArchived: true } }, { signal, apiVersion: API_VERSION, pollIntervalMs: 500 });
    },
    submitter: {
      async submit(target, job, signal) {
        const r = await submitJob({ connection: conn, target, jobFile: job.file, root: job.root, name: job.name, edit: job.edit, tags: job.tags, signal, logger });
        return { id: r.id, status: r.status, created: r.created, registered: r.registered };
      },
    },
  };
  return ops;
}

/** The version and container operations of one asset kind, typed loosely enough to read and write any of them back. */
interface VersionClients {
  versions: {
    get(rg: string, ws: string, name: string, version: string, o: { abortSignal: AbortSignal }): Promise<{ properties: { tags?: Record<string, string | null> } & Record<string, unknown> }>;
    createOrUpdate(rg: string, ws: string, name: string, version: string, body: { properties: Record<string, unknown> }, o: { abortSignal: AbortSignal }): Promise<unknown>;
    list(rg: string, ws: string, name: string, o: { abortSignal: AbortSignal }): AsyncIterable<unknown>;
  };
  containers: {
    get(rg: string, ws: string, name: string, o: { abortSignal: AbortSignal }): Promise<{ properties: Record<string, unknown> }>;
    createOrUpdate(rg: string, ws: string, name: string, body: { properties: Record<string, unknown> }, o: { abortSignal: AbortSignal }): Promise<unknown>;
  };
}

function versionClients(client: Awaited<ReturnType<AzureConnection['ml']>>, kind: VersionKind): VersionClients {
  const pick = { environment: [client.environmentVersions, client.environmentContainers], model: [client.modelVersions, client.modelContainers], component: [client.componentVersions, client.componentContainers], code: [client.codeVersions, client.codeContainers] }[kind];
  return { versions: pick[0], containers: pick[1] } as unknown as VersionClients;
}

function label(a: AssetNeed): string {
  return (a.version ? `${a.name}:${a.version}` : a.name).toLowerCase();
}

async function exists(get: () => Promise<unknown>): Promise<boolean> {
  try {
    return (await unlessNotFound(get())) !== undefined;
  } catch (err) {
    // The service has no such route (the sandbox serves no data assets or components): not there.
    if (statusOf(err) === 404 || statusOf(err) === 400) return false;
    throw err;
  }
}

const API_VERSION = '2022-10-01';

interface RawJob {
  id?: string;
  name?: string;
  properties?: Record<string, unknown>;
}

/** A list page: the first by resource path, the next ones by the service's nextLink (on the same ARM endpoint only). */
async function armGetPath(conn: AzureConnection, pathOrLink: string, first: boolean, signal: AbortSignal): Promise<unknown> {
  if (first) return armGet(conn, pathOrLink, { signal, apiVersion: API_VERSION });
  const link = new URL(pathOrLink);
  if (link.origin !== new URL(conn.cloud.resourceManager).origin) throw new Error(`The service named a next page outside ${conn.cloud.resourceManager}; not following it.`);
  const sub = /^\/subscriptions\/([^/]+)\//i.exec(link.pathname)?.[1];
  if (!sub) throw new Error(`Not an ARM list link: ${pathOrLink}`);
  const [client, sdk] = await Promise.all([conn.ml(sub), import('../azure/azureSdk')]);
  const response = await client.sendRequest(sdk.createPipelineRequest({ url: `${conn.cloud.resourceManager}${link.pathname}${link.search}`, method: 'GET', abortSignal: signal }));
  if (response.status >= 400) throw Object.assign(new Error(`HTTP ${response.status} listing jobs`), { statusCode: response.status });
  return JSON.parse(response.bodyAsText ?? '{}');
}

function toSnapshotJob(j: RawJob): SnapshotJob {
  const props = j.properties ?? {};
  const runProps = (props.properties ?? {}) as Record<string, string>;
  return {
    id: j.id ?? '',
    name: j.name ?? '',
    status: String(props.status ?? 'Unknown'),
    failureReason: runProps.FailureReason ?? runProps.failureReason,
    properties: props,
  };
}
