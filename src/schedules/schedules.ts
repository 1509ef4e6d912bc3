// Schedules (Azure ML recurring jobs) in the pair: list them, copy them into the other workspace disabled, and hand
// the running ones over so that a pipeline never runs in both regions. The failover runbook hands over from the
// source to the target after the switch; fail back hands them back.
import type { Schedule } from '@azure/arm-machinelearning';
import type { AzureConnection } from '../azure/connection';
import { armGet, armPut } from '../azure/arm';
import { unlessNotFound } from '../azure/notFound';
import { errorMessage } from '../common/errors';
import type { Logger } from '../common/logger';
import { workspaceArmId, type WorkspaceRef } from '../pair/pairFile';
import { ENABLED_IN_SOURCE_TAG, planHandover, type ScheduleRecord, retargetIds, scheduleFingerprint, sourceFromCopies, withoutStateFields, type HandoverOp, type ScheduleState } from './handover';

type Json = Record<string, unknown>;

export interface ScheduleInfo extends ScheduleState {
  /** One line for people: `cron 0 2 * * * (UTC)` or `every 1 Week`. */
  trigger: string;
  /** `CreateJob` or `InvokeBatchEndpoint`. */
  action: string;
  properties: Json;
}

export async function listSchedules(conn: AzureConnection, ws: WorkspaceRef): Promise<ScheduleInfo[]> {
  const ml = await conn.ml(ws.subscription_id);
  const out: ScheduleInfo[] = [];
  for await (const s of ml.schedules.list(ws.resource_group, ws.workspace_name, { listViewType: 'All' })) out.push(toInfo(s));
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

function toInfo(s: Schedule): ScheduleInfo {
  const properties = s.properties as unknown as Json;
  return {
    name: s.name ?? '',
    enabled: Boolean(s.properties.isEnabled),
    fingerprint: scheduleFingerprint(properties),
    trigger: describeTrigger(properties.trigger as Json | undefined),
    action: String((properties.action as Json | undefined)?.actionType ?? ''),
    properties,
  };
}

export function describeTrigger(t: Json | undefined): string {
  if (!t) return 'no trigger';
  const tz = t.timeZone ? ` (${String(t.timeZone)})` : '';
  if (t.triggerType === 'Cron') return `cron ${String(t.expression)}${tz}`;
  if (t.triggerType === 'Recurrence') return `every ${String(t.interval)} ${String(t.frequency)}${tz}`;
  return String(t.triggerType);
}

/** Turns a schedule on or off, keeping the rest of it (what `az ml schedule enable|disable` sends). */
export async function setScheduleEnabled(conn: AzureConnection, ws: WorkspaceRef, name: string, enabled: boolean): Promise<void> {
  const id = scheduleId(ws, name);
  const current = (await armGet(conn, id, { apiVersion: SCHEDULES_API })) as { properties: Json };
  await putSchedule(conn, id, { ...withoutStateFields(current.properties), isEnabled: enabled });
}

/** Schedules are written as raw ARM JSON: the typed SDK client drops job inputs' `uri` and `mode` (see armPut). */
const SCHEDULES_API = '2022-10-01';
const scheduleId = (ws: WorkspaceRef, name: string) => `${workspaceArmId(ws)}/schedules/${name}`;
const putSchedule = (conn: AzureConnection, id: string, properties: Json) => armPut(conn, id, { properties }, { apiVersion: SCHEDULES_API });

export type CopyOutcome = { name: string; status: 'created' | 'unchanged' | 'conflict' | 'failed'; reason?: string };

/** One line per schedule copied, restored or replicated: `created   nightly-retrain` (what both CLIs print). */
export const describeCopy = (c: CopyOutcome): string => `${c.status.padEnd(9)} ${c.name}${c.reason ? ` — ${c.reason}` : ''}`;

/**
 * Copies schedules into `to`, **disabled** unless `enabled` says otherwise, their workspace ids pointed at the target
 * (computes through `computeMap`). A schedule of that name already there doing the same is unchanged; doing
 * something else is a conflict, never overwritten.
 */
export async function copySchedules(
  conn: AzureConnection,
  from: WorkspaceRef,
  to: WorkspaceRef,
  options: { names?: string[]; computeMap?: Record<string, string>; logger: Logger; enabled?: boolean; tags?: Record<string, string> },
): Promise<CopyOutcome[]> {
  const wanted = options.names?.map((n) => n.toLowerCase());
  const source = (await listSchedules(conn, from)).filter((s) => !wanted || wanted.includes(s.name.toLowerCase()));
  return placeSchedules(conn, source, to, options);
}

/**
 * Puts schedules as their workspace held them (listed live by `copySchedules`, or read from a backup by restore) into
 * `to`, as `copySchedules` says; with `plan`, decides and writes nothing.
 */
export async function placeSchedules(
  conn: AzureConnection,
  source: readonly ScheduleRecord[],
  to: WorkspaceRef,
  options: { computeMap?: Record<string, string>; logger: Logger; enabled?: boolean; plan?: boolean; tags?: Record<string, string> },
): Promise<CopyOutcome[]> {
  const target = new Map((await listSchedules(conn, to)).map((s) => [s.name.toLowerCase(), s]));
  const out: CopyOutcome[] = [];
  for (const s of source) {
    const properties = retargetIds(s.properties, workspaceArmId(to), options.computeMap);
    const there = target.get(s.name.toLowerCase());
    const tags = { ...((properties.tags as Json | undefined) ?? {}), [ENABLED_IN_SOURCE_TAG]: String(s.enabled) };
    if (there) {
      if (there.fingerprint !== scheduleFingerprint(properties)) {
        out.push({ name: s.name, status: 'conflict', reason: 'a schedule of that name exists there with another trigger or job' });
        continue;
      }
      // Same schedule: only the record of the source's state is brought up to date.
      const thereTags = (there.properties.tags as Json | undefined) ?? {};
      if (thereTags[ENABLED_IN_SOURCE_TAG] !== tags[ENABLED_IN_SOURCE_TAG] && !options.plan) {
        await putSchedule(conn, scheduleId(to, there.name), { ...withoutStateFields(there.properties), isEnabled: there.enabled, tags: { ...thereTags, [ENABLED_IN_SOURCE_TAG]: tags[ENABLED_IN_SOURCE_TAG] } });
      }
      out.push({ name: s.name, status: 'unchanged' });
      continue;
    }
    const writable = withoutStateFields(properties);
    try {
      if (!options.plan) {
        await putSchedule(conn, scheduleId(to, s.name), { ...writable, tags: { ...tags, ...options.tags }, isEnabled: options.enabled ?? false });
        options.logger.info(`schedules: created ${s.name} in ${to.workspace_name} (${options.enabled ? 'enabled' : 'disabled'})`);
      }
      out.push({ name: s.name, status: 'created' });
    } catch (err) {
      out.push({ name: s.name, status: 'failed', reason: errorMessage(err) });
    }
  }
  return out;
}

export interface HandoverResult {
  /** What was done, in order. */
  done: HandoverOp[];
  /** Enabled in the source and absent from the target: not handed over. */
  missing: string[];
  /** Still enabled in the source because it could not be reached: disable them when it recovers. */
  leftEnabledInSource: string[];
  failed: { op: HandoverOp; error: string }[];
}

/**
 * Hands the enabled schedules of `from` over to `to` (see `planHandover`): disables them in the source first, then
 * enables them in the target. With `sourceReachable: false` the source is never sent anything: what it held comes
 * from `sourceSchedules` (e.g. a backup's record) or else from the tag each copy carries (`ENABLED_IN_SOURCE_TAG`). A schedule whose disable fails is not enabled in the target: this function
 * never leaves one enabled on both sides.
 */
export async function handOverSchedules(
  conn: AzureConnection,
  from: WorkspaceRef,
  to: WorkspaceRef,
  options: { sourceReachable: boolean; sourceSchedules?: ScheduleState[]; names?: string[]; logger: Logger },
): Promise<HandoverResult> {
  const target = await listSchedules(conn, to);
  const wanted = options.names?.map((n) => n.toLowerCase());
  const source = (options.sourceSchedules ?? (options.sourceReachable ? await listSchedules(conn, from) : sourceFromCopies(target))).filter((s) => !wanted || wanted.includes(s.name.toLowerCase()));
  const plan = planHandover(source, target, { sourceReachable: options.sourceReachable });
  const result: HandoverResult = { done: [], missing: plan.missing, leftEnabledInSource: [], failed: [] };
  if (!options.sourceReachable) result.leftEnabledInSource = source.filter((s) => s.enabled && !plan.missing.includes(s.name)).map((s) => s.name);
  // Disables first; a schedule is enabled in the target only once it is off in the source (or the source is down).
  const offInSource = new Set<string>();
  for (const op of plan.ops) {
    if (op.op === 'enable' && options.sourceReachable && !offInSource.has(op.name.toLowerCase())) continue;
    const ws = op.where === 'from' ? from : to;
    try {
      await setScheduleEnabled(conn, ws, op.name, op.op === 'enable');
      options.logger.info(`schedules: ${op.op}d ${op.name} in ${ws.workspace_name}`);
      result.done.push(op);
      if (op.op === 'disable') offInSource.add(op.name.toLowerCase());
    } catch (err) {
      result.failed.push({ op, error: errorMessage(err) });
    }
  }
  return result;
}

/** The schedule of that name, or undefined. */
export async function getSchedule(conn: AzureConnection, ws: WorkspaceRef, name: string): Promise<ScheduleInfo | undefined> {
  const ml = await conn.ml(ws.subscription_id);
  const s = await unlessNotFound(ml.schedules.get(ws.resource_group, ws.workspace_name, name));
  return s ? toInfo(s) : undefined;
}

/** Deletes a schedule (a drill's copy, on clean-up); one already gone is not an error. */
export async function deleteSchedule(conn: AzureConnection, ws: WorkspaceRef, name: string): Promise<void> {
  const ml = await conn.ml(ws.subscription_id);
  await unlessNotFound(ml.schedules.beginDeleteAndWait(ws.resource_group, ws.workspace_name, name, { updateIntervalInMs: 500 }));
}
