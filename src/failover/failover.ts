// The failover runbook's steps, built over explicit dependencies (workspace operations, the backup store, the export
// and replicate adapters, a clock). The adapters (cli.ts, vscode.ts) run them with runRunbook and render the report.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { delay } from '../azure/retry';
import type { Logger } from '../common/logger';
import type { PairConfig, Role, WorkspaceRef } from '../pair/pairFile';
import { interruptedBecause, interruptedJobs } from './interrupted';
import { assetLabel, declaresJobSchema, emptyNeeds, jobNeeds, type AssetNeed, type JobNeeds } from './needs';
import { checkJob, describeCheck, describeStorage, storageFindings, type Copyable, type JobCheck, type StorageFinding } from './preflight';
import { NOT_CARRIED_OVER, reportBasics, type FailoverReport, type ResubmittedJob } from './report';
import { DRILL_TAG, RESUBMITTED_FROM_TAG, planResubmission, resubmittedName } from './resubmitPlan';
import type { RunbookRecord, RunbookStep, StepResult } from './runbook';
import { describeAge, withDefinitions, type BackupSource, type FailoverBackup, type JobDefinitions, type SnapshotJob } from './backups';
import { ANONYMOUS_COMPONENT, ANONYMOUS_ENVIRONMENT } from '../jobs/ids';
import { SubmitRefusedError } from '../jobs/submit';
import { isExportFolder } from '../export/exportFolder';
import { reportStep, stillPointingStep, switchStep } from './commonSteps';
import type { VersionKind, WorkspaceOps } from './workspaceOps';

export const DEFAULT_CONFIRM_TIMEOUT_MS = 5 * 60_000;
/** States before Queued: a resubmitted job in one of these is not confirmed yet. */
const BEFORE_QUEUED = new Set(['notstarted', 'starting', 'provisioning', 'preparing', 'unknown', '']);

export interface FailoverOptions {
  projectDir: string;
  pair: PairConfig;
  from: Role;
  to: Role;
  ops: WorkspaceOps;
  backups: BackupSource;
  computeMap: Record<string, string>;
  suffix: string;
  confirmTimeoutMs: number;
  logger: Logger;
  /** A drill with a simulated outage: the source is sent nothing at all. */
  sourceForbidden?: boolean;
  drillId?: string;
  /** Only these jobs of the source (any status), instead of the interrupted ones (`resubmit JOB…`). */
  jobNames?: string[];
  updateAzureCliDefaults?: boolean;
  /** Export the source's notebooks (when it answers); resolves with one summary line. */
  exportNotebooks?: (signal: AbortSignal) => Promise<string>;
  /** Export these jobs of the source (definition, code, components) for the resubmission, while it answers. */
  exportJobs?: (names: string[], signal: AbortSignal) => Promise<JobDefinitions>;
  /** Replicate these environment and model versions from the source; resolves with summary lines and the versions it created. */
  replicate?: (environments: AssetNeed[], models: AssetNeed[], signal: AbortSignal) => Promise<{ lines: string[]; created: CreatedInTarget[] }>;
  /** Which interrupted jobs to resubmit (the adapters' question); default all. */
  chooseJobs?: (jobs: SnapshotJob[], checks: Map<string, JobCheck>) => Promise<SnapshotJob[]>;
  /** Called once something is created in the target or before the config is written (drill bookkeeping). */
  onCreated?: (what: CreatedInTarget | { kind: 'job'; name: string }) => Promise<void>;
  beforeSwitch?: () => Promise<void>;
  /**
   * Hands the source's enabled schedules over to the target (src/schedules): disabled in the source first when it
   * answers; with `sourceReachable: false` nothing is sent to it and what stays enabled there is reported.
   */
  handOverSchedules?: (sourceReachable: boolean, signal: AbortSignal) => Promise<StepResult>;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  pollMs?: number;
}

/** A version the failover created in the target (a drill tags it and its clean-up archives it). */
export interface CreatedInTarget {
  kind: VersionKind;
  name: string;
  version: string;
}

/** What the steps learn and hand on; the report is built from it and the runbook's record. */
export interface FailoverState {
  sourceAnswers?: boolean;
  sourceNote?: string;
  backup?: FailoverBackup;
  /** The interrupted jobs' exported definitions: from the live source (bring across) or the backup. */
  definitions?: JobDefinitions;
  recoveryPoint: FailoverReport['recoveryPoint'];
  interrupted: SnapshotJob[];
  checks: Map<string, JobCheck>;
  storage: StorageFinding[];
  jobs: ResubmittedJob[];
  stillPointing: string[];
  confirmedAt?: number;
  startedAt: number;
}

export function failoverSteps(o: FailoverOptions): { steps: RunbookStep[]; state: FailoverState } {
  const now = o.now ?? Date.now;
  const source = o.pair.workspaces[o.from];
  const target = o.pair.workspaces[o.to];
  const state: FailoverState = { recoveryPoint: { description: 'not established' }, interrupted: [], checks: new Map(), storage: [], jobs: [], stillPointing: [], startedAt: now() };
  const submitted = () => state.jobs.filter((j) => j.outcome === 'submitted' || j.outcome === 'already-resubmitted');

  const preflight: RunbookStep = {
    id: 'preflight',
    title: 'Pre-flight',
    plan: () => `Check that ${target.workspace_name} (${target.region}) answers and you can use it, find the interrupted jobs, and check that what they and the project's job YAMLs need exists there. Nothing is changed.`,
    run: async ({ signal, progress }) => {
      const reach = await o.ops.reach(target, signal);
      if (reach.state !== 'healthy') {
        throw new Error(reach.state === 'unauthorized' ? `You cannot use the ${o.to} workspace ${target.workspace_name}: ${reach.reason}. Sign in with an identity that has access.` : `The ${o.to} workspace ${target.workspace_name} does not answer: ${reach.reason}. Nothing was changed.`);
      }
      const details = [`${o.to} ${target.workspace_name} (${target.region}): healthy, and you can use it.`];
      progress('checking the source');
      await findInterrupted(o, state, source, signal, details);
      const perJob = state.interrupted.map((j) => ({ job: j, needs: withoutAnonymous(jobNeeds(j.properties)) }));
      const project = await projectJobNeeds(o.projectDir);
      const all = mergeNeeds([...perJob.map((p) => p.needs), ...project.map((p) => p.needs)]);
      progress(`listing what ${target.workspace_name} holds`);
      const holdings = await o.ops.holdings(target, { data: all.data, components: all.components }, signal);
      const copyable = await copyableFrom(o, state, source, all, signal);
      for (const { job, needs } of perJob) {
        const c = checkJob(job.name, needs, holdings, o.computeMap, copyable);
        state.checks.set(job.name, c);
        details.push(`interrupted job ${describeCheck(c)}`);
      }
      for (const p of project) {
        const c = checkJob(p.file, p.needs, holdings, o.computeMap, copyable);
        if (c.checks.some((x) => x.status === 'missing')) details.push(`project job ${describeCheck(c, ' — fix before submitting it in the target')}`);
      }
      if (!state.sourceAnswers) {
        // Each datastore's account as ARM (global) describes it; the backup's record of the source's accounts otherwise.
        const accounts = await o.ops.storageAccounts([...new Set([source.subscription_id, target.subscription_id])], signal);
        const datastores = all.datastores.map((d) => ({ datastore: d, account: holdings.datastores.get(d.toLowerCase()) }));
        state.storage = storageFindings(datastores, accounts, source.region, state.backup?.datastoreAccounts);
        for (const f of state.storage) details.push(describeStorage(f, source.region));
      }
      const blocked = [...state.checks.values()].filter((c) => c.blocked).length;
      return {
        summary: `${target.workspace_name} healthy; ${state.interrupted.length} interrupted job(s)${blocked ? `, ${blocked} missing something in the target` : ''}; source ${state.sourceAnswers ? 'answers' : 'does not answer'}.`,
        details,
        skipped: [...state.checks.values()].filter((c) => c.blocked).map((c) => ({ what: `resubmitting ${c.job}`, why: c.checks.filter((x) => x.status === 'missing').map((x) => `${x.kind} ${x.name} missing`).join(', ') })),
      };
    },
  };

  const bringAcross: RunbookStep = {
    id: 'bring-across',
    title: 'Bring work across',
    plan: () =>
      state.sourceAnswers
        ? `Export the notebooks of ${source.workspace_name} and replicate what the interrupted jobs need into ${target.workspace_name} (recovery point: now).`
        : `Restore what the interrupted jobs need, and the schedules (disabled), into ${target.workspace_name} from the newest verified backup${state.backup ? ` (${state.backup.takenAt})` : ''}.`,
    run: async ({ signal, progress }) => {
      const toCopy = copyList(state);
      if (state.sourceAnswers) {
        state.recoveryPoint = { at: new Date(now()).toISOString(), description: 'now: the source answered, so its current state was brought across', ageSeconds: 0 };
        const details: string[] = [];
        if (o.exportNotebooks) {
          progress('exporting notebooks');
          details.push(await o.exportNotebooks(signal));
        }
        if (o.replicate && (toCopy.environments.length || toCopy.models.length)) {
          progress('replicating');
          const r = await o.replicate(toCopy.environments, toCopy.models, signal);
          for (const c of r.created) await o.onCreated?.(c);
          details.push(...r.lines);
        }
        const skipped: StepResult['skipped'] = [];
        if (o.exportJobs && state.interrupted.length) {
          progress('exporting the interrupted jobs');
          state.definitions = await o.exportJobs(state.interrupted.map((j) => j.name), signal);
          details.push(`${state.definitions.files.size} interrupted job(s) exported with their code to ${path.relative(o.projectDir, state.definitions.root)}`);
          for (const [job, why] of state.definitions.problems) skipped.push({ what: `exporting job ${job}`, why });
        }
        return { summary: `Brought across from the source: ${toCopy.environments.length} environment(s), ${toCopy.models.length} model(s)${state.definitions ? `, ${state.definitions.files.size} job definition(s) with their code` : ''}${o.exportNotebooks ? ', notebooks exported' : ''}.`, details, skipped };
      }
      if (!state.backup) return { summary: 'No verified backup to restore from.', skipped: [{ what: 'restoring from a backup', why: 'no verified backup of the source was found (aml-failover backup, then aml-failover verify)' }] };
      progress('restoring from the backup');
      const r = await o.backups.restore(state.backup, target, toCopy.environments, toCopy.models, signal);
      for (const c of r.created) await o.onCreated?.(c);
      return { summary: `Restored ${r.created.length} asset(s) from ${state.recoveryPoint.description}; the job definitions and their code come from it too.`, details: [path.relative(o.projectDir, state.backup.folder), ...r.lines], skipped: r.skipped };
    },
  };

  const switchConfig = switchStep(o, { before: o.beforeSwitch });

  const schedules: RunbookStep = {
    id: 'schedules',
    title: 'Hand over the schedules',
    plan: () =>
      state.sourceAnswers
        ? `Disable the enabled schedules in ${source.workspace_name}, then enable them in ${target.workspace_name}: no recurring job runs in both.`
        : `Enable in ${target.workspace_name} the schedules its copies record as enabled in ${source.workspace_name} (which is sent nothing).`,
    skipReason: () => (o.handOverSchedules ? undefined : 'Schedules are not handed over by this run.'),
    run: ({ signal }) => o.handOverSchedules!(Boolean(state.sourceAnswers) && !o.sourceForbidden, signal),
  };

  const resubmit: RunbookStep = {
    id: 'resubmit',
    title: 'Resubmit interrupted jobs',
    plan: () => `Submit ${state.interrupted.length} interrupted job(s) in ${target.workspace_name} under new names (<name>-${o.suffix}), tagged ${RESUBMITTED_FROM_TAG}.`,
    skipReason: () => (state.interrupted.length ? undefined : 'No interrupted jobs.'),
    run: async ({ signal, progress }) => {
      const chosen = o.chooseJobs ? await o.chooseJobs(state.interrupted, state.checks) : state.interrupted;
      const results = await resubmitJobs(o, chosen, state.checks, state.definitions, signal, progress);
      state.jobs = results;
      for (const j of state.interrupted) if (!chosen.includes(j)) state.jobs.push({ source: j.name, sourceId: j.id, outcome: 'skipped', reason: 'not chosen' });
      const bad = state.jobs.filter((j) => j.outcome === 'failed' || (j.outcome === 'skipped' && j.reason !== 'not chosen'));
      return {
        summary: `${state.jobs.filter((j) => j.outcome === 'submitted').length} submitted, ${state.jobs.filter((j) => j.outcome === 'already-resubmitted').length} already resubmitted, ${bad.length} not submitted.`,
        details: state.jobs.map((j) => `${j.source}: ${j.outcome}${j.name ? ` as ${j.name}` : ''}${j.reason ? ` (${j.reason})` : ''}${j.created ? `, with ${j.created.join(', ')}` : ''}`),
        skipped: state.jobs.filter((j) => j.outcome === 'skipped').map((j) => ({ what: j.source, why: j.reason ?? '' })),
        partial: bad.length > 0,
      };
    },
  };

  const confirm: RunbookStep = {
    id: 'confirm',
    title: 'Confirm jobs reached Queued',
    plan: () => `Wait up to ${Math.round(o.confirmTimeoutMs / 1000)} s for the resubmitted jobs to be Queued or later in ${target.workspace_name}.`,
    skipReason: () => (submitted().length ? undefined : 'No job was resubmitted.'),
    run: async ({ signal, progress }) => {
      const deadline = now() + o.confirmTimeoutMs;
      const waiting = new Set(submitted());
      while (waiting.size) {
        for (const j of [...waiting]) {
          const seen = await o.ops.job(target, j.name!, signal);
          j.status = seen?.status;
          if (seen && !BEFORE_QUEUED.has(seen.status.toLowerCase())) waiting.delete(j);
        }
        if (!waiting.size) break;
        if (now() >= deadline) throw new Error(`Not Queued after ${Math.round(o.confirmTimeoutMs / 1000)} s: ${[...waiting].map((j) => `${j.name} (${j.status ?? 'not found'})`).join(', ')}. Check them in the studio; the switch stays.`);
        progress(`waiting for ${[...waiting].map((j) => j.name).join(', ')}`);
        await delay(o.pollMs ?? 1000, signal);
      }
      state.confirmedAt = now();
      return { summary: `${submitted().length} job(s) Queued or later in ${target.workspace_name}.`, details: submitted().map((j) => `${j.name}: ${j.status}`) };
    },
  };

  const pointing = stillPointingStep(o, o.from, 'List what still points at the source', (n) => `${n} place(s) still name the source; restart notebook kernels that hold an MLClient.`, (lines) => (state.stillPointing = lines));
  const report = reportStep('each step, the recovery point and time, what was not done and what is not carried over');

  return { steps: [preflight, bringAcross, switchConfig, schedules, resubmit, confirm, pointing, report], state };
}

async function findInterrupted(o: FailoverOptions, state: FailoverState, source: WorkspaceRef, signal: AbortSignal, details: string[]): Promise<void> {
  if (o.sourceForbidden) {
    state.sourceAnswers = false;
    state.sourceNote = 'not contacted: the drill simulates its outage';
  } else {
    const r = await o.ops.reach(source, signal);
    state.sourceAnswers = r.state === 'healthy';
    state.sourceNote = r.state === 'healthy' ? 'answers' : `${r.state}: ${r.reason}`;
  }
  details.push(`${o.from} ${source.workspace_name} (${source.region}): ${state.sourceNote}.`);
  let listed: SnapshotJob[] = [];
  if (state.sourceAnswers) {
    listed = await o.ops.jobs(source, signal);
    details.push(`Interrupted jobs from the live listing of ${source.workspace_name}.`);
  } else {
    state.backup = await o.backups.newestVerified(o.from);
    if (state.backup) {
      listed = state.backup.jobs;
      state.definitions = state.backup.definitions;
      const age = describeAge(state.backup.takenAt, (o.now ?? Date.now)());
      state.recoveryPoint = { at: state.backup.takenAt, ...age };
      details.push(`Interrupted jobs from the statuses recorded in ${age.description}.`);
    } else {
      details.push('No verified backup of the source: the interrupted jobs are unknown. Take backups while the source answers (aml-failover backup, then aml-failover verify; a drill takes one).');
    }
  }
  if (o.jobNames?.length) {
    const wanted = new Set(o.jobNames.map((n) => n.toLowerCase()));
    state.interrupted = listed.filter((j) => wanted.has(j.name.toLowerCase()));
    const missing = o.jobNames.filter((n) => !state.interrupted.some((j) => j.name.toLowerCase() === n.toLowerCase()));
    if (missing.length) throw new Error(`No job named ${missing.join(', ')} in ${state.sourceAnswers ? `${source.workspace_name}` : 'the backup'}.`);
  } else {
    state.interrupted = interruptedJobs(listed);
    for (const j of state.interrupted) details.push(`interrupted: ${j.name} (${interruptedBecause(j)})`);
  }
  // From a backup, what a job needs is read from the definition it holds (the CLI YAML the export wrote).
  if (state.backup) state.interrupted = await withDefinitions(state.interrupted, state.backup.definitions);
}

/** Anonymous environments and components travel inside the job's definition (inline, or as a component file). */
function withoutAnonymous(n: JobNeeds): JobNeeds {
  const named = (a: AssetNeed) => a.name !== ANONYMOUS_ENVIRONMENT && a.name !== ANONYMOUS_COMPONENT;
  return { ...n, environments: n.environments.filter(named), components: n.components.filter(named) };
}

async function copyableFrom(o: FailoverOptions, state: FailoverState, source: WorkspaceRef, all: JobNeeds, signal: AbortSignal): Promise<Copyable | undefined> {
  if (state.sourceAnswers) {
    const environments = new Set<string>();
    for (const e of all.environments) if (e.version && (await o.ops.environment(source, e.name, e.version, signal))) environments.add(assetLabel(e).toLowerCase());
    // Models are replicated with their files by `replicate`; whether each exists is its answer. Components are
    // exported with the job and created from there by the submit path.
    return { from: 'the source workspace', environments, models: new Set(all.models.map((m) => assetLabel(m).toLowerCase())), components: new Set(all.components.map((c) => assetLabel(c).toLowerCase())) };
  }
  if (state.backup) return { from: state.recoveryPoint.description, environments: state.backup.environments, models: state.backup.models, components: state.backup.definitions.components };
  return undefined;
}

function copyList(state: FailoverState): { environments: AssetNeed[]; models: AssetNeed[] } {
  const environments = new Map<string, AssetNeed>();
  const models = new Map<string, AssetNeed>();
  for (const c of state.checks.values()) {
    for (const n of c.checks) {
      // Components come with the job's definition; environments and models are copied before it is submitted.
      if (n.status !== 'will-copy' || (n.kind !== 'environment' && n.kind !== 'model')) continue;
      const [name, version] = n.name.split(':') as [string, string | undefined];
      (n.kind === 'environment' ? environments : models).set(n.name.toLowerCase(), { name, version });
    }
  }
  return { environments: [...environments.values()], models: [...models.values()] };
}

export async function resubmitJobs(o: FailoverOptions, jobs: readonly SnapshotJob[], checks: Map<string, JobCheck>, definitions: JobDefinitions | undefined, signal: AbortSignal, progress: (line: string) => void = () => undefined): Promise<ResubmittedJob[]> {
  const source = o.pair.workspaces[o.from];
  const target = o.pair.workspaces[o.to];
  const existing = new Map<string, string>();
  for (const j of await o.ops.jobs(target, signal)) {
    const from = ((j.properties.tags ?? {}) as Record<string, string>)[RESUBMITTED_FROM_TAG];
    if (from) existing.set(from.toLowerCase(), j.name);
  }
  const out: ResubmittedJob[] = [];
  for (const job of jobs) {
    const done = existing.get(job.id.toLowerCase());
    if (done) {
      out.push({ source: job.name, sourceId: job.id, name: done, outcome: 'already-resubmitted', reason: `${done} carries ${RESUBMITTED_FROM_TAG} for it` });
      continue;
    }
    const check = checks.get(job.name);
    if (check?.blocked) {
      out.push({ source: job.name, sourceId: job.id, outcome: 'skipped', reason: check.checks.filter((c) => c.status === 'missing').map((c) => `${c.kind} ${c.name} missing: ${c.note}`).join('; ') });
      continue;
    }
    const file = definitions?.files.get(job.name);
    if (!definitions || !file) {
      out.push({ source: job.name, sourceId: job.id, outcome: 'skipped', reason: definitions?.problems.get(job.name) ?? 'its definition was not brought across (the source did not answer and no backup holds it)' });
      continue;
    }
    const name = resubmittedName(job.name, o.suffix);
    progress(`submitting ${name}`);
    try {
      const edit = (doc: Record<string, unknown>) => planResubmission(job, doc, source, target, { suffix: o.suffix, computeMap: o.computeMap, drillId: o.drillId }).doc;
      const r = await o.ops.submitter.submit(target, { file, root: definitions.root, name, edit, tags: o.drillId ? { [DRILL_TAG]: o.drillId } : undefined }, signal);
      for (const c of r.registered) await o.onCreated?.(c);
      await o.onCreated?.({ kind: 'job', name });
      out.push({ source: job.name, sourceId: job.id, name, outcome: 'submitted', status: r.status, ...(r.created.length ? { created: r.created } : {}) });
    } catch (err) {
      if (signal.aborted) throw err;
      // The submit path's own check (nothing written) or the target's answer to what it sent.
      const why = err instanceof SubmitRefusedError ? `not submitted: ${err.reasons.join(' ')}` : `the target refused it: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
      out.push({ source: job.name, sourceId: job.id, outcome: 'failed', reason: why });
    }
  }
  return out;
}

/**
 * Needs of the project's job YAMLs (jobs/**.yml|yaml and any *.yml whose $schema is a job schema), for pre-flight;
 * folders holding an aml-failover export or backup snapshot (its manifest.json) are not the project's and are skipped.
 */
async function projectJobNeeds(projectDir: string): Promise<{ file: string; needs: JobNeeds }[]> {
  const out: { file: string; needs: JobNeeds }[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > 4) return;
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name === 'node_modules' || e.name === 'aml-export') continue;
      const full = path.join(dir, e.name);
      // A backup snapshot or an export holds job YAMLs of a workspace, not the project's own.
      if (e.isDirectory()) {
        if (!isExportFolder(full)) await walk(full, depth + 1);
      } else if (e.isFile() && /\.ya?ml$/i.test(e.name)) {
        const text = await fs.readFile(full, 'utf8').catch(() => '');
        if (!declaresJobSchema(text)) continue;
        try {
          out.push({ file: path.relative(projectDir, full).split(path.sep).join('/'), needs: jobNeeds(parseYaml(text)) });
        } catch {
          // A YAML the linter reports; pre-flight has nothing to add.
        }
      }
    }
  };
  await walk(projectDir, 0);
  return out;
}

function mergeNeeds(list: JobNeeds[]): JobNeeds {
  const all = emptyNeeds();
  for (const n of list) for (const k of Object.keys(all) as (keyof JobNeeds)[]) (all[k] as unknown[]).push(...(n[k] as unknown[]));
  return jobNeeds({ merged: [...all.computes.map((c) => ({ compute: c })), ...all.environments.map((e) => ({ environment: `azureml:${assetLabel(e)}` })), ...all.models.map((m) => ({ type: 'model', path: `azureml:${assetLabel(m)}` })), ...all.data.map((d) => ({ type: 'uri_folder', path: `azureml:${assetLabel(d)}` })), ...all.components.map((c) => ({ component: `azureml:${assetLabel(c)}` })), ...all.datastores.map((d) => `azureml://datastores/${d}/paths/`)] });
}

/** The report both adapters write, from the runbook's record and what the steps learned. */
export function buildReport(o: Pick<FailoverOptions, 'pair' | 'from' | 'to' | 'drillId'>, record: RunbookRecord, state: FailoverState, extra: { cleanupCommand?: string } = {}): FailoverReport {
  const unfinished = state.jobs.filter((j) => j.outcome === 'failed' || (j.outcome === 'skipped' && j.reason !== 'not chosen'));
  return {
    kind: o.drillId ? 'drill' : 'failover',
    drillId: o.drillId,
    ...reportBasics(o.pair, o.from, o.to, record),
    recoveryPoint: state.recoveryPoint,
    recoveryTimeSeconds: state.confirmedAt ? (state.confirmedAt - Date.parse(record.startedAt)) / 1000 : undefined,
    steps: record.steps,
    jobs: state.jobs,
    stillPointing: state.stillPointing,
    notDone: [...record.notDone, ...unfinished.map((j) => `resubmit ${j.source}: ${j.reason}`)],
    finishWith: record.switched && (record.outcome !== 'completed' || unfinished.length > 0) ? `aml-failover resubmit --interrupted --to ${o.to}` : undefined,
    cleanupCommand: extra.cleanupCommand,
    notCarriedOver: NOT_CARRIED_OVER,
  };
}
