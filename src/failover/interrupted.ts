// Which jobs an outage interrupted: the rule of the failover guidance ("jobs running when the outage occurs will not
// transition to the secondary … they must be resubmitted"), applied to the last listing — live, or the statuses a
// backup recorded.

/** States of a job that had not finished when the listing was taken. */
export const UNFINISHED_STATES: readonly string[] = ['NotStarted', 'Starting', 'Provisioning', 'Preparing', 'Queued', 'Running', 'Finalizing', 'NotResponding', 'Paused'];

// What the service (and the sandbox on heal) says when a region's outage ended a job.
const OUTAGE_REASON = /\b(region|regional)\b.*\b(unavailable|outage|down)\b|\boutage\b|service ?unavailable/i;

export interface ListedJob {
  name: string;
  status: string;
  /** The failure reason the service gave (properties.FailureReason, error message), when there is one. */
  failureReason?: string;
}

export function isInterrupted(job: ListedJob): boolean {
  if (UNFINISHED_STATES.some((s) => s.toLowerCase() === job.status.toLowerCase())) return true;
  return job.status.toLowerCase() === 'failed' && Boolean(job.failureReason && OUTAGE_REASON.test(job.failureReason));
}

export function interruptedJobs<T extends ListedJob>(jobs: readonly T[]): T[] {
  return jobs.filter(isInterrupted);
}

/** Why a job counts as interrupted, in a few words. */
export function interruptedBecause(job: ListedJob): string {
  return job.status.toLowerCase() === 'failed' ? `failed: ${job.failureReason ?? 'region outage'}` : `was ${job.status}`;
}
