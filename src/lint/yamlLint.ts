import { isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Scalar } from 'yaml';
import { findPinnedReferences, mayHoldReference, type PinnedMatch } from './references';
import { pinnedFinding, type PairNames, type RawFinding } from './findings';
import type { TextIndex } from './textIndex';
import type { PortableReference, TextEdit } from './types';

/** Keys whose value is read by Azure ML as a reference, so a bare ARM id there may be rewritten to a portable one. */
const REFERENCE_KEYS = new Set([
  'compute', 'default_compute', 'target', 'environment', 'model', 'component', 'code', 'path', 'datastore',
  'default_datastore', 'name', 'model_id', 'data',
]);
const COMPUTE_KEYS = new Set(['compute', 'default_compute']);
const ASSET_KEYS: Record<string, PortableReference['assetType']> = {
  environment: 'environments',
  model: 'models',
  component: 'components',
};

export interface YamlLintResult {
  findings: RawFinding[];
  portable: PortableReference[];
}

/** A string value as written, for incremental re-linting (incremental.ts). */
export interface ValueSpan {
  start: number;
  end: number;
  type: Scalar.Type | undefined;
  key: string | undefined;
  anchorLine: number;
  tagged: boolean;
}

interface Work {
  node: unknown;
  key: string | undefined;
  anchorLine: number;
}

/**
 * Lints YAML (and JSON, which the same parser reads with exact offsets): every string value of every document is
 * scanned for pinned references, with ranges on the characters as written (quoted, folded, continued lines,
 * anchors), plus `#` comments. Aliases are not followed: a value is reported once, where it is written.
 */
export function lintYaml(text: string, index: TextIndex, options: { json: boolean; pair?: PairNames; collectPortable?: boolean; spans?: ValueSpan[] }): YamlLintResult {
  const findings: RawFinding[] = [];
  const portable: PortableReference[] = [];
  const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: false, strict: false });
  const list = Array.from(docs);
  const errors = list.flatMap((d) => d.errors);
  if (errors.length) {
    const first = errors[0]!;
    const [s = 0, e = s] = first.pos;
    const what = options.json ? 'JSON' : 'YAML';
    const reason = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, '');
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''})` : '';
    const tooDeep = /call stack/i.test(reason);
    const template = !options.json && index.lineText(index.lineOf(s)).includes('{{') ? ' (it looks like a template: an unquoted {{…}} is not YAML)' : '';
    findings.push({
      rule: options.json ? 'invalid-json' : 'invalid-yaml',
      message: tooDeep
        ? `This file is nested too deeply to be read as ${what}, so it was only checked as far as it could be read.`
        : `Not valid ${what}, so this file was only checked as far as it could be read: ${reason}${more}${template}.`,
      short: tooDeep ? `nested too deeply to be read as ${what}` : `not valid ${what}: ${reason}${more}`,
      start: s,
      end: Math.max(e, s + 1),
      anchorLine: index.lineOf(s),
      fixes: [],
    });
  }
  const scan = mayHoldReference(text);
  const scalarSpans: number[] = [];
  const stack: Work[] = [];
  // Nothing to find without a candidate, unless the remote check wants the portable references.
  if (scan || options.collectPortable || options.spans) for (const doc of list) stack.push({ node: doc.contents, key: undefined, anchorLine: -1 });
  // Depth-first without recursion: deeply nested input must not exhaust the call stack.
  while (stack.length) {
    const { node, key, anchorLine } = stack.pop()!;
    if (!node || isAlias(node)) continue;
    if (isScalar(node)) {
      const range = node.range;
      if (!range) continue;
      scalarSpans.push(range[0], range[1]);
      if (typeof node.value !== 'string') continue;
      const line = anchorLine >= 0 ? anchorLine : index.lineOf(range[0]);
      options.spans?.push({ start: range[0], end: range[1], type: node.type, key, anchorLine: line, tagged: Boolean(node.tag) });
      if (scan) scanScalar(text, node as Scalar<string>, key, line, options.pair, findings);
      if (options.collectPortable) collectPortable(node as Scalar<string>, key, line, portable);
      continue;
    }
    if (isMap(node)) {
      for (let i = node.items.length - 1; i >= 0; i--) {
        const pair = node.items[i]!;
        let keyName: string | undefined;
        let keyLine = -1;
        if (isScalar(pair.key)) {
          keyName = String(pair.key.value);
          if (pair.key.range) {
            scalarSpans.push(pair.key.range[0], pair.key.range[1]);
            keyLine = index.lineOf(pair.key.range[0]);
          }
        } else if (pair.key) {
          stack.push({ node: pair.key, key: undefined, anchorLine: -1 });
        }
        stack.push({ node: pair.value, key: keyName, anchorLine: keyLine });
      }
      continue;
    }
    if (isSeq(node)) {
      for (let i = node.items.length - 1; i >= 0; i--) {
        const item = node.items[i];
        if (isPair(item)) stack.push({ node: item.value, key: isScalar(item.key) ? String(item.key.value) : key, anchorLine: -1 });
        else stack.push({ node: item, key, anchorLine: -1 });
      }
    }
  }
  if (scan && !options.json) scanComments(text, index, scalarSpans, options.pair, findings);
  return { findings, portable };
}

export function scanScalar(text: string, node: Scalar<string>, key: string | undefined, anchorLine: number, pair: PairNames | undefined, out: RawFinding[]): void {
  const value = node.value;
  const matches = findPinnedReferences(value);
  if (!matches.length) return;
  const [nodeStart, nodeEnd] = node.range!;
  const source = text.slice(nodeStart, nodeEnd);
  let cursor = 0;
  let decoded: DecodedMap | undefined | null;
  for (const match of matches) {
    let start: number;
    let end: number;
    let verbatim = false;
    const at = source.indexOf(match.value, cursor);
    if (at >= 0) {
      start = nodeStart + at;
      end = start + match.value.length;
      cursor = at + match.value.length;
      verbatim = true;
    } else {
      if (decoded === undefined) decoded = node.type === 'QUOTE_DOUBLE' ? decodeDoubleQuoted(source, value) : null;
      if (decoded) {
        start = nodeStart + decoded.startOf[match.start]!;
        end = nodeStart + decoded.endOf[match.end - 1]!;
      } else {
        start = nodeStart;
        end = nodeEnd;
      }
    }
    const replace = (portable: string): TextEdit[] | undefined => {
      if (!mayRewrite(match, value, key)) return undefined;
      if (verbatim) return [{ start, end, newText: portable }];
      const next = value.slice(0, match.start) + portable + value.slice(match.end);
      return [{ start: nodeStart, end: nodeEnd, newText: JSON.stringify(next) }];
    };
    out.push(pinnedFinding(match, { start, end, anchorLine }, { pair, replace }));
  }
}

/** A bare ARM id is only rewritten where the whole value is a reference Azure ML resolves (not in REST payloads). */
function mayRewrite(match: PinnedMatch, value: string, key: string | undefined): boolean {
  if (match.schemed) return true;
  return match.start === 0 && match.end === value.length && key !== undefined && REFERENCE_KEYS.has(key.toLowerCase());
}

const STORAGE_URL = /^(?:https:\/\/([a-z0-9]{3,24})\.(?:blob|dfs)\.core\.windows\.net\/([^/?#\s]+)\/?([^?#\s]*)|(?:wasbs|abfss):\/\/([^@/\s]+)@([a-z0-9]{3,24})\.(?:blob|dfs)\.core\.windows\.net\/?([^?#\s]*))$/i;

export function collectPortable(node: Scalar<string>, key: string | undefined, anchorLine: number, out: PortableReference[]): void {
  const value = node.value.trim();
  const [start, end] = node.range!;
  const url = value.includes('.core.windows.net') ? STORAGE_URL.exec(value) : null;
  if (url) {
    const [account, container, path] = url[1] ? [url[1], url[2]!, url[3] ?? ''] : [url[5]!, url[4]!, url[6] ?? ''];
    out.push({ kind: 'storage-url', name: account, account: account.toLowerCase(), container, path, start, end, anchorLine });
    return;
  }
  if (!key) return;
  const k = key.toLowerCase();
  if (COMPUTE_KEYS.has(k)) {
    const name = /^(?:azureml:)?([A-Za-z][\w-]{1,31})$/.exec(value)?.[1];
    if (name && !/^(local|serverless)$/i.test(name)) out.push({ kind: 'compute', name, start, end, anchorLine });
    return;
  }
  const assetType = ASSET_KEYS[k];
  if (!assetType) return;
  const m = /^azureml:([A-Za-z0-9][\w.-]*)(?::([\w.-]+)|@latest)$/.exec(value);
  if (m) out.push({ kind: 'asset', assetType, name: m[1]!, ...(m[2] ? { version: m[2] } : {}), start, end, anchorLine });
}

/** `#` comments: a `#` at a line start or after whitespace, outside every scalar. */
function scanComments(text: string, index: TextIndex, spans: number[], pair: PairNames | undefined, out: RawFinding[]): void {
  // Spans come in document order per document; sort the pairs by start to binary-search them.
  const pairs: [number, number][] = [];
  for (let i = 0; i < spans.length; i += 2) pairs.push([spans[i]!, spans[i + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  const inside = (offset: number): boolean => {
    let lo = 0;
    let hi = pairs.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (pairs[mid]![0] <= offset) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    // Scalars do not overlap, so only the nearest one starting before `offset` can hold it.
    return best >= 0 && offset < pairs[best]![1];
  };
  for (let i = text.indexOf('#'); i !== -1; i = text.indexOf('#', i + 1)) {
    const prev = i === 0 ? '\n' : text[i - 1]!;
    if (prev !== ' ' && prev !== '\t' && prev !== '\n' && prev !== '\r') continue;
    if (inside(i)) continue;
    let eol = text.indexOf('\n', i);
    if (eol === -1) eol = text.length;
    const comment = text.slice(i, eol);
    for (const match of findPinnedReferences(comment)) {
      const start = i + match.start;
      out.push(pinnedFinding(match, { start, end: i + match.end, anchorLine: index.lineOf(start) }, { pair, inComment: true }));
    }
    i = eol;
  }
}

interface DecodedMap {
  startOf: number[];
  endOf: number[];
}

const ESCAPES: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', e: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', N: '\u0085', _: '\u00a0',
  L: '\u2028', P: '\u2029', ' ': ' ', '"': '"', '/': '/', '\\': '\\', '\t': '\t',
};

/**
 * Decodes a double-quoted YAML scalar as written (`source` includes the quotes), recording where each decoded
 * character comes from. Returns null when the result differs from what the parser read (then the whole value is
 * the range), so a gap in this decoder can only make a range wider, never wrong.
 */
export function decodeDoubleQuoted(source: string, expected: string): DecodedMap | null {
  const out: string[] = [];
  const startOf: number[] = [];
  const endOf: number[] = [];
  const escaped: boolean[] = [];
  const push = (ch: string, s: number, e: number, esc = false) => {
    out.push(ch);
    startOf.push(s);
    endOf.push(e);
    escaped.push(esc);
  };
  const last = source.length - 1;
  let i = 1;
  while (i < last) {
    const c = source[i]!;
    if (c === '\\') {
      const n = source[i + 1] ?? '';
      if (n === '\n' || n === '\r') {
        // Escaped line break: nothing is emitted and the next line's indentation is skipped.
        i += n === '\r' && source[i + 2] === '\n' ? 3 : 2;
        while (i < last && (source[i] === ' ' || source[i] === '\t')) i++;
        continue;
      }
      const hex = n === 'x' ? 2 : n === 'u' ? 4 : n === 'U' ? 8 : 0;
      if (hex) {
        const code = parseInt(source.slice(i + 2, i + 2 + hex), 16);
        if (Number.isNaN(code)) return null;
        const ch = String.fromCodePoint(code);
        for (const unit of ch.split('')) push(unit, i, i + 2 + hex, true);
        i += 2 + hex;
        continue;
      }
      const ch = ESCAPES[n];
      if (ch === undefined) return null;
      push(ch, i, i + 2, true);
      i += 2;
      continue;
    }
    if (c === '\n' || c === '\r') {
      // Line folding: trailing white space goes, a single break becomes a space, blank lines become breaks.
      while (out.length && (out[out.length - 1] === ' ' || out[out.length - 1] === '\t') && !escaped[escaped.length - 1]) {
        out.pop();
        startOf.pop();
        endOf.pop();
        escaped.pop();
      }
      const breakAt = i;
      let breaks = 0;
      while (i < last && (source[i] === '\n' || source[i] === '\r' || source[i] === ' ' || source[i] === '\t')) {
        if (source[i] === '\n') breaks++;
        i++;
      }
      if (breaks <= 1) push(' ', breakAt, i);
      else for (let b = 1; b < breaks; b++) push('\n', breakAt, i);
      continue;
    }
    push(c, i, i + 1);
    i++;
  }
  return out.join('') === expected ? { startOf, endOf } : null;
}
