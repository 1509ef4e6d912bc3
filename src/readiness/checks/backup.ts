// The project's backups against amlFailover.backup.maxAgeHours: the recovery point of each workspace (src/backup's
// newest verified snapshot, else its newest complete one), as `status` and the Failover view show it.
import { formatAge } from '../../backup/recoveryPoint';
import type { Role } from '../../pair/pairFile';
import type { ReadinessCheck, ReadinessFacts, RecoveryPointFacts } from '../types';
import { finding, workspaceIdOf } from './common';

const OTHER: Record<Role, Role> = { primary: 'secondary', secondary: 'primary' };

/**
 * The primary's backup is what a failover restores from: none fails. The secondary's matters once it is the active
 * one (failing back restores from it), so it is checked when there is one; none is not a finding before a failover.
 */
export function backup(facts: ReadinessFacts): ReadinessCheck[] {
  const b = facts.backup;
  if (b.state === 'unavailable') return [finding('backup', 'unknown', `Cannot check: ${b.reason}`, 'Run the check again once the backup folder can be read', [])];
  const out: ReadinessCheck[] = [];
  const primary = b.points.primary;
  if (!primary) {
    out.push(
      finding('backup', 'fail', `No backup of the primary workspace in ${b.dir}: if its region is lost, a failover has nothing to restore notebooks, models, environments and job definitions from.`, 'Back it up off-region and verify it: aml-failover backup --from primary --to-storage secondary, then aml-failover verify <snapshot> (nightly: the README\'s scheduled-backup recipe)', [workspaceIdOf(facts.primary)]),
    );
  } else {
    out.push(recoveryPointFinding(facts, 'primary', primary));
  }
  const secondary = b.points.secondary;
  if (secondary) out.push(recoveryPointFinding(facts, 'secondary', secondary));
  return out;
}

function recoveryPointFinding(facts: ReadinessFacts, role: Role, point: RecoveryPointFacts): ReadinessCheck {
  const max = facts.backupMaxAgeHours;
  const ageMs = facts.now - Date.parse(point.takenAt);
  const age = Number.isFinite(ageMs) ? formatAge(ageMs) : 'of unknown age';
  const resources = [workspaceIdOf(facts[role]), point.place];
  const problems: string[] = [];
  const fixes: string[] = [];
  if (!point.verified) {
    problems.push('it is not verified');
    fixes.push(`verify it (aml-failover verify ${point.place})`);
  }
  const tooOld = !(ageMs <= max * 3_600_000);
  if (tooOld) {
    problems.push(`it is ${age} old, more than ${max} h (amlFailover.backup.maxAgeHours)`);
    fixes.push(`take a new one (aml-failover backup --from ${role} --to-storage ${OTHER[role]}) and verify it`);
  }
  // Kept outside the region it backs up: a copy on this machine, or in the primary's own region, is out of reach
  // exactly when it is needed.
  const off = point.offRegion;
  let where = '';
  if (off?.state === 'none') {
    problems.push(`no copy is kept outside the ${role}'s region (only ${point.place}, on this machine)`);
    if (!tooOld) fixes.push(`copy it off-region (aml-failover backup --from ${role} --to-storage ${OTHER[role]})`);
  } else if (off?.state === 'copied') {
    const offAgeMs = facts.now - Date.parse(off.takenAt);
    if (!(offAgeMs <= max * 3_600_000)) {
      problems.push(`its newest copy outside the region, ${off.location}, is ${formatAge(offAgeMs)} old, more than ${max} h`);
      if (!tooOld) fixes.push(`copy a new one off-region (aml-failover backup --from ${role} --to-storage ${OTHER[role]})`);
    } else {
      where = `; a copy from ${off.takenAt} is kept outside the region: ${off.location}`;
      resources.push(off.location);
    }
  } else if (off?.state === 'unknown') {
    where = `; whether a copy is kept outside the region could not be read (${off.reason})`;
  }
  if (problems.length) {
    const fix = fixes.join('; ');
    return finding('backup', 'warn', `The ${role} workspace's newest backup ${point.place} (${point.takenAt}): ${problems.join('; ')}${where}.`, fix.charAt(0).toUpperCase() + fix.slice(1), resources);
  }
  return finding('backup', 'pass', `Verified backup of the ${role} workspace from ${point.takenAt} (${age} old): ${point.place}${where}.`, '', resources);
}
