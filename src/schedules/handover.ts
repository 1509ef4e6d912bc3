// Pure core of schedule handover: which schedules to copy, disable and enable so that a recurring job never runs
// in both workspaces. A schedule is the ARM Schedule (properties.isEnabled, trigger, action.jobDefinition).

/** What the handover needs to know of one schedule. */
export interface ScheduleState {
  name: string;
  enabled: boolean;
  /** Comparable form of what the schedule does (trigger + action with workspace ids made relative), see `scheduleFingerprint`. */
  fingerprint: string;
}

export type HandoverOp =
  | { op: 'disable'; where: 'from' | 'to'; name: string }
  | { op: 'enable'; where: 'from' | 'to'; name: string };

export interface HandoverPlan {
  /** In order: every disable comes before any enable, so no moment has a schedule enabled on both sides. */
  ops: HandoverOp[];
  /** Enabled in the source but absent from the target: they cannot run anywhere after the handover (copy them first). */
  missing: string[];
}

/**
 * Hands the running schedules over from `from` to `to`: each schedule enabled in the source is disabled there and
 * enabled in the target (where it must exist); the target's own schedules that are enabled but not enabled in the
 * source are left alone. `sourceReachable: false` (the source region is down) plans no source writes: the caller
 * reports the source's schedules as still enabled there, to be disabled when it recovers.
 */
export function planHandover(from: ScheduleState[], to: ScheduleState[], options: { sourceReachable: boolean }): HandoverPlan {
  const target = new Map(to.map((s) => [s.name.toLowerCase(), s]));
  const ops: HandoverOp[] = [];
  const enables: HandoverOp[] = [];
  const missing: string[] = [];
  for (const s of from.filter((x) => x.enabled)) {
    const there = target.get(s.name.toLowerCase());
    if (!there) {
      missing.push(s.name);
      continue;
    }
    if (options.sourceReachable) ops.push({ op: 'disable', where: 'from', name: s.name });
    if (!there.enabled) enables.push({ op: 'enable', where: 'to', name: there.name });
  }
  return { ops: [...ops, ...enables], missing };
}

/** Names enabled on both sides: what a handover must never leave behind. */
export function enabledOnBoth(a: ScheduleState[], b: ScheduleState[]): string[] {
  const on = new Set(b.filter((s) => s.enabled).map((s) => s.name.toLowerCase()));
  return a.filter((s) => s.enabled && on.has(s.name.toLowerCase())).map((s) => s.name);
}

type Json = Record<string, unknown>;

/**
 * What a schedule does, without what differs by workspace or by state: `isEnabled`, provisioning state, tags and the
 * workspace prefix of ARM ids (`/subscriptions/…/workspaces/<ws>/computes/x` → `computes/x`).
 */
export function scheduleFingerprint(properties: Json): string {
  const rest = Object.fromEntries(Object.entries(withoutStateFields(properties)).filter(([k]) => k !== 'tags'));
  return JSON.stringify(sortKeys(rest), (_k, v: unknown) => (typeof v === 'string' ? relativeToWorkspace(v) : v));
}

/** The properties a client may send back: without `isEnabled` and the service's `provisioningState`. */
export function withoutStateFields(properties: Json): Json {
  return Object.fromEntries(Object.entries(properties).filter(([k]) => k !== 'isEnabled' && k !== 'provisioningState'));
}

/**
 * The tag a copy carries: whether the schedule was enabled in the workspace it was copied from, so that a handover
 * while that workspace is down knows what to enable.
 */
export const ENABLED_IN_SOURCE_TAG = 'aml-failover.enabled-in-source';

/**
 * What the source held, as recorded on the target's copies (for a handover while the source is down): a copy tagged
 * as enabled in the source stands for an enabled source schedule.
 */
export function sourceFromCopies(target: (ScheduleState & { properties: Json })[]): ScheduleState[] {
  return target.map((s) => ({ ...s, enabled: ((s.properties.tags as Json | undefined) ?? {})[ENABLED_IN_SOURCE_TAG] === 'true' }));
}

/** `/subscriptions/s/resourceGroups/g/providers/Microsoft.MachineLearningServices/workspaces/w/<rest>` → `<rest>`. */
export function relativeToWorkspace(value: string): string {
  const m = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/[^/]+\/(.+)$/i.exec(value);
  return m ? m[1] : value;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    return Object.fromEntries(Object.keys(v as Json).sort().map((k) => [k, sortKeys((v as Json)[k])]));
  }
  return v instanceof Date ? v.toISOString() : v;
}

/**
 * Rewrites every workspace-scoped ARM id in a schedule's properties from the source workspace to the target's
 * (computes renamed through `computeMap` when given).
 */
export function retargetIds(properties: Json, targetWorkspaceId: string, computeMap: Record<string, string> = {}): Json {
  return JSON.parse(JSON.stringify(properties), (_k, v: unknown) => {
    if (typeof v !== 'string') return v;
    const rel = relativeToWorkspace(v);
    if (rel === v) return v;
    const compute = /^computes\/([^/]+)$/i.exec(rel);
    const mapped = compute && computeMap[compute[1]] ? `computes/${computeMap[compute[1]]}` : rel;
    return `${targetWorkspaceId}/${mapped}`;
  }) as Json;
}

/** What Azure ML accepts as a schedule name; a name from a backup must be one before it is put into an ARM id. */
const SCHEDULE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/;

/** A schedule as its workspace held it: listed live, or read back from an export (`schedules/<name>.json`). */
export interface ScheduleRecord {
  name: string;
  /** Whether it was enabled there (the export keeps `isEnabled`). */
  enabled: boolean;
  properties: Json;
}

/**
 * The file an export writes for one schedule: its name and ARM properties as the service gave them (workspace ids
 * and `isEnabled` kept, for restore to retarget and record), without the service's `provisioningState`.
 */
export function scheduleFile(name: string, properties: Json): string {
  const kept = Object.fromEntries(Object.entries(properties).filter(([k]) => k !== 'provisioningState'));
  return `${JSON.stringify({ name, properties: sortKeys(kept) }, null, 2)}\n`;
}

/** Reads a file `scheduleFile` wrote (untrusted: a backup may have been edited); throws saying what is wrong. */
export function parseScheduleFile(text: string): ScheduleRecord {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`not valid JSON (${(err as Error).message})`);
  }
  const d = doc as { name?: unknown; properties?: unknown } | null;
  if (!d || typeof d !== 'object' || Array.isArray(d)) throw new Error('not a schedule ({"name", "properties"})');
  if (typeof d.name !== 'string' || !SCHEDULE_NAME.test(d.name) || d.name.includes('..')) throw new Error(`its name ${JSON.stringify(d.name)} is not a schedule name (letters, digits, "-", "_", ".")`);
  const p = d.properties as Json | undefined;
  if (!p || typeof p !== 'object' || Array.isArray(p)) throw new Error(`schedule ${d.name} has no properties`);
  if (!p.trigger || typeof p.trigger !== 'object' || !p.action || typeof p.action !== 'object') throw new Error(`schedule ${d.name} has no trigger or action`);
  if (p.tags !== undefined && (typeof p.tags !== 'object' || p.tags === null || Array.isArray(p.tags))) throw new Error(`schedule ${d.name}: tags is not a mapping`);
  return { name: d.name, enabled: p.isEnabled === true, properties: p };
}
