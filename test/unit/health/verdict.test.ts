import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeadlineError } from '../../../src/health/deadline';
import { classifyFailure, decideVerdict, type AssociatedOutcome, type ProbeResult } from '../../../src/health/verdict';

const ok = (latencyMs = 120): ProbeResult => ({ checkedAt: 1, workspace: { ok: true, latencyMs }, provisioningState: 'Succeeded', calls: 1 });
const failed = (err: unknown): ProbeResult => ({ checkedAt: 1, workspace: { ok: false, ...classifyFailure(err), latencyMs: 5 }, calls: 1 });
const restError = (statusCode: number, code: string, message: string, headers: Record<string, string> = {}) =>
  Object.assign(new Error(message), { name: 'RestError', statusCode, code, response: { headers: { get: (n: string) => headers[n.toLowerCase()] } } });

test('no probe yet is unknown', () => {
  assert.deepEqual(decideVerdict(undefined, undefined), { health: 'unknown', reason: 'Not checked yet.' });
});

test('a quick answer with Succeeded and reachable resources is healthy, naming what was checked', () => {
  const associated: AssociatedOutcome[] = [
    { kind: 'keyVault', target: '/kv', outcome: { ok: true, latencyMs: 10 }, checkedAt: 1 },
    { kind: 'storageEndpoint', target: 'https://x', outcome: { ok: true, latencyMs: 10 }, checkedAt: 1 },
  ];
  const v = decideVerdict(ok(), associated);
  assert.equal(v.health, 'healthy');
  assert.match(v.reason, /120 ms; key vault, storage endpoint reachable/);
});

test('503 from ARM is down with the service message', () => {
  const v = decideVerdict(failed(restError(503, 'ServiceUnavailable', 'The region eastus is unavailable.')), undefined);
  assert.equal(v.health, 'down');
  assert.match(v.reason, /HTTP 503/);
  assert.match(v.reason, /eastus is unavailable/);
});

test('no answer within the deadline is down', () => {
  const v = decideVerdict(failed(new DeadlineError(4000, 'The workspace')), undefined);
  assert.equal(v.health, 'down');
  assert.equal(v.reason, 'No answer from Azure Resource Manager within 4 s.');
});

test('a refused connection is down', () => {
  const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { name: 'RestError', code: 'ECONNREFUSED' });
  assert.equal(decideVerdict(failed(err), undefined).health, 'down');
});

test('401 and credential failures are unauthorized (sign in), never down', () => {
  const v401 = decideVerdict(failed(restError(401, 'AuthenticationFailed', 'The token is missing.')), undefined);
  assert.equal(v401.health, 'unauthorized');
  assert.match(v401.reason, /^Sign in/);
  const cred = Object.assign(new Error('DefaultAzureCredential failed to retrieve a token'), { name: 'AggregateAuthenticationError' });
  assert.equal(decideVerdict(failed(cred), undefined).health, 'unauthorized');
  const timeout = Object.assign(new Error('Signing in to Azure took longer than 15 s.'), { name: 'CredentialUnavailableError' });
  assert.equal(decideVerdict(failed(timeout), undefined).health, 'unauthorized');
});

test('403 is unauthorized (no access)', () => {
  const v = decideVerdict(failed(restError(403, 'AuthorizationFailed', 'The client does not have authorization.')), undefined);
  assert.equal(v.health, 'unauthorized');
  assert.match(v.reason, /^No access/);
});

test('429 is degraded with the Retry-After', () => {
  const v = decideVerdict(failed(restError(429, 'TooManyRequests', 'Slow down.', { 'retry-after': '7' })), undefined);
  assert.equal(v.health, 'degraded');
  assert.match(v.reason, /retry after 7 s/);
});

test('slow answers, a failed provisioning state and failing associated resources are degraded with each reason', () => {
  assert.match(decideVerdict(ok(2300), []).reason, /Slow: Azure Resource Manager answered in 2\.3 s/);
  assert.equal(decideVerdict(ok(2300), []).health, 'degraded');
  const failing: AssociatedOutcome[] = [{ kind: 'keyVault', target: '/kv', outcome: { ok: false, kind: 'timeout', message: 'x', latencyMs: 4000 }, checkedAt: 1 }];
  const v = decideVerdict({ ...ok(), provisioningState: 'Failed' }, failing);
  assert.equal(v.health, 'degraded');
  assert.equal(v.reason, 'Provisioning state is Failed; key vault no answer in time.');
});

test('an untrusted certificate is unknown, not down', () => {
  const err = Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
  assert.equal(decideVerdict(failed(err), undefined).health, 'unknown');
});


test('an answer cut part-way is a connection failure (retried by the probe), not an unexpected answer', () => {
  const cut = Object.assign(new Error('Error reading response as text: aborted'), { name: 'RestError', code: 'PARSE_ERROR' });
  const c = classifyFailure(cut);
  assert.equal(c.kind, 'unreachable');
  assert.match(c.message, /^connection cut/);
});

test('a healthy region whose calls needed retries stays healthy, and the retries are noted', () => {
  const v = decideVerdict({ ...ok(), retried: ['connection cut (Error reading response as text: aborted)', 'connection cut (socket hang up)'] }, undefined);
  assert.equal(v.health, 'healthy');
  assert.equal(v.reason, 'Workspace answered in 120 ms (after 2 retries: connection cut).');
});

test('408 is a timeout, retried like the other transient answers', () => {
  assert.equal(classifyFailure(restError(408, 'RequestTimeout', 'The request timed out.')).kind, 'timeout');
});
