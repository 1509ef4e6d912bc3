import type { Role } from '../../pair/pairFile';
import { docLink, type CheckId, type CheckVerdict, type Json, type Read, type ReadinessCheck, type SideFacts } from '../types';

export type Failure = Extract<Read<unknown>, { ok: false }>;

export const ROLE_TITLE: Record<Role, string> = { primary: 'primary', secondary: 'secondary' };

/** A finding, its fix ending with the link to the check's documentation. */
export function finding(id: CheckId, verdict: CheckVerdict, message: string, fix: string, resources: (string | undefined)[] = []): ReadinessCheck {
  const ids = [...new Set(resources.filter((r): r is string => Boolean(r)))];
  return { id, verdict, message, fix: `${fix}${fix && !/[.!?]$/.test(fix) ? '.' : ''} See ${docLink(id)}`.trim(), resources: ids };
}

/** The first read that failed, or undefined when all answered. */
export function firstFailure(...reads: Read<unknown>[]): Failure | undefined {
  return reads.find((r): r is Failure => !r.ok);
}

/** `unknown`, with the reason: the read was refused (403) or its region did not answer. */
export function unknownFinding(id: CheckId, failure: Failure, what: string, resources: (string | undefined)[] = []): ReadinessCheck {
  const why =
    failure.kind === 'forbidden' ? `no permission to read ${what}: ${failure.reason}`
    : failure.kind === 'down' ? `the region did not answer while reading ${what}: ${failure.reason}`
    : failure.kind === 'missing' ? `could not find ${what}: ${failure.reason}`
    : `${what} could not be read: ${failure.reason}`;
  const fix =
    failure.kind === 'forbidden' ? 'Ask for read access (the Reader role) on it, then run the check again'
    : failure.kind === 'down' ? 'Run the check again when the region answers'
    : 'Run the check again; the log has the details';
  return finding(id, 'unknown', `Cannot check: ${why}`, fix, resources);
}

/** A value at a dotted path of ARM JSON. */
export function at(json: unknown, path: string): unknown {
  let x = json;
  for (const k of path.split('.')) x = x && typeof x === 'object' ? (x as Json)[k] : undefined;
  return x;
}

export function str(json: unknown, path: string): string | undefined {
  const v = at(json, path);
  return typeof v === 'string' ? v : undefined;
}

export function num(json: unknown, path: string): number | undefined {
  const v = at(json, path);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** ARM ids and names compare case-insensitively. */
export function sameId(a: string | undefined, b: string | undefined): boolean {
  return Boolean(a && b && a.toLowerCase() === b.toLowerCase());
}

export function lastSegment(id: string): string {
  return id.split('/').filter(Boolean).pop() ?? id;
}

/** `West US` and `westus` are the same region. */
export function regionKey(region: string | undefined): string {
  return (region ?? '').toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function sameRegion(a: string | undefined, b: string | undefined): boolean {
  return Boolean(a && b && regionKey(a) === regionKey(b));
}

/** The workspace's own ARM id, from its GET or from the pair file. */
export function workspaceIdOf(side: SideFacts): string {
  if (side.workspace.ok && typeof side.workspace.value.id === 'string') return side.workspace.value.id;
  const r = side.ref;
  return `/subscriptions/${r.subscription_id}/resourceGroups/${r.resource_group}/providers/Microsoft.MachineLearningServices/workspaces/${r.workspace_name}`;
}

/** The ARM id of one of the workspace's associated resources (`properties.storageAccount`, …). */
export function associatedId(side: SideFacts, property: 'storageAccount' | 'keyVault' | 'containerRegistry' | 'applicationInsights'): string | undefined {
  return side.workspace.ok ? str(side.workspace.value, `properties.${property}`) || undefined : undefined;
}

export function list(items: string[], max = 5): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
