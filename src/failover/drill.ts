// A drill: the failover runbook as a rehearsal. It takes a backup (src/backup: the jobs with their code and
// statuses, and the assets they need), then — on the sandbox — takes the primary down itself; with --simulate-outage on Azure it sends the primary nothing
// after the backup. Everything it creates in the target is tagged `aml-failover.drill: <id>` and recorded in
// .aml-failover/drills/<id>.json (names and the config file's previous text — never a secret), so that
// `aml-failover drill --cleanup <id>` cancels its jobs, archives what it registered and puts the config back.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { realTargetWithin, writeFileAtomic } from '../common/atomicWrite';
import { UserError } from '../common/errors';
import type { PairConfig, Role } from '../pair/pairFile';
import { AZURE_CLI_LOCAL_CONFIG } from '../switch/azureCliDefaults';
import { SWITCH_TARGET } from '../switch/configSearch';
import { STATE_DIR } from './backups';
import type { WorkspaceOps } from './workspaceOps';

export const DRILLS_DIR = 'drills';

export interface DrillRecord {
  id: string;
  startedAt: string;
  from: Role;
  to: Role;
  /** The files the drill may change, with their text before it (null: the file did not exist). */
  files: { path: string; before: string | null }[];
  /** Set when the drill took the sandbox's primary down itself (cleanup heals it). */
  sandboxFault?: Role;
  jobs: string[];
  environments: { name: string; version: string }[];
  /** Model versions it restored into the target (cleanup archives them). */
  models?: { name: string; version: string }[];
  /** Named components its resubmissions registered in the target (cleanup archives them). */
  components?: { name: string; version: string }[];
  /** Code versions its resubmissions uploaded and registered in the target (cleanup archives them). */
  codes?: { name: string; version: string }[];
  /** Schedules the drill disabled in the source before its outage (and enabled in the target); cleanup hands them back. */
  schedules?: string[];
  /** Schedule copies it created in the target (cleanup deletes them once the schedules are handed back). */
  scheduleCopies?: string[];
  cleanedUpAt?: string;
}

export function newDrillId(now = new Date()): string {
  return `${now.toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(3).toString('hex')}`;
}

export function cleanupCommand(id: string): string {
  return `aml-failover drill --cleanup ${id}`;
}

const ID = /^[0-9]{8}-[0-9a-f]{6}$/;

function recordFile(projectDir: string, id: string): string {
  if (!ID.test(id)) throw new UserError(`"${id}" is not a drill id (like 20261206-a1b2c3); the ids are the file names under ${STATE_DIR}/${DRILLS_DIR}/.`, 'usage');
  return path.join(projectDir, STATE_DIR, DRILLS_DIR, `${id}.json`);
}

export async function saveDrill(projectDir: string, r: DrillRecord): Promise<void> {
  const file = recordFile(projectDir, r.id);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(await realTargetWithin(projectDir, file), JSON.stringify(r, null, 2) + '\n');
}

export async function loadDrill(projectDir: string, id: string): Promise<DrillRecord> {
  const file = recordFile(projectDir, id);
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as DrillRecord;
  } catch {
    throw new UserError(`No drill ${id} in this project (${path.relative(projectDir, file)} is missing or unreadable).`, 'usage');
  }
}

/** Remembers the config files as they are before the drill switches anything. */
export async function filesBefore(projectDir: string): Promise<DrillRecord['files']> {
  const out: DrillRecord['files'] = [];
  for (const rel of [SWITCH_TARGET, AZURE_CLI_LOCAL_CONFIG]) {
    const real = await realTargetWithin(projectDir, path.join(projectDir, ...rel.split('/')));
    out.push({ path: rel, before: await fs.readFile(real, 'utf8').catch(() => null) });
  }
  return out;
}

export interface CleanupResult {
  lines: string[];
  problems: string[];
}

/** Undoes a drill: cancels and archives its jobs, archives what it registered, puts the config files back. */
export async function cleanupDrill(
  projectDir: string,
  pair: PairConfig,
  id: string,
  ops: WorkspaceOps,
  signal: AbortSignal,
  heal?: (role: Role) => Promise<void>,
  handBackSchedules?: (r: DrillRecord, names: string[]) => Promise<void>,
  deleteScheduleCopy?: (r: DrillRecord, name: string) => Promise<void>,
): Promise<CleanupResult> {
  const r = await loadDrill(projectDir, id);
  const target = pair.workspaces[r.to];
  const lines: string[] = [];
  const problems: string[] = [];
  const attempt = async (what: string, work: () => Promise<void>) => {
    try {
      await work();
      lines.push(what);
    } catch (err) {
      problems.push(`${what}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
  };
  for (const job of r.jobs) {
    await attempt(`canceled and archived job ${job}`, async () => {
      await ops.cancelJob(target, job, signal);
      await ops.archiveJob(target, job, signal);
    });
  }
  for (const e of r.environments) await attempt(`archived environment ${e.name}:${e.version}`, () => ops.archiveVersion(target, 'environment', e.name, e.version, signal));
  for (const m of r.models ?? []) await attempt(`archived model ${m.name}:${m.version}`, () => ops.archiveVersion(target, 'model', m.name, m.version, signal));
  for (const c of r.components ?? []) await attempt(`archived component ${c.name}:${c.version}`, () => ops.archiveVersion(target, 'component', c.name, c.version, signal));
  // The code's files stay in the target's storage (LocalUpload/<hash>/…): Azure ML archives a code version, it cannot delete it.
  for (const c of r.codes ?? []) await attempt(`archived code ${c.name}:${c.version} (its uploaded files stay in the ${r.to}'s default datastore)`, () => ops.archiveVersion(target, 'code', c.name, c.version, signal));
  for (const f of r.files) {
    const file = await realTargetWithin(projectDir, path.join(projectDir, ...f.path.split('/')));
    const now = await fs.readFile(file, 'utf8').catch(() => null);
    if (now === f.before) continue;
    if (f.before === null) await fs.rm(file, { force: true });
    else await writeFileAtomic(file, f.before);
    lines.push(`${f.path} put back as it was before the drill`);
  }
  if (r.sandboxFault && heal) await attempt(`sandbox ${r.sandboxFault} region healed`, () => heal(r.sandboxFault!));
  // Once the source answers again: its schedules back on, the target's copies off (never both on).
  const problemsBefore = problems.length;
  if (r.schedules?.length && handBackSchedules) await attempt(`schedules handed back to the ${r.from}: ${r.schedules.join(', ')}`, () => handBackSchedules(r, r.schedules!));
  // The copies record the source's state (their tags): kept until the hand-back has worked.
  if (deleteScheduleCopy && problems.length === problemsBefore) for (const name of r.scheduleCopies ?? []) await attempt(`deleted the drill's copy of schedule ${name} in the ${r.to}`, () => deleteScheduleCopy(r, name));
  if (!problems.length) await saveDrill(projectDir, { ...r, cleanedUpAt: new Date().toISOString() });
  return { lines, problems };
}
