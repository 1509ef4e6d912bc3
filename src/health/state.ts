import type { Role } from '../pair/pairFile';
import type { AzureView } from './azureView';
import { decideVerdict, type AssociatedOutcome, type Health, type ProbeResult, type VerdictOptions } from './verdict';

/** The last known health of one workspace, with its time; what the status bar, the tree and `status` show. */
export interface WorkspaceHealth {
  role: Role;
  region: string;
  health: Health;
  reason: string;
  /** When the last probe finished (ms since epoch); undefined before the first. */
  checkedAt?: number;
  /** Latency of the last workspace GET that got an answer. */
  latencyMs?: number;
  /** When `health` last changed. */
  since?: number;
  lastHealthyAt?: number;
  provisioningState?: string;
  /** Latest outcome per associated resource (they are probed less often than the workspace). */
  associated: AssociatedOutcome[];
  /** What Azure said last (Resource Health, Service Health); kept between the rounds that ask. */
  azureView?: AzureView;
}

export function initialHealth(role: Role, region: string): WorkspaceHealth {
  return { role, region, health: 'unknown', reason: 'Not checked yet.', associated: [] };
}

/** Folds one probe into the last known state. A probe the rate limit skipped changes nothing. */
export function nextHealth(previous: WorkspaceHealth, result: ProbeResult, options?: VerdictOptions): WorkspaceHealth {
  if (result.rateLimited) return previous;
  const associated = result.associated ?? previous.associated;
  const verdict = decideVerdict(result, associated, options);
  const changed = verdict.health !== previous.health;
  return {
    role: previous.role,
    region: previous.region,
    health: verdict.health,
    reason: verdict.reason,
    checkedAt: result.checkedAt,
    latencyMs: result.workspace.ok || result.workspace.kind !== 'timeout' ? result.workspace.latencyMs : undefined,
    since: changed || previous.since === undefined ? result.checkedAt : previous.since,
    lastHealthyAt: verdict.health === 'healthy' ? result.checkedAt : previous.lastHealthyAt,
    provisioningState: result.provisioningState ?? previous.provisioningState,
    associated,
    azureView: result.azureView ?? previous.azureView,
  };
}
