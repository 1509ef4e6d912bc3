import { findPinnedReferences, isPlaceholder, mayHoldReference } from './references';
import { pinnedFinding, type PairNames, type RawFinding } from './findings';
import { describePinned } from './references';
import type { TextIndex } from './textIndex';
import type { PinnedWorkspace } from './types';

interface Token {
  type: 'name' | 'string' | 'op' | 'comment' | 'other';
  start: number;
  end: number;
  /** Names and operators: the text. Strings: the content between the quotes, as written. */
  text: string;
  /** Strings: where the content starts. */
  contentStart?: number;
  /** f-strings with `{…}` are not literals. */
  formatted?: boolean;
}

const NAME_START = /[A-Za-z_\u00c0-\uffff]/;
const NAME_PART = /[\w\u00c0-\uffff]/;
const STRING_PREFIX = /^(?:[rRbBuUfF]|[rR][bBfF]|[bBfF][rR])$/;

/** A small Python tokenizer: enough to tell strings, comments, names and brackets apart. Never throws. */
export function tokenizePython(text: string): Token[] {
  const tokens: Token[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
      i++;
      continue;
    }
    if (c === '#') {
      let eol = text.indexOf('\n', i);
      if (eol === -1) eol = n;
      tokens.push({ type: 'comment', start: i, end: eol, text: text.slice(i, eol) });
      i = eol;
      continue;
    }
    if (c === '"' || c === "'") {
      i = readString(text, i, i, '', tokens);
      continue;
    }
    if (NAME_START.test(c)) {
      let j = i + 1;
      while (j < n && NAME_PART.test(text[j]!)) j++;
      const word = text.slice(i, j);
      if ((text[j] === '"' || text[j] === "'") && STRING_PREFIX.test(word)) {
        i = readString(text, i, j, word, tokens);
        continue;
      }
      tokens.push({ type: 'name', start: i, end: j, text: word });
      i = j;
      continue;
    }
    if (c >= '0' && c <= '9') {
      let j = i + 1;
      while (j < n && /[\w.]/.test(text[j]!)) j++;
      tokens.push({ type: 'other', start: i, end: j, text: text.slice(i, j) });
      i = j;
      continue;
    }
    if (c === '\\') {
      i++;
      continue;
    }
    tokens.push({ type: 'op', start: i, end: i + 1, text: c });
    i++;
  }
  return tokens;
}

function readString(text: string, start: number, quoteAt: number, prefix: string, tokens: Token[]): number {
  const q = text[quoteAt]!;
  const triple = text[quoteAt + 1] === q && text[quoteAt + 2] === q;
  const open = triple ? 3 : 1;
  const contentStart = quoteAt + open;
  let j = contentStart;
  let contentEnd = text.length;
  let end = text.length;
  while (j < text.length) {
    const ch = text[j]!;
    if (ch === '\\') {
      j += 2;
      continue;
    }
    if (!triple && ch === '\n') {
      contentEnd = j;
      end = j;
      break;
    }
    if (ch === q && (!triple || (text[j + 1] === q && text[j + 2] === q))) {
      contentEnd = j;
      end = j + open;
      break;
    }
    j++;
  }
  const content = text.slice(contentStart, Math.min(contentEnd, text.length));
  tokens.push({ type: 'string', start, end, text: content, contentStart, formatted: /f/i.test(prefix) && /[{}]/.test(content) });
  return end;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Arg {
  keyword?: string;
  tokens: Token[];
}

/**
 * Python rules: pinned references in strings and comments, `MLClient(...)` / `Workspace(...)` / `Workspace.get(...)`
 * with literal workspace coordinates, and literal subscription GUIDs assigned to subscription settings.
 */
export function lintPython(text: string, index: TextIndex, options: { pair?: PairNames }): RawFinding[] {
  const findings: RawFinding[] = [];
  const interesting = mayHoldReference(text) || /MLClient|Workspace|getenv|environ|[0-9a-f]{8}-[0-9a-f]{4}-/i.test(text);
  if (!interesting) return findings;
  const tokens = tokenizePython(text);
  const claimed: [number, number][] = [];

  for (let t = 0; t < tokens.length; t++) {
    const tok = tokens[t]!;
    if (tok.type !== 'name') continue;
    const next = tokens[t + 1];
    let kind: 'MLClient' | 'Workspace' | 'Workspace.get' | undefined;
    let open = t + 1;
    if (tok.text === 'MLClient' && next?.text === '(') kind = 'MLClient';
    else if (tok.text === 'Workspace' && next?.text === '(') kind = 'Workspace';
    else if (tok.text === 'Workspace' && next?.text === '.' && tokens[t + 2]?.text === 'get' && tokens[t + 3]?.text === '(') {
      kind = 'Workspace.get';
      open = t + 3;
    }
    if (!kind) continue;
    const call = readArgs(tokens, open);
    if (!call) continue;
    const finding = clientFinding(kind, text, tok, call.args, tokens[call.close]!, index, options.pair);
    if (finding) {
      findings.push(finding);
      claimed.push([finding.start, finding.end]);
    }
  }

  const inClaimed = (offset: number) => claimed.some(([s, e]) => offset >= s && offset < e);
  for (let t = 0; t < tokens.length; t++) {
    const tok = tokens[t]!;
    if (tok.type === 'comment') findings.push(...referencesIn(tok, index, options.pair, inClaimed));
    if (tok.type === 'name' && isGetenv(tokens, t)) {
      const finding = envDefaultFinding(tokens, t, index);
      if (finding) findings.push(finding);
    }
    if (tok.type !== 'string') continue;
    // Python joins adjacent literals ("azureml://subscriptions/…" "/workspaces/…"): scan what it joins.
    let last = t;
    while (tokens[last + 1]?.type === 'string') last++;
    if (last > t) {
      findings.push(...referencesInJoined(tokens.slice(t, last + 1), index, options.pair, inClaimed));
      t = last;
      continue;
    }
    if (!mayHoldReference(tok.text)) {
      if (GUID.test(tok.text) && !inClaimed(tok.start)) {
        const target = subscriptionTarget(tokens, t);
        if (target) {
          findings.push({
            rule: 'literal-subscription-id',
            message: `A literal subscription id is assigned to ${target}: it pins this code to subscription ${tok.text}. Read the workspace from the config file with MLClient.from_config() (switching changes that file), or from an environment variable.`,
            short: `literal subscription id ${tok.text} assigned to ${target}`,
            start: tok.contentStart!,
            end: tok.contentStart! + tok.text.length,
            anchorLine: index.lineOf(tok.start),
            fixes: [],
            pinned: { subscription: tok.text },
          });
        }
      }
      continue;
    }
    findings.push(...referencesIn(tok, index, options.pair, inClaimed));
  }
  return findings.sort((a, b) => a.start - b.start);
}

/** Pinned references inside one comment or string; a string's is replaced by its portable spelling where it has one. */
function referencesIn(tok: Token, index: TextIndex, pair: PairNames | undefined, inClaimed: (offset: number) => boolean): RawFinding[] {
  if (!mayHoldReference(tok.text)) return [];
  const base = tok.type === 'comment' ? tok.start : tok.contentStart!;
  const out: RawFinding[] = [];
  for (const match of findPinnedReferences(tok.text, { formatted: tok.formatted })) {
    const start = base + match.start;
    const end = base + match.end;
    if (tok.type === 'string' && inClaimed(start)) continue;
    out.push(
      pinnedFinding(match, { start, end, anchorLine: index.lineOf(start) }, {
        pair,
        inComment: tok.type === 'comment',
        replace: (portable) => (tok.type === 'string' && match.schemed && !tok.formatted ? [{ start, end, newText: portable }] : undefined),
      }),
    );
  }
  return out;
}

/**
 * References in adjacent string literals, read as Python joins them. A reference inside one literal keeps its fix;
 * one spread over several is reported from its first character to its last, with no automatic fix.
 */
function referencesInJoined(parts: Token[], index: TextIndex, pair: PairNames | undefined, inClaimed: (offset: number) => boolean): RawFinding[] {
  const joined = parts.map((p) => p.text).join('');
  if (!mayHoldReference(joined)) return [];
  const offsets: number[] = [];
  let at = 0;
  for (const p of parts) {
    offsets.push(at);
    at += p.text.length;
  }
  const partAt = (offset: number) => {
    let i = 0;
    while (i + 1 < parts.length && offsets[i + 1]! <= offset) i++;
    return i;
  };
  const formatted = parts.some((p) => p.formatted);
  const out: RawFinding[] = [];
  for (const match of findPinnedReferences(joined, { formatted })) {
    const first = partAt(match.start);
    const lastPart = partAt(Math.max(match.start, match.end - 1));
    const start = parts[first]!.contentStart! + (match.start - offsets[first]!);
    const end = parts[lastPart]!.contentStart! + (match.end - offsets[lastPart]!);
    if (inClaimed(start)) continue;
    const whole = first === lastPart && !parts[first]!.formatted;
    out.push(pinnedFinding(match, { start, end, anchorLine: index.lineOf(start) }, { pair, inComment: false, replace: (portable) => (whole && match.schemed ? [{ start, end, newText: portable }] : undefined) }));
  }
  return out;
}

/** `os.getenv(`, `getenv(`, `os.environ.get(`, `environ.get(` at token `t`. */
function isGetenv(tokens: Token[], t: number): boolean {
  const tok = tokens[t]!;
  if (tok.text === 'getenv') return tokens[t + 1]?.text === '(';
  return tok.text === 'environ' && tokens[t + 1]?.text === '.' && tokens[t + 2]?.text === 'get' && tokens[t + 3]?.text === '(';
}

/** What an environment variable's name says it holds, for the ones that pick a workspace. */
function envVariableField(name: string): keyof PinnedWorkspace | undefined {
  if (/SUBSCRIPTION/i.test(name)) return 'subscription';
  if (/RESOURCE_?GROUP|(^|_)RG($|_)/i.test(name)) return 'resourceGroup';
  if (/WORKSPACE/i.test(name) && !/WORKSPACE_?(ID|DIR|PATH|ROOT|FOLDER)/i.test(name)) return 'workspace';
  if (/(^|_)(LOCATION|REGION)($|_)/i.test(name)) return 'region';
  return undefined;
}

const FIELD_WORDS: Record<keyof PinnedWorkspace, string> = { subscription: 'subscription', resourceGroup: 'resource group', workspace: 'workspace', workspaceId: 'workspace', region: 'region' };

/**
 * `os.getenv("AZUREML_WORKSPACE_NAME", "mlw-prod")`: when the variable is unset — on a new machine, in CI, after a
 * failover — the code quietly uses the literal default, one workspace. Flagged when the variable's name says it picks
 * a subscription, resource group, workspace or region and the default is a real value (not empty, not a placeholder).
 */
function envDefaultFinding(tokens: Token[], t: number, index: TextIndex): RawFinding | undefined {
  const open = tokens[t]!.text === 'getenv' ? t + 1 : t + 3;
  const call = readArgs(tokens, open);
  if (!call) return undefined;
  const positional = call.args.filter((a) => !a.keyword);
  // The variable's name, as written (upper-case names read as placeholders elsewhere).
  const first = positional[0]?.tokens;
  const variable = first?.length === 1 && first[0]!.type === 'string' && !first[0]!.formatted ? first[0]!.text : undefined;
  const fallback = call.args.find((a) => a.keyword === 'default') ?? positional[1];
  const value = literal(fallback);
  if (!variable || !value || value.includes(' ')) return undefined;
  const field = envVariableField(variable);
  if (!field) return undefined;
  if (field === 'subscription' && !GUID.test(value)) return undefined;
  if (field === 'region' && !/^[a-z][a-z0-9]+$/.test(value)) return undefined;
  const tok = fallback!.tokens[0]!;
  const start = tok.contentStart!;
  const word = FIELD_WORDS[field];
  return {
    rule: 'literal-env-default',
    message: `The default of ${variable} is ${word} '${value}': where the variable is unset (a new machine, CI, the other region) this code quietly uses that ${word}. Drop the default so a missing variable fails loudly, or read the workspace with MLClient.from_config().`,
    short: `${variable} defaults to ${word} '${value}'`,
    start,
    end: start + tok.text.length,
    anchorLine: index.lineOf(start),
    fixes: [],
    pinned: { [field]: value },
  };
}

function readArgs(tokens: Token[], open: number): { args: Arg[]; close: number } | undefined {
  const args: Arg[] = [];
  let current: Token[] = [];
  let depth = 0;
  for (let t = open; t < tokens.length; t++) {
    const tok = tokens[t]!;
    if (tok.type === 'comment') continue;
    if (tok.type === 'op' && '([{'.includes(tok.text)) {
      depth++;
      if (depth === 1) continue;
    } else if (tok.type === 'op' && ')]}'.includes(tok.text)) {
      depth--;
      if (depth === 0) {
        if (current.length) args.push(toArg(current));
        return { args, close: t };
      }
    } else if (depth === 1 && tok.type === 'op' && tok.text === ',') {
      if (current.length) args.push(toArg(current));
      current = [];
      continue;
    }
    current.push(tok);
  }
  return undefined;
}

function toArg(tokens: Token[]): Arg {
  if (tokens.length >= 2 && tokens[0]!.type === 'name' && tokens[1]!.text === '=' && tokens[2]?.text !== '=') {
    return { keyword: tokens[0]!.text, tokens: tokens.slice(2) };
  }
  return { tokens };
}

/** The literal text of an argument that is one plain string, else undefined. */
function literal(arg: Arg | undefined): string | undefined {
  if (!arg || arg.tokens.length !== 1) return undefined;
  const tok = arg.tokens[0]!;
  if (tok.type !== 'string' || tok.formatted) return undefined;
  return isPlaceholder(tok.text) ? undefined : tok.text;
}

const FIELDS = {
  MLClient: { positional: [undefined, 'subscription', 'resourceGroup', 'workspace'], keywords: { subscription_id: 'subscription', resource_group_name: 'resourceGroup', resource_group: 'resourceGroup', workspace_name: 'workspace' } },
  Workspace: { positional: ['subscription', 'resourceGroup', 'workspace'], keywords: { subscription_id: 'subscription', resource_group: 'resourceGroup', workspace_name: 'workspace' } },
  'Workspace.get': { positional: ['workspace', undefined, 'subscription', 'resourceGroup'], keywords: { name: 'workspace', subscription_id: 'subscription', resource_group: 'resourceGroup' } },
} as const;

type Field = 'subscription' | 'resourceGroup' | 'workspace';

function clientFinding(
  kind: keyof typeof FIELDS,
  text: string,
  nameTok: Token,
  args: Arg[],
  closeTok: Token,
  index: TextIndex,
  pair: PairNames | undefined,
): RawFinding | undefined {
  const spec = FIELDS[kind];
  if (args.some((a) => a.keyword === 'registry_name')) return undefined;
  const positional = args.filter((a) => !a.keyword);
  // azure.ai.ml.entities.Workspace(name=…, location=…) describes a workspace to create; only azureml.core's
  // Workspace(subscription_id, resource_group, workspace_name) references one.
  const usePositional = kind !== 'Workspace' || positional.length >= 3 || GUID.test(literal(positional[0]) ?? '');
  const pinned: PinnedWorkspace = {};
  const set = (field: Field, value: string | undefined) => {
    if (value !== undefined && value !== '') pinned[field] = value;
  };
  if (usePositional) spec.positional.forEach((field, i) => field && set(field, literal(positional[i])));
  for (const arg of args) {
    const field = arg.keyword ? (spec.keywords as Record<string, Field | undefined>)[arg.keyword] : undefined;
    if (field) set(field, literal(arg));
  }
  if (!pinned.subscription && !pinned.resourceGroup && !pinned.workspace) return undefined;
  const start = nameTok.start;
  const end = closeTok.end;
  const call = kind === 'MLClient' ? 'MLClient(...)' : `${kind}(...)`;
  let replacement: string;
  if (kind === 'MLClient') {
    const credential = args.find((a) => a.keyword === 'credential') ?? positional[0];
    const credText = credential?.tokens.length ? text.slice(credential.tokens[0]!.start, credential.tokens[credential.tokens.length - 1]!.end) : 'DefaultAzureCredential()';
    replacement = `MLClient.from_config(credential=${credText})`;
  } else {
    const auth = args.find((a) => a.keyword === 'auth');
    replacement = auth?.tokens.length ? `Workspace.from_config(auth=${text.slice(auth.tokens[0]!.start, auth.tokens[auth.tokens.length - 1]!.end)})` : 'Workspace.from_config()';
  }
  const which = pair ? pairRole(pinned, pair) : '';
  return {
    rule: 'literal-workspace-client',
    message: `${call} names ${describePinned(pinned)}${which} literally: this code keeps using it after you fail over. Use ${replacement.replace(/\(.*\)$/s, '()')}, which reads the workspace config file that switching changes.`,
    short: `${call} names ${pinned.workspace ? `workspace '${pinned.workspace}'` : pinned.resourceGroup ? `resource group '${pinned.resourceGroup}'` : `subscription ${pinned.subscription}`} literally; use ${replacement.replace(/\(.*\)$/s, '()')}`,
    start,
    end,
    anchorLine: index.lineOf(start),
    fixes: [{ title: `Use ${replacement}`, edits: [{ start, end, newText: replacement }], isPreferred: true }],
    pinned,
  };
}

function pairRole(pinned: PinnedWorkspace, pair: PairNames): string {
  for (const role of ['primary', 'secondary'] as const) {
    const ws = pair[role];
    if (ws?.workspace && pinned.workspace && ws.workspace.toLowerCase() === pinned.workspace.toLowerCase()) return `, the ${role} workspace of this pair,`;
  }
  return '';
}

/** `subscription_id = "<guid>"`, `"subscription_id": "<guid>"`, `os.environ["AZURE_SUBSCRIPTION_ID"] = "<guid>"`. */
function subscriptionTarget(tokens: Token[], t: number): string | undefined {
  const op = tokens[t - 1];
  if (!op || (op.text !== '=' && op.text !== ':')) return undefined;
  if (op.text === '=' && tokens[t - 2]?.text === '=') return undefined;
  let holder = tokens[t - 2];
  if (holder?.text === ']') holder = tokens[t - 3];
  if (!holder || (holder.type !== 'name' && holder.type !== 'string')) return undefined;
  return /subscription/i.test(holder.text) ? holder.text : undefined;
}
