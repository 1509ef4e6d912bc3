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
const DIRECTIVE = /#[^\n]*?aml-failover-lint:[ \t]*(ignore-next-line|ignore-file|ignore)\b([^\n]*)/g;

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
  DIRECTIVE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = DIRECTIVE.exec(text)) !== null) {
    const codes = (m[2] ?? '').split(/[\s,]+/).filter(Boolean);
    const known = codes.filter(isRuleCode);
    const rules: RuleSet = known.length ? new Set(known) : 'all';
    const line = index.lineOf(m.index);
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
