import { ROLES, type Role } from '../pair/pairFile';
import { formatDuration } from './deadline';
import type { WorkspaceHealth } from './state';
import type { Health } from './verdict';
import { printableName } from '../inventory/inventory';
import { describeRecoveryPoint, type RecoveryPointJson } from '../backup/recoveryPoint';
import { mergeEvents, type ServiceHealthEvent } from './azureView';

/** `aml-failover status --json`, exactly as documented. */
export interface StatusReport {
  active: Role | null;
  workspaces: Record<Role, { health: Health; region: string; checkedAt: string | null; latencyMs: number | null; detail: string; resourceHealth: ResourceHealthReport; backup?: RecoveryPointJson | null }>;
  /** Active Service Health events affecting Machine Learning in either region. */
  serviceHealth: ServiceHealthEvent[];
}

/** Resource Health of the workspace's storage account and key vault, by kind (absent until Azure was asked). */
export type ResourceHealthReport = Partial<Record<'storageAccount' | 'keyVault', { id: string; availabilityState: string; summary?: string }>>;

export const EXIT_HEALTHY = 0;
export const EXIT_OTHER = 1;
export const EXIT_ACTIVE_DOWN = 3;

export function statusReport(active: Role | null, states: Record<Role, WorkspaceHealth>): StatusReport {
  const entry = (s: WorkspaceHealth) => ({
    health: s.health,
    region: s.region,
    checkedAt: s.checkedAt !== undefined ? new Date(s.checkedAt).toISOString() : null,
    latencyMs: s.latencyMs !== undefined ? Math.round(s.latencyMs) : null,
    detail: s.reason,
    resourceHealth: Object.fromEntries((s.azureView?.resourceHealth ?? []).map(({ kind, id, availabilityState, summary }) => [kind, { id, availabilityState, ...(summary ? { summary } : {}) }])) as ResourceHealthReport,
  });
  return {
    active,
    workspaces: { primary: entry(states.primary), secondary: entry(states.secondary) },
    serviceHealth: mergeEvents(states.primary.azureView?.serviceHealth, states.secondary.azureView?.serviceHealth),
  };
}

/** 0 when the active workspace is healthy, 3 when it is down, 1 otherwise (no active workspace included). */
export function statusExitCode(report: StatusReport): number {
  if (!report.active) return EXIT_OTHER;
  const health = report.workspaces[report.active].health;
  if (health === 'healthy') return EXIT_HEALTHY;
  if (health === 'down') return EXIT_ACTIVE_DOWN;
  return EXIT_OTHER;
}

const SYMBOL: Record<Health, string> = { healthy: '✓', degraded: '!', down: '✗', unauthorized: '⊘', unknown: '?' };

/** A few aligned lines for a terminal. */
export function formatStatus(report: StatusReport, activeNote?: string): string {
  const lines = ROLES.map((role) => {
    const w = report.workspaces[role];
    const marker = report.active === role ? '*' : ' ';
    const latency = w.latencyMs !== null ? ` ${formatDuration(w.latencyMs)}` : '';
    const backup = w.backup === undefined ? '' : `\n      ${describeRecoveryPoint(w.backup, new Date())}`;
    return `${marker} ${SYMBOL[w.health]} ${role.padEnd(9)} ${w.region.padEnd(14)} ${w.health.padEnd(12)}${latency}\n      ${printableName(w.detail)}${backup}`;
  });
  for (const e of report.serviceHealth) lines.push(`  ! Azure Service Health: ${printableName(e.title)} (${printableName(e.trackingId)}, ${printableName(e.regions.join(', '))}, updated ${printableName(e.lastUpdate)})`);
  lines.push(report.active ? `* active: ${report.active}` : `  no active workspace${activeNote ? `: ${activeNote}` : ''}`);
  return lines.join('\n');
}
