import * as path from 'node:path';
import { RULES, RULE_CODES, RULES_DOC } from './rules';
import type { Finding, Severity } from './types';

export interface FileFindings {
  /** As given on the command line (or absolute). */
  file: string;
  absolute: string;
  findings: Finding[];
}

/** One entry of `--format json`: 1-based lines and columns; the end column is just past the last character. */
export interface JsonFinding {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  rule: string;
  severity: Severity;
  message: string;
}

export function toJson(files: readonly FileFindings[]): JsonFinding[] {
  return files.flatMap(({ file, findings }) =>
    findings.map((f) => ({
      file,
      line: f.range.startLine + 1,
      column: f.range.startCol + 1,
      endLine: f.range.endLine + 1,
      endColumn: f.range.endCol + 1,
      rule: f.rule,
      severity: f.severity,
      message: f.message,
    })),
  );
}

/** The longest one-line message of the text output (a compiler's line: location, severity, rule, message). */
export const SHORT_MESSAGE_MAX = 100;

/** A finding's one-line message: its own `short`, or the first clause of the full message, at most 100 characters. */
export function shortMessage(f: Pick<Finding, 'message' | 'short'>): string {
  const s = (f.short ?? lowerFirst(/^(.{10,}?)(?:[:;.]\s|\.$)/s.exec(f.message)?.[1] ?? f.message)).replace(/\s+/g, ' ').trim();
  return s.length > SHORT_MESSAGE_MAX ? `${s.slice(0, SHORT_MESSAGE_MAX - 1).trimEnd()}…` : s;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

export interface TextOptions {
  /** Follow each finding with its full message and where its rule is explained. */
  explain?: boolean;
  /** Where docs/lint-rules.md is, for `--explain` (default: its path in the repository). */
  rulesDoc?: string;
}

/** `file:line:col: severity rule: message`, one line per finding, then a count. */
export function toText(files: readonly FileFindings[], checked: number, options: TextOptions = {}): string {
  const lines: string[] = [];
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0, hint: 0 };
  for (const { file, findings } of files) {
    for (const f of findings) {
      counts[f.severity]++;
      lines.push(`${file}:${f.range.startLine + 1}:${f.range.startCol + 1}: ${f.severity} ${f.rule}: ${shortMessage(f)}`);
      if (options.explain) lines.push(`    ${f.message}`, `    see ${options.rulesDoc ?? RULES_DOC}#${f.rule}`);
    }
  }
  const total = counts.error + counts.warning + counts.info + counts.hint;
  const parts = (['error', 'warning', 'info', 'hint'] as const).filter((s) => counts[s]).map((s) => `${counts[s]} ${s}${counts[s] > 1 && s !== 'info' ? 's' : ''}`);
  lines.push(total ? `${total} finding${total > 1 ? 's' : ''} (${parts.join(', ')}) in ${checked} file${checked === 1 ? '' : 's'} checked.` : `No findings in ${checked} file${checked === 1 ? '' : 's'} checked.`);
  if (total && !options.explain) lines.push('Run with --explain for why and what to write instead.');
  return lines.join('\n');
}

const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note', hint: 'note' };

/**
 * SARIF 2.1.0 for code-scanning tools: paths relative to `root` (uriBaseId %SRCROOT%) when inside it, rules with
 * their default level and help text, fixes as artifact changes.
 */
export function toSarif(files: readonly FileFindings[], root: string, version: string): object {
  const uriOf = (absolute: string) => {
    const rel = path.relative(root, absolute);
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) return { uri: encodeURI(rel.split(path.sep).join('/')), uriBaseId: '%SRCROOT%' };
    return { uri: `file://${encodeURI(absolute.split(path.sep).join('/'))}` };
  };
  const results = files.flatMap(({ absolute, findings }) =>
    findings.map((f) => {
      const region = { startLine: f.range.startLine + 1, startColumn: f.range.startCol + 1, endLine: f.range.endLine + 1, endColumn: f.range.endCol + 1 };
      return {
        ruleId: f.rule,
        ruleIndex: RULE_CODES.indexOf(f.rule),
        level: SARIF_LEVEL[f.severity],
        message: { text: f.message },
        locations: [{ physicalLocation: { artifactLocation: uriOf(absolute), region } }],
        ...(f.fixes.length
          ? {
              fixes: f.fixes.map((fix) => ({
                description: { text: fix.title },
                artifactChanges: [
                  {
                    artifactLocation: uriOf(absolute),
                    replacements: fix.edits.map((e) => ({ deletedRegion: { charOffset: e.start, charLength: e.end - e.start }, insertedContent: { text: e.newText } })),
                  },
                ],
              })),
            }
          : {}),
      };
    }),
  );
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'aml-failover lint',
            version,
            rules: RULE_CODES.map((code) => ({
              id: code,
              name: code.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase()),
              shortDescription: { text: RULES[code].summary },
              help: { text: `${RULES[code].summary} See ${RULES_DOC}#${code}.` },
              defaultConfiguration: { level: SARIF_LEVEL[RULES[code].defaultSeverity] },
            })),
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: `file://${encodeURI(root.split(path.sep).join('/'))}/` } },
        results,
      },
    ],
  };
}
