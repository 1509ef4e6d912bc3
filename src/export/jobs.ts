// Job definitions that travel: for each job, the references it carries are fetched from the source workspace
// (component versions with their spec, anonymous environments, code assets), its code is planned as verified
// downloads, and the job and its anonymous components are written as CLI YAML (src/jobs/toCli.ts):
//   OUT/jobs/<job>.yml                          job YAML only
//   OUT/code/<job>/…                            the job's code (codeUri of its code asset), referenced ../code/<job>/
//   OUT/components/<name>/<version>/component.yml [+ code/…]   anonymous components (referenced by relative path)
//                                              and named ones (referenced azureml:name:version; created from here
//                                              by the submit path where the target lacks them)
// Lookups are cached across jobs: a code asset or component shared by many jobs is fetched and written once.
import type { AzureMachineLearningWorkspaces, JobBase } from '@azure/arm-machinelearning';
import { errorMessage } from '../common/errors';
import { unlessNotFound } from '../azure/notFound';
import type { WorkspaceRef } from '../pair/pairFile';
import type { PlannedWrite } from './engine';
import type { AssetRef } from './manifest';
import type { SafePathMapper } from './safePaths';
import { locateInDatastore, type DatastoreBinding } from './uris';
import type { DatastoreStorage } from '../azure/storage';
import { ANONYMOUS_COMPONENT, ANONYMOUS_ENVIRONMENT, parseAssetId } from '../jobs/ids';
import { componentReferences, jobReferences, jobToCli, type JobLookups, type ResolvedComponent, type ResolvedEnvironment } from '../jobs/toCli';

/** What became of one job: where it was written and what could not be made portable. */
export interface JobExportReport {
  name: string;
  /** Relative to OUT; undefined when the job was not written. */
  file?: string;
  leftovers: string[];
}

/** What planning a job needs from the export planner (plan.ts), passed explicitly. */
export interface JobPlanContext {
  ml: AzureMachineLearningWorkspaces;
  workspace: WorkspaceRef;
  wsId: string;
  mapper: SafePathMapper;
  writes: PlannedWrite[];
  signal: AbortSignal;
  storage(datastore: string): Promise<DatastoreStorage>;
  datastoreBindings(): Promise<DatastoreBinding[]>;
  /** Plans the files at `remotePath` of `store` into `dir`/`folderName`; returns that folder relative to `dir`. */
  planAssetFiles(store: DatastoreStorage, remotePath: string, dir: string, asset: AssetRef, folderName?: string): Promise<string | undefined>;
}

/** One per export: caches of what jobs share. */
export class JobPlanner {
  private readonly components = new Map<string, Promise<ResolvedComponent | undefined>>();
  private readonly environments = new Map<string, Promise<ResolvedEnvironment | undefined>>();
  /** codeId → exported folder (relative to OUT), or the reason it was not. */
  private readonly codes = new Map<string, Promise<{ local?: string; problem?: string }>>();
  private readonly componentFiles = new Map<string, string | undefined>();
  private readonly written = new Set<string>();
  readonly reports: JobExportReport[] = [];

  constructor(private readonly ctx: JobPlanContext) {}

  async plan(job: JobBase, asset: AssetRef): Promise<void> {
    const { mapper, wsId } = this.ctx;
    const name = job.name ?? '';
    const report: JobExportReport = { name, leftovers: [] };
    this.reports.push(report);
    const local = mapper.map(`${name.replace(/\//g, '%2F')}.yml`, 'jobs');
    if (!local) {
      report.leftovers.push('its name has no safe file name; not exported.');
      return;
    }
    const refs = jobReferences(job);
    const problems: string[] = [];
    const codeDirs = new Map<string, string>();
    // The job's own code goes to code/<job>/; an anonymous component's to its folder (components/<name>/<version>/code/).
    const places = new Map<string, { dir: string; folder: string }>();
    for (const id of refs.codes) places.set(id, { dir: 'code', folder: name });
    for (const id of refs.components) {
      const c = await this.component(id);
      if (!c) continue;
      const file = this.componentFile(id, c);
      const own = componentReferences(c.spec);
      for (const env of own.environments) if (!refs.environments.includes(env)) refs.environments.push(env);
      for (const code of own.codes) if (file && !places.has(code)) places.set(code, { dir: file.slice(0, file.lastIndexOf('/')), folder: 'code' });
    }
    for (const id of refs.environments) await this.environment(id);
    for (const [id, place] of places) {
      const got = await this.code(id, place, asset);
      if (got.local !== undefined) codeDirs.set(sameCode(id), got.local);
      else if (got.problem) problems.push(got.problem);
    }
    const resolved = { components: new Map<string, ResolvedComponent | undefined>(), environments: new Map<string, ResolvedEnvironment | undefined>() };
    for (const id of refs.components) resolved.components.set(id, await this.component(id));
    for (const id of refs.environments) resolved.environments.set(id, await this.environment(id));
    const lookups: JobLookups = {
      component: (id) => resolved.components.get(id),
      environment: (id) => resolved.environments.get(id),
      code: (id) => codeDirs.get(sameCode(id)),
      componentFile: (id) => this.componentFiles.get(id),
    };
    const cli = jobToCli(job, local, lookups);
    if (cli.unsupported) {
      report.leftovers.push(`${cli.unsupported}; not exported.`);
      return;
    }
    report.file = local;
    report.leftovers.push(...problems, ...cli.leftovers);
    const source = { workspace: wsId, path: job.id ?? `${wsId}/jobs/${name}` };
    for (const c of cli.components) {
      if (this.written.has(c.path)) continue;
      this.written.add(c.path);
      this.ctx.writes.push({ local: c.path, source, asset, content: c.yaml });
    }
    this.ctx.writes.push({ local, source, asset, content: cli.yaml });
  }

  /** Where a component's YAML goes: components/<spec name>/<version>/component.yml (once per export). */
  private componentFile(id: string, c: ResolvedComponent): string | undefined {
    if (!this.componentFiles.has(id)) {
      const specName = typeof c.spec.name === 'string' && c.spec.name !== ANONYMOUS_COMPONENT ? c.spec.name : 'component';
      const named = this.ctx.mapper.folder(specName, 'components');
      const dir = named && this.ctx.mapper.folder(c.version, named);
      if (dir) this.ctx.mapper.reserve(`${dir}/component.yml`);
      this.componentFiles.set(id, dir ? `${dir}/component.yml` : undefined);
    }
    return this.componentFiles.get(id);
  }

  private component(id: string): Promise<ResolvedComponent | undefined> {
    return once(this.components, id, () => this.fetchComponent(id));
  }

  private async fetchComponent(id: string): Promise<ResolvedComponent | undefined> {
    const a = parseAssetId(id, 'components');
    if (!a || !this.ours(a)) return undefined;
    const { ml, workspace, signal } = this.ctx;
    const v = await unlessNotFound(ml.componentVersions.get(workspace.resource_group, workspace.workspace_name, a.name, a.version, { abortSignal: signal }));
    if (!v) return undefined;
    const props = v.properties as { componentSpec?: Record<string, unknown>; isAnonymous?: boolean };
    return { name: a.name, version: a.version, anonymous: a.name === ANONYMOUS_COMPONENT || props.isAnonymous === true, spec: props.componentSpec ?? {} };
  }

  private environment(id: string): Promise<ResolvedEnvironment | undefined> {
    return once(this.environments, id, () => this.fetchEnvironment(id));
  }

  /** Only anonymous environments are read: a named one is referenced by name and version. */
  private async fetchEnvironment(id: string): Promise<ResolvedEnvironment | undefined> {
    const a = parseAssetId(id, 'environments');
    if (!a || a.name !== ANONYMOUS_ENVIRONMENT || !this.ours(a)) return undefined;
    const { ml, workspace, signal } = this.ctx;
    const v = await unlessNotFound(ml.environmentVersions.get(workspace.resource_group, workspace.workspace_name, a.name, a.version, { abortSignal: signal }));
    if (!v) return undefined;
    const p = v.properties;
    return { name: a.name, version: a.version, image: p.image, condaFile: p.condaFile, buildContext: p.build?.contextUri };
  }

  private code(id: string, place: { dir: string; folder: string }, asset: AssetRef): Promise<{ local?: string; problem?: string }> {
    return once(this.codes, sameCode(id), () =>
      this.planCode(id, place, asset).catch((err: unknown) => {
        if (this.ctx.signal.aborted) throw err;
        return { problem: `its code (${id}) could not be exported: ${errorMessage(err)}` };
      }),
    );
  }

  private async planCode(id: string, place: { dir: string; folder: string }, asset: AssetRef): Promise<{ local?: string; problem?: string }> {
    const a = parseAssetId(id, 'codes');
    if (!a) return { problem: `its code ${id} is not a code asset of a workspace; not exported.` };
    if (!this.ours(a)) return { problem: `its code ${id} belongs to another workspace; not exported.` };
    const { ml, workspace, signal } = this.ctx;
    const v = await unlessNotFound(ml.codeVersions.get(workspace.resource_group, workspace.workspace_name, a.name, a.version, { abortSignal: signal }));
    const uri = v?.properties.codeUri;
    if (!uri) return { problem: `its code asset ${a.name}:${a.version} was not found or names no files; not exported.` };
    const location = locateInDatastore(uri, await this.ctx.datastoreBindings(), workspace);
    if (!location) return { problem: `its code is at ${uri}, which is not a datastore of this workspace; not exported.` };
    const store = await this.ctx.storage(location.datastore);
    const folder = location.path.endsWith('/') ? location.path : `${location.path}/`;
    const local = await this.ctx.planAssetFiles(store, folder, place.dir, asset, place.folder);
    return local === undefined ? { problem: `its code folder has no safe name; not exported.` } : { local: `${place.dir}/${local}` };
  }

  /** An ARM id of this workspace, or a short reference (read here too). */
  private ours(a: { workspace?: { subscription_id: string; resource_group: string; workspace_name: string } }): boolean {
    if (!a.workspace) return true;
    const w = this.ctx.workspace;
    const same = (x: string, y: string) => x.toLowerCase() === y.toLowerCase();
    return same(a.workspace.subscription_id, w.subscription_id) && same(a.workspace.resource_group, w.resource_group) && same(a.workspace.workspace_name, w.workspace_name);
  }
}

/** The promise cached under `key`, made by `make` the first time. */
function once<T>(cache: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  let got = cache.get(key);
  if (!got) {
    got = make();
    cache.set(key, got);
  }
  return got;
}

/** A code asset's id as a job names it (`/subscriptions/…`) and as a component spec does (`azureml:/subscriptions/…`). */
function sameCode(id: string): string {
  return id.replace(/^azureml:(?!\/\/)/, '');
}
