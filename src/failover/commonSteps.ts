// Steps the failover and fail back runbooks share: what still names the workspace left behind, and the report.
import type { PairConfig, Role } from '../pair/pairFile';
import type { RunbookStep } from './runbook';
import { stillPointingAtSource } from './stillPointing';

/** Lists what still names the `left` workspace; the lines go to `found` (their first line is a heading). */
export function stillPointingStep(o: { projectDir: string; pair: PairConfig; env?: NodeJS.ProcessEnv }, left: Role, title: string, summary: (count: number) => string, found: (lines: string[]) => void): RunbookStep {
  const ws = o.pair.workspaces[left];
  return {
    id: 'still-pointing',
    title,
    always: true,
    plan: () => `Look for references to ${ws.workspace_name} (${ws.region}) in the project, .env files, environment variables and Azure CLI defaults.`,
    run: async ({ signal }) => {
      const lines = await stillPointingAtSource(o.projectDir, o.pair, left, o.env ?? process.env, signal);
      found(lines);
      return { summary: summary(lines.length - 1), details: lines };
    },
  };
}

/** The last step: the adapters write the report from the runbook's record once it ends. */
export function reportStep(what: string): RunbookStep {
  return { id: 'report', title: 'Report', always: true, plan: () => `Write the report: ${what}.`, run: () => Promise.resolve({ summary: 'Report written.' }) };
}
