import { parse, type Scalar } from 'yaml';
import type { RawFinding } from './findings';
import { fileKind, finish, isSdkConfig, lintText, type LintOptions, type LintResult } from './lint';
import { TextIndex } from './textIndex';
import type { FileKind, PortableReference } from './types';
import { collectPortable, lintYaml, scanScalar, type ValueSpan } from './yamlLint';

interface State {
  text: string;
  kind: FileKind;
  options: LintOptions;
  raw: RawFinding[];
  portable: PortableReference[];
  spans: ValueSpan[];
}

/** Characters a keystroke may add or remove inside a value without changing the document's structure. */
const SAFE = /^[A-Za-z0-9_./-]*$/;

/**
 * Re-lints a YAML document after an edit without parsing it again when the edit stays inside one single-line string
 * value (typing a name, a version, a path — most keystrokes): the value is re-scanned and everything after it
 * shifts. Anything else (new lines, quotes, colons, keys, comments, invalid YAML, other kinds) is a full lint. The
 * result always equals `lintText` of the new text (test/unit/lint/incremental.test.ts checks that property).
 */
export class IncrementalLinter {
  private state: State | undefined;
  /** How many lints took the in-place path (for tests and the bench). */
  inPlace = 0;

  lint(text: string, options: LintOptions): LintResult {
    const kind = options.kind ?? fileKind(options.fileName);
    const prev = this.state;
    if (prev && (kind === 'yaml' || kind === 'json') && prev.kind === kind && sameOptions(prev.options, options)) {
      const quick = this.tryEdit(prev, text, options);
      if (quick) {
        this.inPlace++;
        return quick;
      }
    }
    return this.full(text, kind, options);
  }

  private full(text: string, kind: FileKind | undefined, options: LintOptions): LintResult {
    this.state = undefined;
    if (kind !== 'yaml' && kind !== 'json') return lintText(text, options);
    const limit = (options.config?.maxFileSizeKb ?? 4096) * 1024;
    if (text.length > limit || text.slice(0, 8192).includes('\u0000') || (kind === 'json' && isSdkConfig(options.fileName, text))) return lintText(text, options);
    const index = new TextIndex(text);
    const spans: ValueSpan[] = [];
    let raw: RawFinding[];
    let portable: PortableReference[];
    try {
      const y = lintYaml(text, index, { json: kind === 'json', pair: options.pair, collectPortable: true, spans });
      raw = y.findings;
      portable = y.portable;
    } catch {
      return lintText(text, options);
    }
    // Only a document that read cleanly can be edited in place.
    spans.sort((a, b) => a.start - b.start);
    if (!raw.some((f) => f.rule === 'invalid-yaml' || f.rule === 'invalid-json')) this.state = { text, kind, options, raw, portable, spans };
    return this.result(kind, raw, portable, index, options);
  }

  private result(kind: FileKind, raw: RawFinding[], portable: PortableReference[], index: TextIndex, options: LintOptions): LintResult {
    const all = options.remote && portable.length ? [...raw, ...options.remote(portable)] : raw;
    return { kind, findings: finish(all, index, options, true), portable: options.collectPortable || options.remote ? portable : [] };
  }

  private tryEdit(prev: State, text: string, options: LintOptions): LintResult | undefined {
    const old = prev.text;
    let p = 0;
    const max = Math.min(old.length, text.length);
    while (p < max && old.charCodeAt(p) === text.charCodeAt(p)) p++;
    let q = 0;
    while (q < max - p && old.charCodeAt(old.length - 1 - q) === text.charCodeAt(text.length - 1 - q)) q++;
    const oldEnd = old.length - q;
    const newEnd = text.length - q;
    if (!SAFE.test(old.slice(p, oldEnd)) || !SAFE.test(text.slice(p, newEnd))) return undefined;
    const delta = newEnd - oldEnd;
    // The one value holding the edit: strictly inside quotes, or after the first character of a plain value.
    const i = findSpan(prev.spans, p);
    if (i < 0) return undefined;
    const span = prev.spans[i]!;
    const quoted = span.type === 'QUOTE_DOUBLE' || span.type === 'QUOTE_SINGLE';
    if (span.tagged || !(quoted || span.type === 'PLAIN')) return undefined;
    const [lo, hi] = quoted ? [span.start + 1, span.end - 1] : [span.start + 1, span.end];
    if (p < lo || oldEnd > hi) return undefined;
    const oldSource = old.slice(span.start, span.end);
    if (oldSource.includes('\n') || oldSource.includes('\r') || (span.type === 'QUOTE_DOUBLE' && oldSource.includes('\\')) || (span.type === 'QUOTE_SINGLE' && oldSource.slice(1, -1).includes("'"))) return undefined;
    const newSpanEnd = span.end + delta;
    const source = text.slice(span.start, newSpanEnd);
    const value = quoted ? source.slice(1, -1) : source;
    if (!quoted) {
      // A plain value must stay a string (not become a number, a boolean, null) and must not end at the edit.
      if (value.length === 0 || newSpanEnd < text.length && !/[\s,\]}#]/.test(text[newSpanEnd]!)) return undefined;
      let typed: unknown;
      try {
        typed = parse(value);
      } catch {
        return undefined;
      }
      if (typed !== value) return undefined;
    }
    const shift = <T extends { start: number; end: number }>(x: T): T => (x.start >= span.end ? { ...x, start: x.start + delta, end: x.end + delta } : x);
    const inside = (x: { start: number }) => x.start >= span.start && x.start < span.end;
    const raw = prev.raw
      .filter((f) => !inside(f))
      .map((f) => (f.start >= span.end ? { ...shift(f), fixes: f.fixes.map((fix) => ({ ...fix, edits: fix.edits.map(shift) })) } : f));
    const portable = prev.portable.filter((r) => !inside(r)).map(shift);
    const node = { value, range: [span.start, newSpanEnd, newSpanEnd], type: span.type } as unknown as Scalar<string>;
    const fresh: RawFinding[] = [];
    scanScalar(text, node, span.key, span.anchorLine, options.pair, fresh);
    const freshPortable: PortableReference[] = [];
    collectPortable(node, span.key, span.anchorLine, freshPortable);
    const spans = prev.spans.map((s, j) => (j === i ? { ...s, end: newSpanEnd } : s.start >= span.end ? { ...s, start: s.start + delta, end: s.end + delta } : s));
    const nextRaw = [...raw, ...fresh].sort((a, b) => a.start - b.start);
    const nextPortable = [...portable, ...freshPortable].sort((a, b) => a.start - b.start);
    this.state = { text, kind: prev.kind, options, raw: nextRaw, portable: nextPortable, spans };
    return this.result(prev.kind, nextRaw, nextPortable, new TextIndex(text), options);
  }
}

function sameOptions(a: LintOptions, b: LintOptions): boolean {
  return a.fileName === b.fileName && a.kind === b.kind && a.config === b.config && a.pair === b.pair;
}

/** The span whose range holds `offset` (spans are in document order and do not overlap). */
function findSpan(spans: ValueSpan[], offset: number): number {
  let lo = 0;
  let hi = spans.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (spans[mid]!.start <= offset) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best >= 0 && offset <= spans[best]!.end ? best : -1;
}
