import type { ReadinessCheck, ReadinessFacts } from '../types';
import { finding, sameRegion } from './common';

/** A verified backup no older than amlFailover.backup.maxAgeHours, kept outside the primary's region. */
export function backup(facts: ReadinessFacts): ReadinessCheck[] {
  const b = facts.backup;
  const max = facts.backupMaxAgeHours;
  if (b.state === 'unavailable') return [finding('backup', 'unknown', `Cannot check: ${b.reason}`, 'Run the check again once backups can be listed', [])];
  if (b.state === 'none') return [finding('backup', 'fail', `No verified backup of the primary's workspace metadata was found in ${b.where}.`, 'Take a backup to storage outside the primary\'s region and verify it', [])];
  const ageHours = (facts.now - Date.parse(b.createdAt)) / 3_600_000;
  const problems: string[] = [];
  if (!b.verified) problems.push('it is not verified');
  if (!(ageHours <= max)) problems.push(`it is ${Number.isFinite(ageHours) ? `${Math.round(ageHours)} h` : 'of unknown age'} old (at most ${max} h, amlFailover.backup.maxAgeHours)`);
  if (sameRegion(b.location, facts.primary.ref.region)) problems.push(`it is kept in the primary's region ${b.location}, which an outage takes with it`);
  if (problems.length) return [finding('backup', 'fail', `The newest backup ${b.id} (${b.createdAt}): ${problems.join('; ')}.`, 'Take a new backup to storage outside the primary\'s region and verify it', [b.id])];
  return [finding('backup', 'pass', `Verified backup ${b.id} from ${b.createdAt} (${Math.round(ageHours)} h old), kept in ${b.location}.`, '', [b.id])];
}
