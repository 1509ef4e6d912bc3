// Fail back: once the primary is healthy again after a failover, bring back what was made in the secondary since,
// stop the originals the healed primary restarted, hand the schedules back, switch the config back and report —
// the failover runbook in reverse, over the same engine (runbook.ts) and the same workspace operations.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { realTargetWithin, writeFileAtomic } from '../common/atomicWrite';
import type { Logger } from '../common/logger';
import type { PairConfig, Role, WorkspaceRef } from '../pair/pairFile';
import { handOverSchedules } from '../schedules/schedules';
import type { AzureConnection } from '../azure/connection';
import { UNFINISHED_STATES } from './interrupted';
import { NOT_CARRIED_OVER, reportBasics, type FailoverReport } from './report';
import { RESUBMITTED_FROM_TAG } from './resubmitPlan';
import type { RunbookRecord, RunbookStep } from './runbook';
import { STATE_DIR, type SnapshotJob } from './backups';
import { reportStep, stillPointingStep, switchStep } from './commonSteps';
import type { WorkspaceOps } from './workspaceOps';

/** What the project remembers of its last failover (or drill), so fail back knows since when and which way. */
export interface FailoverMark {
  kind: 'failover' | 'drill';
  from: Role;
  to: Role;
  startedAt: string;
  drillId?: string;
}

const MARK_FILE = 'last-failover.json';

export async function saveFailoverMark(projectDir: string, mark: FailoverMark): Promise<void> {
  const file = path.join(projectDir, STATE_DIR, MARK_FILE);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(await realTargetWithin(projectDir, file), JSON.stringify(mark, null, 2) + '\n');
}

export async function loadFailoverMark(projectDir: string): Promise<FailoverMark | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path.join(projectDir, STATE_DIR, MARK_FILE), 'utf8');
  } catch {
    return undefined;
  }
  const m = JSON.parse(text) as Partial<FailoverMark>;
  const role = (r: unknown): r is Role => r === 'primary' || r === 'secondary';
  if (!role(m.from) || !role(m.to) || typeof m.startedAt !== 'string' || Number.isNaN(Date.parse(m.startedAt))) {
    throw new Error(`${STATE_DIR}/${MARK_FILE} is not a failover record; give --since.`);
  }
  return m as FailoverMark;
}

/** A version made in the workspace after `since`. */
export interface NewVersion {
  kind: 'model' | 'environment' | 'data';
  name: string;
  version: string;
  createdAt: string;
}

/** An original job of the primary that a resubmitted job in the secondary stands for, and what the primary says of it. */
export interface OriginalJob {
  name: string;
  id: string;
  status: string;
  /** The job in the secondary that carries the tag. */
  resubmittedAs: string;
}

export interface FailbackOptions {
  projectDir: string;
  pair: PairConfig;
  /** Where the work is now (the failover's target). */
  from: Role;
  /** Where it goes back to (the healed workspace). */
  to: Role;
  since: string;
  ops: WorkspaceOps;
  conn: AzureConnection;
  logger: Logger;
  /** Model, environment and data versions made in `ws` after `since`. */
  newVersions(ws: WorkspaceRef, since: string, signal: AbortSignal): Promise<NewVersion[]>;
  /** Copies those versions into the healed workspace; one summary line each, conflicts reported, never overwritten. */
  bringBack(versions: NewVersion[], signal: AbortSignal): Promise<{ lines: string[]; conflicts: string[] }>;
  /** Copies notebooks changed in `from` since `since` (live to live, conflicts never overwritten). */
  bringNotebooks?(since: string, signal: AbortSignal): Promise<{ lines: string[]; conflicts: string[] }>;
  /** Which active originals to cancel (the adapters' question); default all. */
  chooseCancel?(jobs: OriginalJob[]): Promise<OriginalJob[]>;
  updateAzureCliDefaults?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface FailbackState {
  versions: NewVersion[];
  originals: OriginalJob[];
  cancelled: string[];
  conflicts: string[];
  stillPointing: string[];
}

const ACTIVE = new Set(UNFINISHED_STATES.map((s) => s.toLowerCase()));

/** The originals behind `tagged` jobs of the secondary, as the primary lists them; only those still active. */
export function activeOriginals(tagged: readonly SnapshotJob[], primaryJobs: readonly SnapshotJob[]): OriginalJob[] {
  const byId = new Map(primaryJobs.map((j) => [j.id.toLowerCase(), j]));
  const out: OriginalJob[] = [];
  for (const j of tagged) {
    const from = ((j.properties.tags ?? {}) as Record<string, string>)[RESUBMITTED_FROM_TAG];
    const original = from ? byId.get(from.toLowerCase()) : undefined;
    if (original && ACTIVE.has(original.status.toLowerCase())) out.push({ name: original.name, id: original.id, status: original.status, resubmittedAs: j.name });
  }
  return out;
}

export function failbackSteps(o: FailbackOptions): { steps: RunbookStep[]; state: FailbackState } {
  const here = o.pair.workspaces[o.from];
  const home = o.pair.workspaces[o.to];
  const state: FailbackState = { versions: [], originals: [], cancelled: [], conflicts: [], stillPointing: [] };

  const preflight: RunbookStep = {
    id: 'preflight',
    title: 'Pre-flight',
    plan: () => `Check that ${home.workspace_name} (${home.region}) answers again and you can use it, and list what was made in ${here.workspace_name} since ${o.since}. Nothing is changed.`,
    run: async ({ signal }) => {
      const reach = await o.ops.reach(home, signal);
      if (reach.state !== 'healthy') throw new Error(`The ${o.to} workspace ${home.workspace_name} is not back yet (${reach.state}: ${reach.reason}). Nothing was changed; fail back once it is healthy.`);
      state.versions = await o.newVersions(here, o.since, signal);
      const [hereJobs, homeJobs] = await Promise.all([o.ops.jobs(here, signal), o.ops.jobs(home, signal)]);
      state.originals = activeOriginals(hereJobs, homeJobs);
      return {
        summary: `${home.workspace_name} is healthy; ${state.versions.length} version(s) made in ${here.workspace_name} since the failover; ${state.originals.length} original job(s) active again in ${home.workspace_name}.`,
        details: [...state.versions.map((v) => `new in ${o.from}: ${v.kind} ${v.name}:${v.version} (${v.createdAt})`), ...state.originals.map((j) => `active in ${o.to}: ${j.name} (${j.status}), resubmitted as ${j.resubmittedAs}`)],
      };
    },
  };

  const bringBack: RunbookStep = {
    id: 'bring-back',
    title: 'Bring work back',
    plan: () => `Copy into ${home.workspace_name} the model, environment and data versions made in ${here.workspace_name} since the failover${o.bringNotebooks ? ', and the notebooks changed there' : ''}. A version or file that exists there with other content is reported, never overwritten.`,
    run: async ({ signal, progress }) => {
      const details: string[] = [];
      if (state.versions.length) {
        progress(`copying ${state.versions.length} version(s)`);
        const r = await o.bringBack(state.versions, signal);
        details.push(...r.lines);
        state.conflicts.push(...r.conflicts);
      }
      if (o.bringNotebooks) {
        progress('copying changed notebooks');
        const r = await o.bringNotebooks(o.since, signal);
        details.push(...r.lines);
        state.conflicts.push(...r.conflicts);
      }
      return {
        summary: `Brought back ${state.versions.length} version(s)${o.bringNotebooks ? ' and the changed notebooks' : ''}; ${state.conflicts.length} conflict(s) left for you.`,
        details,
        skipped: state.conflicts.map((c) => ({ what: c, why: 'exists in the primary with other content; not overwritten' })),
      };
    },
  };

  const cancelOriginals: RunbookStep = {
    id: 'cancel-originals',
    title: 'Cancel the originals',
    plan: () => `Cancel in ${home.workspace_name} the original jobs that the healed region restarted and that already run in ${here.workspace_name}: ${state.originals.map((j) => j.name).join(', ')}.`,
    skipReason: () => (state.originals.length ? undefined : `No original job is active in ${home.workspace_name}.`),
    run: async ({ signal }) => {
      const chosen = o.chooseCancel ? await o.chooseCancel(state.originals) : state.originals;
      for (const j of chosen) {
        await o.ops.cancelJob(home, j.name, signal);
        state.cancelled.push(j.name);
      }
      const kept = state.originals.filter((j) => !chosen.includes(j));
      return {
        summary: `Cancelled ${chosen.length} original job(s) in ${home.workspace_name}.`,
        details: chosen.map((j) => `cancelled ${j.name} (was ${j.status}; its work continues as ${j.resubmittedAs} in ${o.from})`),
        skipped: kept.map((j) => ({ what: `cancelling ${j.name}`, why: 'you chose to keep it' })),
      };
    },
  };

  const schedules: RunbookStep = {
    id: 'schedules',
    title: 'Hand the schedules back',
    plan: () => `Disable the enabled schedules in ${here.workspace_name}, then enable them in ${home.workspace_name}: no schedule runs in both.`,
    run: async () => {
      const r = await handOverSchedules(o.conn, here, home, { sourceReachable: true, logger: o.logger });
      if (r.failed.length) throw new Error(`Schedules not handed back: ${r.failed.map((f) => `${f.op.op} ${f.op.name}: ${f.error}`).join('; ')}.`);
      return {
        summary: `${r.done.filter((d) => d.op === 'enable').length} schedule(s) enabled in ${home.workspace_name}, ${r.done.filter((d) => d.op === 'disable').length} disabled in ${here.workspace_name}.`,
        details: r.done.map((d) => `${d.op}d ${d.name} in ${d.where === 'from' ? o.from : o.to}`),
        skipped: r.missing.map((n) => ({ what: `schedule ${n}`, why: `not in ${home.workspace_name}; left enabled in ${here.workspace_name}` })),
      };
    },
  };

  const switchBack = switchStep(o, { back: true });

  const pointing = stillPointingStep(o, o.from, 'List what still points at the secondary', (n) => `${n} place(s) still name ${here.workspace_name}.`, (lines) => (state.stillPointing = lines));
  const report = reportStep('each step, what came back, what was cancelled, what was left for you');

  return { steps: [preflight, bringBack, cancelOriginals, schedules, switchBack, pointing, report], state };
}

export function buildFailbackReport(o: Pick<FailbackOptions, 'pair' | 'from' | 'to' | 'since'>, record: RunbookRecord, state: FailbackState): FailoverReport {
  return {
    kind: 'failback',
    ...reportBasics(o.pair, o.from, o.to, record),
    recoveryPoint: { at: o.since, description: `what was made in the ${o.from} since the failover (${o.since})` },
    steps: record.steps,
    jobs: [],
    stillPointing: state.stillPointing,
    notDone: [...record.notDone, ...state.conflicts.map((c) => `resolve the conflict: ${c}`)],
    finishWith: !record.switched && record.outcome !== 'completed' ? 'aml-failover failback' : undefined,
    notCarriedOver: NOT_CARRIED_OVER,
  };
}
