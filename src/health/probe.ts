import { backoffMs, type RetryPolicy } from '../azure/retry';
import { formatDuration, sleep, withDeadline } from './deadline';
import type { RateLimiter } from './rateLimit';
import type { AzureView } from './azureView';
import { classifyFailure, isRetryable, type AssociatedKind, type AssociatedOutcome, type CallOutcome, type ProbeResult } from './verdict';

/** The shared retry policy (src/azure/retry.ts), bounded in time: a probe answers within its budget. */
export interface ProbePolicy extends RetryPolicy {
  /** Deadline of one call. */
  callTimeoutMs: number;
  /** Deadline of all attempts together: the probe never takes longer. */
  budgetMs: number;
  /** No attempt is started with less time left than this. */
  minAttemptMs: number;
}

export interface RetryEnvironment {
  now: () => number;
  /** 0..1; injected so tests are deterministic. */
  random: () => number;
  limiter?: RateLimiter;
  signal?: AbortSignal;
}

export interface RetryResult {
  outcome: CallOutcome | undefined;
  attempts: number;
  /** True when the rate limit stopped an attempt that would otherwise have been made. */
  rateLimited: boolean;
  /** The failures that were retried, in order. */
  retried: Extract<CallOutcome, { ok: false }>[];
}

/**
 * Calls `attempt(timeoutMs)` until it succeeds, fails in a way not worth retrying, runs out of attempts, of budget
 * or of rate limit. Each attempt gets the call deadline or what is left of the budget, whichever is smaller.
 */
export async function callWithRetries(attempt: (timeoutMs: number) => Promise<CallOutcome>, policy: ProbePolicy, env: RetryEnvironment): Promise<RetryResult> {
  const started = env.now();
  let outcome: CallOutcome | undefined;
  let attempts = 0;
  const retried: RetryResult['retried'] = [];
  while (attempts < policy.maxAttempts) {
    const left = policy.budgetMs - (env.now() - started);
    if (attempts > 0 && left < policy.minAttemptMs) break;
    if (env.limiter && !env.limiter.tryAcquire()) return { outcome, attempts, rateLimited: true, retried };
    if (outcome && !outcome.ok) retried.push(outcome);
    attempts++;
    outcome = await attempt(Math.max(1, Math.min(policy.callTimeoutMs, left)));
    if (outcome.ok || !isRetryable(outcome.kind) || attempts >= policy.maxAttempts) break;
    const delay = backoffMs(policy, attempts, env.random(), outcome.retryAfterMs);
    if (delay === undefined) break;
    const leftAfterDelay = policy.budgetMs - (env.now() - started) - delay;
    if (leftAfterDelay < policy.minAttemptMs) break;
    await sleep(delay, env.signal);
  }
  return { outcome, attempts, rateLimited: false, retried };
}

/** What the workspace GET tells the probe: its state and the resources it names. */
export interface WorkspaceFacts {
  provisioningState?: string;
  associated: { kind: AssociatedKind; target: string }[];
  /** The workspace's discovery URL: where its regional data plane is found. */
  discoveryUrl?: string;
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
  /**
   * The regional data plane the user's jobs go to: the discovery URL and the regional endpoint it names. Rejects
   * when either fails (a 5xx, no connection), though the workspace GET succeeded.
   */
  reachDataPlane?(discoveryUrl: string, signal: AbortSignal): Promise<void>;
  /** What Azure says (Resource Health, Service Health): global reads, made even while the region is down. */
  azureView?(signal: AbortSignal): Promise<AzureView | undefined>;
}

export interface ProbeOptions {
  policy: ProbePolicy;
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

  const retried = [...ws.retried];
  let dataPlane: CallOutcome | undefined;
  if (ws.outcome.ok && facts?.discoveryUrl && endpoints.reachDataPlane) {
    // What is left of the probe's budget: a data plane that fails is seen within the same bound as an outage.
    const left = Math.max(options.policy.minAttemptMs, options.policy.budgetMs - (now() - started));
    const url = facts.discoveryUrl;
    const dp = await callWithRetries(
      (timeoutMs) => timed(now, options.signal, () => withDeadline(timeoutMs, 'The data plane', (s) => endpoints.reachDataPlane!(url, s), options.signal)),
      { ...options.policy, budgetMs: left },
      env,
    );
    calls += dp.attempts;
    retried.push(...dp.retried);
    dataPlane = dp.outcome;
  }
  const azureView = endpoints.azureView && options.includeAssociated ? await endpoints.azureView(options.signal ?? new AbortController().signal).catch(() => undefined) : undefined;
  let associated: AssociatedOutcome[] | undefined;
  if (ws.outcome.ok && facts && options.includeAssociated) {
    const results = await Promise.all(
      facts.associated.map(async (a) => {
        const r = await callWithRetries(
          (timeoutMs) =>
            timed(now, options.signal, () =>
              withDeadline(timeoutMs, `The ${a.kind}`, (s) => (a.kind === 'storageEndpoint' ? endpoints.reachEndpoint(a.target, s) : endpoints.getResource(a.target, s)), options.signal),
            ),
          options.policy,
          env,
        );
        calls += r.attempts;
        retried.push(...r.retried);
        return r.outcome ? { kind: a.kind, target: a.target, outcome: r.outcome, checkedAt: now() } : undefined;
      }),
    );
    associated = results.filter((r): r is AssociatedOutcome => r !== undefined);
  }
  return {
    checkedAt: now(),
    workspace: ws.outcome,
    provisioningState: facts?.provisioningState,
    associated,
    calls,
    ...(dataPlane ? { dataPlane } : {}),
    ...(azureView ? { azureView } : {}),
    ...(retried.length ? { retried: retried.map((f) => f.message) } : {}),
  };
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
