// Steps the failover and fail back runbooks share: the switch, what still names the workspace left behind, and the
// report.
import * as path from 'node:path';
import type { Logger } from '../common/logger';
import type { PairConfig, Role } from '../pair/pairFile';
import { switchWorkspace } from '../switch/switchConfig';
import type { RunbookStep } from './runbook';
import { stillPointingAtSource } from './stillPointing';

/**
 * The step that switches: points .azureml/config.json (and the Azure CLI defaults when asked) at `o.to`. `back` words
 * it for fail back ("again"); `before` runs first (a drill's simulated outage starts there).
 */
export function switchStep(
  o: { projectDir: string; pair: PairConfig; to: Role; logger: Logger; updateAzureCliDefaults?: boolean; env?: NodeJS.ProcessEnv },
  { back = false, before }: { back?: boolean; before?: () => Promise<void> } = {},
): RunbookStep {
  const target = o.pair.workspaces[o.to].workspace_name;
  return {
    id: 'switch',
    title: back ? 'Switch the workspace config back' : 'Switch the workspace config',
    switches: true,
    plan: () => `Point .azureml/config.json${o.updateAzureCliDefaults ? ' and the Azure CLI defaults' : ''} at ${target} (${o.to})${back ? ' again' : ''}.`,
    run: async () => {
      await before?.();
      const r = await switchWorkspace(o.projectDir, o.pair, o.to, { updateAzureCliDefaults: o.updateAzureCliDefaults, logger: o.logger, env: o.env });
      const rel = path.relative(o.projectDir, r.configFile);
      const cli = r.azureCliConfig ? [`Azure CLI defaults ${r.azureCliConfig.changed ? 'set' : 'already set'} in ${path.relative(o.projectDir, r.azureCliConfig.file)}`] : [];
      return {
        summary: r.changed ? `${rel} ${back ? 'names' : 'now names'} ${target}${back ? ' again' : ''}.` : `${rel} already named ${target}.`,
        details: [...cli, ...r.notes],
      };
    },
  };
}

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
