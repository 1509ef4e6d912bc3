import { formatDuration, withDeadline } from './deadline';
import { callWithRetries, type RetryPolicy } from './retry';
import type { RateLimiter } from './rateLimit';
import { classifyFailure, type AssociatedKind, type AssociatedOutcome, type CallOutcome, type ProbeResult } from './verdict';

/** What the workspace GET tells the probe: its state and the resources it names. */
export interface WorkspaceFacts {
  provisioningState?: string;
  associated: { kind: AssociatedKind; target: string }[];
}

/**
 * The calls a probe makes, implemented over the Azure layer (azureProbes.ts) — and over anything else in tests of
 * the scheduling. Each throws on failure, as the SDK does, and honours its signal.
 */
export interface WorkspaceEndpoints {
  /**
   * Gets a token first, under the credential's own deadline, so that a slow or failing sign-in is reported as
   * "sign in", never as the region being down.
   */
  signIn?(signal?: AbortSignal): Promise<void>;
  getWorkspace(signal: AbortSignal): Promise<WorkspaceFacts>;
  /** ARM GET of an associated resource id. */
  getResource(armId: string, signal: AbortSignal): Promise<void>;
  /** Any HTTP answer from a data-plane endpoint (storage) counts as reachable. */
  reachEndpoint(url: string, signal: AbortSignal): Promise<void>;
}

export interface ProbeOptions {
  policy: RetryPolicy;
  /** Also probe the storage, key vault, registry and Application Insights the workspace names. */
  includeAssociated: boolean;
  limiter?: RateLimiter;
  now?: () => number;
  random?: () => number;
  /** Cancels the whole probe (the caller's cancel, not a deadline). */
  signal?: AbortSignal;
}

/** One look at one workspace. Never throws for what the region does; only a cancel by the caller rejects. */
export async function probeWorkspace(endpoints: WorkspaceEndpoints, options: ProbeOptions): Promise<ProbeResult> {
  const now = options.now ?? Date.now;
  const env = { now, random: options.random ?? Math.random, limiter: options.limiter, signal: options.signal };
  if (endpoints.signIn) {
    const started = now();
    try {
      await endpoints.signIn(options.signal);
    } catch (err) {
      if (options.signal?.aborted) throw err;
      const failure = classifyFailure(err);
      const kind = failure.kind === 'forbidden' ? 'forbidden' : 'unauthenticated';
      return { checkedAt: now(), workspace: { ok: false, kind, message: failure.message, latencyMs: now() - started }, calls: 0 };
    }
  }
  let facts: WorkspaceFacts | undefined;
  const started = now();
  const ws = await callWithRetries(
    (timeoutMs) =>
      timed(now, options.signal, async () => {
        facts = await withDeadline(timeoutMs, 'The workspace', (s) => endpoints.getWorkspace(s), options.signal);
      }),
    options.policy,
    env,
  );
  let calls = ws.attempts;
  if (ws.outcome && !ws.outcome.ok && ws.outcome.kind === 'timeout') {
    // Say how long the region was given in all, not what was left for the last attempt.
    const waited = now() - started;
    ws.outcome = { ...ws.outcome, message: `no answer within ${formatDuration(waited)}${ws.attempts > 1 ? ` over ${ws.attempts} attempts` : ''}` };
  }
  if (!ws.outcome) return { checkedAt: now(), workspace: { ok: false, kind: 'throttled', message: 'rate limit', latencyMs: 0 }, calls, rateLimited: true };

  let associated: AssociatedOutcome[] | undefined;
  if (ws.outcome.ok && facts && options.includeAssociated) {
    const oneAttempt: RetryPolicy = { ...options.policy, maxAttempts: 1 };
    const results = await Promise.all(
      facts.associated.map(async (a) => {
        const r = await callWithRetries(
          (timeoutMs) =>
            timed(now, options.signal, () =>
              withDeadline(timeoutMs, `The ${a.kind}`, (s) => (a.kind === 'storageEndpoint' ? endpoints.reachEndpoint(a.target, s) : endpoints.getResource(a.target, s)), options.signal),
            ),
          oneAttempt,
          env,
        );
        calls += r.attempts;
        return r.outcome ? { kind: a.kind, target: a.target, outcome: r.outcome, checkedAt: now() } : undefined;
      }),
    );
    associated = results.filter((r): r is AssociatedOutcome => r !== undefined);
  }
  return { checkedAt: now(), workspace: ws.outcome, provisioningState: facts?.provisioningState, associated, calls };
}

async function timed(now: () => number, cancel: AbortSignal | undefined, call: () => Promise<unknown>): Promise<CallOutcome> {
  const started = now();
  try {
    await call();
    return { ok: true, latencyMs: now() - started };
  } catch (err) {
    if (cancel?.aborted) throw err;
    return { ok: false, ...classifyFailure(err), latencyMs: now() - started };
  }
}
