import { isConnectionCut, parseRetryAfter } from '../azure/retry';
import type { AzureView } from './azureView';
import { DeadlineError, formatDuration } from './deadline';

/** What the user sees for a workspace. */
export type Health = 'healthy' | 'degraded' | 'down' | 'unauthorized' | 'unknown';
export const HEALTH_VALUES: readonly Health[] = ['healthy', 'degraded', 'down', 'unauthorized', 'unknown'];

/** Why one call failed, in the terms a verdict needs. */
export type FailureKind =
  | 'timeout' // accepted (or not) and no answer within the deadline
  | 'unreachable' // connection refused, reset, DNS failure
  | 'unavailable' // 5xx from the service
  | 'throttled' // 429
  | 'unauthenticated' // no credential, sign-in failed, 401
  | 'forbidden' // 403: signed in, no access
  | 'notFound' // 404
  | 'untrusted' // TLS: certificate not trusted
  | 'badResponse'; // anything else the service should not have answered

export type CallOutcome =
  | { ok: true; latencyMs: number }
  | { ok: false; kind: FailureKind; message: string; latencyMs: number; status?: number; retryAfterMs?: number };

/** Kinds worth another attempt within the same probe. */
export function isRetryable(kind: FailureKind): boolean {
  return kind === 'timeout' || kind === 'unreachable' || kind === 'unavailable' || kind === 'throttled';
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'REQUEST_SEND_ERROR']);
const CREDENTIAL_ERRORS = new Set(['CredentialUnavailableError', 'AuthenticationError', 'AggregateAuthenticationError', 'AuthenticationRequiredError']);

/** Maps an error thrown by an Azure SDK call, a credential or a plain socket to a failure kind and a short message. */
export function classifyFailure(err: unknown): { kind: FailureKind; message: string; status?: number; retryAfterMs?: number } {
  if (err instanceof DeadlineError) return { kind: 'timeout', message: err.message };
  const e = (err ?? {}) as { name?: string; message?: string; statusCode?: number; code?: string; cause?: unknown; response?: { headers?: { get?(n: string): string | undefined } }; details?: unknown };
  const message = firstLine(serviceMessage(e) ?? e.message ?? String(err));
  if (e.name && CREDENTIAL_ERRORS.has(e.name)) return { kind: 'unauthenticated', message };
  // The token-file credential of a local cloud (the sandbox) throws this when its token is gone.
  if (e.name === 'UserError' && /token file/i.test(e.message ?? '')) return { kind: 'unauthenticated', message };
  if (isConnectionCut(err)) return { kind: 'unreachable', message: `connection cut (${message})` };
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  if (status !== undefined) {
    if (status === 401) return { kind: 'unauthenticated', message, status };
    if (status === 403) return { kind: 'forbidden', message, status };
    if (status === 404) return { kind: 'notFound', message, status };
    if (status === 408) return { kind: 'timeout', message, status };
    if (status === 429) return { kind: 'throttled', message, status, retryAfterMs: parseRetryAfter(e.response?.headers?.get?.('retry-after')) };
    if (status >= 500) return { kind: 'unavailable', message, status };
    return { kind: 'badResponse', message, status };
  }
  const code = e.code ?? (e.cause as { code?: string } | undefined)?.code;
  if (code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/i.test(code)) return { kind: 'untrusted', message };
  if (code && NETWORK_CODES.has(code)) return { kind: 'unreachable', message };
  if (/socket hang up|ECONNREFUSED|ECONNRESET|network/i.test(e.message ?? '')) return { kind: 'unreachable', message };
  return { kind: 'badResponse', message };
}

function serviceMessage(e: { message?: string; details?: unknown }): string | undefined {
  const details = e.details as { error?: { code?: string; message?: string } } | undefined;
  if (details?.error?.message) return details.error.code ? `${details.error.code}: ${details.error.message}` : details.error.message;
  return undefined;
}

function firstLine(s: string): string {
  const line = s.split('\n')[0].trim();
  return line.length > 200 ? `${line.slice(0, 197)}…` : line;
}

/** The resources a workspace names and the health probe asks ARM about. */
export type AssociatedKind = 'storageAccount' | 'keyVault' | 'containerRegistry' | 'applicationInsights' | 'storageEndpoint';

export const ASSOCIATED_LABEL: Record<AssociatedKind, string> = {
  storageAccount: 'storage account',
  keyVault: 'key vault',
  containerRegistry: 'container registry',
  applicationInsights: 'Application Insights',
  storageEndpoint: 'storage endpoint',
};

export interface AssociatedOutcome {
  kind: AssociatedKind;
  /** ARM id, or the endpoint URL for storageEndpoint. */
  target: string;
  outcome: CallOutcome;
  checkedAt: number;
}

/** One probe of one workspace: the ARM GET of the workspace, and (not every round) its associated resources. */
export interface ProbeResult {
  checkedAt: number;
  workspace: CallOutcome;
  provisioningState?: string;
  /** Undefined when this round did not look at them. */
  associated?: AssociatedOutcome[];
  /** Calls made in this probe (for the rate accounting). */
  calls: number;
  /** True when the rate limit left no call for this probe: the result is the previous one, unchanged. */
  rateLimited?: boolean;
  /** Why calls of this probe were retried (one entry per retry), when any were. */
  retried?: string[];
  /** The regional data plane (discovery and the endpoint it names), when the workspace GET succeeded. */
  dataPlane?: CallOutcome;
  /** Resource Health and Service Health, when this round asked. */
  azureView?: AzureView;
}

export interface Verdict {
  health: Health;
  /** One sentence a user can act on. */
  reason: string;
}

export interface VerdictOptions {
  /** A workspace GET slower than this makes the region "degraded". */
  slowMs: number;
}

export const DEFAULT_VERDICT_OPTIONS: VerdictOptions = { slowMs: 1500 };

/**
 * The verdict for one workspace from its latest probe. `associated` may come from an earlier round (they are
 * probed less often); credential and permission failures are "unauthorized", never "down".
 */
export function decideVerdict(result: ProbeResult | undefined, associated: AssociatedOutcome[] | undefined, options: VerdictOptions = DEFAULT_VERDICT_OPTIONS): Verdict {
  if (!result) return { health: 'unknown', reason: 'Not checked yet.' };
  const ws = result.workspace;
  if (!ws.ok) {
    switch (ws.kind) {
      case 'unauthenticated':
        return { health: 'unauthorized', reason: `Sign in to Azure: ${ws.message}` };
      case 'forbidden':
        return { health: 'unauthorized', reason: `No access to the workspace: ${ws.message}` };
      case 'timeout':
        return { health: 'down', reason: `No answer from Azure Resource Manager ${ws.message.replace(/^.*?no answer /, '')}.` };
      case 'unreachable':
        return { health: 'down', reason: `Cannot connect to Azure Resource Manager: ${ws.message}` };
      case 'unavailable':
        return { health: 'down', reason: `The region's service is unavailable (HTTP ${ws.status}): ${ws.message}` };
      case 'notFound':
        return { health: 'down', reason: `The workspace was not found (HTTP 404): ${ws.message}` };
      case 'throttled':
        return { health: 'degraded', reason: `Azure Resource Manager is throttling requests (HTTP 429)${ws.retryAfterMs !== undefined ? `; retry after ${formatDuration(ws.retryAfterMs)}` : ''}.` };
      case 'untrusted':
        return { health: 'unknown', reason: `The server's certificate is not trusted: ${ws.message}` };
      case 'badResponse':
        return { health: 'unknown', reason: `Unexpected answer${ws.status ? ` (HTTP ${ws.status})` : ''}: ${ws.message}` };
    }
  }
  // A data plane that fails outright is a region jobs cannot use; one that is only slow or throttled (or ran out of
  // what the probe's budget left it after a slow ARM answer) makes the region degraded, below.
  const dp = result.dataPlane;
  const dataPlaneSlow = dp && !dp.ok && (dp.kind === 'timeout' || dp.kind === 'throttled');
  if (dp && !dp.ok && !dataPlaneSlow && dp.kind !== 'forbidden' && dp.kind !== 'unauthenticated') {
    return { health: 'down', reason: `Data plane not answering (${dp.message}): Azure Resource Manager answers, but jobs cannot be submitted in this region.` };
  }
  const problems: string[] = [];
  const state = result.provisioningState;
  if (state && state.toLowerCase() !== 'succeeded') problems.push(`provisioning state is ${state}`);
  if (ws.latencyMs > options.slowMs) problems.push(`slow: Azure Resource Manager answered in ${formatDuration(ws.latencyMs)}`);
  if (dataPlaneSlow) problems.push(`data plane ${dp.kind === 'throttled' ? 'throttled' : 'not answering in time'}`);
  for (const a of associated ?? []) {
    if (a.outcome.ok) continue;
    const label = ASSOCIATED_LABEL[a.kind];
    const o = a.outcome;
    const why =
      o.kind === 'timeout' ? 'no answer in time'
      : o.kind === 'forbidden' || o.kind === 'unauthenticated' ? 'no access'
      : o.kind === 'unreachable' ? 'unreachable'
      : o.kind === 'notFound' ? 'not found'
      : o.kind === 'throttled' ? 'throttled'
      : o.status ? `HTTP ${o.status}` : o.kind;
    problems.push(`${label} ${why}`);
  }
  if (problems.length) return { health: 'degraded', reason: `${capitalize(problems.join('; '))}.` };
  const checked = (associated ?? []).filter((a) => a.outcome.ok).map((a) => ASSOCIATED_LABEL[a.kind]);
  return {
    health: 'healthy',
    reason: `Workspace answered in ${formatDuration(ws.latencyMs)}${checked.length ? `; ${checked.join(', ')} reachable` : ''}${retriedNote(result.retried)}.`,
  };
}

/** " (after 2 retries: connection cut)": a healthy region on a flaky link says so, without changing its verdict. */
function retriedNote(retried: string[] | undefined): string {
  if (!retried?.length) return '';
  const why = [...new Set(retried.map((m) => m.replace(/ \(.*\)$/, '')))].join(', ');
  return ` (after ${retried.length} ${retried.length === 1 ? 'retry' : 'retries'}: ${why})`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
