import * as path from 'node:path';
import { severityOf, type LintConfig } from './config';
import type { PairNames, RawFinding } from './findings';
import { inlineIgnores } from './ignoreComments';
import { JsonSyntaxError, notebookCells, serializeSource } from './notebook';
import { lintPython } from './pythonLint';
import { TextIndex } from './textIndex';
import type { FileKind, Finding, PortableReference, TextEdit } from './types';
import { lintYaml } from './yamlLint';

export type { PairNames } from './findings';

export interface LintOptions {
  /** The file's name or path: decides the kind (unless `kind` is given) and is used in notes. */
  fileName: string;
  kind?: FileKind;
  config?: LintConfig;
  /** The pair's workspaces, so messages can say "the primary workspace of this pair". */
  pair?: PairNames;
  /** Also collect portable references (`azureml:<name>:<version>`, computes) for the remote check. */
  collectPortable?: boolean;
  /** The remote check, answered from a cache (never waits for the network): findings for portable references. */
  remote?: (portable: PortableReference[]) => RawFinding[];
}

export interface LintResult {
  kind: FileKind | undefined;
  findings: Finding[];
  /** Portable references the remote check may look up (YAML only). */
  portable: PortableReference[];
}

const EXTENSIONS: Record<string, FileKind> = { '.yml': 'yaml', '.yaml': 'yaml', '.json': 'json', '.py': 'python', '.ipynb': 'notebook' };

export function fileKind(fileName: string): FileKind | undefined {
  return EXTENSIONS[path.extname(fileName).toLowerCase()];
}

/** The SDK's workspace config files hold the workspace on purpose: they are what switching rewrites. */
const SDK_CONFIG_NAMES = new Set(['config.json', 'project.json']);

export function isSdkConfig(fileName: string, text: string): boolean {
  return SDK_CONFIG_NAMES.has(path.basename(fileName).toLowerCase()) && /"(subscription_id|Scope)"/.test(text);
}

/**
 * Lints one file's text. Pure and synchronous; never throws (a file it cannot read as its kind gets one calm
 * finding of its own rule). Findings are sorted by position; severities, `off` rules and inline ignores applied.
 */
export function lintText(text: string, options: LintOptions): LintResult {
  const kind = options.kind ?? fileKind(options.fileName);
  const index = new TextIndex(text);
  const result: LintResult = { kind, findings: [], portable: [] };
  if (!kind) return result;
  const limitKb = options.config?.maxFileSizeKb ?? 4096;
  // Notebooks carry outputs (images): allow them more before skipping.
  const limit = limitKb * 1024 * (kind === 'notebook' ? 16 : 1);
  const skipped = skipReason(text, limit);
  if (skipped) {
    result.findings = finish([{ rule: 'skipped-file', message: skipped, short: skipped.replace(/^Not checked: the file is/, 'not checked:').replace(/\.$/, ''), start: 0, end: 0, anchorLine: 0, fixes: [] }], index, options, false);
    return result;
  }
  if (kind === 'json' && isSdkConfig(options.fileName, text)) return result;
  let raw: RawFinding[];
  try {
    if (kind === 'yaml' || kind === 'json') {
      const y = lintYaml(text, index, { json: kind === 'json', pair: options.pair, collectPortable: options.collectPortable || Boolean(options.remote) });
      raw = y.findings;
      result.portable = y.portable;
      if (options.remote && y.portable.length) raw.push(...options.remote(y.portable));
    } else if (kind === 'python') {
      raw = lintPython(text, index, { pair: options.pair });
    } else {
      result.findings = lintNotebook(text, index, options);
      return result;
    }
  } catch (err) {
    raw = [couldNotCheck(kind, err, index)];
  }
  result.findings = finish(raw, index, options, true);
  return result;
}

function skipReason(text: string, limit: number): string | undefined {
  if (text.length > limit) return `Not checked: the file is ${Math.round(text.length / 1024)} KB, over the lint limit of ${Math.round(limit / 1024)} KB (lint.maxFileSizeKb).`;
  const head = text.slice(0, 8192);
  if (head.includes('\u0000')) return 'Not checked: the file looks binary.';
  return undefined;
}

function couldNotCheck(kind: FileKind, err: unknown, index: TextIndex): RawFinding {
  const reason = err instanceof RangeError ? 'it is nested too deeply' : err instanceof Error ? err.message : String(err);
  const offset = err instanceof JsonSyntaxError ? err.offset : 0;
  return {
    rule: kind === 'yaml' ? 'invalid-yaml' : 'invalid-json',
    message:
      kind === 'notebook' ? `Not a readable notebook, so it was not checked: ${reason}` : `This file could not be checked: ${reason}.`,
    short: `${kind === 'notebook' ? 'not a readable notebook' : 'could not be checked'}: ${reason}`,
    start: offset,
    end: offset + 1,
    anchorLine: index.lineOf(offset),
    fixes: [],
  };
}

/** Severities, `off`, inline ignores, ranges; sorted. */
export function finish(raw: RawFinding[], index: TextIndex, options: LintOptions, useIgnores: boolean): Finding[] {
  const ignores = useIgnores ? inlineIgnores(index.text, index) : undefined;
  const out: Finding[] = [];
  for (const f of raw) {
    const severity = severityOf(options.config, f.rule);
    if (severity === 'off') continue;
    const startLine = index.lineOf(f.start);
    if (ignores?.isIgnored(f.rule, [f.anchorLine, startLine])) continue;
    // Clamp: a parser's error position may point just past the end of the text.
    const start = Math.min(Math.max(0, f.start), index.text.length);
    const end = Math.min(Math.max(start, f.end), index.text.length);
    out.push({ ...f, start, end, severity, range: index.range(start, end) });
  }
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}

/** Notebook code cells are linted as Python (with their own inline ignores) and mapped back to the .ipynb text. */
function lintNotebook(text: string, index: TextIndex, options: LintOptions): Finding[] {
  let cells;
  try {
    cells = notebookCells(text);
  } catch (err) {
    return finish([couldNotCheck('notebook', err, index)], index, options, false);
  }
  const out: Finding[] = [];
  for (const cell of cells) {
    if (!cell.text) continue;
    const cellIndex = new TextIndex(cell.text);
    const found = finish(lintPython(cell.text, cellIndex, { pair: options.pair }), cellIndex, options, true);
    for (const f of found) {
      const start = cell.startOf[f.start] ?? cell.sourceStart;
      const end = f.end > f.start ? (cell.endOf[f.end - 1] ?? start) : start;
      const fixes = f.fixes.map((fix) => ({
        ...fix,
        edits: [{ start: cell.sourceStart, end: cell.sourceEnd, newText: serializeSource(cell, applyEdits(cell.text, fix.edits)) }],
      }));
      out.push({
        ...f,
        message: `Cell ${cell.index + 1}, line ${f.range.startLine + 1}: ${f.message}`,
        short: f.short && `cell ${cell.index + 1}, line ${f.range.startLine + 1}: ${f.short}`,
        start,
        end,
        range: index.range(start, end),
        anchorLine: index.lineOf(start),
        fixes,
      });
    }
  }
  return out;
}

/** Applies non-overlapping edits (later ones that overlap an earlier one are left out). */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let at = 0;
  for (const e of sorted) {
    if (e.start < at) continue;
    out += text.slice(at, e.start) + e.newText;
    at = e.end;
  }
  return out + text.slice(at);
}

/**
 * Applies every preferred fix, re-linting between passes so fixes that touch the same text (two in one notebook
 * cell) all land. Returns the new text and how many fixes were applied.
 */
export function fixAll(text: string, options: LintOptions): { text: string; applied: number } {
  let current = text;
  let applied = 0;
  for (let pass = 0; pass < 10; pass++) {
    const fixes = lintText(current, options).findings.flatMap((f) => f.fixes.filter((x) => x.isPreferred));
    if (!fixes.length) break;
    const edits: TextEdit[] = [];
    let taken = 0;
    let end = -1;
    for (const fix of [...fixes].sort((a, b) => a.edits[0]!.start - b.edits[0]!.start)) {
      const s = Math.min(...fix.edits.map((e) => e.start));
      if (s < end) continue;
      edits.push(...fix.edits);
      end = Math.max(...fix.edits.map((e) => e.end));
      taken++;
    }
    if (!taken) break;
    current = applyEdits(current, edits);
    applied += taken;
  }
  return { text: current, applied };
}
