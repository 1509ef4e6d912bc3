// How an interrupted job is submitted again in the target, decided in pure code: its new name (job names cannot be
// reused), its tags (kept, plus where it came from), and its definition — the CLI v2 YAML the export wrote (src/jobs)
// — with every reference to the source workspace rewritten — ARM ids to the target's, pinned datastore URIs to their
// portable form (the linter's fix) — and its computes mapped. The jobs library's submit path applies it as the job's
// `edit` and carries the code, components and inline environments across.
import { findPinnedReferences } from '../lint/references';
import { workspaceArmId, type WorkspaceRef } from '../pair/pairFile';
import { mapCompute } from './preflight';

export const RESUBMITTED_FROM_TAG = 'aml-failover.resubmitted-from';
export const DRILL_TAG = 'aml-failover.drill';

/**
 * The job as the source (or a backup) describes it: ARM id, name and definition — the service's properties (JobBase)
 * from a live listing, the exported CLI YAML from a backup; needs.ts reads both.
 */
export interface SourceJob {
  id: string;
  name: string;
  properties: Record<string, unknown>;
}

export interface ResubmitPlan {
  sourceId: string;
  sourceName: string;
  name: string;
  /** The job's CLI YAML, as it is submitted in the target. */
  doc: Record<string, unknown>;
  /** What was rewritten, one line each ("computeId: gpu-cluster → cpu-cluster"). */
  rewritten: string[];
}

export interface PlanOptions {
  suffix: string;
  computeMap: Readonly<Record<string, string>>;
  drillId?: string;
}

/** Names are ≤ 255 characters of letters, digits, '-' and '_' in Azure ML: keep the suffix, shorten the stem. */
export function resubmittedName(name: string, suffix: string): string {
  const tail = `-${suffix}`;
  return name.slice(0, 255 - tail.length) + tail;
}

/** A short suffix from the time (base 36 of the minute): the same job resubmitted in another minute gets another. */
export function defaultSuffix(now = Date.now()): string {
  return `fo${Math.floor(now / 60_000).toString(36)}`;
}

/** `doc` is the job's CLI v2 YAML as exported (src/jobs/toCli.ts), parsed. */
export function planResubmission(job: Pick<SourceJob, 'id' | 'name'>, doc: Record<string, unknown>, source: WorkspaceRef, target: WorkspaceRef, options: PlanOptions): ResubmitPlan {
  const rewritten: string[] = [];
  const sourcePrefix = workspaceArmId(source);
  const targetPrefix = workspaceArmId(target);
  const rewrite = (value: unknown, path: string): unknown => {
    if (typeof value === 'string') {
      const next = rewriteString(value, path, sourcePrefix, targetPrefix, options.computeMap);
      if (next !== value) rewritten.push(`${path}: ${value} → ${next}`);
      return next;
    }
    if (Array.isArray(value)) return value.map((v, i) => rewrite(v, `${path}[${i}]`));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, rewrite(v, path ? `${path}.${k}` : k)]));
    }
    return value;
  };
  const { tags: ownTags, ...rest } = doc;
  const out = rewrite(rest, '') as Record<string, unknown>;
  // The job's own tags are kept as they are (a tag may well mention the source); the resubmission adds its own.
  const tags: Record<string, string> = { ...((ownTags as Record<string, string> | undefined) ?? {}), [RESUBMITTED_FROM_TAG]: job.id };
  if (options.drillId) tags[DRILL_TAG] = options.drillId;
  out.tags = tags;
  if (out.display_name === undefined) out.display_name = job.name;
  return { sourceId: job.id, sourceName: job.name, name: resubmittedName(job.name, options.suffix), doc: out, rewritten };
}

function rewriteString(value: string, path: string, sourcePrefix: string, targetPrefix: string, computeMap: Readonly<Record<string, string>>): string {
  let out = value;
  // Datastore URIs pinned to the source: the linter's portable spelling (azureml://datastores/…).
  for (const m of findPinnedReferences(out).reverse()) {
    if (m.portableKind === 'datastore-uri' && m.portable && sameWorkspace(m.pinned, sourcePrefix)) {
      out = out.slice(0, m.start) + m.portable + out.slice(m.end);
    }
  }
  // ARM ids of the source workspace's assets: the same asset in the target.
  const lower = out.toLowerCase();
  const at = lower.indexOf(sourcePrefix.toLowerCase());
  if (at >= 0) out = out.slice(0, at) + targetPrefix + out.slice(at + sourcePrefix.length);
  // Computes: by name, or as the pair file maps them.
  out = out.replace(/(\/computes\/)([^/\s"']+)/i, (_all, pre: string, name: string) => pre + mapCompute(name, computeMap));
  const key = path.split('.').at(-1)?.toLowerCase() ?? '';
  if (/^(compute|default_?compute)$/.test(key)) {
    out = out.replace(/^(azureml:)?([A-Za-z0-9][A-Za-z0-9_-]*)$/, (_all, scheme: string | undefined, name: string) => (scheme ?? '') + mapCompute(name, computeMap));
  }
  return out;
}

function sameWorkspace(pinned: { subscription?: string; resourceGroup?: string; workspace?: string }, sourcePrefix: string): boolean {
  const p = sourcePrefix.toLowerCase();
  return Boolean(pinned.workspace && p.endsWith(`/workspaces/${pinned.workspace.toLowerCase()}`) && (!pinned.resourceGroup || p.includes(`/resourcegroups/${pinned.resourceGroup.toLowerCase()}/`)));
}
