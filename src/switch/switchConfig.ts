import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { realTargetWithin, writeFileAtomic } from '../common/atomicWrite';
import { UserError } from '../common/errors';
import { silentLogger, type Logger } from '../common/logger';
import { workspaceArmId, type PairConfig, type Role, type WorkspaceRef } from '../pair/pairFile';
import { AZURE_CLI_LOCAL_CONFIG, readIniDefaults, setIniDefaults } from './azureCliDefaults';
import { SWITCH_TARGET, parseWorkspaceConfig, stripBom, type ConfiguredWorkspace } from './configSearch';

export interface SwitchOptions {
  /** Also set `[defaults] group/workspace` in `<project>/.azure/config`. */
  updateAzureCliDefaults?: boolean;
  logger?: Logger;
  /** For the `AZURE_DEFAULTS_*` check; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface SwitchResult {
  role: Role;
  target: WorkspaceRef;
  /** Absolute path of the config file written (or already right). */
  configFile: string;
  /** False when the file already named the target exactly (nothing was written). */
  changed: boolean;
  /** What the file named before, when it named a workspace. */
  previous?: ConfiguredWorkspace;
  azureCliConfig?: { file: string; changed: boolean };
  /** Things the user should know (e.g. the Azure CLI subscription is not a default). */
  notes: string[];
}

/**
 * The new text of `.azureml/config.json` naming `target`: the three keys set, a `Scope` key (if present) rewritten
 * to the target's ARM id, every other key kept in place, indentation, line endings and BOM kept.
 * Throws a usage UserError (and changes nothing) when the existing text is not a JSON object.
 */
export function planConfigJson(existing: string | undefined, target: WorkspaceRef, file = SWITCH_TARGET): { text: string; previous?: ConfiguredWorkspace } {
  let data: Record<string, unknown> = {};
  let previous: ConfiguredWorkspace | undefined;
  if (existing !== undefined && existing.trim() !== '') {
    const parsed = parseWorkspaceConfig(existing);
    if (!parsed.ok && parsed.notJson) {
      throw new UserError(`${file} is ${parsed.error}. Nothing was written and the file is unchanged; fix or delete it, then switch again.`, 'usage');
    }
    let value: unknown;
    try {
      value = JSON.parse(stripBom(existing));
    } catch {
      value = undefined;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new UserError(`${file} is not a JSON object. Nothing was written and the file is unchanged; fix or delete it, then switch again.`, 'usage');
    }
    data = value as Record<string, unknown>;
    if (parsed.ok) previous = parsed.workspace;
  }
  const next: Record<string, unknown> = { ...data };
  next.subscription_id = target.subscription_id;
  next.resource_group = target.resource_group;
  next.workspace_name = target.workspace_name;
  if ('Scope' in data) next.Scope = workspaceArmId(target);
  const indent = existing ? detectIndent(existing) : '    ';
  const eol = existing?.includes('\r\n') ? '\r\n' : '\n';
  const bom = existing?.charCodeAt(0) === 0xfeff ? '\ufeff' : '';
  const trailing = existing === undefined || existing.trim() === '' || /\n\s*$/.test(existing) ? eol : '';
  const text = bom + JSON.stringify(next, null, indent).replace(/\n/g, eol) + trailing;
  return { text, previous };
}

function detectIndent(text: string): string {
  const m = /^([ \t]+)"/m.exec(text);
  return m ? m[1] : '    ';
}

/**
 * Points the project's `.azureml/config.json` at the pair's `role` workspace (atomically; other keys kept), and
 * optionally the local Azure CLI defaults. Everything is planned before anything is written, so a bad file
 * leaves both untouched.
 */
export async function switchWorkspace(projectDir: string, pair: PairConfig, role: Role, options: SwitchOptions = {}): Promise<SwitchResult> {
  const logger = options.logger ?? silentLogger;
  const env = options.env ?? process.env;
  const target = pair.workspaces[role];
  const configFile = path.join(path.resolve(projectDir), ...SWITCH_TARGET.split('/'));
  // A repository's symbolic link (`.azureml -> ~/elsewhere`) must not carry the write out of the project.
  const configTarget = await realTargetWithin(projectDir, configFile);
  const existing = await readIfExists(configTarget);
  const plan = planConfigJson(existing?.text, target, path.relative(projectDir, configFile).split(path.sep).join('/'));
  const notes: string[] = [];

  let cli: { file: string; target: string; text: string; old?: { text: string; mode: number } } | undefined;
  if (options.updateAzureCliDefaults) {
    const file = path.join(path.resolve(projectDir), ...AZURE_CLI_LOCAL_CONFIG.split('/'));
    const real = await realTargetWithin(projectDir, file);
    const old = await readIfExists(real);
    cli = { file, target: real, old, text: setIniDefaults(old?.text ?? '', { group: target.resource_group, workspace: target.workspace_name }) };
    for (const key of ['group', 'workspace']) {
      const name = `AZURE_DEFAULTS_${key.toUpperCase()}`;
      if (env[name]) notes.push(`${name} is set in the environment and wins over ${AZURE_CLI_LOCAL_CONFIG} for the Azure CLI.`);
    }
    const other = pair.workspaces[role === 'primary' ? 'secondary' : 'primary'];
    if (other.subscription_id.toLowerCase() !== target.subscription_id.toLowerCase()) {
      notes.push(`The Azure CLI takes the subscription from "az account set", not from defaults: run az account set --subscription ${target.subscription_id}`);
    }
  }

  const changed = existing?.text !== plan.text;
  if (changed) {
    await writeFileAtomic(configTarget, plan.text, existing?.mode);
    logger.info(`Wrote ${configFile}: ${target.workspace_name} (${role}).`);
  } else {
    logger.info(`${configFile} already names ${target.workspace_name} (${role}); not rewritten.`);
  }
  let azureCliConfig: SwitchResult['azureCliConfig'];
  if (cli) {
    const cliChanged = cli.old?.text !== cli.text;
    if (cliChanged) {
      await writeFileAtomic(cli.target, cli.text, cli.old?.mode);
      logger.info(`Set [defaults] group=${target.resource_group} workspace=${target.workspace_name} in ${cli.file}.`);
    }
    azureCliConfig = { file: cli.file, changed: cliChanged };
  }
  return { role, target, configFile, changed, previous: plan.previous, azureCliConfig, notes };
}

/** The local Azure CLI defaults of the project, for display (`which`). */
export async function readAzureCliDefaults(projectDir: string): Promise<{ file: string; group?: string; workspace?: string } | undefined> {
  const file = path.join(path.resolve(projectDir), ...AZURE_CLI_LOCAL_CONFIG.split('/'));
  const existing = await readIfExists(file);
  if (!existing) return undefined;
  const d = readIniDefaults(existing.text);
  return { file, group: d.group, workspace: d.workspace };
}

async function readIfExists(file: string): Promise<{ text: string; mode: number } | undefined> {
  try {
    const [text, stat] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file)]);
    return { text, mode: stat.mode & 0o777 };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EISDIR' || code === 'ENOTDIR') throw new UserError(`${file} is not a file; nothing was written.`, 'usage');
    throw new UserError(`Cannot read ${file}: ${(err as Error).message}. Nothing was written.`, 'failed');
  }
}
