import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IntegrityError, backoffMs, isTransient, retryAfterMs, withRetry } from '../../../src/export/retry';
import { ByteBudget, runPool } from '../../../src/export/pool';

/** Shaped like the SDKs' RestError: statusCode plus response headers with get(). */
function restError(statusCode: number, headers: Record<string, string> = {}): Error {
  const err = new Error(`status ${statusCode}`) as Error & { statusCode: number; response: unknown };
  err.name = 'RestError';
  err.statusCode = statusCode;
  err.response = { headers: { get: (name: string) => headers[name.toLowerCase()] } };
  return err;
}

test('429, 5xx, 408, resets, cut bodies and integrity failures are transient; 4xx are not', () => {
  assert.ok(isTransient(restError(429)));
  assert.ok(isTransient(restError(503)));
  assert.ok(isTransient(restError(500)));
  assert.ok(isTransient(restError(408)));
  assert.ok(isTransient(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })));
  assert.ok(isTransient(new Error('socket hang up')));
  assert.ok(isTransient(new IntegrityError('short')));
  assert.ok(!isTransient(restError(404)));
  assert.ok(!isTransient(restError(403)));
  // The HTTP client reports a body cut mid-way as an AbortError; the caller's own cancel is checked before this.
  assert.ok(isTransient(Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' })));
  assert.ok(!isTransient(new Error('ENOSPC: no space left on device')));
});

test('Retry-After in seconds, as an HTTP date, and in milliseconds is honoured, within the ceiling', () => {
  assert.equal(retryAfterMs(restError(429, { 'retry-after': '3' })), 3000);
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(retryAfterMs(restError(503, { 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now), 5000);
  assert.equal(retryAfterMs(restError(429, { 'x-ms-retry-after-ms': '250' })), 250);
  const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 2000 };
  assert.equal(backoffMs(policy, 1, restError(429, { 'retry-after': '1' })), 1000);
  assert.equal(backoffMs(policy, 1, restError(429, { 'retry-after': '600' })), 2000);
});

test('without Retry-After the backoff grows exponentially with jitter', () => {
  const policy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };
  assert.equal(backoffMs(policy, 1, new Error('x'), () => 0), 50);
  assert.equal(backoffMs(policy, 1, new Error('x'), () => 1), 100);
  assert.equal(backoffMs(policy, 3, new Error('x'), () => 1), 400);
  assert.equal(backoffMs(policy, 8, new Error('x'), () => 1), 1000);
});

test('withRetry retries transient failures, waits as asked, and stops at permanent ones', async () => {
  const waits: number[] = [];
  let calls = 0;
  const result = await withRetry(
    async () => {
      calls++;
      if (calls === 1) throw restError(429, { 'retry-after-ms': '5' });
      if (calls === 2) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
      return 'done';
    },
    { policy: { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 10 }, onRetry: (_e, _n, ms) => waits.push(ms) },
  );
  assert.equal(result, 'done');
  assert.equal(calls, 3);
  assert.equal(waits[0], 5);

  calls = 0;
  await assert.rejects(
    withRetry(async () => {
      calls++;
      throw restError(404);
    }),
    /status 404/,
  );
  assert.equal(calls, 1);

  calls = 0;
  await assert.rejects(
    withRetry(
      async () => {
        calls++;
        throw restError(503);
      },
      { policy: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 } },
    ),
    /status 503/,
  );
  assert.equal(calls, 3);
});

test('withRetry gives up at once when cancelled during a wait', async () => {
  const abort = new AbortController();
  const p = withRetry(
    async () => {
      throw restError(429, { 'retry-after': '30' });
    },
    { signal: abort.signal, policy: { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 60_000 }, onRetry: () => abort.abort() },
  );
  await assert.rejects(p, { name: 'AbortError' });
});

test('runPool never runs more than the limit at once and visits every item', async () => {
  let running = 0;
  let peak = 0;
  const seen: number[] = [];
  await runPool(
    Array.from({ length: 40 }, (_, i) => i),
    5,
    async (i) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setImmediate(r));
      seen.push(i);
      running--;
    },
  );
  assert.equal(peak, 5);
  assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i));
});

test('runPool stops taking items after cancellation', async () => {
  const abort = new AbortController();
  let started = 0;
  await assert.rejects(
    runPool(Array.from({ length: 100 }, (_, i) => i), 4, async (i) => {
      started++;
      if (i === 5) abort.abort();
      await new Promise((r) => setImmediate(r));
    }, abort.signal),
    { name: 'AbortError' },
  );
  assert.ok(started < 12, `started ${started}`);
});

test('ByteBudget grants in order and never over-commits', async () => {
  const budget = new ByteBudget(10);
  const order: string[] = [];
  await budget.acquire(6);
  const a = budget.acquire(6).then(() => order.push('a'));
  const b = budget.acquire(1).then(() => order.push('b'));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, [], 'b waits behind a even though it would fit');
  budget.release(6);
  await Promise.all([a, b]);
  assert.deepEqual(order, ['a', 'b']);
  // Larger than the whole budget: granted when alone.
  budget.release(7);
  await budget.acquire(50);
});
