import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { RestError, createHttpHeaders, retryPolicy, type HttpClient } from '@azure/core-rest-pipeline';
import { IntegrityError, backoffMs, isConnectionCut, isTransient, parseRetryAfter, retryAfterMs, retryReason, sdkRetryOptions, sdkRetryStrategy, withRetry } from '../../../src/azure/retry';

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

test('Retry-After in seconds, as an HTTP date, and in milliseconds', () => {
  assert.equal(retryAfterMs(restError(429, { 'retry-after': '3' })), 3000);
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(retryAfterMs(restError(503, { 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now), 5000);
  assert.equal(retryAfterMs(restError(429, { 'x-ms-retry-after-ms': '250' })), 250);
  assert.equal(parseRetryAfter('3'), 3000);
  assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6000);
  assert.equal(parseRetryAfter('soon'), undefined);
  assert.equal(parseRetryAfter(undefined), undefined);
});

test('one meaning of Retry-After: the least wait; above the ceiling, no retry', () => {
  const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 2000 };
  assert.equal(backoffMs(policy, 1, 0, 1000), 1000, 'longer than our own backoff: the server wins');
  assert.equal(backoffMs(policy, 4, 1, 300), 800, 'shorter than our own backoff: ours wins');
  assert.equal(backoffMs(policy, 1, 0, 2000), 2000);
  assert.equal(backoffMs(policy, 1, 0, 600_000), undefined, 'asks for longer than we wait: give up now');
});

test('without Retry-After the backoff grows exponentially with jitter, up to the ceiling', () => {
  const policy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };
  assert.equal(backoffMs(policy, 1, 0), 50);
  assert.equal(backoffMs(policy, 1, 1), 100);
  assert.equal(backoffMs(policy, 3, 1), 400);
  assert.equal(backoffMs(policy, 8, 1), 1000);
});

test('an answer cut part-way is a connection cut, whichever way the SDK reports it', () => {
  const cut = new RestError('Error reading response as text: aborted', { code: RestError.PARSE_ERROR });
  assert.ok(isConnectionCut(cut) && isTransient(cut));
  assert.ok(isConnectionCut(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })));
  assert.ok(isConnectionCut(new RestError('socket hang up', { code: 'ECONNRESET' })));
  assert.ok(!isConnectionCut(new RestError('Unexpected token < in JSON', { code: RestError.PARSE_ERROR })), 'a whole answer that is not JSON is no cut');
  assert.ok(!isTransient(new RestError('Unexpected token < in JSON', { code: RestError.PARSE_ERROR })));
  assert.ok(!isConnectionCut(restError(503)));
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
    { policy: { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 10 }, onRetry: (_e: unknown, _n: number, ms: number) => waits.push(ms) },
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


test('a failure that used up its retries is not retried again by an enclosing withRetry', async () => {
  let inner = 0;
  let outer = 0;
  const policy = { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 };
  await assert.rejects(
    withRetry(
      () => {
        outer++;
        return withRetry(async () => {
          inner++;
          throw new IntegrityError('range MD5');
        }, { policy });
      },
      { policy },
    ),
    /range MD5/,
  );
  assert.equal(inner, 3);
  assert.equal(outer, 1);
});

test('the SDK strategy retries what withRetry retries, and says when', () => {
  const heard: number[] = [];
  const strategy = sdkRetryStrategy({ maxAttempts: 9, baseDelayMs: 100, maxDelayMs: 1000 }, (_e, n, ms) => heard.push(n, ms), () => 1);
  const cut = new RestError('Error reading response as text: aborted', { code: RestError.PARSE_ERROR });
  assert.deepEqual(strategy.retry({ retryCount: 0, responseError: cut }), { retryAfterInMs: 100 });
  assert.deepEqual(strategy.retry({ retryCount: 2, responseError: cut }), { retryAfterInMs: 400 });
  const response = (status: number, headers: Record<string, string> = {}) => ({ status, headers: createHttpHeaders(headers), request: {} as never });
  assert.deepEqual(strategy.retry({ retryCount: 0, response: response(503) }), { retryAfterInMs: 100 });
  assert.deepEqual(strategy.retry({ retryCount: 0, response: response(429, { 'retry-after': '1' }) }), { retryAfterInMs: 1000 });
  assert.deepEqual(strategy.retry({ retryCount: 0, response: response(429, { 'retry-after': '60' }) }), { skipStrategy: true }, 'longer than the ceiling: the 429 stands');
  assert.deepEqual(strategy.retry({ retryCount: 0, response: response(404) }), { skipStrategy: true });
  assert.deepEqual(strategy.retry({ retryCount: 0, response: response(200) }), { skipStrategy: true });
  const notFound = new RestError('nope', { statusCode: 404 });
  assert.deepEqual(strategy.retry({ retryCount: 0, responseError: notFound }), { errorToThrow: notFound });
  assert.deepEqual(heard, [1, 100, 3, 400, 1, 100, 1, 1000]);
});

test('an ARM client with these retry options retries an answer cut part-way (the SDK alone would give up)', async () => {
  const heard: string[] = [];
  let calls = 0;
  // The transport stands in for the network: the first answer is cut the way node's HTTP client reports it.
  const httpClient: HttpClient = {
    async sendRequest(request) {
      calls++;
      if (calls === 1) throw new RestError('Error reading response as text: aborted', { code: RestError.PARSE_ERROR, request });
      return { request, status: 200, headers: createHttpHeaders({ 'content-type': 'application/json' }), bodyAsText: JSON.stringify({ name: 'ws', location: 'eastus', properties: {} }) };
    },
  };
  const credential = { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 60_000 }) };
  const client = (options: object) => new AzureMachineLearningWorkspaces(credential, 'sub', { endpoint: 'https://arm.invalid', httpClient, ...options });
  const retrying = client(sdkRetryOptions(retryPolicy, { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 }, (err, n, _ms, what) => heard.push(`${what}: ${retryReason(err)} — retry ${n}`)));
  const ws = await retrying.workspaces.get('rg', 'ws');
  assert.equal(ws.name, 'ws');
  assert.equal(calls, 2);
  assert.deepEqual(heard, ['GET /subscriptions/sub/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws: connection cut — retry 1']);
  // The SDK's default strategies, for comparison: the cut answer ends the call.
  calls = 0;
  await assert.rejects(client({ retryOptions: { maxRetries: 3, retryDelayInMs: 1 } }).workspaces.get('rg', 'ws'), /aborted/);
  assert.equal(calls, 1);
});

test('an ARM call that used up the SDK retries is not retried again by a withRetry around it', async () => {
  let calls = 0;
  const httpClient: HttpClient = {
    async sendRequest(request) {
      calls++;
      throw new RestError('socket hang up', { code: 'ECONNRESET', request });
    },
  };
  const credential = { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 60_000 }) };
  const policy = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 };
  const client = new AzureMachineLearningWorkspaces(credential, 'sub', { endpoint: 'https://arm.invalid', httpClient, ...sdkRetryOptions(retryPolicy, policy) });
  await assert.rejects(withRetry(() => client.workspaces.get('rg', 'ws'), { policy }), /socket hang up/);
  assert.equal(calls, 3, 'three attempts in all, not 3 × 3');
});
