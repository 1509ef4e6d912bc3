// The failover report: the same content as Markdown for people (--report FILE) and as JSON (--json). Pure.
import type { PairConfig, Role } from '../pair/pairFile';
import type { RunbookRecord } from './runbook';

export const NOT_CARRIED_OVER = [
  'Run history, metrics, logs and outputs of jobs run in the source (MLflow tracking stays in the source region).',
  'Jobs that had finished: only interrupted jobs are resubmitted.',
  'Online and batch endpoints and their deployments.',
  'Secrets in key vaults and connections (re-create them in the target).',
  'Compute instances themselves: a job that ran on one is mapped to a target compute, the instance is not recreated.',
];

export interface ResubmittedJob {
  source: string;
  sourceId: string;
  /** New name in the target; undefined when it was not submitted. */
  name?: string;
  outcome: 'submitted' | 'already-resubmitted' | 'skipped' | 'failed';
  reason?: string;
  /** Status seen by the confirm step. */
  status?: string;
  /** What the submission created in the target with it (its code asset, components, inline environments). */
  created?: string[];
}

export interface FailoverReport {
  kind: 'failover' | 'drill' | 'failback';
  drillId?: string;
  from: { role: string; workspace: string; region: string };
  to: { role: string; workspace: string; region: string };
  outcome: RunbookRecord['outcome'];
  switched: boolean;
  startedAt: string;
  finishedAt?: string;
  /** What the target now reflects: "now (the source answered)" or the backup's time and age. */
  recoveryPoint: { at?: string; description: string; ageSeconds?: number };
  /** Start → every resubmitted job Queued or later in the target; undefined when that was not reached. */
  recoveryTimeSeconds?: number;
  steps: RunbookRecord['steps'];
  jobs: ResubmittedJob[];
  stillPointing: string[];
  notDone: string[];
  /** The command that finishes what was not done. */
  finishWith?: string;
  cleanupCommand?: string;
  notCarriedOver: string[];
}

/** What every report says the same way, in this order: the two workspaces, the runbook's outcome and times. */
export function reportBasics(pair: PairConfig, from: Role, to: Role, record: RunbookRecord): Pick<FailoverReport, 'from' | 'to' | 'outcome' | 'switched' | 'startedAt' | 'finishedAt'> {
  const ws = (role: Role) => ({ role, workspace: pair.workspaces[role].workspace_name, region: pair.workspaces[role].region });
  return { from: ws(from), to: ws(to), outcome: record.outcome, switched: record.switched, startedAt: record.startedAt, finishedAt: record.finishedAt };
}

export function toJson(r: FailoverReport): string {
  return JSON.stringify(r, null, 2);
}

export function toMarkdown(r: FailoverReport): string {
  const lines: string[] = [];
  const title = r.kind === 'drill' ? `Failover drill ${r.drillId ?? ''}`.trim() : r.kind === 'failback' ? 'Fail back' : 'Failover';
  lines.push(`# ${title}: ${r.from.workspace} (${r.from.region}) → ${r.to.workspace} (${r.to.region})`, '');
  lines.push(`- **Outcome:** ${r.outcome}${r.switched ? ' — the project now points at the ' + r.to.role : ' — the project still points where it did'}`);
  lines.push(`- **Started:** ${r.startedAt}${r.finishedAt ? ` · **finished:** ${r.finishedAt}` : ''}`);
  lines.push(`- **Recovery point:** ${r.recoveryPoint.description}`);
  lines.push(`- **Recovery time:** ${r.recoveryTimeSeconds === undefined ? 'not reached (no resubmitted job confirmed in the target)' : `${r.recoveryTimeSeconds.toFixed(1)} s (start → resubmitted jobs queued or running in the target)`}`);
  if (r.cleanupCommand) lines.push(`- **Undo the drill:** \`${r.cleanupCommand}\``);
  lines.push('', '## Steps', '', '| # | Step | Started | Duration | Outcome | Summary |', '| - | - | - | - | - | - |');
  r.steps.forEach((s, i) => {
    lines.push(`| ${i + 1} | ${cell(s.title)} | ${s.startedAt ?? '—'} | ${s.durationMs === undefined ? '—' : `${(s.durationMs / 1000).toFixed(2)} s`} | ${s.outcome} | ${cell(s.summary ?? '')} |`);
  });
  for (const s of r.steps) {
    if (!s.details.length && !s.skipped.length && !s.error) continue;
    lines.push('', `### ${s.title}`, '');
    for (const d of s.details) lines.push(`- ${d}`);
    for (const k of s.skipped) lines.push(`- skipped: ${k.what} — ${k.why}`);
    if (s.error) lines.push(`- error: ${s.error}`);
  }
  if (r.jobs.length) {
    lines.push('', '## Jobs', '', '| Source job | New job | Outcome | Status | Why |', '| - | - | - | - | - |');
    for (const j of r.jobs) lines.push(`| ${cell(j.source)} | ${cell(j.name ?? '—')} | ${j.outcome} | ${j.status ?? '—'} | ${cell(j.reason ?? '')} |`);
  }
  if (r.stillPointing.length) {
    lines.push('', '## Still pointing at the source', '');
    for (const p of r.stillPointing) lines.push(`- ${p}`);
  }
  if (r.notDone.length || r.finishWith) {
    lines.push('', '## Not done', '');
    for (const n of r.notDone) lines.push(`- ${n}`);
    if (r.finishWith) lines.push('', `Finish with: \`${r.finishWith}\``);
  }
  lines.push('', '## Not carried over', '');
  for (const n of r.notCarriedOver) lines.push(`- ${n}`);
  return lines.join('\n') + '\n';
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
