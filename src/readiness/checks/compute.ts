// Computes against the secondary region: clusters with a counterpart and their VM size offered there, each user's
// compute instance, and the region's quota for the primary's clusters at their maximum node count.
import type { Json, ReadinessCheck, ReadinessFacts } from '../types';
import { finding, num, sameId, str, unknownFinding, workspaceIdOf } from './common';

const isCluster = (c: Json) => str(c, 'properties.computeType') === 'AmlCompute';
const isInstance = (c: Json) => str(c, 'properties.computeType') === 'ComputeInstance';
const vmSizeOf = (c: Json) => str(c, 'properties.properties.vmSize') ?? '';

/** The secondary compute a primary cluster fails over to: the pair file's `resubmit.compute` mapping, else the same name. */
function counterpartName(facts: ReadinessFacts, name: string): { name: string; mapped: boolean } {
  const mapped = Object.entries(facts.computeMap).find(([from]) => sameId(from, name))?.[1];
  return mapped ? { name: mapped, mapped: true } : { name, mapped: false };
}

/** Every cluster of the primary has a counterpart in the secondary, with its VM size offered in the secondary's region. */
export function compute(facts: ReadinessFacts): ReadinessCheck[] {
  const { primary, secondary } = facts;
  if (!primary.computes.ok) return [unknownFinding('compute', primary.computes, "the primary's computes")];
  const clusters = primary.computes.value.filter(isCluster);
  if (!clusters.length) return [finding('compute', 'pass', 'The primary workspace has no compute clusters.', '', [workspaceIdOf(primary)])];
  if (!secondary.computes.ok) return [unknownFinding('compute', secondary.computes, "the secondary's computes")];
  const out: ReadinessCheck[] = [];
  const sizes = secondary.vmSizes.ok ? secondary.vmSizes.value : undefined;
  for (const cluster of clusters) {
    const name = str(cluster, 'name') ?? '?';
    const size = vmSizeOf(cluster);
    const target = counterpartName(facts, name);
    const counterpart = secondary.computes.value.find((c) => sameId(str(c, 'name'), target.name));
    const id = str(cluster, 'id');
    const via = target.mapped ? ` (mapped to ${target.name} in the pair file's resubmit.compute)` : '';
    if (!counterpart) {
      out.push(finding('compute', 'fail', `Cluster ${name} (${size}) of the primary has no counterpart ${target.name} in the secondary${via}: jobs resubmitted there fail.`, `Create ${target.name} in the secondary (az ml compute create --name ${target.name} --type AmlCompute --size ${size} --max-instances ${num(cluster, 'properties.properties.scaleSettings.maxNodeCount') ?? 1}), or map ${name} to an existing cluster under resubmit.compute in aml-failover.yaml`, [id]));
      continue;
    }
    const counterpartSize = vmSizeOf(counterpart);
    const counterpartId = str(counterpart, 'id');
    if (!sizes) {
      out.push(unknownFinding('compute', secondary.vmSizes as Extract<typeof secondary.vmSizes, { ok: false }>, `the VM sizes offered in ${secondary.ref.region}`, [id, counterpartId]));
      continue;
    }
    const offered = sizes.some((s) => sameId(str(s, 'name'), size));
    if (!offered) {
      out.push(finding('compute', 'fail', `Cluster ${name} uses ${size}, which ${secondary.ref.region} does not offer to Azure Machine Learning.`, `Pick a size that ${secondary.ref.region} offers (az ml compute list-sizes --location ${secondary.ref.region}) for ${target.name}, and check that the jobs run on it`, [id, counterpartId]));
    } else if (!sameId(counterpartSize, size)) {
      out.push(finding('compute', 'warn', `Cluster ${name} of the primary uses ${size}, its counterpart ${target.name}${via} uses ${counterpartSize || 'an unknown size'}.`, `Give ${target.name} the size ${size}, or check that the jobs run on ${counterpartSize}`, [id, counterpartId]));
    } else {
      out.push(finding('compute', 'pass', `Cluster ${name} (${size}) has its counterpart ${target.name} in the secondary${via}.`, '', [id, counterpartId]));
    }
  }
  return out;
}

/** Each user's compute instance in the primary has one in the secondary. */
export function computeInstance(facts: ReadinessFacts): ReadinessCheck[] {
  const { primary, secondary } = facts;
  if (!primary.computes.ok) return [unknownFinding('compute-instance', primary.computes, "the primary's computes")];
  const instances = primary.computes.value.filter(isInstance);
  if (!instances.length) return [finding('compute-instance', 'pass', 'The primary workspace has no compute instances.', '', [workspaceIdOf(primary)])];
  if (!secondary.computes.ok) return [unknownFinding('compute-instance', secondary.computes, "the secondary's computes")];
  const theirs = secondary.computes.value.filter(isInstance);
  const objectId = (c: Json) => str(c, 'properties.properties.personalComputeInstanceSettings.assignedUser.objectId');
  const owner = (c: Json) => objectId(c) ?? str(c, 'systemData.createdBy');
  return instances.map((instance) => {
    const name = str(instance, 'name') ?? '?';
    const user = owner(instance);
    const match = theirs.find((c) => (user && sameId(owner(c), user)) || sameId(str(c, 'name'), name));
    const id = str(instance, 'id');
    if (match) return finding('compute-instance', 'pass', `Compute instance ${name}${user ? ` (${user})` : ''} has ${str(match, 'name')} in the secondary.`, '', [id, str(match, 'id')]);
    const size = vmSizeOf(instance);
    const idle = str(instance, 'properties.properties.idleTimeBeforeShutdown');
    const setup = str(instance, 'properties.properties.setupScripts.scripts.creationScript.scriptSource') ? str(instance, 'properties.properties.setupScripts.scripts.creationScript.scriptData') : undefined;
    const minutes = idle ? isoMinutes(idle) : undefined;
    const command = [`az ml compute create --name ${name} --type ComputeInstance --size ${size}`, minutes ? `--idle-time-before-shutdown-minutes ${minutes}` : '', objectId(instance) ? `--user-object-id ${objectId(instance)}` : ''].filter(Boolean).join(' ');
    return finding('compute-instance', 'warn', `Compute instance ${name}${user ? ` of ${user}` : ''} (${size}) has no counterpart in the secondary: after a failover its user has nowhere to work.`, `Create it from the primary's definition in the secondary: ${command}${setup ? `, with the setup script ${setup}` : ''}`, [id]);
  });
}

/** `PT30M` → 30. */
function isoMinutes(duration: string): number | undefined {
  const m = /^PT(?:(\d+)H)?(?:(\d+)M)?$/i.exec(duration);
  return m ? Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0) : undefined;
}

/** `standardNCFamily`, `Standard NC Family Cluster Dedicated vCPUs` and `Standard_NC_Family_…` name one family. */
function familyKey(family: string): string {
  return family.replace(/\s*Cluster.*$/i, '').replace(/_Cluster_.*$/i, '').toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * The secondary region's quota covers each VM family the primary's clusters use, at their maximum node count: the
 * region's family usage (limit − current) and, where set, the secondary workspace's own quota for that family.
 */
export function quota(facts: ReadinessFacts): ReadinessCheck[] {
  const { primary, secondary } = facts;
  if (!primary.computes.ok) return [unknownFinding('quota', primary.computes, "the primary's computes")];
  const clusters = primary.computes.value.filter(isCluster);
  if (!clusters.length) return [finding('quota', 'pass', 'The primary workspace has no compute clusters: no quota needed.', '', [workspaceIdOf(primary)])];
  for (const read of [secondary.vmSizes, secondary.usages, secondary.quotas]) {
    if (!read.ok) return [unknownFinding('quota', read, `the quota of ${secondary.ref.region}`)];
  }
  const sizes = secondary.vmSizes.ok ? secondary.vmSizes.value : [];
  const usages = secondary.usages.ok ? secondary.usages.value : [];
  const quotas = secondary.quotas.ok ? secondary.quotas.value : [];
  // vCPUs needed per family and priority, all clusters scaled out at once (as when every job is resubmitted).
  const needs = new Map<string, { family: string; priority: string; vcpus: number; clusters: string[]; ids: string[] }>();
  const unsized: string[] = [];
  for (const cluster of clusters) {
    const size = sizes.find((s) => sameId(str(s, 'name'), vmSizeOf(cluster)));
    const name = str(cluster, 'name') ?? '?';
    if (!size) {
      unsized.push(name);
      continue;
    }
    const family = str(size, 'family') ?? '';
    const priority = str(cluster, 'properties.properties.vmPriority') === 'LowPriority' ? 'LowPriority' : 'Dedicated';
    const nodes = num(cluster, 'properties.properties.scaleSettings.maxNodeCount') ?? 1;
    const key = `${familyKey(family)}/${priority}`;
    const need = needs.get(key) ?? { family, priority, vcpus: 0, clusters: [], ids: [] };
    need.vcpus += (num(size, 'vCPUs') ?? 0) * nodes;
    need.clusters.push(`${name} (${nodes} × ${str(size, 'name')})`);
    const id = str(cluster, 'id');
    if (id) need.ids.push(id);
    needs.set(key, need);
  }
  const out: ReadinessCheck[] = [];
  const matching = (items: Json[], need: { family: string; priority: string }) =>
    items.filter((u) => {
      const label = str(u, 'name.value') ?? lastPart(str(u, 'id') ?? '');
      return familyKey(label) === familyKey(need.family) && new RegExp(need.priority === 'LowPriority' ? 'low ?priority' : 'dedicated', 'i').test(label.replace(/_/g, ' '));
    });
  for (const need of needs.values()) {
    const familyUsage = matching(usages, need).find((u) => /vmFamily/i.test(str(u, 'type') ?? '') || !/workspaces?\//i.test(str(u, 'id') ?? ''));
    const workspaceQuota = matching(quotas, need).find((q) => sameId(workspaceOf(str(q, 'id')), secondary.ref.workspace_name));
    const limit = num(familyUsage, 'limit');
    const current = num(familyUsage, 'currentValue') ?? 0;
    const free = limit === undefined ? undefined : limit < 0 ? Infinity : limit - current;
    const wsLimit = num(workspaceQuota, 'limit');
    const label = `${need.family} (${need.priority.toLowerCase()})`;
    const what = `${need.vcpus} vCPUs for ${need.clusters.join(', ')}`;
    if (free === undefined) {
      out.push(finding('quota', 'fail', `${secondary.ref.region} lists no quota for ${label}, needed: ${what}.`, `Request quota for ${need.family} in ${secondary.ref.region} (Azure portal › Azure Machine Learning › Quotas)`, need.ids));
    } else if (free < need.vcpus) {
      out.push(finding('quota', 'fail', `${secondary.ref.region} has ${free} of ${limit} vCPUs free for ${label}; the primary's clusters need ${what}.`, `Request a quota increase for ${need.family} in ${secondary.ref.region} to at least ${current + need.vcpus} vCPUs`, need.ids));
    } else if (wsLimit !== undefined && wsLimit > 0 && wsLimit < need.vcpus) {
      out.push(finding('quota', 'fail', `The secondary workspace's own quota for ${label} is ${wsLimit} vCPUs; the primary's clusters need ${what}.`, `Raise the workspace quota of ${secondary.ref.workspace_name} for ${need.family} to ${need.vcpus}`, need.ids));
    } else {
      out.push(finding('quota', 'pass', `${secondary.ref.region} has ${free === Infinity ? 'unlimited' : free} vCPUs free for ${label}: enough for ${what}.`, '', need.ids));
    }
  }
  if (unsized.length) out.push(finding('quota', 'unknown', `Cannot check: ${unsized.join(', ')} use${unsized.length === 1 ? 's' : ''} a VM size ${secondary.ref.region} does not offer, so its family is unknown there.`, 'Fix the compute check first', []));
  return out;
}

function lastPart(id: string): string {
  return id.split('/').pop() ?? id;
}

/** The workspace name in a workspace-level quota id (`…/workspaces/<name>/quotas/…`). */
function workspaceOf(id: string | undefined): string | undefined {
  return id ? /\/workspaces\/([^/]+)\//i.exec(id)?.[1] : undefined;
}

