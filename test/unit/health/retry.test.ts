import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimiter } from '../../../src/health/rateLimit';
import { callWithRetries, type ProbePolicy } from '../../../src/health/probe';
import { DeadlineError, withDeadline, sleep } from '../../../src/health/deadline';
import type { CallOutcome } from '../../../src/health/verdict';

const policy: ProbePolicy = { maxAttempts: 4, callTimeoutMs: 1000, budgetMs: 5000, baseDelayMs: 1, maxDelayMs: 4, minAttemptMs: 0 };
const env = { now: Date.now, random: () => 0.5 };
const unavailable: CallOutcome = { ok: false, kind: 'unavailable', message: '503', status: 503, latencyMs: 1 };

test('retries a 503 until it succeeds', async () => {
  const answers: CallOutcome[] = [unavailable, unavailable, { ok: true, latencyMs: 3 }];
  const r = await callWithRetries(async () => answers.shift()!, policy, env);
  assert.deepEqual(r.outcome, { ok: true, latencyMs: 3 });
  assert.equal(r.attempts, 3);
  assert.deepEqual(r.retried, [unavailable, unavailable], 'the retried failures are kept, for the verdict to note');
});

test('does not retry what another attempt cannot fix (401, 403, 404)', async () => {
  let calls = 0;
  const r = await callWithRetries(async () => (calls++, { ok: false, kind: 'forbidden', message: 'no', status: 403, latencyMs: 1 }), policy, env);
  assert.equal(calls, 1);
  assert.equal(r.outcome?.ok, false);
});

test('stops at maxAttempts and returns the last failure', async () => {
  let calls = 0;
  const r = await callWithRetries(async () => (calls++, unavailable), policy, env);
  assert.equal(calls, 4);
  assert.equal(r.outcome, unavailable);
});

test('never runs past the budget: a Retry-After longer than what is left ends the probe', async () => {
  let calls = 0;
  const started = Date.now();
  const r = await callWithRetries(async () => (calls++, { ok: false, kind: 'throttled', message: '429', status: 429, retryAfterMs: 3_000, latencyMs: 1 }), { ...policy, maxDelayMs: 10_000, budgetMs: 2_000 }, env);
  assert.equal(calls, 1);
  assert.equal(r.outcome?.ok, false);
  assert.ok(Date.now() - started < 1000);
});

test('a Retry-After above the policy ceiling is not retried (one meaning of Retry-After everywhere)', async () => {
  let calls = 0;
  const started = Date.now();
  const r = await callWithRetries(async () => (calls++, { ok: false, kind: 'throttled', message: '429', status: 429, retryAfterMs: 60_000, latencyMs: 1 }), policy, env);
  assert.equal(calls, 1);
  assert.equal(r.outcome?.ok, false);
  assert.ok(Date.now() - started < 1000);
});

test('each attempt gets the call deadline or what is left of the budget', async () => {
  const timeouts: number[] = [];
  let t = 0;
  await callWithRetries(
    async (timeoutMs: number) => {
      timeouts.push(timeoutMs);
      t += timeoutMs;
      return { ok: false, kind: 'timeout', message: 't', latencyMs: timeoutMs };
    },
    { ...policy, callTimeoutMs: 2000, budgetMs: 4500, baseDelayMs: 0, maxDelayMs: 0, minAttemptMs: 300 },
    { now: () => t, random: () => 0 },
  );
  assert.deepEqual(timeouts, [2000, 2000, 500]);
});

test('the rate limit stops attempts and says so', async () => {
  const limiter = new RateLimiter(2, () => 0);
  let calls = 0;
  const r = await callWithRetries(async () => (calls++, unavailable), policy, { ...env, limiter });
  assert.equal(calls, 2);
  assert.equal(r.rateLimited, true);
});

test('rate limiter: at most N calls in any rolling minute', () => {
  let t = 0;
  const limiter = new RateLimiter(3, () => t);
  assert.equal(limiter.tryAcquire(), true);
  t = 10_000;
  assert.equal(limiter.tryAcquire(), true);
  assert.equal(limiter.tryAcquire(), true);
  assert.equal(limiter.tryAcquire(), false);
  assert.equal(limiter.waitMs(), 50_000);
  t = 60_000;
  assert.equal(limiter.available(), 1);
  assert.equal(limiter.tryAcquire(), true);
  assert.equal(limiter.tryAcquire(), false);
});

test('withDeadline rejects a call that never settles and aborts its signal', async () => {
  let seen: AbortSignal | undefined;
  await assert.rejects(
    withDeadline(20, 'The workspace', (signal) => {
      seen = signal;
      return new Promise(() => undefined);
    }),
    (err: unknown) => err instanceof DeadlineError && /no answer within 20 ms/.test(err.message),
  );
  assert.equal(seen?.aborted, true);
});

test('withDeadline passes the caller cancel through, not as a timeout', async () => {
  const cancel = new AbortController();
  const p = withDeadline(10_000, 'x', () => new Promise(() => undefined), cancel.signal);
  cancel.abort(new Error('Cancelled by user'));
  await assert.rejects(p, /Cancelled by user/);
  await assert.rejects(sleep(10_000, cancel.signal), /Cancelled by user/);
});
