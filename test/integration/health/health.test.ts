// Health probes, `status` and `drift` against the sandbox cloud, through the real Azure SDK clients over HTTPS with
// the sandbox's CA and token: each fault mode (outage, blackhole, slow, throttle) and the way back.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../../src/common/logger';
import { DEFAULT_HEALTH_SETTINGS } from '../../../src/health/monitor';
import { connectForProbes, monitorPair } from '../../../src/health/session';
import { HEALTH_VALUES } from '../../../src/health/verdict';
import { connect } from '../../../src/azure/connection';
import { fixedTrust, parseTrustedClouds } from '../../../src/azure/trust';
import { listPairInventories } from '../../../src/inventory/pairInventory';
import { computeDrift } from '../../../src/drift/drift';
import { runDiagnose } from '../../../src/health/diagnose';
import { startSandbox, type RunningSandbox } from '../../support/sandbox';
import { cliNodeArgs } from '../../support/cli';

const REPO = path.resolve(__dirname, '..', '..', '..');
let sb: RunningSandbox;

/** Runs the CLI as a user would; resolves with its exit code and output (a non-zero exit is a result, not an error). */
function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, cliNodeArgs([...args, '--project', sb.projectDir]), { cwd: REPO }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function probeOnce() {
  const connection = await connectForProbes(sb.pair, silentLogger);
  const monitor = monitorPair(sb.pair, connection, silentLogger);
  const [primary, secondary] = await monitor.refreshAll();
  return { primary, secondary, monitor };
}

describe('health against the sandbox', () => {
  before(async () => {
    sb = await startSandbox({ largeModelMb: 1 });
  });
  after(async () => {
    await sb?.stop();
  });

  it('reports both workspaces healthy, having asked ARM for each associated resource and reached storage', async () => {
    const { primary, secondary } = await probeOnce();
    for (const s of [primary, secondary]) {
      assert.equal(s.health, 'healthy', s.reason);
      assert.deepEqual(s.associated.map((a) => a.kind).sort(), ['applicationInsights', 'containerRegistry', 'keyVault', 'storageAccount', 'storageEndpoint']);
      assert.ok(s.associated.every((a) => a.outcome.ok));
    }
    assert.equal(primary.region, sb.primary.region);
  });

  it('status --json prints the documented shape and exits 0 when the active workspace is healthy', async () => {
    // The sandbox project starts on the primary (its .azureml/config.json).
    const r = await cli('status', '--json');
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(report).sort(), ['active', 'serviceHealth', 'workspaces']);
    assert.equal(report.active, 'primary');
    assert.deepEqual(report.serviceHealth, [], 'no Service Health event while both regions are well');
    for (const role of ['primary', 'secondary']) {
      const w = report.workspaces[role];
      assert.deepEqual(Object.keys(w).sort(), ['backup', 'checkedAt', 'detail', 'health', 'latencyMs', 'region', 'resourceHealth']);
      assert.equal(w.backup, null, 'no backup taken in this project');
      assert.deepEqual(Object.keys(w.resourceHealth).sort(), ['keyVault', 'storageAccount']);
      assert.equal(w.resourceHealth.storageAccount.availabilityState, 'Available');
      assert.ok(HEALTH_VALUES.includes(w.health));
      assert.ok(!Number.isNaN(Date.parse(w.checkedAt)));
      assert.equal(typeof w.latencyMs, 'number');
    }
  });

  // Before any outage: a region in outage fails its running jobs.
  it('drift: lists both workspaces and finds what the seeded secondary lacks; `drift --json` exits 1', async () => {
    const connection = await connect(sb.pair.cloud, { logger: silentLogger });
    const { primary, secondary } = await listPairInventories(connection, sb.pair, { logger: silentLogger });
    assert.deepEqual(primary.problems, {});
    assert.ok(primary.models.length > 0 && primary.notebooks.length > 0 && primary.computes.length > 0);
    assert.ok(primary.jobs.some((j) => j.status === 'Running' || j.status === 'Queued'), 'the seeded running job is listed');
    const report = computeDrift(primary, secondary);
    const secondaryModels = new Set(secondary.models.map((m) => m.name));
    const missing = primary.models.filter((m) => !secondaryModels.has(m.name)).map((m) => m.name);
    assert.deepEqual(report.items.filter((i) => i.kind === 'model' && i.status === 'onlyInPrimary').map((i) => i.name), missing.sort());
    assert.ok(report.items.some((i) => i.kind === 'notebook'), 'the secondary share lacks notebooks');
    const r = await cli('drift', '--json');
    assert.equal(r.code, 1);
    assert.deepEqual(JSON.parse(r.stdout).differences, report.items);
  });

  it('diagnose: the long-running operation completes with findings per area', async () => {
    const connection = await connect(sb.pair.cloud, { logger: silentLogger });
    const report = await runDiagnose(connection, sb.primary, { pollMs: 100 });
    assert.ok(report.areas.length >= 9);
    assert.equal(report.areas[0].label, 'Storage account');
  });

  it('outage: the primary is down (503 named), the secondary unaffected, status exits 3', async () => {
    await sb.fault('primary', 'outage');
    try {
      const { primary, secondary } = await probeOnce();
      assert.equal(primary.health, 'down');
      assert.match(primary.reason, /HTTP 503/);
      assert.equal(secondary.health, 'healthy', secondary.reason);
      const r = await cli('status', '--json');
      assert.equal(r.code, 3);
      assert.equal(JSON.parse(r.stdout).workspaces.primary.health, 'down');
    } finally {
      await sb.fault('primary', 'none');
    }
  });

  it('dataplane: ARM answers but the regional data plane does not → down with reason data plane, in one probe; Service Health reports it', async () => {
    await sb.fault('primary', 'dataplane');
    try {
      // One probe, with the fault on before it starts: the same bound as an outage (interval + probe budget).
      const { primary, secondary } = await probeOnce();
      assert.equal(primary.health, 'down', primary.reason);
      assert.match(primary.reason, /^Data plane not answering \(HTTP 503/);
      assert.equal(secondary.health, 'healthy', secondary.reason);
      const r = await cli('status', '--json');
      assert.equal(r.code, 3, r.stderr);
      const report = JSON.parse(r.stdout);
      assert.equal(report.workspaces.primary.health, 'down');
      assert.equal(report.workspaces.primary.resourceHealth.storageAccount.availabilityState, 'Available', 'the storage account itself is fine');
      assert.equal(report.serviceHealth.length, 1, r.stdout);
      assert.match(report.serviceHealth[0].title, /Machine Learning in East US/);
      assert.deepEqual(report.serviceHealth[0].regions, ['East US']);
      assert.ok(report.serviceHealth[0].trackingId && !Number.isNaN(Date.parse(report.serviceHealth[0].lastUpdate)));
    } finally {
      await sb.fault('primary', 'none');
    }
  });

  it('blackhole: a region that accepts connections and never answers is down, not left waiting', async () => {
    await sb.fault('primary', 'blackhole');
    try {
      const { primary, secondary } = await probeOnce();
      assert.equal(primary.health, 'down');
      assert.match(primary.reason, /^No answer from Azure Resource Manager within/);
      assert.equal(primary.latencyMs, undefined, 'no latency for a request that got no answer');
      assert.equal(secondary.health, 'healthy');
    } finally {
      await sb.fault('primary', 'none');
    }
  });

  it('slow: answers that take seconds make the region degraded, with the time said', async () => {
    await sb.fault('primary', 'slow', { latencyMs: 2000 });
    try {
      const { primary } = await probeOnce();
      assert.equal(primary.health, 'degraded');
      assert.match(primary.reason, /^Slow: Azure Resource Manager answered in [2-4]\.\d s/);
      const r = await cli('status', '--json');
      assert.equal(r.code, 1, 'degraded is neither healthy (0) nor down (3)');
    } finally {
      await sb.fault('primary', 'none');
    }
  });

  it('throttle: 429 with Retry-After is degraded, not down', async () => {
    await sb.fault('primary', 'throttle');
    try {
      const { primary } = await probeOnce();
      assert.equal(primary.health, 'degraded');
      assert.match(primary.reason, /throttling requests \(HTTP 429\); retry after/);
    } finally {
      await sb.fault('primary', 'none');
    }
  });

  it('recovers: after `fault primary none` the monitor reports the primary healthy again', async () => {
    await sb.fault('primary', 'outage');
    const connection = await connectForProbes(sb.pair, silentLogger);
    const monitor = monitorPair(sb.pair, connection, silentLogger, { ...DEFAULT_HEALTH_SETTINGS, intervalMs: 200 });
    const seen: string[] = [];
    const healthyAgain = new Promise<void>((resolve) => {
      monitor.onDidChange(({ role, current }) => {
        if (role !== 'primary') return;
        if (seen[seen.length - 1] !== current.health) seen.push(current.health);
        if (current.health === 'down') void sb.fault('primary', 'none');
        if (current.health === 'healthy' && seen.includes('down')) resolve();
      });
    });
    monitor.start();
    try {
      await healthyAgain;
      assert.deepEqual(seen, ['down', 'healthy']);
    } finally {
      monitor.stop();
      await sb.fault('primary', 'none');
    }
  });

  it('status --watch --json prints a line per change until Ctrl-C, and exits by the last state', async () => {
    const child = spawn(process.execPath, cliNodeArgs(['status', '--watch', '--json', '--project', sb.projectDir]), { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: { workspaces: { primary: { health: string } } }[] = [];
    let buffer = '';
    const waiters: (() => void)[] = [];
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      buffer += d;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        lines.push(JSON.parse(buffer.slice(0, nl)));
        buffer = buffer.slice(nl + 1);
        for (const w of waiters.splice(0)) w();
      }
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const lineWhere = async (pred: (l: (typeof lines)[number]) => boolean) => {
      while (!lines.some(pred)) await new Promise<void>((resolve) => waiters.push(resolve));
    };
    try {
      await lineWhere((l) => l.workspaces.primary.health === 'healthy');
      await sb.fault('primary', 'outage');
      await lineWhere((l) => l.workspaces.primary.health === 'down');
    } finally {
      child.kill('SIGINT');
      await sb.fault('primary', 'none');
    }
    assert.equal(await exited, 3, 'the active primary was down when watching stopped');
    assert.equal(lines.filter((l) => l.workspaces.primary.health === 'down').length, 1, 'one line for the change, not one per probe');
  });

  it('a token the cloud does not accept is "unauthorized" (sign in), never "down"', async () => {
    const badToken = path.join(sb.projectDir, '.aml-failover', 'not-the-token');
    await fs.writeFile(badToken, 'forged-token');
    // Not the sandbox's own token file: read only because the user trusts the endpoint (src/azure/trust.ts).
    const trust = fixedTrust(parseTrustedClouds([sb.armUrl], 'test'));
    const connection = await connectForProbes({ ...sb.pair, cloud: { ...sb.pair.cloud, tokenFile: badToken } }, silentLogger, { trust });
    const [primary] = await monitorPair(sb.pair, connection, silentLogger).refreshAll();
    assert.equal(primary.health, 'unauthorized');
    assert.match(primary.reason, /^Sign in to Azure/);
  });

  it('while down, the monitor sends at most its per-minute budget to the region', async () => {
    await sb.fault('primary', 'outage');
    const connection = await connectForProbes(sb.pair, silentLogger);
    const monitor = monitorPair(sb.pair, connection, silentLogger, { ...DEFAULT_HEALTH_SETTINGS, intervalMs: 50, perMinute: 6 });
    let skipped = 0;
    const limited = new Promise<void>((resolve) => {
      monitor.onDidChange(({ role, previous, current }) => {
        if (role === 'primary' && previous === current && ++skipped >= 10) resolve();
      });
    });
    monitor.start();
    try {
      await limited;
      assert.equal(monitor.callsSent('primary'), 6);
      assert.equal(monitor.get('primary')?.health, 'down');
    } finally {
      monitor.stop();
      await sb.fault('primary', 'none');
    }
  });

});

describe('inventory and drift against a sandbox seeding hostile names', () => {
  let hostile: RunningSandbox;
  before(async () => {
    hostile = await startSandbox({ largeModelMb: 1, hostile: true });
  });
  after(async () => {
    await hostile?.stop();
  });

  it('lists the share without climbing out of it, and prints names without control characters', async () => {
    const connection = await connect(hostile.pair.cloud, { logger: silentLogger });
    const { primary } = await listPairInventories(connection, hostile.pair, { logger: silentLogger });
    assert.equal(primary.problems.notebooks, undefined);
    const paths = primary.notebooks.map((n) => n.path);
    assert.ok(paths.some((p) => p.includes('ctrl\u0001name')), `the control-character name is listed as the service names it: ${paths.join(', ')}`);
    // A ".." entry may be listed as the service names it, but nothing inside it is walked.
    assert.ok(paths.every((p) => !/(^|\/)\.\.\//.test(p)), `nothing listed below a ".." folder: ${JSON.stringify(paths)}`);
    const r = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, cliNodeArgs(['drift', '--project', hostile.projectDir]), { cwd: REPO }, (err, stdout) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout }),
      );
    });
    assert.equal(r.code, 1);
    assert.doesNotMatch(r.stdout, /[\u0000-\u0009\u000b-\u001f\u007f]/);
    assert.match(r.stdout, /ctrl\uFFFDname\.ipynb: missing in the secondary/);
  });
});
