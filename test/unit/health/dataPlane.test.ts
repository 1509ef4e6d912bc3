import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machineLearningEvents, mergeEvents } from '../../../src/health/azureView';
import { probeWorkspace, type ProbePolicy, type WorkspaceEndpoints } from '../../../src/health/probe';
import { decideVerdict, type ProbeResult } from '../../../src/health/verdict';

// The budget is a ceiling well above what the attempts take, so a busy machine (timers firing late) cannot cut the
// retries short; the budget itself is tested in retry.test.ts.
const policy: ProbePolicy = { maxAttempts: 4, callTimeoutMs: 50, budgetMs: 5_000, baseDelayMs: 1, maxDelayMs: 2, minAttemptMs: 5 };

function endpoints(dataPlane: () => Promise<void>): WorkspaceEndpoints & { dataPlaneCalls: number } {
  const e = {
    dataPlaneCalls: 0,
    getWorkspace: () => Promise.resolve({ provisioningState: 'Succeeded', associated: [], discoveryUrl: 'https://eastus.api.azureml.ms/discovery' }),
    getResource: () => Promise.resolve(),
    reachEndpoint: () => Promise.resolve(),
    reachDataPlane: () => {
      e.dataPlaneCalls++;
      return dataPlane();
    },
  };
  return e;
}

const http503 = () => Promise.reject(Object.assign(new Error('HTTP 503 from eastus.api.azureml.ms'), { name: 'RestError', statusCode: 503 }));

test('a data plane answering 503 while ARM answers makes the region down with reason data plane, retried within the probe budget', async () => {
  const e = endpoints(http503);
  const result = await probeWorkspace(e, { policy, includeAssociated: false });
  assert.equal(result.workspace.ok, true);
  assert.equal(e.dataPlaneCalls, policy.maxAttempts, 'retried as a transient failure');
  const verdict = decideVerdict(result, []);
  assert.equal(verdict.health, 'down');
  assert.match(verdict.reason, /^Data plane not answering \(HTTP 503 from eastus\.api\.azureml\.ms\): Azure Resource Manager answers/);
});

test('a healthy data plane leaves the region healthy; a slow one makes it degraded, not down', async () => {
  assert.equal(decideVerdict(await probeWorkspace(endpoints(() => Promise.resolve()), { policy, includeAssociated: false }), []).health, 'healthy');
  const slow: ProbeResult = { checkedAt: 1, calls: 2, workspace: { ok: true, latencyMs: 20 }, dataPlane: { ok: false, kind: 'timeout', message: 'no answer', latencyMs: 50 } };
  const verdict = decideVerdict(slow, []);
  assert.equal(verdict.health, 'degraded');
  assert.match(verdict.reason, /data plane not answering in time/i);
});

test('no discovery URL (an old workspace) or no data-plane probe: the verdict is the ARM one', async () => {
  const e = endpoints(http503);
  e.getWorkspace = () => Promise.resolve({ provisioningState: 'Succeeded', associated: [] });
  const result = await probeWorkspace(e, { policy, includeAssociated: false });
  assert.equal(e.dataPlaneCalls, 0);
  assert.equal(decideVerdict(result, []).health, 'healthy');
});

test('Service Health: active Machine Learning events in the pair\'s regions, by name or display name, each once', () => {
  const event = (name: string, status: string, service: string, region: string) => ({
    id: `/providers/Microsoft.ResourceHealth/events/${name}`,
    name,
    properties: { status, title: `ACTIVE: ${service} in ${region}`, lastUpdateTime: '2026-12-06T22:00:00Z', impact: [{ impactedService: service, impactedRegions: [{ impactedRegion: region, status }] }] },
  });
  const events = [event('A-1', 'Active', 'Machine Learning', 'East US'), event('B-2', 'Resolved', 'Machine Learning', 'East US'), event('C-3', 'Active', 'Virtual Machines', 'East US'), event('D-4', 'Active', 'Machine Learning', 'North Europe')];
  const east = machineLearningEvents(events, ['eastus']);
  assert.deepEqual(east, [{ title: 'ACTIVE: Machine Learning in East US', trackingId: 'A-1', lastUpdate: '2026-12-06T22:00:00Z', regions: ['East US'] }]);
  assert.deepEqual(mergeEvents(east, machineLearningEvents(events, ['East US'])).length, 1);
});
