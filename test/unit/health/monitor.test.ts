import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../../src/common/logger';
import { HealthMonitor, type HealthChange, type HealthSettings } from '../../../src/health/monitor';
import type { WorkspaceEndpoints } from '../../../src/health/probe';
import type { Health } from '../../../src/health/verdict';

/** A region the test can break: answers like the SDK does (values or RestError-shaped errors). */
function region() {
  const r = {
    mode: 'up' as 'up' | 'outage' | 'blackhole' | 'forbidden',
    workspaceCalls: 0,
    resourceCalls: 0,
    endpoints: {
      async getWorkspace(signal: AbortSignal) {
        r.workspaceCalls++;
        if (r.mode === 'outage') throw Object.assign(new Error('Region unavailable'), { name: 'RestError', statusCode: 503 });
        if (r.mode === 'forbidden') throw Object.assign(new Error('AuthorizationFailed'), { name: 'RestError', statusCode: 403 });
        if (r.mode === 'blackhole') await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
        return { provisioningState: 'Succeeded', associated: [{ kind: 'keyVault' as const, target: '/kv' }] };
      },
      async getResource() {
        r.resourceCalls++;
      },
      async reachEndpoint() {},
    } satisfies WorkspaceEndpoints,
  };
  return r;
}

const fast: HealthSettings = {
  intervalMs: 15,
  associatedEveryMs: 60_000,
  perMinute: 1000,
  // The budget is a ceiling well above what the attempts take, so a busy machine (timers firing late) cannot cut
  // the retries short; the budget itself is tested in retry.test.ts.
  policy: { maxAttempts: 3, callTimeoutMs: 40, budgetMs: 2_000, baseDelayMs: 1, maxDelayMs: 2, minAttemptMs: 5 },
  verdict: { slowMs: 1000 },
};

function waitFor(monitor: HealthMonitor, predicate: (c: HealthChange) => boolean): Promise<HealthChange> {
  return new Promise((resolve) => {
    const sub = monitor.onDidChange((c) => {
      if (predicate(c)) {
        sub.dispose();
        resolve(c);
      }
    });
  });
}
const becomes = (role: string, health: Health) => (c: HealthChange) => c.role === role && c.current.health === health;

test('sees an outage and a recovery of one region while the other stays healthy', async () => {
  const primary = region();
  const secondary = region();
  const monitor = new HealthMonitor(
    [{ role: 'primary', region: 'eastus', endpoints: primary.endpoints }, { role: 'secondary', region: 'westus', endpoints: secondary.endpoints }],
    fast,
    silentLogger,
  );
  monitor.start();
  try {
    await waitFor(monitor, becomes('primary', 'healthy'));
    primary.mode = 'outage';
    const down = await waitFor(monitor, becomes('primary', 'down'));
    assert.equal(down.previous.health, 'healthy');
    assert.match(down.current.reason, /HTTP 503/);
    assert.ok(down.current.lastHealthyAt! <= down.current.checkedAt!);
    primary.mode = 'up';
    const up = await waitFor(monitor, becomes('primary', 'healthy'));
    assert.equal(up.previous.health, 'down');
    assert.equal(monitor.get('secondary')?.health, 'healthy');
  } finally {
    monitor.stop();
  }
});

test('a region that never answers is reported down within the probe budget', async () => {
  const primary = region();
  primary.mode = 'blackhole';
  const monitor = new HealthMonitor([{ role: 'primary', region: 'eastus', endpoints: primary.endpoints }], fast, silentLogger);
  const state = await monitor.refresh('primary');
  assert.equal(state.health, 'down');
  assert.match(state.reason, /^No answer from Azure Resource Manager within .* over \d attempts\.$/);
  assert.ok(primary.workspaceCalls >= 2, 'a first failure is retried before it is called down');
});

test('while down, one call per probe; never more than perMinute calls', async () => {
  const primary = region();
  primary.mode = 'outage';
  const monitor = new HealthMonitor([{ role: 'primary', region: 'eastus', endpoints: primary.endpoints }], { ...fast, perMinute: 10, intervalMs: 1 }, silentLogger);
  monitor.start();
  try {
    // Wait until the limiter has been hit several times (probes keep being scheduled every millisecond).
    let skipped = 0;
    await new Promise<void>((resolve) => {
      const sub = monitor.onDidChange((c) => {
        if (c.current === c.previous && ++skipped >= 20) {
          sub.dispose();
          resolve();
        }
      });
    });
    assert.equal(primary.workspaceCalls, 10);
    assert.equal(monitor.callsSent('primary'), 10);
    assert.equal(monitor.get('primary')?.health, 'down');
  } finally {
    monitor.stop();
  }
});

test('permission failures are unauthorized and the last healthy time is kept', async () => {
  const primary = region();
  const monitor = new HealthMonitor([{ role: 'primary', region: 'eastus', endpoints: primary.endpoints }], fast, silentLogger);
  const first = await monitor.refresh('primary');
  assert.equal(first.health, 'healthy');
  primary.mode = 'forbidden';
  const second = await monitor.refresh('primary');
  assert.equal(second.health, 'unauthorized');
  assert.equal(second.lastHealthyAt, first.checkedAt);
  assert.equal(primary.workspaceCalls, 2, '403 is not retried');
});

test('associated resources are probed on the first look and then at most every associatedEveryMs', async () => {
  const primary = region();
  const monitor = new HealthMonitor([{ role: 'primary', region: 'eastus', endpoints: primary.endpoints }], fast, silentLogger);
  await monitor.refresh('primary');
  await monitor.refresh('primary');
  await monitor.refresh('primary');
  assert.equal(primary.workspaceCalls, 3);
  assert.equal(primary.resourceCalls, 1);
  assert.equal(monitor.get('primary')?.associated[0].kind, 'keyVault');
});
