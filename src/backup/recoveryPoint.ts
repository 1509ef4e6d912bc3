// The recovery point of a workspace: its newest verified snapshot (else its newest complete one, marked not
// verified), how old it is, and how many notebooks and assets changed in the workspace since (its listing against
// the snapshot's manifest). `status --json` and the Failover view show it.
import * as path from 'node:path';
import type { AzureConnection } from '../azure/connection';
import type { Logger } from '../common/logger';
import type { ExportPlan } from '../export/engine';
import { readManifest, type AssetRef, type Manifest } from '../export/manifest';
import { EXPORT_KINDS, planExport } from '../export/plan';
import { bareETag } from '../export/transfer';
import { createHash } from 'node:crypto';
import type { PairConfig, Role, WorkspaceRef } from '../pair/pairFile';
import { backupDir, listSnapshots, roleDir, type Snapshot } from './snapshots';

/** `status --json` → `workspaces.<role>.backup` (null when the workspace has no complete snapshot). */
export interface RecoveryPointJson {
  /** The snapshot folder (absolute). */
  path: string;
  takenAt: string;
  verified: boolean;
  /** Changed in the workspace since; null when the workspace could not be listed (down, say). */
  changedSince: ChangedSince | null;
}

export interface ChangedSince {
  /** Notebook files added, changed or removed. */
  notebooks: number;
  /** Model versions, environment versions and jobs added, changed or removed. */
  assets: number;
}

/** The newest verified snapshot of `role`; without one, the newest complete one (verified: false). */
export async function recoveryPoint(dir: string, role: Role): Promise<Snapshot | undefined> {
  const complete = (await listSnapshots(roleDir(dir, role))).filter((s) => s.complete);
  return complete.filter((s) => s.verified).pop() ?? complete.pop();
}

/** The recovery point of `role` in the project's backup folder (`backup: {dir}`, else aml-backup/). */
export async function projectRecoveryPoint(projectDir: string, pair: PairConfig, role: Role): Promise<Snapshot | undefined> {
  let dir: string;
  try {
    dir = backupDir(projectDir, pair);
  } catch {
    // A backup: section that is not usable: no recovery point to show (backup itself says why).
    return undefined;
  }
  return recoveryPoint(dir, role);
}

/** Lists the workspace as a backup would and compares with the snapshot's manifest. */
export async function listChangesSince(conn: AzureConnection, workspace: WorkspaceRef, snapshot: Snapshot, signal: AbortSignal, logger: Logger): Promise<ChangedSince> {
  const manifest = await readManifest(snapshot.path);
  const plan = await planExport(conn, { kinds: [...EXPORT_KINDS], workspace, signal, logger });
  try {
    return changesSince(plan, manifest ?? { files: [] });
  } finally {
    plan.dispose();
  }
}

/**
 * Pure: what differs between a listing (an export plan) and a manifest. A notebook file counts when it is new,
 * gone, or its ETag or size differs; an asset (model or environment version, job) when any of its files does, or
 * its generated YAML differs, or it is new or gone.
 */
export function changesSince(plan: Pick<ExportPlan, 'downloads' | 'writes'>, manifest: Pick<Manifest, 'files'>): ChangedSince {
  const recorded = new Map(manifest.files.map((e) => [e.path, e]));
  const seen = new Set<string>();
  const notebooks = new Set<string>();
  const assets = new Set<string>();
  const mark = (local: string, asset: AssetRef) => (asset.kind === 'notebooks' ? notebooks.add(local) : assets.add(assetKey(asset)));
  for (const d of plan.downloads) {
    seen.add(d.local);
    const e = recorded.get(d.local);
    const same = e && e.size === d.remote.size && (!d.remote.etag || (e.etag !== undefined && bareETag(e.etag) === bareETag(d.remote.etag)));
    if (!same) mark(d.local, d.asset);
  }
  for (const w of plan.writes) {
    seen.add(w.local);
    const e = recorded.get(w.local);
    if (!e || e.sha256 !== createHash('sha256').update(w.content, 'utf8').digest('hex')) mark(w.local, w.asset);
  }
  for (const e of manifest.files) if (!seen.has(e.path)) mark(e.path, e.asset);
  return { notebooks: notebooks.size, assets: assets.size };
}

function assetKey(a: AssetRef): string {
  return `${a.kind}\u0000${a.name}\u0000${a.version ?? ''}`;
}

export function recoveryPointJson(snapshot: Snapshot, changedSince: ChangedSince | null): RecoveryPointJson {
  return { path: snapshot.path, takenAt: snapshot.takenAt.toISOString(), verified: snapshot.verified, changedSince };
}

/** `3 h`, `2 d`, `45 min`: how old a snapshot is, for a person. */
export function formatAge(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(hours / 24)} d`;
}

/** One line for `status` and the view: `backup 3 h old (verified), 2 notebooks and 1 asset changed since — aml-backup/primary/…`. */
export function describeRecoveryPoint(point: RecoveryPointJson | null, now: Date, projectDir?: string): string {
  if (!point) return 'no backup';
  const age = formatAge(now.getTime() - Date.parse(point.takenAt));
  const place = projectDir && !path.relative(projectDir, point.path).startsWith('..') ? path.relative(projectDir, point.path) : point.path;
  return `backup ${age} old (${point.verified ? 'verified' : 'not verified'}), ${describeChanges(point.changedSince)} — ${place}`;
}

export function describeChanges(c: ChangedSince | null): string {
  if (!c) return 'changes since unknown';
  if (c.notebooks + c.assets === 0) return 'nothing changed since';
  const parts = [c.notebooks ? `${c.notebooks} notebook file${c.notebooks === 1 ? '' : 's'}` : '', c.assets ? `${c.assets} asset${c.assets === 1 ? '' : 's'}` : ''].filter(Boolean);
  return `${parts.join(' and ')} changed since`;
}

/** True when the snapshot is older than `maxAgeHours`. */
export function isTooOld(takenAt: Date, now: Date, maxAgeHours: number): boolean {
  return now.getTime() - takenAt.getTime() > maxAgeHours * 3_600_000;
}

/**
 * `workspaces.<role>.backup` for `status`: each workspace's recovery point, with what changed since listed only
 * where the workspace answers (`reachable`); a region that is down is not waited for.
 */
export async function recoveryPointsForStatus(
  projectDir: string,
  pair: PairConfig,
  reachable: (role: Role) => boolean,
  connection: () => Promise<AzureConnection>,
  signal: AbortSignal,
  logger: Logger,
): Promise<Record<Role, RecoveryPointJson | null>> {
  const point = async (role: Role): Promise<RecoveryPointJson | null> => {
    const snapshot = await projectRecoveryPoint(projectDir, pair, role);
    if (!snapshot) return null;
    let changed: ChangedSince | null = null;
    if (reachable(role)) {
      try {
        changed = await listChangesSince(await connection(), pair.workspaces[role], snapshot, signal, logger);
      } catch (err) {
        logger.warn(`Could not list the ${role} workspace to compare with its backup: ${(err as Error).message}`);
      }
    }
    return recoveryPointJson(snapshot, changed);
  };
  const [primary, secondary] = await Promise.all([point('primary'), point('secondary')]);
  return { primary, secondary };
}
