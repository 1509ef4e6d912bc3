// What the project's jobs and endpoints need in the secondary, by the pair file's availability per workload:
// hot/hot → the online endpoints and their deployments exist and are healthy on both sides; hot/warm → the models
// the primary's deployments serve exist in the secondary; hot/cold → the workspace and the datastores it needs.
import type { Json, ReadinessCheck, ReadinessFacts } from '../types';
import { finding, firstFailure, list, sameId, str, unknownFinding, workspaceIdOf } from './common';

type Level = 'hot/hot' | 'hot/warm' | 'hot/cold';
const LEVELS: Level[] = ['hot/hot', 'hot/warm', 'hot/cold'];

export function assets(facts: ReadinessFacts): ReadinessCheck[] {
  const workloads = new Map<Level, string[]>();
  for (const [workload, level] of Object.entries(facts.availability)) {
    if (!LEVELS.includes(level as Level)) continue;
    workloads.set(level as Level, [...(workloads.get(level as Level) ?? []), workload]);
  }
  if (!workloads.size) {
    const checked = coldAssets(facts, 'every workload (the pair file gives no availability, so hot/cold is assumed)');
    return checked;
  }
  const out: ReadinessCheck[] = [];
  for (const level of LEVELS) {
    const names = workloads.get(level);
    if (!names) continue;
    const who = `${names.join(', ')} (${level})`;
    if (level === 'hot/hot') out.push(...hotEndpoints(facts, who));
    else if (level === 'hot/warm') out.push(...warmModels(facts, who));
    else out.push(...coldAssets(facts, who));
  }
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

function coldAssets(facts: ReadinessFacts, who: string): ReadinessCheck[] {
  const { primary, secondary } = facts;
  if (!secondary.workspace.ok) {
    if (secondary.workspace.kind === 'missing') return [finding('assets', 'fail', `${who}: the secondary workspace ${secondary.ref.workspace_name} does not exist.`, `Create it in ${secondary.ref.region}`, [workspaceIdOf(secondary)])];
    return [unknownFinding('assets', secondary.workspace, 'the secondary workspace')];
  }
  const failure = firstFailure(primary.datastores, secondary.datastores);
  if (failure) return [unknownFinding('assets', failure, 'the datastores')];
  const theirs = secondary.datastores.ok ? secondary.datastores.value : [];
  const needed = (primary.datastores.ok ? primary.datastores.value : []).filter((d) => str(d, 'properties.isDefault') !== 'true' && (d.properties as Json | undefined)?.isDefault !== true && !/^workspace(blobstore|filestore|artifactstore|workingdirectory)$/i.test(str(d, 'name') ?? ''));
  const missing = needed.filter((d) => !theirs.some((t) => sameId(str(t, 'name'), str(d, 'name')))).map((d) => str(d, 'name') ?? '?');
  if (missing.length) {
    return [finding('assets', 'fail', `${who}: datastore${missing.length === 1 ? '' : 's'} ${list(missing)} of the primary missing in the secondary; jobs reading them fail there.`, `Register ${list(missing)} in the secondary (az ml datastore create), pointing at storage that survives the primary's region`, [workspaceIdOf(secondary)])];
  }
  return [finding('assets', 'pass', `${who}: the secondary workspace exists with the datastores the primary's jobs use.`, '', [workspaceIdOf(secondary)])];
}
