import { isRuleCode } from './rules';
import type { TextIndex } from './textIndex';
import type { RuleCode } from './types';

/**
 * Inline ignores, in a `#` comment (YAML, Python, notebook cells):
 *   `# aml-failover-lint: ignore [rule …]`            this line
 *   `# aml-failover-lint: ignore-next-line [rule …]`  the next line
 *   `# aml-failover-lint: ignore-file [rule …]`       the whole file
 * Without rule codes every rule is ignored. A finding belongs to the line its value or statement starts on.
 */
export const IGNORE_DIRECTIVE = 'aml-failover-lint:';
const DIRECTIVE = /^[ \t]*(ignore-next-line|ignore-file|ignore)\b([^\n]*)/;

export interface InlineIgnores {
  isIgnored(rule: RuleCode, lines: readonly number[]): boolean;
}

type RuleSet = Set<RuleCode> | 'all';

export function inlineIgnores(text: string, index: TextIndex): InlineIgnores {
  if (!text.includes(IGNORE_DIRECTIVE)) return { isIgnored: () => false };
  const byLine = new Map<number, RuleSet>();
  let file: RuleSet | undefined;
  const add = (existing: RuleSet | undefined, rules: RuleSet): RuleSet => {
    if (existing === 'all' || rules === 'all') return 'all';
    return new Set([...(existing ?? []), ...rules]);
  };
  // Linear: one directive per line counts (the first), found with indexOf, and it must follow a `#` on that line.
  for (let at = text.indexOf(IGNORE_DIRECTIVE); at !== -1; ) {
    const line = index.lineOf(at);
    const lineStart = index.lineStart(line);
    const eol = line + 1 < index.lineCount ? index.lineStart(line + 1) : text.length;
    const hash = text.indexOf('#', lineStart);
    const m = hash !== -1 && hash < at ? DIRECTIVE.exec(text.slice(at + IGNORE_DIRECTIVE.length, Math.min(eol, at + 400))) : null;
    at = text.indexOf(IGNORE_DIRECTIVE, eol);
    if (!m) continue;
    const codes = (m[2] ?? '').split(/[\s,]+/).filter(Boolean);
    const known = codes.filter(isRuleCode);
    const rules: RuleSet = known.length ? new Set(known) : 'all';
    if (m[1] === 'ignore-file') file = add(file, rules);
    else {
      const target = m[1] === 'ignore-next-line' ? line + 1 : line;
      byLine.set(target, add(byLine.get(target), rules));
    }
  }
  const covers = (set: RuleSet | undefined, rule: RuleCode) => set === 'all' || (set !== undefined && set.has(rule));
  return {
    isIgnored: (rule, lines) => covers(file, rule) || lines.some((l) => covers(byLine.get(l), rule)),
  };
}
