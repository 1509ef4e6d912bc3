// One failover, drill or resubmit as both adapters run it: reads the pair file, connects, builds the steps (with the
// drill's backup and outage steps in front when it is a drill), and turns the runbook's record into the report.
// The adapters bring the questions (confirm each step, choose jobs) and the rendering.
import * as path from 'node:path';
import { connect, type AzureConnection } from '../azure/connection';
import type { CredentialProvider } from '../azure/credentials';
import { QUICK_RETRY } from '../azure/retry';
import { ownSandboxRecord, type CloudTrust } from '../azure/trust';
import { writeFileAtomic } from '../common/atomicWrite';
import { UserError } from '../common/errors';
import type { Logger } from '../common/logger';
import { defaultOutDir, exportWorkspace, summarize } from '../export/exportWorkspace';
import { loadPairFile, type PairConfig, type Role } from '../pair/pairFile';
import { resubmitSection } from '../pair/resubmitSection';
import { replicate, summarizeReplication } from '../replicate/replicate';
import { sendFault } from '../sandbox/control';
import { buildFailbackReport, failbackSteps, loadFailoverMark, saveFailoverMark, type FailbackOptions } from './failback';
import { newVersionsSince } from './newVersions';
import { replicateNotebooks } from '../replicate/notebooks';
import { copySchedules, deleteSchedule, getSchedule, handOverSchedules, listSchedules, setScheduleEnabled } from '../schedules/schedules';
import { cleanupCommand, cleanupDrill, filesBefore, newDrillId, saveDrill, type CleanupResult, type DrillRecord } from './drill';
import { buildReport, failoverSteps, DEFAULT_CONFIRM_TIMEOUT_MS, type CreatedInTarget, type FailoverOptions } from './failover';
import { toJson, toMarkdown, type FailoverReport } from './report';
import { STATE_DIR, exportJobDefinitions, projectBackups } from './backups';
import { DRILL_TAG, defaultSuffix } from './resubmitPlan';
import { runRunbook, type RunbookHooks, type RunbookStep } from './runbook';
import { azureWorkspaceOps, type WorkspaceOps } from './workspaceOps';

export interface SessionRequest {
  projectDir: string;
  to: Role;
  logger: Logger;
  trust?: CloudTrust;
  /** The project's one credential per cloud (src/azure/credentials.ts); default: the CLI's chain. */
  credentials?: CredentialProvider;
  signal: AbortSignal;
  hooks?: RunbookHooks;
  confirmTimeoutMs?: number;
  suffix?: string;
  updateAzureCliDefaults?: boolean;
  chooseJobs?: FailoverOptions['chooseJobs'];
  /** Written as Markdown (the report step's output), relative paths from the project. */
  reportFile?: string;
  /** A connection to reuse (the extension keeps one). */
  connection?: AzureConnection;
}

export interface SessionResult {
  report: FailoverReport;
  markdown: string;
  json: string;
  reportFile?: string;
}

interface Wired {
  pair: PairConfig;
  ops: WorkspaceOps;
  conn: AzureConnection;
  from: Role;
}

async function wire(req: SessionRequest): Promise<Wired> {
  const pair = await loadPairFile(req.projectDir);
  const conn = req.connection ?? (await connect(pair.cloud, { logger: req.logger, trust: req.trust, credentials: req.credentials }));
  // Reachability is asked with a short budget: a region that is down must not hold the runbook for minutes.
  const probe = await connect(pair.cloud, { logger: req.logger, trust: req.trust, credentials: req.credentials, retry: QUICK_RETRY });
  return { pair, conn, ops: azureWorkspaceOps(conn, probe, req.logger), from: req.to === 'primary' ? 'secondary' : 'primary' };
}

function options(req: SessionRequest, w: Wired, extra: Partial<FailoverOptions>): FailoverOptions {
  return {
    projectDir: req.projectDir,
    pair: w.pair,
    from: w.from,
    to: req.to,
    ops: w.ops,
    backups: projectBackups(req.projectDir, w.pair, w.conn, req.logger),
    computeMap: resubmitSection(w.pair).compute,
    suffix: req.suffix ?? defaultSuffix(),
    confirmTimeoutMs: req.confirmTimeoutMs ?? DEFAULT_CONFIRM_TIMEOUT_MS,
    logger: req.logger,
    updateAzureCliDefaults: req.updateAzureCliDefaults,
    chooseJobs: req.chooseJobs,
    exportNotebooks: async (signal) => {
      const r = await exportWorkspace({ projectDir: req.projectDir, from: w.from, kinds: ['notebooks'], signal, logger: req.logger, connection: w.conn });
      return summarize(r)[0] ?? 'Notebooks exported.';
    },
    exportJobs: (names, signal) => exportJobDefinitions(req.projectDir, w.from, names, w.conn, signal, req.logger),
    handOverSchedules: async (sourceReachable, signal) => {
      if (signal.aborted) throw signal.reason;
      const r = await handOverSchedules(w.conn, w.pair.workspaces[w.from], w.pair.workspaces[req.to], { sourceReachable, logger: req.logger });
      return {
        summary: `${r.done.filter((d) => d.op === 'enable').length} schedule(s) enabled in the ${req.to}${sourceReachable ? `, ${r.done.filter((d) => d.op === 'disable').length} disabled in the ${w.from}` : ''}.`,
        details: [...r.done.map((d) => `${d.op}d ${d.name} in the ${d.where === 'from' ? w.from : req.to}`), ...r.leftEnabledInSource.map((n) => `still enabled in the ${w.from} (down): ${n} — fail back disables it there, or run: aml-failover schedules disable ${n} --in ${w.from}`)],
        skipped: [...r.missing.map((n) => ({ what: `schedule ${n}`, why: `no copy in the ${req.to} (aml-failover schedules copy)` })), ...r.failed.map((f) => ({ what: `${f.op.op} ${f.op.name}`, why: f.error }))],
        partial: r.failed.length > 0,
      };
    },
    replicate: async (environments, models, signal) => {
      const lines: string[] = [];
      const created: CreatedInTarget[] = [];
      for (const [kind, names] of [['environments', environments], ['models', models]] as const) {
        if (!names.length) continue;
        const r = await replicate(w.conn, { kinds: [kind], source: w.pair.workspaces[w.from], target: w.pair.workspaces[req.to], names, signal, logger: req.logger, hashesFrom: defaultOutDir(req.projectDir, w.from) });
        lines.push(...summarizeReplication(r));
        for (const a of r.assets) if (a.outcome.status === 'replicated' && a.kind !== 'data') created.push({ kind: a.kind, name: a.name, version: a.version });
      }
      return { lines, created };
    },
    ...extra,
  };
}

async function finish(req: SessionRequest, o: FailoverOptions, steps: RunbookStep[], state: ReturnType<typeof failoverSteps>['state'], extra: { cleanupCommand?: string } = {}): Promise<SessionResult> {
  const record = await runRunbook(steps, req.signal, req.hooks);
  // What fail back needs to know later: since when work lives in the target, and which way it went.
  if (record.switched) await saveFailoverMark(req.projectDir, { kind: o.drillId ? 'drill' : 'failover', from: o.from, to: o.to, startedAt: record.startedAt, drillId: o.drillId });
  return writeReport(req, buildReport(o, record, state, extra));
}

async function writeReport(req: SessionRequest, report: FailoverReport): Promise<SessionResult> {
  const markdown = toMarkdown(report);
  let reportFile: string | undefined;
  if (req.reportFile) {
    reportFile = path.resolve(req.projectDir, req.reportFile);
    await writeFileAtomic(reportFile, markdown);
  }
  return { report, markdown, json: toJson(report), reportFile };
}

/** `aml-failover failover`: the runbook from the active workspace's side to `to`. */
export async function runFailover(req: SessionRequest): Promise<SessionResult> {
  const w = await wire(req);
  const o = options(req, w, {});
  const { steps, state } = failoverSteps(o);
  return finish(req, o, steps, state);
}

/** `aml-failover resubmit`: pre-flight, bring across what is missing, resubmit — no switch. */
export async function runResubmit(req: SessionRequest & { jobNames?: string[] }): Promise<SessionResult> {
  const w = await wire(req);
  const o = options(req, w, { jobNames: req.jobNames, exportNotebooks: undefined });
  const { steps, state } = failoverSteps(o);
  return finish(req, o, steps.filter((s) => ['preflight', 'bring-across', 'resubmit', 'report'].includes(s.id)), state);
}

/** `aml-failover drill`: backup, (simulated) outage of the primary, then the whole failover, tagged and recorded. */
export async function runDrill(req: SessionRequest & { simulateOutage?: boolean }): Promise<SessionResult & { drillId: string }> {
  const w = await wire(req);
  const drillId = newDrillId();
  const source = w.pair.workspaces[w.from];
  const record: DrillRecord = { id: drillId, startedAt: new Date().toISOString(), from: w.from, to: req.to, files: await filesBefore(req.projectDir), jobs: [], environments: [] };
  await saveDrill(req.projectDir, record);
  const sandbox = await ownSandboxRecord(req.projectDir);
  const o = options(req, w, {
    drillId,
    sourceForbidden: Boolean(req.simulateOutage),
    onCreated: async (what) => {
      if (what.kind === 'job') record.jobs.push(what.name);
      else {
        const version = { name: what.name, version: what.version };
        if (what.kind === 'model') (record.models ??= []).push(version);
        else if (what.kind === 'component') (record.components ??= []).push(version);
        else if (what.kind === 'code') (record.codes ??= []).push(version);
        else record.environments.push(version);
      }
      await saveDrill(req.projectDir, record);
      // Restored and replicated versions are made by paths that know nothing of drills: tagged once they are there.
      if (what.kind !== 'job') await w.ops.tagVersion(w.pair.workspaces[req.to], what.kind, what.name, what.version, { [DRILL_TAG]: drillId }, req.signal);
    },
  });
  const { steps, state } = failoverSteps(o);
  const backup: RunbookStep = {
    id: 'backup',
    title: 'Take a backup',
    plan: () => `Back up ${source.workspace_name} (its jobs with their code and statuses, notebooks, models, environments, data) and verify the backup.`,
    run: async ({ signal, progress }) => {
      progress(`backing up ${source.workspace_name}`);
      const b = await o.backups.take(w.from, signal);
      // The schedules rehearse their handover too, without a pipeline running in both regions: copied into the
      // target (disabled, tagged with their state here), then disabled here while the source still answers.
      const target = w.pair.workspaces[req.to];
      const copies = await copySchedules(w.conn, source, target, { logger: req.logger, computeMap: o.computeMap, tags: { [DRILL_TAG]: drillId } });
      record.scheduleCopies = copies.filter((c) => c.status === 'created').map((c) => c.name);
      record.schedules = (await listSchedules(w.conn, source)).filter((s) => s.enabled).map((s) => s.name);
      await saveDrill(req.projectDir, record);
      for (const name of record.schedules) await setScheduleEnabled(w.conn, source, name, false);
      return {
        summary: `Backup ${path.basename(b.folder)}, verified: ${b.jobs.length} job(s) (${b.definitions.files.size} with their definitions), ${b.environments.size} environment and ${b.models.size} model version(s); ${record.schedules.length} schedule(s) paused in the ${w.from} for the drill.`,
        details: [path.relative(req.projectDir, b.folder), ...record.schedules.map((n) => `schedule ${n}: disabled in the ${w.from}, to be enabled in the ${req.to} after the switch (drill --cleanup or failback hands it back)`)],
      };
    },
  };
  const outage: RunbookStep = {
    id: 'outage',
    title: 'Take the primary down',
    plan: () => (sandbox ? `Switch the sandbox's ${w.from} region to outage.` : `Simulate the outage of ${source.workspace_name}: it is sent nothing from here on.`),
    skipReason: () => (req.simulateOutage ? undefined : 'No outage simulated (--simulate-outage not given): the source stays up and is used.'),
    run: async () => {
      if (!sandbox) return { summary: `${source.workspace_name} is treated as unreachable: nothing more is sent to it.` };
      await sendFault(req.projectDir, w.from, 'outage');
      record.sandboxFault = w.from;
      await saveDrill(req.projectDir, record);
      return { summary: `The sandbox's ${w.from} region (${source.region}) is down.` };
    },
  };
  const result = await finish(req, o, [backup, outage, ...steps], state, { cleanupCommand: cleanupCommand(drillId) });
  return { ...result, drillId };
}

export async function runDrillCleanup(req: Pick<SessionRequest, 'projectDir' | 'logger' | 'trust' | 'credentials' | 'signal' | 'connection'>, id: string): Promise<CleanupResult> {
  const w = await wire({ ...req, to: 'secondary' });
  const sandbox = await ownSandboxRecord(req.projectDir);
  return cleanupDrill(req.projectDir, w.pair, id, w.ops, req.signal, sandbox ? (role) => sendFault(req.projectDir, role, 'none') : undefined, async (r, names) => {
    // Off in the target first (where the drill may have enabled them), then on again in the source.
    for (const name of names) {
      if ((await getSchedule(w.conn, w.pair.workspaces[r.to], name))?.enabled) await setScheduleEnabled(w.conn, w.pair.workspaces[r.to], name, false);
    }
    for (const name of names) await setScheduleEnabled(w.conn, w.pair.workspaces[r.from], name, true);
  }, (r, name) => deleteSchedule(w.conn, w.pair.workspaces[r.to], name));
}

/**
 * `aml-failover failback`: back to `req.to` (the healed workspace, normally the primary) from the other one, for what
 * was made there since the last failover (`.aml-failover/last-failover.json`) or since `since`.
 */
export async function runFailback(req: SessionRequest & { since?: string; chooseCancel?: FailbackOptions['chooseCancel'] }): Promise<SessionResult> {
  const mark = await loadFailoverMark(req.projectDir);
  const since = req.since ?? mark?.startedAt;
  if (!since) throw new UserError(`No failover is recorded in ${STATE_DIR}/last-failover.json: give --since <time> (when work moved to the other workspace).`, 'usage');
  const w = await wire(req);
  const here = w.pair.workspaces[w.from];
  const home = w.pair.workspaces[req.to];
  const o: FailbackOptions = {
    projectDir: req.projectDir,
    pair: w.pair,
    from: w.from,
    to: req.to,
    since,
    ops: w.ops,
    conn: w.conn,
    logger: req.logger,
    newVersions: (ws, after, signal) => newVersionsSince(w.conn, ws, after, signal),
    bringBack: async (versions, signal) => {
      const lines: string[] = [];
      const conflicts: string[] = [];
      for (const [kind, of] of [['models', 'model'], ['environments', 'environment'], ['data', 'data']] as const) {
        const names = versions.filter((v) => v.kind === of).map((v) => ({ name: v.name, version: v.version }));
        if (!names.length) continue;
        const r = await replicate(w.conn, { kinds: [kind], source: here, target: home, names, signal, logger: req.logger, hashesFrom: defaultOutDir(req.projectDir, w.from) });
        lines.push(...summarizeReplication(r));
        for (const a of r.assets) if (a.outcome.status === 'conflict') conflicts.push(`${a.kind} ${a.name}:${a.version}`);
        const failed = r.assets.filter((a) => a.outcome.status === 'failed' || a.outcome.status === 'refused');
        if (failed.length) throw new Error(`Not brought back: ${failed.map((a) => `${a.kind} ${a.name}:${a.version}`).join(', ')}. Nothing was switched; run failback again.`);
      }
      return { lines, conflicts };
    },
    // Notebooks changed in the secondary since the failover; one that the primary holds with other content is written
    // beside it as "name (restored <date>).ipynb" — both kept, nothing overwritten — and listed as a conflict to resolve.
    bringNotebooks: async (after, signal) => {
      const r = await replicateNotebooks(w.conn, { source: here, target: home, onConflict: 'rename', changedSince: Date.parse(after), signal, logger: req.logger });
      if (r.report.failed.length) throw new Error(`Notebooks not brought back: ${r.report.failed.map((f) => `${f.path}: ${f.error ?? f.reason ?? ''}`).join('; ')}. Nothing was switched; run failback again.`);
      const renamed = r.report.created.filter((e) => e.reason);
      return {
        lines: [`notebooks changed in the ${w.from} since ${after}: ${r.report.created.length} written to the ${req.to}, ${r.report.unchanged.length} already there`],
        conflicts: [...renamed.map((e) => `notebook ${e.path} (${e.reason})`), ...r.report.conflicts.map((e) => `notebook ${e.path}`)],
      };
    },
    chooseCancel: req.chooseCancel,
    updateAzureCliDefaults: req.updateAzureCliDefaults,
  };
  const { steps, state } = failbackSteps(o);
  const record = await runRunbook(steps, req.signal, req.hooks);
  return writeReport(req, buildFailbackReport(o, record, state));
}
