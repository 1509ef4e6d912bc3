// The backup check's facts: each workspace's recovery point in the project's backup folder, read with src/backup
// exactly as `status` and the Failover view read it (newest verified snapshot, else newest complete one).
import * as path from 'node:path';
import type { AzureConnection } from '../azure/connection';
import { offRegionCopy } from '../backup/offsite';
import { recoveryPoint } from '../backup/recoveryPoint';
import { backupDir, parseSnapshotName } from '../backup/snapshots';
import { errorMessage } from '../common/errors';
import { ROLES, type PairConfig, type Role } from '../pair/pairFile';
import type { RecoveryPointSource } from './gather';
import type { BackupFacts, RecoveryPointFacts } from './types';

/**
 * The recovery points in `projectDir`'s backup folder (`backup: {dir}` of the pair file, else aml-backup/); with a
 * connection, also the primary's newest copy outside its region (in the secondary's blob store).
 */
export function projectRecoveryPoints(projectDir: string, conn?: AzureConnection): RecoveryPointSource {
  const offRegion = async (pair: PairConfig, signal: AbortSignal | undefined): Promise<RecoveryPointFacts['offRegion']> => {
    if (!conn) return undefined;
    try {
      const copy = await offRegionCopy(conn, pair, 'primary', signal ?? new AbortController().signal);
      return copy ? { state: 'copied', takenAt: parseSnapshotName(copy.name)!.toISOString(), location: copy.location } : { state: 'none' };
    } catch (err) {
      return { state: 'unknown', reason: errorMessage(err) };
    }
  };
  return {
    async recoveryPoints(pair: PairConfig, signal?: AbortSignal): Promise<BackupFacts> {
      let dir: string;
      try {
        dir = backupDir(projectDir, pair);
      } catch (err) {
        return { state: 'unavailable', reason: errorMessage(err) };
      }
      const place = (p: string) => {
        const rel = path.relative(projectDir, p);
        return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : p;
      };
      const entries = await Promise.all(
        ROLES.map(async (role): Promise<[Role, RecoveryPointFacts | undefined]> => {
          const snapshot = await recoveryPoint(dir, role);
          if (!snapshot) return [role, undefined];
          const point: RecoveryPointFacts = { place: place(snapshot.path), takenAt: snapshot.takenAt.toISOString(), verified: snapshot.verified };
          if (role === 'primary') point.offRegion = await offRegion(pair, signal);
          return [role, point];
        }),
      );
      return { state: 'read', dir: place(dir), points: Object.fromEntries(entries) as Record<Role, RecoveryPointFacts | undefined> };
    },
  };
}
