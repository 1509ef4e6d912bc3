import type { CheckVerdict, ReadinessCheck } from './types';

const SYMBOL: Record<CheckVerdict, string> = { pass: '✓', warn: '!', fail: '✗', unknown: '?' };

/** `readiness --json`, exactly as documented. */
export function readinessJson(checks: readonly ReadinessCheck[]): { checks: ReadinessCheck[] } {
  return { checks: checks.map(({ id, verdict, message, fix, resources }) => ({ id, verdict, message, fix, resources })) };
}

/** One line per check, its fix under it unless it passed, and a count. */
export function formatReadiness(checks: readonly ReadinessCheck[]): string {
  const width = Math.max(...checks.map((c) => c.id.length), 0);
  const lines: string[] = [];
  for (const c of checks) {
    lines.push(`${SYMBOL[c.verdict]} ${c.verdict.padEnd(7)} ${c.id.padEnd(width)}  ${c.message}`);
    if (c.verdict !== 'pass' && c.fix) lines.push(`${' '.repeat(width + 12)}fix: ${c.fix}`);
  }
  lines.push(summary(checks));
  return lines.join('\n');
}

export function summary(checks: readonly ReadinessCheck[]): string {
  const count = (v: CheckVerdict) => checks.filter((c) => c.verdict === v).length;
  return `${checks.length} checks: ${count('pass')} pass, ${count('warn')} warn, ${count('fail')} fail, ${count('unknown')} unknown.`;
}
