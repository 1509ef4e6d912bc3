// When to try a call to Azure again and how long to wait — one answer for every capability: ARM calls (through the
// SDK's own retry policy, given the strategy below), storage calls, verified downloads, and the health probe.
//
// Transient: 408, 429, 5xx, refused or dropped connections, an answer cut part-way (what a flaky network does from
// the first request to the last) and a failed integrity check. Everything else (401, 403, 404, a hostile name) is not.
// Retry-After means one thing here: the least the server wants us to wait. Our own backoff (exponential with jitter)
// is never shorter than it; and no wait is longer than maxDelayMs — a server asking for more than that is not
// retried within this call, its answer stands (the caller reports throttling; the user runs it again later).
import type { PipelinePolicy, RetryStrategy } from '@azure/core-rest-pipeline';

export interface RetryPolicy {
  /** Attempts in all, the first included (1 = no retry). */
  maxAttempts: number;
  /** Ceiling of the first backoff; doubles after each failed attempt, with jitter. */
  baseDelayMs: number;
  /** No single wait exceeds this; a Retry-After above it ends the retries. */
  maxDelayMs: number;
}

/**
 * Every call to Azure by default. Nine attempts: where 30 % of answers fail (a flaky link), one call still fails
 * with odds 0.3⁹ ≈ 2·10⁻⁵. The waits add up to about 20 s (at most 26 s) before a call that keeps failing gives up.
 */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 9, baseDelayMs: 100, maxDelayMs: 30_000 };

/** A second try only, soon: where an answer is wanted now and a stale one stays shown (the tree, lint --remote). */
export const QUICK_RETRY: RetryPolicy = { maxAttempts: 2, baseDelayMs: 500, maxDelayMs: 2_000 };

/** One attempt only: for callers that decide their own retries (the health probe). */
export const NO_RETRY: RetryPolicy = { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 };

/** Bytes arrived but do not match what the service said they should be (size, Content-MD5): fetch again. */
export class IntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IntegrityError';
  }
}

/** What a retry hears: the failure, which attempt failed (from 1), how long until the next, and what was called. */
export type RetryListener = (err: unknown, attempt: number, waitMs: number, what?: string) => void;

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'REQUEST_SEND_ERROR',
  'HPE_INVALID_CONSTANT',
]);
const CUT_CODES = new Set(['ECONNRESET', 'ECONNABORTED', 'EPIPE', 'UND_ERR_SOCKET', 'ERR_STREAM_PREMATURE_CLOSE']);
const CUT_MESSAGE = /socket hang up|ECONNRESET|premature close|aborted|terminated|other side closed/i;

interface ErrorLike {
  name?: string;
  code?: string;
  statusCode?: number;
  message?: string;
  cause?: unknown;
  response?: { status?: number; headers?: { get(name: string): string | undefined } };
}

/** The error and its causes, as far as they go (the SDKs wrap socket errors). */
function* chain(err: unknown): Generator<ErrorLike> {
  let e = err as ErrorLike | undefined;
  for (let depth = 0; e && typeof e === 'object' && depth < 4; depth++, e = e.cause as ErrorLike | undefined) yield e;
}

/** The HTTP status behind an error from the Azure SDKs (RestError.statusCode), if any. */
export function statusOf(err: unknown): number | undefined {
  const e = err as ErrorLike | undefined;
  return typeof e?.statusCode === 'number' ? e.statusCode : undefined;
}

export function isAbort(err: unknown): boolean {
  const e = err as ErrorLike | undefined;
  return e?.name === 'AbortError' || e?.code === 'ABORT_ERR';
}

/**
 * True when the connection dropped mid-call: reset before the answer, or the answer cut part-way (the SDKs report
 * that as "Error reading response as text: aborted" or as an AbortError from the body stream).
 */
export function isConnectionCut(err: unknown): boolean {
  if (statusOf(err) !== undefined) return false;
  for (const e of chain(err)) {
    if (e.code && CUT_CODES.has(e.code)) return true;
    if (e.message && CUT_MESSAGE.test(e.message)) return true;
  }
  return false;
}

export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * True for failures worth another attempt. An AbortError counts: when the caller's own signal has not fired (withRetry
 * checks that first), it is the HTTP client reporting a connection cut mid-body.
 */
export function isTransient(err: unknown): boolean {
  if (hasUsedItsRetries(err)) return false;
  if (isAbort(err)) return true;
  if (err instanceof IntegrityError) return true;
  const status = statusOf(err);
  if (status !== undefined) return isTransientStatus(status);
  if (isConnectionCut(err)) return true;
  for (const e of chain(err)) if (e.code && NETWORK_CODES.has(e.code)) return true;
  return false;
}

/** The wait a server asked for, from Retry-After (seconds or HTTP date) or x-ms-retry-after-ms. */
export function retryAfterMs(err: unknown, now = Date.now()): number | undefined {
  const headers = (err as ErrorLike | undefined)?.response?.headers;
  if (!headers || typeof headers.get !== 'function') return undefined;
  const ms = headers.get('retry-after-ms') ?? headers.get('x-ms-retry-after-ms');
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms.trim())) return Number(ms);
  return parseRetryAfter(headers.get('retry-after'), now);
}

/** A Retry-After header's value (seconds or an HTTP date) in milliseconds from `now`. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The wait before attempt `failedAttempts + 1`: exponential with "equal jitter" (`random` in [0, 1)), at least what
 * Retry-After asks, at most maxDelayMs. Undefined when the server asks for longer than maxDelayMs: do not retry.
 */
export function backoffMs(policy: RetryPolicy, failedAttempts: number, random: number, retryAfter?: number): number | undefined {
  if (retryAfter !== undefined && retryAfter > policy.maxDelayMs) return undefined;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failedAttempts - 1));
  return Math.round(Math.max(ceiling / 2 + (random * ceiling) / 2, retryAfter ?? 0));
}

/** Resolves after `ms`, or rejects as soon as `signal` aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortError(signal?: AbortSignal): Error {
  const err = new Error(signal?.reason instanceof Error ? signal.reason.message : 'The operation was cancelled.');
  err.name = 'AbortError';
  return err;
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortError(signal);
}

/** Marks a failure that already had its retries: an enclosing retry loop must not start it over. */
const USED_ITS_RETRIES = Symbol('usedItsRetries');

function markUsedItsRetries(err: unknown): void {
  if (err && typeof err === 'object') (err as { [USED_ITS_RETRIES]?: true })[USED_ITS_RETRIES] = true;
}

function hasUsedItsRetries(err: unknown): boolean {
  return Boolean(err && typeof err === 'object' && (err as { [USED_ITS_RETRIES]?: true })[USED_ITS_RETRIES]);
}

/**
 * Runs `attempt` until it succeeds, fails with a permanent error, runs out of attempts, or `signal` aborts.
 * `onRetry` hears each transient failure (for logs and counters) before the wait. A failure that used up its
 * attempts is no longer transient to an enclosing withRetry.
 */
export async function withRetry<T>(
  attempt: (n: number) => Promise<T>,
  options: { policy?: RetryPolicy; signal?: AbortSignal; onRetry?: RetryListener; random?: () => number } = {},
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY;
  const random = options.random ?? Math.random;
  for (let n = 1; ; n++) {
    throwIfAborted(options.signal);
    try {
      return await attempt(n);
    } catch (err) {
      if (options.signal?.aborted) throw abortError(options.signal);
      if (!isTransient(err)) throw err;
      const wait = n < policy.maxAttempts ? backoffMs(policy, n, random(), retryAfterMs(err)) : undefined;
      if (wait === undefined) {
        markUsedItsRetries(err);
        throw err;
      }
      options.onRetry?.(err, n, wait);
      await delay(wait, options.signal);
    }
  }
}

/**
 * The same decisions as a retry strategy for the Azure SDK's own retry policy (core-rest-pipeline's retryPolicy,
 * given `maxRetries: policy.maxAttempts - 1`), so ARM calls retry like everything else. Unlike the SDK's default
 * strategies it also retries an answer cut part-way, which the SDK reports as a parse error.
 */
export function sdkRetryStrategy(policy: RetryPolicy, onRetry?: RetryListener, random: () => number = Math.random): RetryStrategy {
  return {
    name: 'amlFailoverRetry',
    retry({ retryCount, response, responseError }) {
      const failure: unknown = responseError ?? (response && isTransientStatus(response.status) ? { statusCode: response.status, message: `HTTP ${response.status}`, response } : undefined);
      if (!failure) return { skipStrategy: true };
      if (!isTransient(failure)) return responseError ? { errorToThrow: responseError } : { skipStrategy: true };
      const attempt = retryCount + 1;
      const wait = backoffMs(policy, attempt, random(), retryAfterMs(failure));
      if (wait === undefined) return responseError ? { errorToThrow: responseError } : { skipStrategy: true };
      onRetry?.(failure, attempt, wait);
      return { retryAfterInMs: wait };
    },
  };
}

/** Builds the pipeline policy for an SDK client from core-rest-pipeline's retryPolicy (loaded lazily by the caller). */
export function sdkRetryPolicy(
  retryPolicy: (strategies: RetryStrategy[], options: { maxRetries: number }) => PipelinePolicy,
  policy: RetryPolicy,
  onRetry?: RetryListener,
): PipelinePolicy {
  const maxRetries = Math.max(0, policy.maxAttempts - 1);
  return {
    name: 'amlFailoverRetryPolicy',
    sendRequest(request, next) {
      const what = `${request.method} ${new URL(request.url).pathname}`;
      const tell: RetryListener | undefined = onRetry && ((err, attempt, waitMs) => onRetry(err, attempt, waitMs, what));
      return retryPolicy([sdkRetryStrategy(policy, tell)], { maxRetries })
        .sendRequest(request, next)
        .catch((err: unknown) => {
          // What gets out of here had its retries (withRetry around an SDK call then does not multiply them).
          markUsedItsRetries(err);
          throw err;
        });
    },
  };
}

/**
 * Options for an ARM client (core-client's ServiceClient) that put its retries under `policy`: the SDK's default
 * retry policy does nothing (`maxRetries: 0`) and ours runs per call, in the SDK's own retry machinery.
 */
export function sdkRetryOptions(
  retryPolicy: (strategies: RetryStrategy[], options: { maxRetries: number }) => PipelinePolicy,
  policy: RetryPolicy,
  onRetry?: RetryListener,
): { retryOptions: { maxRetries: number }; additionalPolicies: { policy: PipelinePolicy; position: 'perCall' }[] } {
  return { retryOptions: { maxRetries: 0 }, additionalPolicies: [{ policy: sdkRetryPolicy(retryPolicy, policy, onRetry), position: 'perCall' }] };
}

/** One line for logs: the failure's first line, without the SDK's request dump. */
export function retryReason(err: unknown): string {
  const e = err as ErrorLike | undefined;
  if (isConnectionCut(err)) return 'connection cut';
  const status = statusOf(err);
  if (status !== undefined) return `HTTP ${status}`;
  return (e?.code ?? e?.message ?? String(err)).split('\n')[0];
}
