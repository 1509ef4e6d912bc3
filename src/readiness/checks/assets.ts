// What the project's jobs and endpoints need in the secondary, by the pair file's availability per workload:
// hot/hot → the online endpoints and their deployments exist and are healthy on both sides, and everything the
// project's job YAMLs name exists in the secondary; hot/warm → the models the primary's deployments serve exist in
// the secondary; every level → the secondary workspace exists with the data the job YAMLs name (datastores, data
// assets); hot/cold → also every datastore the primary registers. The job YAMLs are checked once, at the strictest
// level the pair file gives.
import { assetLabel, type AssetNeed, type JobNeeds } from '../../failover/needs';
import { mapCompute } from '../../failover/preflight';
import type { Json, ProjectJobs, ReadinessCheck, ReadinessFacts } from '../types';
import { finding, firstFailure, list, sameId, str, unknownFinding, workspaceIdOf } from './common';

type Level = 'hot/hot' | 'hot/warm' | 'hot/cold';
const LEVELS: Level[] = ['hot/hot', 'hot/warm', 'hot/cold'];

export function assets(facts: ReadinessFacts): ReadinessCheck[] {
  const workloads = new Map<Level, string[]>();
  for (const [workload, level] of Object.entries(facts.availability)) {
    if (!LEVELS.includes(level as Level)) continue;
    workloads.set(level as Level, [...(workloads.get(level as Level) ?? []), workload]);
  }
  const who = (level: Level) => (workloads.size ? `${workloads.get(level)!.join(', ')} (${level})` : 'every workload (the pair file gives no availability, so hot/cold is assumed)');
  const levels = workloads.size ? LEVELS.filter((l) => workloads.has(l)) : (['hot/cold'] as Level[]);
  const out: ReadinessCheck[] = [];
  if (workloads.has('hot/hot')) out.push(...hotEndpoints(facts, who('hot/hot')));
  if (workloads.has('hot/warm')) out.push(...warmModels(facts, who('hot/warm')));
  const noWorkspace = secondaryWorkspace(facts, levels.map(who).join('; '));
  if (noWorkspace) return [...out, noWorkspace];
  out.push(...jobAssets(facts, levels[0]!, who(levels[0]!)));
  if (levels.includes('hot/cold')) out.push(...registeredDatastores(facts, who('hot/cold')));
  return out;
}

const succeeded = (x: Json) => (str(x, 'properties.provisioningState') ?? 'Succeeded').toLowerCase() === 'succeeded';

function hotEndpoints(facts: ReadinessFacts, who: string): ReadinessCheck[] {
  const { primary, secondary } = facts;
  const failure = firstFailure(primary.onlineEndpoints, secondary.onlineEndpoints, primary.onlineDeployments, secondary.onlineDeployments);
  if (failure) return [unknownFinding('assets', failure, 'the online endpoints')];
  const mine = primary.onlineEndpoints.ok ? primary.onlineEndpoints.value : [];
  const theirs = secondary.onlineEndpoints.ok ? secondary.onlineEndpoints.value : [];
  const deploymentsOf = (side: typeof primary, endpoint: string) => (side.onlineDeployments.ok ? (Object.entries(side.onlineDeployments.value).find(([k]) => sameId(k, endpoint))?.[1] ?? []) : []);
  if (!mine.length) return [finding('assets', 'pass', `${who}: the primary serves no online endpoints, so none is needed in the secondary.`, '', [workspaceIdOf(primary)])];
  return mine.map((endpoint) => {
    const name = str(endpoint, 'name') ?? '?';
    const id = str(endpoint, 'id');
    const counterpart = theirs.find((e) => sameId(str(e, 'name'), name));
    if (!counterpart) {
      return finding('assets', 'fail', `${who}: online endpoint ${name} exists in the primary but not in the secondary; traffic has nowhere to go after a failover.`, `Create ${name} and its deployments in the secondary (az ml online-endpoint create / online-deployment create with the primary's YAML)`, [id]);
    }
    const problems: string[] = [];
    const mineDeployments = deploymentsOf(primary, name);
    const theirDeployments = deploymentsOf(secondary, name);
    const missing = mineDeployments.filter((d) => !theirDeployments.some((t) => sameId(str(t, 'name'), str(d, 'name')))).map((d) => str(d, 'name') ?? '?');
    const extra = theirDeployments.filter((d) => !mineDeployments.some((t) => sameId(str(t, 'name'), str(d, 'name')))).map((d) => str(d, 'name') ?? '?');
    if (missing.length) problems.push(`deployment${missing.length === 1 ? '' : 's'} ${list(missing)} missing in the secondary`);
    if (extra.length) problems.push(`deployment${extra.length === 1 ? '' : 's'} ${list(extra)} missing in the primary`);
    for (const [side, e, ds] of [['primary', endpoint, mineDeployments], ['secondary', counterpart, theirDeployments]] as const) {
      if (!succeeded(e)) problems.push(`the ${side} endpoint is ${str(e, 'properties.provisioningState')}`);
      for (const d of ds) if (!succeeded(d)) problems.push(`the ${side} deployment ${str(d, 'name')} is ${str(d, 'properties.provisioningState')}`);
    }
    const ids = [id, str(counterpart, 'id')];
    if (problems.length) return finding('assets', 'fail', `${who}: online endpoint ${name}: ${problems.join('; ')}.`, `Deploy the same deployments to ${name} on both sides and wait until each is Succeeded`, ids);
    return finding('assets', 'pass', `${who}: online endpoint ${name} and its deployment${mineDeployments.length === 1 ? '' : 's'} ${list(mineDeployments.map((d) => str(d, 'name') ?? '?')) || '(none)'} are healthy on both sides.`, '', ids);
  });
}

/** `azureml:name:version`, `azureml:name@latest` or an ARM id `…/models/<name>/versions/<v>` → the model's name. */
function modelName(reference: string): string | undefined {
  const arm = /\/models\/([^/]+)(?:\/versions\/[^/]+)?$/i.exec(reference);
  if (arm) return arm[1];
  const short = /^azureml:([^:@/]+)/i.exec(reference);
  return short?.[1];
}

function warmModels(facts: ReadinessFacts, who: string): ReadinessCheck[] {
  const { primary, secondary } = facts;
  const failure = firstFailure(primary.onlineDeployments, secondary.models);
  if (failure) return [unknownFinding('assets', failure, 'the deployed models')];
  const deployed = new Set<string>();
  for (const ds of Object.values(primary.onlineDeployments.ok ? primary.onlineDeployments.value : {})) {
    for (const d of ds) {
      const m = modelName(str(d, 'properties.model') ?? '');
      if (m) deployed.add(m);
    }
  }
  if (!deployed.size) return [finding('assets', 'pass', `${who}: the primary deploys no models, so none is needed in the secondary.`, '', [workspaceIdOf(primary)])];
  const models = secondary.models.ok ? secondary.models.value : [];
  const missing = [...deployed].filter((m) => !models.some((x) => sameId(str(x, 'name'), m)));
  if (missing.length) {
    return [finding('assets', 'fail', `${who}: deployed model${missing.length === 1 ? '' : 's'} ${list(missing)} missing in the secondary; nothing can be deployed there in an outage.`, `Replicate them: aml-failover replicate models --from primary --to secondary${missing.map((m) => ` --name ${m}`).join('')}`, [workspaceIdOf(secondary)])];
  }
  return [finding('assets', 'pass', `${who}: the deployed models ${list([...deployed])} exist in the secondary.`, '', [workspaceIdOf(secondary)])];
}

function secondaryWorkspace(facts: ReadinessFacts, who: string): ReadinessCheck | undefined {
  const { secondary } = facts;
  if (secondary.workspace.ok) return undefined;
  if (secondary.workspace.kind === 'missing') return finding('assets', 'fail', `${who}: the secondary workspace ${secondary.ref.workspace_name} does not exist.`, `Create it in ${secondary.ref.region}`, [workspaceIdOf(secondary)]);
  return unknownFinding('assets', secondary.workspace, 'the secondary workspace');
}

type AssetKind = 'environments' | 'models' | 'data' | 'components';
const ASSET_KINDS: AssetKind[] = ['environments', 'models', 'data', 'components'];
const SINGULAR: Record<AssetKind | 'computes' | 'datastores', string> = { environments: 'environment', models: 'model', data: 'data asset', components: 'component', computes: 'compute', datastores: 'datastore' };
/** What each level needs of the job YAMLs in the secondary: hot/hot everything; the colder levels the data. */
const NEEDED: Record<Level, (keyof JobNeeds)[]> = { 'hot/hot': ['computes', 'environments', 'models', 'data', 'components', 'datastores'], 'hot/warm': ['data', 'datastores'], 'hot/cold': ['data', 'datastores'] };
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Where a named asset lives under its workspace: `environments/sklearn-env/versions/2`, or the container for a latest reference. */
function assetPath(kind: AssetKind, need: AssetNeed): string | undefined {
  if (!SAFE_NAME.test(need.name) || (need.version !== undefined && !SAFE_NAME.test(need.version))) return undefined;
  return `${kind}/${need.name}${need.version ? `/versions/${need.version}` : ''}`.toLowerCase();
}

/** Every asset path the project's job YAMLs name (gather.ts looks each up in both workspaces). */
export function jobAssetPaths(jobs: ProjectJobs): string[] {
  if (jobs.state !== 'read') return [];
  const paths = jobs.jobs.flatMap(({ needs }) => ASSET_KINDS.flatMap((kind) => needs[kind].map((n) => assetPath(kind, n))));
  return [...new Set(paths.filter((p): p is string => Boolean(p)))];
}

interface Need {
  kind: keyof JobNeeds;
  label: string;
  files: string[];
  need: AssetNeed | string;
}

/** What the job YAMLs name, of the kinds the level needs: one entry per asset, with the files naming it. */
function namedByJobs(jobs: { file: string; needs: JobNeeds }[], kinds: (keyof JobNeeds)[]): Need[] {
  const byKey = new Map<string, Need>();
  for (const { file, needs } of jobs) {
    for (const kind of kinds) {
      for (const need of needs[kind] as (AssetNeed | string)[]) {
        const label = typeof need === 'string' ? need : assetLabel(need);
        const k = `${kind}:${label.toLowerCase()}`;
        const entry = byKey.get(k) ?? { kind, label, files: [], need };
        if (!entry.files.includes(file)) entry.files.push(file);
        byKey.set(k, entry);
      }
    }
  }
  return [...byKey.values()];
}

function jobAssets(facts: ReadinessFacts, level: Level, who: string): ReadinessCheck[] {
  const { primary, secondary, projectJobs } = facts;
  const label = `${who}, the project's jobs`;
  if (projectJobs.state !== 'read') return [finding('assets', 'unknown', `Cannot check what the project's jobs need: ${projectJobs.reason}.`, 'Run the check in the project folder (aml-failover readiness --project DIR)', [workspaceIdOf(secondary)])];
  const unreadable = projectJobs.unreadable.length ? ` (${list(projectJobs.unreadable)} could not be read as YAML: aml-failover lint names the problem)` : '';
  const needs = namedByJobs(projectJobs.jobs, NEEDED[level]);
  if (!needs.length) {
    const what = level === 'hot/hot' ? 'no environment, model, data asset, component, compute or datastore' : 'no data asset or datastore';
    return [finding('assets', 'pass', `${label}: ${projectJobs.jobs.length} job file${projectJobs.jobs.length === 1 ? '' : 's'} name${projectJobs.jobs.length === 1 ? 's' : ''} ${what} by reference, so none is needed in the secondary${unreadable}.`, '', [workspaceIdOf(secondary)])];
  }
  const reads = [...new Set(needs.map((n) => n.kind))].map((k) => (k === 'computes' ? secondary.computes : k === 'datastores' ? secondary.datastores : secondary.jobAssets));
  const failure = firstFailure(...reads);
  if (failure) return [unknownFinding('assets', failure, "the secondary's assets the project's jobs name", [workspaceIdOf(secondary)])];
  const lookup = (side: typeof primary, n: Need): string | null | undefined => {
    if (n.kind === 'computes') {
      const name = side === secondary ? mapCompute(n.need as string, facts.computeMap) : (n.need as string);
      const c = side.computes.ok ? side.computes.value.find((x) => sameId(str(x, 'name'), name)) : undefined;
      return side.computes.ok ? (c ? (str(c, 'id') ?? name) : null) : undefined;
    }
    if (n.kind === 'datastores') {
      const d = side.datastores.ok ? side.datastores.value.find((x) => sameId(str(x, 'name'), n.need as string)) : undefined;
      return side.datastores.ok ? (d ? (str(d, 'id') ?? (n.need as string)) : null) : undefined;
    }
    const p = assetPath(n.kind as AssetKind, n.need as AssetNeed);
    return p && side.jobAssets.ok ? side.jobAssets.value[p] : undefined;
  };
  const out: ReadinessCheck[] = [];
  const present: string[] = [];
  const presentIds: string[] = [];
  for (const n of needs) {
    const theirs = lookup(secondary, n);
    if (theirs) {
      present.push(`${SINGULAR[n.kind]} ${n.label}`);
      if (theirs.startsWith('/subscriptions/')) presentIds.push(theirs);
      continue;
    }
    if (theirs === undefined) continue; // a name no ARM path can hold: the linter's concern
    const mine = lookup(primary, n);
    const what = `${SINGULAR[n.kind]} ${n.label}`;
    const usedBy = `which ${list(n.files)} use${n.files.length === 1 ? 's' : ''}`;
    const mapped = n.kind === 'computes' && mapCompute(n.label, facts.computeMap) !== n.label ? ` (mapped to ${mapCompute(n.label, facts.computeMap)} by resubmit.compute)` : '';
    const where = mine ? 'is in the primary but not in the secondary' : mine === null ? 'is in neither workspace' : 'is not in the secondary';
    out.push(finding('assets', 'fail', `${label}: ${what}${mapped}, ${usedBy}, ${where}; those jobs fail there.`, fixFor(n, mine === null), [mine ?? undefined, workspaceIdOf(secondary)]));
  }
  if (!out.length) {
    const files = projectJobs.jobs.length === 1 ? '1 job file names' : `${projectJobs.jobs.length} job files name`;
    out.push(finding('assets', 'pass', `${label}: everything ${files} exists in the secondary: ${list(present, 8)}${unreadable}.`, '', [workspaceIdOf(secondary), ...presentIds]));
  }
  return out;
}

function fixFor(n: Need, inNeither: boolean): string {
  if (inNeither && n.kind !== 'computes') return `Correct ${list(n.files)} (aml-failover lint), or register ${n.label} in both workspaces`;
  switch (n.kind) {
    case 'environments':
    case 'models':
    case 'data':
      return `Replicate it: aml-failover replicate ${n.kind} --from primary --to secondary --name ${n.label}`;
    case 'components':
      return `Register it in the secondary: az ml component create --file <its component YAML> with the secondary's workspace`;
    case 'computes':
      return `Create ${n.label} in the secondary (or map it in aml-failover.yaml: resubmit: {compute: {${n.label}: <secondary compute>}})`;
    default:
      return `Register ${n.label} in the secondary (az ml datastore create), pointing at storage that survives the primary's region`;
  }
}

const BUILT_IN_DATASTORE = /^workspace(blobstore|filestore|artifactstore|workingdirectory)$/i;

/** hot/cold: every datastore the primary registers is registered in the secondary (those the jobs name are checked above). */
function registeredDatastores(facts: ReadinessFacts, who: string): ReadinessCheck[] {
  const { primary, secondary, projectJobs } = facts;
  const failure = firstFailure(primary.datastores, secondary.datastores);
  if (failure) return [unknownFinding('assets', failure, 'the datastores')];
  const named = new Set((projectJobs.state === 'read' ? projectJobs.jobs.flatMap((j) => j.needs.datastores) : []).map((d) => d.toLowerCase()));
  const theirs = secondary.datastores.ok ? secondary.datastores.value : [];
  const registered = (primary.datastores.ok ? primary.datastores.value : []).filter((d) => str(d, 'properties.isDefault') !== 'true' && (d.properties as Json | undefined)?.isDefault !== true && !BUILT_IN_DATASTORE.test(str(d, 'name') ?? ''));
  const needed = registered.filter((d) => !named.has((str(d, 'name') ?? '').toLowerCase()));
  const missing = needed.filter((d) => !theirs.some((t) => sameId(str(t, 'name'), str(d, 'name'))));
  if (missing.length) {
    const names = missing.map((d) => str(d, 'name') ?? '?');
    return [finding('assets', 'fail', `${who}: datastore${names.length === 1 ? '' : 's'} ${list(names)} registered in the primary missing in the secondary; jobs and notebooks reading them fail there.`, `Register ${list(names)} in the secondary (az ml datastore create), pointing at storage that survives the primary's region`, [...missing.map((d) => str(d, 'id')), workspaceIdOf(secondary)])];
  }
  const names = needed.map((d) => str(d, 'name') ?? '?');
  return [finding('assets', 'pass', `${who}: the secondary workspace exists and registers ${names.length ? `the primary's datastores ${list(names)}` : 'every datastore the primary registers (it registers only the built-in ones)'}.`, '', [workspaceIdOf(secondary)])];
}
