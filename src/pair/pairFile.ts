import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isAlias, isMap, isScalar, LineCounter, parseDocument, visit, type Document, type Node as YamlNode } from 'yaml';
import { UserError } from '../common/errors';
import { parseCloud, type CloudSetting } from '../azure/cloud';

/** The pair file kept as code at the project root. */
export const PAIR_FILE_NAME = 'aml-failover.yaml';

export type Role = 'primary' | 'secondary';
export const ROLES: readonly Role[] = ['primary', 'secondary'];

export interface WorkspaceRef {
  subscription_id: string;
  resource_group: string;
  workspace_name: string;
  region: string;
}

export interface PairConfig {
  workspaces: Record<Role, WorkspaceRef>;
  /** Per workload, e.g. `{ inference: 'hot/hot', training: 'hot/cold' }`. */
  availability: Record<string, string>;
  cloud: CloudSetting;
  /** The whole document as plain data, so later capabilities can read their own sections (`lint:`, …). */
  sections: Record<string, unknown>;
}

export interface Range {
  /** 0-based line and column, end exclusive. */
  startLine: number;
  startCol: number;
  endLine: number;
  endCol: number;
}

/** One code per rule; diagnostics show it (linked to its section in PAIR_DOC) and quick fixes are keyed on it. */
export const PAIR_PROBLEM_CODES = [
  'yaml-syntax',
  'pair-structure',
  'missing-key',
  'invalid-value',
  'unknown-key',
  'same-workspace',
  'availability',
  'cloud',
] as const;
export type PairProblemCode = (typeof PAIR_PROBLEM_CODES)[number];

/** The documentation of every diagnostic code (a `## <code>` section each), shipped in the .vsix. */
export const PAIR_DOC = 'docs/pair-file.md';

export interface PairProblem {
  message: string;
  severity: 'error' | 'warning';
  code: PairProblemCode;
  range: Range;
  /** A safe edit that fixes the problem (a quick fix): replace `range` with `newText`. */
  fix?: { title: string; range: Range; newText: string };
}

export type PairParseResult =
  | { ok: true; config: PairConfig; problems: PairProblem[] }
  | { ok: false; problems: PairProblem[] };

const AVAILABILITY = new Set(['hot/hot', 'hot/warm', 'hot/cold']);
const WORKSPACE_KEYS: (keyof WorkspaceRef)[] = ['subscription_id', 'resource_group', 'workspace_name', 'region'];

/** Aliases the whole file may expand to when read as data (the yaml library's guard against alias bombs). */
const MAX_ALIAS_COUNT = 100;

/** Parses and validates the text of a pair file. Never throws; every problem carries a range. */
export function parsePairFile(text: string, projectDir: string): PairParseResult {
  try {
    return parseChecked(text, projectDir);
  } catch (err) {
    // A file the reader cannot take in (nesting too deep for the stack, …) is a problem on the file like any other.
    const reason = err instanceof RangeError ? 'it is nested too deeply' : err instanceof Error ? err.message : String(err);
    const firstLineEnd = text.indexOf('\n');
    const range = { startLine: 0, startCol: 0, endLine: 0, endCol: firstLineEnd === -1 ? text.length : firstLineEnd };
    return { ok: false, problems: [{ message: `${PAIR_FILE_NAME} could not be read: ${reason}.`, severity: 'error', code: 'yaml-syntax', range }] };
  }
}

function parseChecked(text: string, projectDir: string): PairParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems: PairProblem[] = [];
  const rangeOf = (offsets: readonly number[] | undefined): Range => {
    const [start, end] = offsets ?? [0, 0];
    const s = lineCounter.linePos(start);
    const e = lineCounter.linePos(Math.max(start, end ?? start));
    return { startLine: s.line - 1, startCol: s.col - 1, endLine: e.line - 1, endCol: e.col - 1 };
  };
  const nodeRange = (node: YamlNode | null | undefined, fallback?: YamlNode | null): Range =>
    rangeOf((node?.range ?? fallback?.range) as readonly number[] | undefined);
  const error = (code: PairProblemCode, message: string, range: Range, fix?: PairProblem['fix']) =>
    problems.push({ message, severity: 'error', code, range, ...(fix ? { fix } : {}) });
  const warn = (code: PairProblemCode, message: string, range: Range, fix?: PairProblem['fix']) =>
    problems.push({ message, severity: 'warning', code, range, ...(fix ? { fix } : {}) });

  for (const e of doc.errors) error('yaml-syntax', `Not valid YAML: ${e.message.split('\n')[0]}`, rangeOf(e.pos));
  if (doc.errors.length) return { ok: false, problems };

  // The file as plain data, aliases expanded once, within a bound: an alias bomb is one problem, not a hang or a throw.
  let data: Record<string, unknown> | undefined;
  try {
    data = (doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {}) as Record<string, unknown>;
  } catch (err) {
    if (!/alias/i.test((err as Error).message)) throw err;
    error('yaml-syntax', `Its aliases expand to too many values (more than ${MAX_ALIAS_COUNT}); write the values out instead of nesting aliases.`, nodeRange(firstAlias(doc), doc.contents as YamlNode));
    return { ok: false, problems };
  }
  // A value written as an alias (`subscription_id: *sub`) is checked as the node it names.
  const deref = <T>(node: T): T => (isAlias(node) ? (node.resolve(doc) as T) : node);

  const root = deref(doc.contents);
  if (!isMap(root)) {
    error('pair-structure', `${PAIR_FILE_NAME} must be a mapping with a "workspaces" section.`, nodeRange(root as YamlNode));
    return { ok: false, problems };
  }

  const workspacesNode = deref(root.get('workspaces', true));
  const workspaces: Partial<Record<Role, WorkspaceRef>> = {};
  if (!workspacesNode) {
    const near = root.items.find((p) => isScalar(p.key) && editDistance(String(p.key.value).toLowerCase(), 'workspaces') <= 2);
    if (near) {
      const keyRange = nodeRange(near.key as YamlNode);
      error('pair-structure', `Missing "workspaces:"; did you mean "workspaces" instead of "${String((near.key as { value: unknown }).value)}"?`, keyRange,
        { title: 'Rename to "workspaces"', range: keyRange, newText: 'workspaces' });
    } else {
      error('pair-structure', 'Missing "workspaces:" with "primary" and "secondary".', firstLine(nodeRange(root)));
    }
  } else if (!isMap(workspacesNode)) {
    error('pair-structure', '"workspaces" must be a mapping with "primary" and "secondary".', nodeRange(workspacesNode as YamlNode, keyNode(doc, ['workspaces'])));
  } else {
    for (const role of ROLES) {
      const wsNode = deref(workspacesNode.get(role, true));
      if (!wsNode) {
        error('pair-structure', `Missing workspaces.${role}.`, nodeRange(keyNode(doc, ['workspaces']), workspacesNode));
        continue;
      }
      if (!isMap(wsNode)) {
        error('pair-structure', `workspaces.${role} must be a mapping with ${WORKSPACE_KEYS.join(', ')}.`, nodeRange(wsNode as YamlNode, keyNode(doc, ['workspaces', role])));
        continue;
      }
      const ref: Partial<WorkspaceRef> = {};
      for (const key of WORKSPACE_KEYS) {
        const value = deref(wsNode.get(key, true));
        if (value === undefined || value === null) {
          // A key written under another name (workspaceName, location, …) is reported, with its fix, below.
          if (!wsNode.items.some((p) => isScalar(p.key) && suggestKey(String(p.key.value)) === key)) {
            error('missing-key', `workspaces.${role}.${key} is missing.`, nodeRange(keyNode(doc, ['workspaces', role]), wsNode));
          }
        } else if (!isScalar(value) || (typeof value.value !== 'string' && typeof value.value !== 'number') || String(value.value).trim() === '') {
          error('invalid-value', `workspaces.${role}.${key} must be a non-empty string.`, nodeRange(value as YamlNode, keyNode(doc, ['workspaces', role, key])));
        } else {
          const s = String(value.value).trim();
          const bad = validateWorkspaceField(key, s);
          const fixed = key === 'region' ? s.toLowerCase().replace(/[\s_-]+/g, '') : undefined;
          if (bad) {
            error('invalid-value', `workspaces.${role}.${key}: ${bad}`, nodeRange(value),
              fixed && fixed !== s && !validateWorkspaceField(key, fixed) ? { title: `Write "${fixed}"`, range: nodeRange(value), newText: fixed } : undefined);
          } else ref[key] = s;
        }
      }
      for (const pair of wsNode.items) {
        const k = isScalar(pair.key) ? String(pair.key.value) : '';
        if (!WORKSPACE_KEYS.includes(k as keyof WorkspaceRef)) {
          const suggestion = suggestKey(k);
          const taken = suggestion !== undefined && wsNode.has(suggestion);
          if (suggestion && !taken) {
            error('unknown-key', `workspaces.${role}.${k} is not a known key; did you mean "${suggestion}"?`, nodeRange(pair.key as YamlNode),
              { title: `Rename to "${suggestion}"`, range: nodeRange(pair.key as YamlNode), newText: suggestion });
          } else {
            warn('unknown-key', `Unknown key workspaces.${role}.${k}; expected ${WORKSPACE_KEYS.join(', ')}.`, nodeRange(pair.key as YamlNode));
          }
        }
      }
      if (WORKSPACE_KEYS.every((k) => ref[k] !== undefined)) workspaces[role] = ref as WorkspaceRef;
    }
    const p = workspaces.primary;
    const s = workspaces.secondary;
    if (p && s && sameWorkspace(p, s)) {
      error('same-workspace', 'workspaces.primary and workspaces.secondary name the same workspace.', nodeRange(keyNode(doc, ['workspaces', 'secondary']), workspacesNode));
    }
  }

  const availability: Record<string, string> = {};
  const availabilityNode = deref(root.get('availability', true));
  if (availabilityNode !== undefined && availabilityNode !== null) {
    if (!isMap(availabilityNode)) {
      error('availability', '"availability" must map a workload to hot/hot, hot/warm or hot/cold.', nodeRange(availabilityNode as YamlNode, keyNode(doc, ['availability'])));
    } else {
      for (const pair of availabilityNode.items) {
        const k = isScalar(pair.key) ? String(pair.key.value) : '';
        const value = deref(pair.value);
        const v = isScalar(value) ? String(value.value) : '';
        const normalized = v.toLowerCase().replace(/\s+/g, '').replace(/[-_,]/g, '/');
        if (!AVAILABILITY.has(v)) {
          error('availability', `availability.${k} must be one of hot/hot, hot/warm, hot/cold.`, nodeRange(pair.value as YamlNode, pair.key as YamlNode),
            AVAILABILITY.has(normalized) ? { title: `Write "${normalized}"`, range: nodeRange(pair.value as YamlNode), newText: normalized } : undefined);
        }
        else availability[k] = v;
      }
    }
  }

  const cloudNode = root.get('cloud', true) as YamlNode | undefined;
  const cloud = parseCloud(data.cloud, projectDir);
  if (!cloud.ok) {
    for (const message of cloud.errors) {
      // "cloud.storage.acct.blob must …" → the range of that value, when it exists.
      const keyPath = /^cloud\.([\w.-]+?)(?=[\s:]| must| is)/.exec(message)?.[1]?.split('.');
      const precise = keyPath ? valueNode(doc, ['cloud', ...keyPath]) : undefined;
      error('cloud', message, nodeRange(precise ?? cloudNode, keyNode(doc, ['cloud'])));
    }
  }

  if (problems.some((p) => p.severity === 'error') || !workspaces.primary || !workspaces.secondary || !cloud.ok) {
    return { ok: false, problems };
  }
  return {
    ok: true,
    problems,
    config: {
      workspaces: workspaces as Record<Role, WorkspaceRef>,
      availability,
      cloud: cloud.cloud,
      sections: data,
    },
  };
}

/** The first alias in the file (where an expansion starts), for a problem's range. */
function firstAlias(doc: Document): YamlNode | undefined {
  let found: YamlNode | undefined;
  visit(doc, {
    Alias(_key, node) {
      found = node;
      return visit.BREAK;
    },
  });
  return found;
}

function valueNode(doc: Document, pathKeys: string[]): YamlNode | undefined {
  let node: unknown = doc.contents;
  for (const k of pathKeys) {
    if (!isMap(node)) return undefined;
    node = node.get(k, true);
  }
  return (node ?? undefined) as YamlNode | undefined;
}

function firstLine(range: Range): Range {
  return range.endLine > range.startLine ? { ...range, endLine: range.startLine + 1, endCol: 0 } : range;
}

/** Names people write for the workspace keys (ARM, SDK and CLI spellings), mapped to the pair file's key. */
const KEY_ALIASES: Record<string, keyof WorkspaceRef> = {
  subscription: 'subscription_id',
  subscriptionid: 'subscription_id',
  resourcegroup: 'resource_group',
  resourcegroupname: 'resource_group',
  group: 'resource_group',
  rg: 'resource_group',
  workspace: 'workspace_name',
  workspacename: 'workspace_name',
  name: 'workspace_name',
  location: 'region',
};

/** The workspace key meant by `key` (an alias or a near miss), if any. */
export function suggestKey(key: string): keyof WorkspaceRef | undefined {
  const squashed = key.toLowerCase().replace(/[\s_-]/g, '');
  const alias = KEY_ALIASES[squashed];
  if (alias) return alias;
  return WORKSPACE_KEYS.find((k) => k.replace(/_/g, '') === squashed || editDistance(k, key.toLowerCase()) <= 2);
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

function keyNode(doc: Document, pathKeys: string[]): YamlNode | undefined {
  let node: unknown = doc.contents;
  let key: unknown;
  for (const k of pathKeys) {
    if (!isMap(node)) return undefined;
    const pair = node.items.find((p) => isScalar(p.key) && p.key.value === k);
    if (!pair) return undefined;
    key = pair.key;
    node = pair.value;
  }
  return key as YamlNode | undefined;
}

const NAME_RULES: Partial<Record<keyof WorkspaceRef, [RegExp, string]>> = {
  // Azure ML workspace names: 3-33 chars, alphanumerics, '-' and '_', starting alphanumeric.
  workspace_name: [/^[A-Za-z0-9][A-Za-z0-9_-]{2,32}$/, 'a workspace name has 3 to 33 letters, digits, "-" or "_", starting with a letter or digit.'],
  // Resource group names: up to 90 chars of alphanumerics, '-', '_', '.', '(', ')'; not ending in '.'.
  resource_group: [/^[-\w.()]{0,89}[-\w()]$/u, 'a resource group name has up to 90 letters, digits, "-", "_", ".", "(" or ")", not ending in ".".'],
  region: [/^[a-z0-9]+$/, 'a region is written like "eastus" or "westeurope" (lower case, no spaces).'],
  subscription_id: [/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'a subscription id is a GUID like 00000000-0000-0000-0000-000000000000.'],
};

export function validateWorkspaceField(key: keyof WorkspaceRef, value: string): string | undefined {
  const rule = NAME_RULES[key];
  if (rule && !rule[0].test(value)) return rule[1];
  return undefined;
}

export function sameWorkspace(a: Omit<WorkspaceRef, 'region'>, b: Omit<WorkspaceRef, 'region'>): boolean {
  return (
    a.subscription_id.toLowerCase() === b.subscription_id.toLowerCase() &&
    a.resource_group.toLowerCase() === b.resource_group.toLowerCase() &&
    a.workspace_name.toLowerCase() === b.workspace_name.toLowerCase()
  );
}

export function workspaceArmId(ws: Omit<WorkspaceRef, 'region'>): string {
  return `/subscriptions/${ws.subscription_id}/resourceGroups/${ws.resource_group}/providers/Microsoft.MachineLearningServices/workspaces/${ws.workspace_name}`;
}

/** Reads `<projectDir>/aml-failover.yaml`. Throws a usage UserError naming every problem when it is not valid. */
export async function loadPairFile(projectDir: string): Promise<PairConfig> {
  const file = path.join(projectDir, PAIR_FILE_NAME);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UserError(`No ${PAIR_FILE_NAME} in ${projectDir}. Create one (see the README) or pass --project DIR.`, 'usage');
    }
    throw new UserError(`Cannot read ${file}: ${(err as Error).message}`, 'usage');
  }
  const result = parsePairFile(text, projectDir);
  if (!result.ok) {
    const lines = result.problems
      .filter((p) => p.severity === 'error')
      .map((p) => `  ${file}:${p.range.startLine + 1}:${p.range.startCol + 1}: ${p.message}`);
    throw new UserError(`${PAIR_FILE_NAME} is not valid; nothing was changed.\n${lines.join('\n')}`, 'usage');
  }
  return result.config;
}
