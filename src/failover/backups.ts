// The backups the failover reads when the source no longer answers, and takes for a drill: the project's dated,
// verified snapshots (src/backup) — every job's status when it was taken, the jobs exported as CLI YAML with their
// code and components (src/jobs), the environments and models — restored into the target with src/restore. And the
// job definitions of a source that answers, exported the same way just before they are resubmitted.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { AzureConnection } from '../azure/connection';
import { backupWorkspace } from '../backup/backup';
import { backupDir, newestVerifiedSnapshot, readSnapshot, type Snapshot } from '../backup/snapshots';
import { verifySnapshot } from '../backup/verify';
import { errorMessage } from '../common/errors';
import type { Logger } from '../common/logger';
import { exportWorkspace } from '../export/exportWorkspace';
import { readManifest, type ManifestEntry } from '../export/manifest';
import type { PairConfig, Role, WorkspaceRef } from '../pair/pairFile';
import { resubmitSection } from '../pair/resubmitSection';
import { restoreBackup } from '../restore/restore';
import { assetLabel, type AssetNeed } from './needs';
import type { SourceJob } from './resubmitPlan';

/** The product's own state in a project (drill records, reports, the failover mark, exported job definitions). */
export const STATE_DIR = '.aml-failover';

/** A job of the source as listed live or recorded in a backup: its definition, status and why it failed. */
export interface SnapshotJob extends SourceJob {
  status: string;
  failureReason?: string;
}

/** Jobs as the export writes them (`jobs/<job>.yml`, `code/…`, `components/<name>/<version>/component.yml`). */
export interface JobDefinitions {
  /** The folder the YAMLs' local references (code, component files) stay in. */
  root: string;
  /** Job name → its YAML file (absolute). */
  files: Map<string, string>;
  /** Job name → why it has no YAML (what the export could not make portable). */
  problems: Map<string, string>;
  /** Named components whose YAML the folder holds (`name:version`, lower case): created where the target lacks them. */
  components: Set<string>;
}

export interface FailoverBackup {
  folder: string;
  takenAt: string;
  /** Every job with its status when the backup was taken; `properties` is its exported YAML once `withDefinitions` read it. */
  jobs: SnapshotJob[];
  /** Versions the backup holds (`name:version`, lower case). */
  environments: Set<string>;
  models: Set<string>;
  definitions: JobDefinitions;
  /** The source workspace's own storage account (its workspaceblobstore's), when the backup recorded it. */
  storageAccount?: string;
  /** Every storage account the source's datastores use, as the backup recorded them. */
  datastoreAccounts?: string[];
}

export interface RestoredAssets {
  created: { kind: 'environment' | 'model'; name: string; version: string }[];
  lines: string[];
  skipped: { what: string; why: string }[];
}

export interface BackupSource {
  /** The newest verified snapshot of `role`, or undefined when there is none. */
  newestVerified(role: Role): Promise<FailoverBackup | undefined>;
  /** A new snapshot of `role`, verified (the drill's backup). */
  take(role: Role, signal: AbortSignal): Promise<FailoverBackup>;
  /** The environment and model versions and every schedule (disabled) into `target` from the backup (src/restore); nothing is overwritten. */
  restore(backup: FailoverBackup, target: WorkspaceRef, environments: AssetNeed[], models: AssetNeed[], signal: AbortSignal): Promise<RestoredAssets>;
}

/** The project's backups (`backup: {dir}` of the pair file, else aml-backup/), read and written through src/backup. */
export function projectBackups(projectDir: string, pair: PairConfig, conn: AzureConnection, logger: Logger): BackupSource {
  const dir = backupDir(projectDir, pair);
  return {
    async newestVerified(role) {
      const s = await newestVerifiedSnapshot(dir, role);
      return s ? failoverBackup(s) : undefined;
    },
    async take(role, signal) {
      const outcome = await backupWorkspace({ projectDir, from: role, signal, logger, connection: conn });
      if (!outcome.complete) {
        const failed = outcome.export.failed.slice(0, 3).map((f) => `${f.source.path}: ${f.error}`);
        throw new Error(`The backup ${path.relative(projectDir, outcome.snapshot)} is not complete${outcome.cancelled ? ' (cancelled)' : failed.length ? `: ${failed.join('; ')}` : ''}.`);
      }
      const verified = await verifySnapshot(outcome.snapshot, { signal });
      if (!verified.ok) throw new Error(`The backup ${path.relative(projectDir, outcome.snapshot)} does not verify: ${verified.problems.slice(0, 3).join('; ')}.`);
      return failoverBackup(await readSnapshot(outcome.snapshot));
    },
    async restore(backup, target, environments, models, signal) {
      const held = (a: AssetNeed, kind: Set<string>) => Boolean(a.version && kind.has(assetLabel(a).toLowerCase()));
      const out: RestoredAssets = { created: [], lines: [], skipped: [] };
      for (const a of environments.filter((e) => !held(e, backup.environments))) out.skipped.push({ what: `environment ${assetLabel(a)}`, why: 'not in the backup' });
      for (const a of models.filter((m) => !held(m, backup.models))) out.skipped.push({ what: `model ${assetLabel(a)}`, why: 'not in the backup' });
      await restoreSchedules({ pair, conn, logger }, backup, target, out, signal);
      const names = [...environments.filter((e) => held(e, backup.environments)), ...models.filter((m) => held(m, backup.models))].map((a) => ({ name: a.name, version: a.version }));
      if (!names.length) return out;
      const { report } = await restoreBackup({ backupDir: backup.folder, target, kinds: ['environments', 'models'], names, signal, logger }, { conn });
      const seen = new Set<string>();
      for (const e of report.created) {
        if (e.kind !== 'environment' && e.kind !== 'model') continue;
        if (!e.name || !e.version || seen.has(`${e.kind}:${e.name}:${e.version}`)) continue;
        seen.add(`${e.kind}:${e.name}:${e.version}`);
        out.created.push({ kind: e.kind, name: e.name, version: e.version });
        out.lines.push(`restored ${e.kind} ${e.name}:${e.version} from the backup`);
      }
      for (const e of report.conflicts) out.skipped.push({ what: `${e.kind} ${e.name}:${e.version}`, why: `the target holds another ${e.kind} of that name and version${e.reason ? ` (${e.reason})` : ''}; left as it is` });
      for (const e of report.failed) out.skipped.push({ what: `${e.kind} ${e.name ?? e.path}${e.version ? `:${e.version}` : ''}`, why: e.error ?? 'not restored' });
      return out;
    },
  };
}

/**
 * The backup's schedules, created disabled and tagged with their state in the source, so that the failover's
 * handover (the source down) enables in the target those the source ran.
 */
async function restoreSchedules(at: { pair: PairConfig; conn: AzureConnection; logger: Logger }, backup: FailoverBackup, target: WorkspaceRef, out: RestoredAssets, signal: AbortSignal): Promise<void> {
  try {
    const { report } = await restoreBackup({ backupDir: backup.folder, target, kinds: ['schedules'], computeMap: resubmitSection(at.pair).compute, signal, logger: at.logger }, { conn: at.conn });
    for (const e of report.created) out.lines.push(`restored schedule ${e.name} from the backup (${e.reason})`);
    for (const e of [...report.conflicts, ...report.failed]) out.skipped.push({ what: `schedule ${e.name ?? e.path}`, why: e.reason ?? e.error ?? 'not restored' });
  } catch (err) {
    if (signal.aborted) throw err;
    out.skipped.push({ what: 'restoring the schedules', why: errorMessage(err) });
  }
}

async function failoverBackup(s: Snapshot): Promise<FailoverBackup> {
  const entries = (await readManifest(s.path))?.files ?? [];
  const record = s.record;
  const workspaceId = record?.workspace ?? '';
  const holds = (kind: 'environment' | 'model') => new Set(entries.filter((e) => e.asset.kind === kind && e.asset.version).map((e) => `${e.asset.name}:${e.asset.version}`.toLowerCase()));
  return {
    folder: s.path,
    takenAt: s.takenAt.toISOString(),
    jobs: (record?.jobs ?? []).map((j) => ({ id: `${workspaceId}/jobs/${j.name}`, name: j.name, status: j.status, failureReason: j.failureReason, properties: {} })),
    environments: holds('environment'),
    models: holds('model'),
    definitions: definitionsIn(s.path, entries),
    storageAccount: record?.datastores?.find((d) => d.name.toLowerCase() === 'workspaceblobstore')?.account,
    datastoreAccounts: [...new Set((record?.datastores ?? []).flatMap((d) => (d.account ? [d.account] : [])))],
  };
}

/** Where the export put each job's YAML and which named components it wrote, from its manifest. */
function definitionsIn(root: string, entries: readonly ManifestEntry[]): JobDefinitions {
  const files = new Map<string, string>();
  const components = new Set<string>();
  for (const e of entries) {
    if (e.asset.kind === 'job' && /^jobs\/[^/]+\.ya?ml$/.test(e.path)) files.set(e.asset.name, path.join(root, ...e.path.split('/')));
    const c = /^components\/([^/]+)\/([^/]+)\/component\.yml$/.exec(e.path);
    if (c) components.add(`${c[1]}:${c[2]}`.toLowerCase());
  }
  return { root, files, problems: new Map(), components };
}

/** The exported YAML of each of `jobs` that has one, as its `properties` (what it needs is read from it). */
export async function withDefinitions(jobs: SnapshotJob[], definitions: JobDefinitions): Promise<SnapshotJob[]> {
  const out: SnapshotJob[] = [];
  for (const j of jobs) {
    const file = definitions.files.get(j.name);
    let properties: Record<string, unknown> = {};
    if (file) {
      try {
        properties = (parseYaml(await fs.readFile(file, 'utf8')) as Record<string, unknown> | null) ?? {};
      } catch (err) {
        definitions.problems.set(j.name, `its exported definition ${path.basename(file)} cannot be read: ${errorMessage(err)}`);
      }
    } else if (!definitions.problems.has(j.name)) {
      definitions.problems.set(j.name, 'the backup holds no definition of it');
    }
    out.push({ ...j, properties });
  }
  return out;
}

/**
 * The jobs of a source that answers, exported with their code and components (src/export → src/jobs) into
 * `.aml-failover/jobs/<role>/`, the product's own folder: what the resubmission submits.
 */
export async function exportJobDefinitions(projectDir: string, from: Role, names: string[], conn: AzureConnection, signal: AbortSignal, logger: Logger): Promise<JobDefinitions> {
  const outDir = path.join(projectDir, STATE_DIR, 'jobs', from);
  const outcome = await exportWorkspace({ projectDir, from, kinds: ['jobs'], names: names.map((name) => ({ name })), outDir, signal, logger, connection: conn, force: true });
  if (outcome.cancelled) throw signal.reason ?? new Error('Cancelled.');
  const definitions = definitionsIn(outDir, (await readManifest(outDir))?.files ?? []);
  // Only what this export wrote and verified: an older file of the same job is not the job as it is now.
  for (const name of definitions.files.keys()) if (!names.includes(name)) definitions.files.delete(name);
  for (const j of outcome.jobs ?? []) {
    if (!j.file) definitions.problems.set(j.name, j.leftovers.join(' ') || 'its definition could not be exported');
  }
  for (const f of outcome.failed) {
    if (f.asset.kind !== 'job') continue;
    definitions.files.delete(f.asset.name);
    definitions.problems.set(f.asset.name, `its definition or code could not be exported from the source: ${f.error}`);
  }
  return definitions;
}

/** "2026-12-06T22:00:00Z (3 min old)". */
export function describeAge(takenAt: string, now = Date.now()): { description: string; ageSeconds: number } {
  const ageSeconds = Math.max(0, (now - Date.parse(takenAt)) / 1000);
  const age = ageSeconds < 90 ? `${Math.round(ageSeconds)} s` : ageSeconds < 5400 ? `${Math.round(ageSeconds / 60)} min` : `${(ageSeconds / 3600).toFixed(1)} h`;
  return { description: `the backup of ${takenAt} (${age} old)`, ageSeconds };
}
