import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Option, type Command } from 'commander';
import { createFileExclusive, writeFileAtomic } from '../common/atomicWrite';
import { UserError } from '../common/errors';
import type { CliContext } from '../cli/context';
import { findSdkConfig, readWorkspaceConfig } from '../switch/configSearch';
import { PAIR_FILE_NAME, parsePairFile, validateWorkspaceField, type WorkspaceRef } from './pairFile';
import { pairedRegion, parseWorkspaceId, renderPairFile } from './pairTemplate';

/** `aml-failover init`: the command-line twin of "Create failover config". */
export function registerPairCli(program: Command, ctx: CliContext): void {
  program
    .command('init')
    .description(`Write ${PAIR_FILE_NAME}: the primary and the secondary workspace of the project`)
    .addOption(new Option('--primary <id>', 'Workspace ARM id or Azure ML studio URL (default: the workspace .azureml/config.json names now)'))
    .requiredOption('--primary-region <region>', 'Region of the primary, e.g. eastus')
    .requiredOption('--secondary <id>', 'Workspace ARM id or Azure ML studio URL of the secondary')
    .option('--secondary-region <region>', "Region of the secondary (default: the region paired with the primary's)")
    .option('--force', `Overwrite an existing ${PAIR_FILE_NAME}`)
    .action(async (opts: { primary?: string; primaryRegion: string; secondary: string; secondaryRegion?: string; force?: boolean }) => {
      const projectDir = ctx.projectDir();
      const file = path.join(projectDir, PAIR_FILE_NAME);
      if (!opts.force && (await exists(file))) throw new UserError(`${file} already exists; pass --force to overwrite it.`, 'usage');
      const primaryNamed = opts.primary === undefined ? await currentWorkspace(projectDir) : named('--primary', opts.primary);
      const primary: WorkspaceRef = { ...primaryNamed, region: region('--primary-region', opts.primaryRegion) };
      const secondaryRegion = opts.secondaryRegion ?? pairedRegion(primary.region);
      if (!secondaryRegion) throw new UserError(`${primary.region} has no Azure regional pair; give --secondary-region.`, 'usage');
      const secondary: WorkspaceRef = { ...named('--secondary', opts.secondary), region: region('--secondary-region', secondaryRegion) };
      const text = renderPairFile(primary, secondary);
      const check = parsePairFile(text, projectDir);
      if (!check.ok) throw new UserError(check.problems.filter((p) => p.severity === 'error').map((p) => p.message).join('\n'), 'usage');
      if (opts.force) await writeFileAtomic(file, text);
      else await createFileExclusive(file, text).catch((err: NodeJS.ErrnoException) => {
        // Created by something else since the check above: still never overwritten without --force.
        throw err.code === 'EEXIST' ? new UserError(`${file} already exists; pass --force to overwrite it.`, 'usage') : err;
      });
      ctx.out(`Wrote ${file}: primary ${primary.workspace_name} (${primary.region}), secondary ${secondary.workspace_name} (${secondary.region}).`);
    });
}

function named(flag: string, text: string): Omit<WorkspaceRef, 'region'> {
  const ws = parseWorkspaceId(text);
  if (!ws) throw new UserError(`${flag} must be a workspace ARM id (/subscriptions/…/resourceGroups/…/providers/Microsoft.MachineLearningServices/workspaces/…) or a studio URL with wsid=…`, 'usage');
  return ws;
}

function region(flag: string, value: string): string {
  const bad = validateWorkspaceField('region', value);
  if (bad) throw new UserError(`${flag}: ${bad}`, 'usage');
  return value;
}

async function currentWorkspace(projectDir: string): Promise<Omit<WorkspaceRef, 'region'>> {
  const hit = await findSdkConfig(projectDir);
  if (!hit) throw new UserError('No workspace config found from the project folder: give --primary.', 'usage');
  const read = await readWorkspaceConfig(hit.file);
  if (read.state !== 'ok') throw new UserError(`${hit.file} is ${read.state === 'invalid' ? read.error : 'missing'}: give --primary.`, 'usage');
  const { subscription_id, resource_group, workspace_name } = read.workspace;
  return { subscription_id, resource_group, workspace_name };
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
