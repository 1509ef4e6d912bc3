// The backup check's facts: each workspace's recovery point in the project's backup folder, read with src/backup
// exactly as `status` and the Failover view read it (newest verified snapshot, else newest complete one).
import * as path from 'node:path';
import { recoveryPoint } from '../backup/recoveryPoint';
import { backupDir } from '../backup/snapshots';
import { errorMessage } from '../common/errors';
import { ROLES, type PairConfig, type Role } from '../pair/pairFile';
import type { RecoveryPointSource } from './gather';
import type { BackupFacts, RecoveryPointFacts } from './types';

/** The recovery points in `projectDir`'s backup folder (`backup: {dir}` of the pair file, else aml-backup/). */
export function projectRecoveryPoints(projectDir: string): RecoveryPointSource {
  return {
    async recoveryPoints(pair: PairConfig): Promise<BackupFacts> {
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
          return [role, snapshot && { place: place(snapshot.path), takenAt: snapshot.takenAt.toISOString(), verified: snapshot.verified }];
        }),
      );
      return { state: 'read', dir: place(dir), points: Object.fromEntries(entries) as Record<Role, RecoveryPointFacts | undefined> };
    },
  };
}
