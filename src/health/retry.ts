import { sleep } from './deadline';
import { isRetryable, type CallOutcome } from './verdict';
import type { RateLimiter } from './rateLimit';

export interface RetryPolicy {
  /** Attempts at most (1 = no retry). */
  maxAttempts: number;
  /** Deadline of one call. */
  callTimeoutMs: number;
  /** Deadline of all attempts together: the probe never takes longer. */
  budgetMs: number;
  /** First backoff; doubled after each failed attempt, with jitter, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
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
}

/** The delay before attempt n+1 (n ≥ 1): exponential with "equal jitter", at least what Retry-After asks. */
export function backoffMs(policy: RetryPolicy, failedAttempts: number, random: number, retryAfterMs?: number): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failedAttempts - 1));
  const jittered = exp / 2 + (random * exp) / 2;
  return Math.max(jittered, retryAfterMs ?? 0);
}

/**
 * Calls `attempt(timeoutMs)` until it succeeds, fails in a way not worth retrying, runs out of attempts, of budget
 * or of rate limit. Each attempt gets the call deadline or what is left of the budget, whichever is smaller.
 */
export async function callWithRetries(attempt: (timeoutMs: number) => Promise<CallOutcome>, policy: RetryPolicy, env: RetryEnvironment): Promise<RetryResult> {
  const started = env.now();
  let outcome: CallOutcome | undefined;
  let attempts = 0;
  while (attempts < policy.maxAttempts) {
    const left = policy.budgetMs - (env.now() - started);
    if (attempts > 0 && left < policy.minAttemptMs) break;
    if (env.limiter && !env.limiter.tryAcquire()) return { outcome, attempts, rateLimited: true };
    attempts++;
    outcome = await attempt(Math.max(1, Math.min(policy.callTimeoutMs, left)));
    if (outcome.ok || !isRetryable(outcome.kind) || attempts >= policy.maxAttempts) break;
    const delay = backoffMs(policy, attempts, env.random(), outcome.retryAfterMs);
    const leftAfterDelay = policy.budgetMs - (env.now() - started) - delay;
    if (leftAfterDelay < policy.minAttemptMs) break;
    await sleep(delay, env.signal);
  }
  return { outcome, attempts, rateLimited: false };
}
