import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatStatus, statusExitCode, statusReport } from '../../../src/health/status';
import { initialHealth, nextHealth } from '../../../src/health/state';
import type { Health } from '../../../src/health/verdict';

const at = Date.UTC(2026, 10, 27, 7, 0, 0);
const states = (primary: Health, secondary: Health) => ({
  primary: { ...initialHealth('primary', 'eastus'), health: primary, reason: `primary ${primary}`, checkedAt: at, latencyMs: 81.6 },
  secondary: { ...initialHealth('secondary', 'westus'), health: secondary, reason: `secondary ${secondary}` },
});

test('status --json has exactly the documented shape', () => {
  assert.deepEqual(statusReport('primary', states('healthy', 'unknown')), {
    active: 'primary',
    workspaces: {
      primary: { health: 'healthy', region: 'eastus', checkedAt: '2026-11-27T07:00:00.000Z', latencyMs: 82, detail: 'primary healthy', resourceHealth: {} },
      secondary: { health: 'unknown', region: 'westus', checkedAt: null, latencyMs: null, detail: 'secondary unknown', resourceHealth: {} },
    },
    serviceHealth: [],
  });
});

test('exit 0 when the active workspace is healthy, 3 when it is down, 1 otherwise', () => {
  assert.equal(statusExitCode(statusReport('primary', states('healthy', 'down'))), 0);
  assert.equal(statusExitCode(statusReport('primary', states('down', 'healthy'))), 3);
  assert.equal(statusExitCode(statusReport('secondary', states('down', 'healthy'))), 0);
  for (const h of ['degraded', 'unauthorized', 'unknown'] as Health[]) assert.equal(statusExitCode(statusReport('primary', states(h, 'healthy'))), 1);
  assert.equal(statusExitCode(statusReport(null, states('healthy', 'healthy'))), 1, 'no active workspace');
});

test('the text form marks the active workspace and gives each reason', () => {
  const text = formatStatus(statusReport('secondary', states('down', 'healthy')));
  assert.match(text, /^ {2}✗ primary {3}eastus {9}down/m);
  assert.match(text, /^\* ✓ secondary westus/m);
  assert.match(text, /primary down/);
  assert.match(formatStatus(statusReport(null, states('healthy', 'healthy')), 'no .azureml/config.json found'), /no active workspace: no \.azureml\/config\.json found/);
});

test('last known state: "since" moves only when the verdict changes; a rate-limited probe changes nothing', () => {
  const s0 = initialHealth('primary', 'eastus');
  const ok = (t: number) => ({ checkedAt: t, workspace: { ok: true as const, latencyMs: 10 }, calls: 1 });
  const s1 = nextHealth(s0, ok(1000));
  const s2 = nextHealth(s1, ok(2000));
  assert.equal(s2.since, 1000);
  assert.equal(s2.checkedAt, 2000);
  assert.equal(s2.lastHealthyAt, 2000);
  const s3 = nextHealth(s2, { checkedAt: 3000, workspace: { ok: false, kind: 'unavailable', message: 'x', status: 503, latencyMs: 5 }, calls: 1 });
  assert.equal(s3.health, 'down');
  assert.equal(s3.since, 3000);
  assert.equal(s3.lastHealthyAt, 2000);
  assert.equal(nextHealth(s3, { ...ok(4000), rateLimited: true }), s3);
});
