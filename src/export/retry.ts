// When to try a transfer again and how long to wait: 429, 5xx, 408, dropped connections and failed integrity
// checks are transient; everything else (404, 403, a hostile name) is not. A server's Retry-After wins over our
// own backoff, within a ceiling, so a throttled service is never hammered.

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** First backoff; doubles each attempt, with full jitter. */
  baseDelayMs: number;
  /** No single wait exceeds this, even when the server asks for longer. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 200, maxDelayMs: 30_000 };

/** Bytes arrived but do not match what the service said they should be (size, Content-MD5): fetch again. */
export class IntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IntegrityError';
  }
}

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
  'REQUEST_SEND_ERROR',
  'HPE_INVALID_CONSTANT',
]);

interface ErrorLike {
  name?: string;
  code?: string;
  statusCode?: number;
  message?: string;
  cause?: unknown;
  response?: { headers?: { get(name: string): string | undefined } };
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
 * True for failures worth another attempt. An AbortError counts: when the caller's own signal has not fired (withRetry
 * checks that first), it is the HTTP client reporting a connection cut mid-body.
 */
export function isTransient(err: unknown): boolean {
  if (isAbort(err)) return true;
  if (err instanceof IntegrityError) return true;
  const status = statusOf(err);
  if (status !== undefined) return status === 408 || status === 429 || status >= 500;
  for (let e = err as ErrorLike | undefined, depth = 0; e && depth < 4; e = e.cause as ErrorLike | undefined, depth++) {
    if (e.code && TRANSIENT_CODES.has(e.code)) return true;
    if (e.message && /socket hang up|ECONNRESET|premature close|aborted|terminated|other side closed/i.test(e.message)) return true;
  }
  return false;
}

/** The wait a server asked for, from Retry-After (seconds or HTTP date) or x-ms-retry-after-ms. */
export function retryAfterMs(err: unknown, now = Date.now()): number | undefined {
  const headers = (err as ErrorLike | undefined)?.response?.headers;
  if (!headers || typeof headers.get !== 'function') return undefined;
  const ms = headers.get('retry-after-ms') ?? headers.get('x-ms-retry-after-ms');
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms.trim())) return Number(ms);
  const value = headers.get('retry-after');
  if (value === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Backoff before attempt `attempt + 1` (attempt counts from 1): the server's wish, else jittered exponential. */
export function backoffMs(policy: RetryPolicy, attempt: number, err: unknown, random = Math.random): number {
  const asked = retryAfterMs(err);
  if (asked !== undefined) return Math.min(asked, policy.maxDelayMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
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

/**
 * Runs `attempt` until it succeeds, fails with a permanent error, runs out of attempts, or `signal` aborts.
 * `onRetry` hears each transient failure (for logs and counters) before the wait.
 */
export async function withRetry<T>(
  attempt: (n: number) => Promise<T>,
  options: { policy?: RetryPolicy; signal?: AbortSignal; onRetry?: (err: unknown, n: number, waitMs: number) => void; random?: () => number } = {},
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY;
  for (let n = 1; ; n++) {
    throwIfAborted(options.signal);
    try {
      return await attempt(n);
    } catch (err) {
      if (options.signal?.aborted) throw abortError(options.signal);
      if (!isTransient(err) || n >= policy.maxAttempts) throw err;
      const wait = backoffMs(policy, n, err, options.random);
      options.onRetry?.(err, n, wait);
      await delay(wait, options.signal);
    }
  }
}
