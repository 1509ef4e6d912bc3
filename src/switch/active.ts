import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ROLES, sameWorkspace, type PairConfig, type Role } from '../pair/pairFile';
import {
  CONFIG_CANDIDATES,
  SWITCH_TARGET,
  findSdkConfig,
  printable,
  readWorkspaceConfig,
  type ConfigHit,
  type ConfiguredWorkspace,
} from './configSearch';

/**
 * The active workspace is never stored: it is whatever the Azure ML SDK would read when started in the project
 * root, matched against the pair.
 * - `primary` / `secondary`: the config names that workspace of the pair
 * - `other`: it names a workspace outside the pair
 * - `none`: the SDK would find no config file
 * - `invalid`: the file it would open is not a usable workspace config
 */
export type ActiveState = Role | 'other' | 'none' | 'invalid';

export interface ActiveWorkspace {
  state: ActiveState;
  /** Set when state is primary or secondary. */
  role?: Role;
  /** The file the SDK would open from the project root. */
  hit?: ConfigHit;
  workspace?: ConfiguredWorkspace;
  /** Why the file is not usable (state `invalid`). */
  error?: string;
}

export function roleOf(pair: PairConfig, ws: Omit<ConfiguredWorkspace, 'via'>): Role | undefined {
  return ROLES.find((role) => sameWorkspace(pair.workspaces[role], ws));
}

export async function resolveActive(projectDir: string, pair: PairConfig): Promise<ActiveWorkspace> {
  const hit = await findSdkConfig(projectDir);
  if (!hit) return { state: 'none' };
  const read = await readWorkspaceConfig(hit.file);
  if (read.state === 'missing') return { state: 'none' };
  if (read.state === 'invalid') return { state: 'invalid', hit, error: read.error };
  const role = roleOf(pair, read.workspace);
  return { state: role ?? 'other', role, hit, workspace: read.workspace };
}

/** A config file somewhere in the project, as found by {@link scanConfigFiles}. */
export interface FoundConfig {
  file: string;
  candidate: string;
  /** The folder that holds the candidate (the parent of `.azureml/` for `.azureml/config.json`). */
  folder: string;
}

/** Folders never searched for config files: dependencies, build output, virtual environments, VCS data. */
const SKIPPED_FOLDERS = new Set(['node_modules', '__pycache__', 'venv', 'site-packages', 'mlruns']);

/**
 * Every SDK config candidate inside the project, breadth first. Hidden folders (other than `.azureml`) and the
 * folders in {@link SKIPPED_FOLDERS} are not entered; `limit` caps the folders visited so a huge tree stays cheap.
 */
export async function scanConfigFiles(projectDir: string, options: { maxDepth?: number; limit?: number } = {}): Promise<FoundConfig[]> {
  const maxDepth = options.maxDepth ?? 12;
  const limit = options.limit ?? 5000;
  const root = path.resolve(projectDir);
  const found: FoundConfig[] = [];
  let queue: string[] = [root];
  let visited = 0;
  for (let depth = 0; depth <= maxDepth && queue.length; depth++) {
    const next: string[] = [];
    for (const dir of queue) {
      if (++visited > limit) return found;
      let entries: import('node:fs').Dirent[];
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      const names = new Map(entries.map((e) => [e.name, e]));
      for (const candidate of CONFIG_CANDIDATES) {
        const [first, second] = candidate.split('/');
        const entry = names.get(first);
        if (!entry) continue;
        if (second === undefined ? entry.isFile() : entry.isDirectory()) {
          const file = path.join(dir, first, ...(second === undefined ? [] : [second]));
          if (second === undefined || (await isFile(file))) found.push({ file, candidate, folder: dir });
        }
      }
      for (const e of entries) {
        if (e.isDirectory() && !e.name.startsWith('.') && !SKIPPED_FOLDERS.has(e.name) && e.name !== 'aml_config') {
          next.push(path.join(dir, e.name));
        }
      }
    }
    queue = next.sort();
  }
  return found;
}

export interface ConfigWarning {
  /**
   * - `shadowing`: from some folder the SDK would read this file instead of the one the switch writes
   * - `stale`: names another workspace than the active one (code that passes this path explicitly would use it)
   * - `invalid`: a file in `.azureml/` or `aml_config/` that is no usable workspace config
   */
  kind: 'shadowing' | 'stale' | 'invalid';
  file: string;
  message: string;
  workspace?: ConfiguredWorkspace;
}

/**
 * Config files in the project that could make code use another workspace than the one the switch selects.
 * Plain `config.json` / `project.json` files that are not workspace configs (a model's `config.json`, say) are
 * not the SDK's concern from the project root and are ignored.
 */
export async function configWarnings(
  projectDir: string,
  pair: PairConfig,
  active: ActiveWorkspace,
  found?: FoundConfig[],
): Promise<ConfigWarning[]> {
  const root = path.resolve(projectDir);
  const target = path.join(root, ...SWITCH_TARGET.split('/'));
  const files = found ?? (await scanConfigFiles(root));
  const warnings: ConfigWarning[] = [];
  const rel = (p: string) => path.relative(root, p).split(path.sep).join('/') || '.';
  for (const f of files) {
    if (f.file === target) continue;
    const inConfigFolder = f.candidate.includes('/');
    const read = await readWorkspaceConfig(f.file);
    if (read.state === 'missing') continue;
    if (read.state === 'invalid') {
      if (inConfigFolder) warnings.push({ kind: 'invalid', file: f.file, message: `${rel(f.file)} is not a usable workspace config: ${read.error}.` });
      continue;
    }
    const names = `${describeWorkspace(read.workspace)}${pairLabel(pair, read.workspace)}`;
    if (f.candidate === SWITCH_TARGET && f.folder !== root) {
      warnings.push({
        kind: 'shadowing',
        file: f.file,
        workspace: read.workspace,
        message: `${rel(f.file)} shadows ${SWITCH_TARGET}: code started in ${rel(f.folder)}/ or below reads it instead, and it names ${names}. Delete it or keep it in step.`,
      });
    } else if (active.workspace && !sameWorkspace(active.workspace, read.workspace)) {
      warnings.push({
        kind: 'stale',
        file: f.file,
        workspace: read.workspace,
        message: `${rel(f.file)} names ${names}, not the active workspace ${printable(active.workspace.workspace_name)}; code that passes this path explicitly would use it.`,
      });
    }
  }
  return warnings;
}

export function describeWorkspace(ws: Omit<ConfiguredWorkspace, 'via'>): string {
  return `${printable(ws.workspace_name)} (resource group ${printable(ws.resource_group)}, subscription ${printable(ws.subscription_id)})`;
}

function pairLabel(pair: PairConfig, ws: ConfiguredWorkspace): string {
  const role = roleOf(pair, ws);
  return role ? `, the ${role}` : ', which is not in the pair';
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}
