import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/**
 * The files the Azure ML SDK looks for, in this order (`MLClient.from_config()` / `Workspace.from_config()`).
 * Each candidate is searched from the start folder upward before the next candidate is tried, so a
 * `.azureml/config.json` in a parent folder beats a `config.json` next to the code.
 */
export const CONFIG_CANDIDATES: readonly string[] = [
  '.azureml/config.json',
  '.azureml/project.json',
  'aml_config/config.json',
  'aml_config/project.json',
  'config.json',
  'project.json',
];

/** The file the switch writes, relative to the project root (the first candidate, so it wins from the root). */
export const SWITCH_TARGET = CONFIG_CANDIDATES[0];

/** How many parent folders `MLClient.from_config()` climbs for each candidate. */
export const SEARCH_LEVELS = 20;

/** The workspace a config file names (what the SDK would connect to). */
export interface ConfiguredWorkspace {
  subscription_id: string;
  resource_group: string;
  workspace_name: string;
  /** `Scope` when the ARM id in the `Scope` key decided it (the SDK prefers it), else `keys`. */
  via: 'Scope' | 'keys';
}

export type WorkspaceConfigParse =
  | { ok: true; workspace: ConfiguredWorkspace; data: Record<string, unknown> }
  | { ok: false; error: string; /** true when the text is not JSON at all (as opposed to JSON without a workspace). */ notJson: boolean };

const SCOPE_PATTERN =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)\/?$/i;

/** Reads the workspace a config file's text names, the way the SDK does: `Scope` wins, else the three keys. */
export function parseWorkspaceConfig(text: string): WorkspaceConfigParse {
  let data: unknown;
  try {
    data = JSON.parse(stripBom(text));
  } catch (err) {
    return { ok: false, notJson: true, error: `not valid JSON (${printable((err as Error).message)})` };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { ok: false, notJson: false, error: 'not a JSON object' };
  }
  const obj = data as Record<string, unknown>;
  if (obj.Scope !== undefined) {
    const m = typeof obj.Scope === 'string' ? SCOPE_PATTERN.exec(obj.Scope.trim()) : null;
    if (!m) return { ok: false, notJson: false, error: '"Scope" is not an Azure ML workspace ARM id' };
    return {
      ok: true,
      data: obj,
      workspace: { subscription_id: m[1], resource_group: m[2], workspace_name: m[3], via: 'Scope' },
    };
  }
  const missing = (['subscription_id', 'resource_group', 'workspace_name'] as const).filter(
    (k) => typeof obj[k] !== 'string' || !(obj[k] as string).trim(),
  );
  if (missing.length) return { ok: false, notJson: false, error: `missing ${missing.map((k) => `"${k}"`).join(', ')}` };
  return {
    ok: true,
    data: obj,
    workspace: {
      subscription_id: (obj.subscription_id as string).trim(),
      resource_group: (obj.resource_group as string).trim(),
      workspace_name: (obj.workspace_name as string).trim(),
      via: 'keys',
    },
  };
}

/**
 * A value read from a config file, safe to print in a terminal or a VS Code label: control and bidi characters
 * replaced, `$(` (a codicon in labels) defused, very long values shortened. For display only, never for matching.
 */
export function printable(value: string): string {
  const clean = value.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '\ufffd').replace(/\$\(/g, '$\u200b(');
  return clean.length > 100 ? `${clean.slice(0, 99)}…` : clean;
}

export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export interface ConfigHit {
  /** Absolute path of the file the SDK would open. */
  file: string;
  /** Which candidate matched, e.g. `.azureml/config.json`. */
  candidate: string;
  /** The folder the candidate was found in (the start folder or one of its parents). */
  foundIn: string;
}

/**
 * The config file the SDK would use when started in `startDir`, or undefined when it finds none ("We could not
 * find config.json in: … or in its parent directories").
 */
export async function findSdkConfig(startDir: string, levels = SEARCH_LEVELS): Promise<ConfigHit | undefined> {
  const start = path.resolve(startDir);
  for (const candidate of CONFIG_CANDIDATES) {
    let dir = start;
    for (let level = 0; level <= levels; level++) {
      const file = path.join(dir, ...candidate.split('/'));
      if (await isFile(file)) return { file, candidate, foundIn: dir };
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return undefined;
}

export type ReadConfigResult =
  | { state: 'ok'; workspace: ConfiguredWorkspace; data: Record<string, unknown>; text: string }
  | { state: 'missing' }
  | { state: 'invalid'; error: string; notJson: boolean; text: string };

/** Reads and parses one config file; never throws for missing or malformed files. */
export async function readWorkspaceConfig(file: string): Promise<ReadConfigResult> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { state: 'missing' };
    return { state: 'invalid', error: `cannot be read (${(err as Error).message})`, notJson: false, text: '' };
  }
  const parsed = parseWorkspaceConfig(text);
  if (!parsed.ok) return { state: 'invalid', error: parsed.error, notJson: parsed.notJson, text };
  return { state: 'ok', workspace: parsed.workspace, data: parsed.data, text };
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}
