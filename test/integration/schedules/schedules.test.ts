// Schedules across the pair, against the sandbox through the CLI as a user runs it and read back with the real
// @azure/arm-machinelearning client: copies arrive disabled and pointed at the target workspace with their job
// inputs whole; a handover never leaves a schedule enabled in both workspaces; with the source down the copies'
// record says what to enable, and the source is named as still enabled.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WorkspaceRef } from '../../../src/pair/pairFile';
import { workspaceArmId } from '../../../src/pair/pairFile';
import { runCli } from '../../support/cli';
import { startSandbox, type RunningSandbox } from '../../support/sandbox';
import { armClient } from '../../support/storageOracle';

let sb: RunningSandbox;
const cli = (...args: string[]) => runCli([...args, '--project', sb.projectDir]);

async function schedules(ws: WorkspaceRef) {
  const out = new Map<string, { enabled: boolean; properties: Record<string, unknown> }>();
  const ml = armClient(sb, ws.subscription_id);
  for await (const s of ml.schedules.list(ws.resource_group, ws.workspace_name, { listViewType: 'All' })) {
    out.set(s.name!, { enabled: Boolean(s.properties.isEnabled), properties: s.properties as unknown as Record<string, unknown> });
  }
  return out;
}

const enabled = async (ws: WorkspaceRef) => [...(await schedules(ws))].filter(([, s]) => s.enabled).map(([n]) => n).sort();

/**
 * Runs `command` while reading both workspaces over and over, the target first: a handover disables in the source
 * before it enables in the target, so a schedule seen enabled in the target and then still enabled in the source
 * was enabled in both at once. Returns the names ever seen so, and how many snapshots were taken.
 */
async function watchBoth(from: WorkspaceRef, to: WorkspaceRef, command: () => Promise<{ code: number | null; stdout: string; stderr: string }>) {
  let done = false;
  const both = new Set<string>();
  let snapshots = 0;
  const watcher = (async () => {
    while (!done) {
      const inTarget = await enabled(to);
      const inSource = new Set(await enabled(from));
      for (const n of inTarget) if (inSource.has(n)) both.add(n);
      snapshots++;
    }
  })();
  const result = await command();
  done = true;
  await watcher;
  return { result, both: [...both], snapshots };
}

describe('schedules across the pair', () => {
  before(async () => {
    sb = await startSandbox({ largeModelMb: 1 });
  });
  after(async () => {
    await sb?.stop();
  });

  it('copy: every schedule arrives disabled, pointed at the target, its job inputs whole; a re-run changes nothing', async () => {
    const before = await schedules(sb.primary);
    assert.deepEqual([...before.keys()].sort(), ['backfill-2023', 'nightly-retrain', 'weekly-drift-report']);
    const r = await cli('schedules', 'copy', '--from', 'primary', '--to', 'secondary');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /created\s+nightly-retrain/);
    const copied = await schedules(sb.secondary);
    assert.deepEqual([...copied.keys()].sort(), [...before.keys()].sort());
    for (const [name, s] of copied) {
      assert.equal(s.enabled, false, `${name} is disabled in the secondary`);
      const job = (s.properties.action as { jobDefinition: Record<string, unknown> }).jobDefinition;
      assert.equal(job.computeId, `${workspaceArmId(sb.secondary)}/computes/cpu-cluster`);
      const source = (before.get(name)!.properties.action as { jobDefinition: { inputs: unknown } }).jobDefinition;
      assert.deepEqual(job.inputs, source.inputs, `${name}: the job's inputs (uri, mode) are copied whole`);
      assert.deepEqual(s.properties.trigger, before.get(name)!.properties.trigger);
    }
    assert.deepEqual(await enabled(sb.primary), ['nightly-retrain', 'weekly-drift-report'], 'the primary is untouched');
    const again = await cli('schedules', 'copy');
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stdout, /created|conflict/);
    assert.equal((again.stdout.match(/unchanged/g) ?? []).length, 3);
  });

  it('handover primary → secondary and back: never enabled in both, the same schedules running at the end', async () => {
    const over = await watchBoth(sb.primary, sb.secondary, () => cli('schedules', 'handover', '--from', 'primary', '--to', 'secondary'));
    assert.equal(over.result.code, 0, over.result.stderr);
    assert.deepEqual(over.both, [], `enabled in both during the handover (${over.snapshots} snapshots)`);
    assert.ok(over.snapshots > 0);
    assert.deepEqual(await enabled(sb.primary), []);
    assert.deepEqual(await enabled(sb.secondary), ['nightly-retrain', 'weekly-drift-report']);

    const back = await watchBoth(sb.secondary, sb.primary, () => cli('schedules', 'handover', '--from', 'secondary', '--to', 'primary'));
    assert.equal(back.result.code, 0, back.result.stderr);
    assert.deepEqual(back.both, []);
    assert.deepEqual(await enabled(sb.primary), ['nightly-retrain', 'weekly-drift-report']);
    assert.deepEqual(await enabled(sb.secondary), []);
  });

  it('a copy that differs from the source is a conflict, never overwritten', async () => {
    const ml = armClient(sb, sb.secondary.subscription_id);
    const s = await ml.schedules.get(sb.secondary.resource_group, sb.secondary.workspace_name, 'backfill-2023');
    const changed = { ...s.properties, trigger: { triggerType: 'Cron' as const, expression: '0 5 * * *', timeZone: 'UTC' } };
    await ml.schedules.beginCreateOrUpdateAndWait(sb.secondary.resource_group, sb.secondary.workspace_name, 'backfill-2023', { properties: changed }, { updateIntervalInMs: 10 });
    const r = await cli('schedules', 'copy', '--name', 'backfill-2023');
    assert.equal(r.code, 1);
    assert.match(r.stdout, /conflict\s+backfill-2023/);
    const after = await ml.schedules.get(sb.secondary.resource_group, sb.secondary.workspace_name, 'backfill-2023');
    assert.equal((after.properties.trigger as { expression?: string }).expression, '0 5 * * *');
  });

  it('with the primary down, handover enables in the secondary what the primary ran, and names what stays enabled there', async () => {
    await sb.fault('primary', 'outage');
    try {
      const r = await cli('schedules', 'handover', '--from', 'primary', '--to', 'secondary', '--source-down');
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(await enabled(sb.secondary), ['nightly-retrain', 'weekly-drift-report']);
      assert.match(r.stdout, /still enabled in primary: nightly-retrain .*aml-failover schedules disable nightly-retrain --in primary/);
    } finally {
      await sb.fault('primary', 'none');
    }
    // Healed: the primary still has them enabled (it was sent nothing); handing back makes it one side again.
    const back = await cli('schedules', 'handover', '--from', 'secondary', '--to', 'primary');
    assert.equal(back.code, 0, back.stderr);
    assert.deepEqual(await enabled(sb.secondary), []);
    assert.deepEqual(await enabled(sb.primary), ['nightly-retrain', 'weekly-drift-report']);
  });
});
