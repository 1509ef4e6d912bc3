import * as path from 'node:path';
import { Argument, type Command } from 'commander';
import { UserError } from '../common/errors';
import type { CliContext } from '../cli/context';
import { ROLES, loadPairFile, parsePairFile, PAIR_FILE_NAME, type PairConfig, type Role } from '../pair/pairFile';
import { promises as fs } from 'node:fs';
import { configWarnings, describeWorkspace, resolveActive } from './active';
import { switchWorkspace } from './switchConfig';
import { notFoundMessage, which } from './which';
import { printable } from './configSearch';

/** `aml-failover switch <primary|secondary>` and `aml-failover which [dir]`. */
export function registerSwitchCli(program: Command, ctx: CliContext): void {
  program
    .command('switch')
    .description('Point .azureml/config.json at the primary or the secondary workspace (atomic; other keys kept)')
    .addArgument(new Argument('<role>', 'Workspace of the pair to make active').choices(ROLES))
    .option('--azure-cli-defaults', "Also set [defaults] group/workspace in the project's .azure/config")
    .option('--json', 'Print the result as JSON')
    .action(async (role: Role, opts: { azureCliDefaults?: boolean; json?: boolean }) => {
      const projectDir = ctx.projectDir();
      const pair = await loadPairFile(projectDir);
      const result = await switchWorkspace(projectDir, pair, role, { updateAzureCliDefaults: opts.azureCliDefaults, logger: ctx.logger });
      const active = await resolveActive(projectDir, pair);
      const warnings = await configWarnings(projectDir, pair, active);
      const rel = (p: string) => path.relative(projectDir, p) || p;
      if (opts.json) {
        ctx.out(JSON.stringify({ ...result, active: active.state, warnings }, null, 2));
      } else {
        const ws = result.target;
        ctx.out(
          result.changed
            ? `Switched to the ${role} workspace ${ws.workspace_name} (${ws.region}): ${rel(result.configFile)}`
            : `Already on the ${role} workspace ${ws.workspace_name} (${ws.region}); ${rel(result.configFile)} unchanged.`,
        );
        if (result.azureCliConfig) {
          ctx.out(`Azure CLI defaults ${result.azureCliConfig.changed ? 'set' : 'already set'} in ${rel(result.azureCliConfig.file)}: group=${ws.resource_group} workspace=${ws.workspace_name}`);
        }
      }
      for (const note of result.notes) ctx.err(`note: ${note}`);
      for (const w of warnings) ctx.err(`warning: ${w.message}`);
      if (active.role !== role) {
        // Another config file wins from the project root (e.g. the write target is shadowed): the switch did not take.
        throw new UserError(`The Azure ML SDK still reads ${active.hit ? rel(active.hit.file) : 'no config'} from ${projectDir}, not the ${role} workspace.`, 'failed');
      }
    });

  program
    .command('which')
    .description('Show which config file the Azure ML SDK would use from a folder, and which workspace it names')
    .argument('[dir]', 'Folder to start from, relative to the current folder (default: the project folder)')
    .option('--json', 'Print the result as JSON')
    .action(async (dir: string | undefined, opts: { json?: boolean }) => {
      const projectDir = ctx.projectDir();
      const start = path.resolve(dir ?? projectDir);
      const pair = await optionalPair(projectDir, ctx);
      const result = await which(start, pair);
      if (opts.json) ctx.out(JSON.stringify(result, null, 2));
      if (!result.hit || !result.config) {
        throw new UserError(notFoundMessage(start), 'failed');
      }
      if (result.config.state !== 'ok') {
        if (!opts.json) ctx.out(result.hit.file);
        throw new UserError(`${result.hit.file} is ${result.config.state === 'invalid' ? result.config.error : 'missing'}; the SDK cannot use it.`, 'usage');
      }
      if (!opts.json) {
        const ws = result.config.workspace;
        const role = result.role ? `${result.role} (${pair?.workspaces[result.role].region})` : pair ? 'not in the pair' : `no valid ${PAIR_FILE_NAME}`;
        ctx.out(
          [
            result.hit.file,
            `  workspace       ${printable(ws.workspace_name)}`,
            `  resource group  ${printable(ws.resource_group)}`,
            `  subscription    ${printable(ws.subscription_id)}`,
            `  read from       ${ws.via === 'Scope' ? 'the Scope key (wins over the other keys)' : 'subscription_id, resource_group, workspace_name'}`,
            `  pair role       ${role}`,
          ].join('\n'),
        );
      }
      if (pair) {
        const active = await resolveActive(projectDir, pair);
        for (const w of await configWarnings(projectDir, pair, active)) ctx.err(`warning: ${w.message}`);
        if (active.workspace && start !== projectDir && !sameNames(active.workspace, result.config.workspace)) {
          ctx.err(`warning: from ${start} the SDK uses ${describeWorkspace(result.config.workspace)}, not the active workspace ${active.workspace.workspace_name}.`);
        }
      }
    });
}

function sameNames(a: { workspace_name: string; resource_group: string; subscription_id: string }, b: typeof a): boolean {
  return describeWorkspace(a).toLowerCase() === describeWorkspace(b).toLowerCase();
}

/** `which` answers the SDK's question even without a pair file; a malformed pair file is reported, not fatal. */
async function optionalPair(projectDir: string, ctx: CliContext): Promise<PairConfig | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path.join(projectDir, PAIR_FILE_NAME), 'utf8');
  } catch {
    return undefined;
  }
  const parsed = parsePairFile(text, projectDir);
  if (parsed.ok) return parsed.config;
  ctx.err(`warning: ${PAIR_FILE_NAME} is not valid (run "aml-failover switch" for details); pair roles are not shown.`);
  return undefined;
}
