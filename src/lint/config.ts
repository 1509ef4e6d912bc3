import picomatch from 'picomatch';
import { RULES, SEVERITIES, isRuleCode } from './rules';
import type { ConfiguredSeverity, RuleCode, Severity } from './types';

/**
 * The `lint:` section of aml-failover.yaml, so the editor and CI give the same answers:
 *
 *     lint:
 *       rules:                      # severity per rule: error, warning, info, hint or off
 *         job-output-reference: warning
 *       ignore:                     # paths never linted (globs relative to the project folder)
 *         - legacy/**
 *       maxFileSizeKb: 4096         # larger files are skipped with a note
 */
export interface LintConfig {
  rules: Partial<Record<RuleCode, ConfiguredSeverity>>;
  ignore: string[];
  maxFileSizeKb: number;
}

export const DEFAULT_MAX_FILE_KB = 4096;

export function defaultLintConfig(): LintConfig {
  return { rules: {}, ignore: [], maxFileSizeKb: DEFAULT_MAX_FILE_KB };
}

/** Reads `sections.lint` (plain data from the pair file). Never throws; problems name what was ignored and why. */
export function lintConfigFromSection(section: unknown): { config: LintConfig; problems: string[] } {
  const config = defaultLintConfig();
  const problems: string[] = [];
  if (section === undefined || section === null) return { config, problems };
  if (typeof section !== 'object' || Array.isArray(section)) {
    problems.push('lint: must be a mapping with rules, ignore and maxFileSizeKb; it was ignored.');
    return { config, problems };
  }
  const s = section as Record<string, unknown>;
  mergeRules(config, s.rules, 'lint.rules', problems);
  if (s.ignore !== undefined) {
    if (Array.isArray(s.ignore) && s.ignore.every((g) => typeof g === 'string')) config.ignore.push(...(s.ignore as string[]));
    else problems.push('lint.ignore must be a list of path globs; it was ignored.');
  }
  if (s.maxFileSizeKb !== undefined) {
    if (typeof s.maxFileSizeKb === 'number' && s.maxFileSizeKb > 0) config.maxFileSizeKb = s.maxFileSizeKb;
    else problems.push('lint.maxFileSizeKb must be a positive number; the default is used.');
  }
  for (const key of Object.keys(s)) {
    if (!['rules', 'ignore', 'maxFileSizeKb'].includes(key)) problems.push(`lint.${key} is not a lint setting (expected rules, ignore, maxFileSizeKb).`);
  }
  return { config, problems };
}

/** Local overrides (the `amlFailover.lint.rules` / `amlFailover.lint.ignore` settings) on top of the project's. */
export function withOverrides(base: LintConfig, overrides: { rules?: unknown; ignore?: unknown }): { config: LintConfig; problems: string[] } {
  const config: LintConfig = { rules: { ...base.rules }, ignore: [...base.ignore], maxFileSizeKb: base.maxFileSizeKb };
  const problems: string[] = [];
  mergeRules(config, overrides.rules, 'amlFailover.lint.rules', problems);
  if (Array.isArray(overrides.ignore)) config.ignore.push(...overrides.ignore.filter((g): g is string => typeof g === 'string'));
  return { config, problems };
}

function mergeRules(config: LintConfig, rules: unknown, where: string, problems: string[]): void {
  if (rules === undefined || rules === null) return;
  if (typeof rules !== 'object' || Array.isArray(rules)) {
    problems.push(`${where} must map rule codes to a severity; it was ignored.`);
    return;
  }
  for (const [code, value] of Object.entries(rules as Record<string, unknown>)) {
    if (!isRuleCode(code)) {
      problems.push(`${where}.${code} is not a rule (rules: ${Object.keys(RULES).join(', ')}).`);
      continue;
    }
    const sev = value === false ? 'off' : String(value).toLowerCase();
    if (!SEVERITIES.includes(sev as ConfiguredSeverity)) {
      problems.push(`${where}.${code}: "${String(value)}" is not a severity (error, warning, info, hint, off).`);
      continue;
    }
    config.rules[code] = sev as ConfiguredSeverity;
  }
}

export function severityOf(config: LintConfig | undefined, rule: RuleCode): ConfiguredSeverity {
  return config?.rules[rule] ?? RULES[rule].defaultSeverity;
}

export type Severities = Record<RuleCode, Severity>;

/** A matcher for `ignore` globs over project-relative paths with `/` separators; bare names match at any depth. */
export function ignoredPathMatcher(globs: readonly string[]): (relativePath: string) => boolean {
  if (!globs.length) return () => false;
  const matchers = globs.map((g) => picomatch(g.replace(/^\.\//, ''), { dot: true, basename: !g.includes('/') }));
  return (relativePath) => {
    const p = relativePath.split('\\').join('/');
    return matchers.some((m) => m(p) || m(`${p}/`));
  };
}
