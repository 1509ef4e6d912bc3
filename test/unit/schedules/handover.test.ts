import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENABLED_IN_SOURCE_TAG, enabledOnBoth, parseScheduleFile, planHandover, retargetIds, scheduleFile, scheduleFingerprint, sourceFromCopies, type ScheduleState } from '../../../src/schedules/handover';

const WS_A = '/subscriptions/s/resourceGroups/rg-a/providers/Microsoft.MachineLearningServices/workspaces/ws-a';
const WS_B = '/subscriptions/s/resourceGroups/rg-b/providers/Microsoft.MachineLearningServices/workspaces/ws-b';
const st = (name: string, enabled: boolean): ScheduleState => ({ name, enabled, fingerprint: name });

/** Replays a plan over two sides' states and returns every name enabled on both after any op. */
function replay(from: ScheduleState[], to: ScheduleState[], ops: ReturnType<typeof planHandover>['ops']): string[] {
  const side = { from: new Map(from.map((s) => [s.name, s.enabled])), to: new Map(to.map((s) => [s.name, s.enabled])) };
  const seen = new Set<string>();
  for (const op of ops) {
    side[op.where].set(op.name, op.op === 'enable');
    for (const [n, on] of side.to) if (on && side.from.get(n)) seen.add(n);
  }
  return [...seen];
}

describe('planHandover', () => {
  it('disables every enabled source schedule before it enables any in the target', () => {
    const from = [st('a', true), st('b', true), st('c', false)];
    const to = [st('a', false), st('b', false), st('c', false)];
    const plan = planHandover(from, to, { sourceReachable: true });
    assert.deepEqual(plan.ops, [
      { op: 'disable', where: 'from', name: 'a' },
      { op: 'disable', where: 'from', name: 'b' },
      { op: 'enable', where: 'to', name: 'a' },
      { op: 'enable', where: 'to', name: 'b' },
    ]);
    assert.deepEqual(replay(from, to, plan.ops), []);
  });

  it('leaves a schedule missing from the target running in the source, and says so', () => {
    const plan = planHandover([st('a', true), st('gone', true)], [st('a', false)], { sourceReachable: true });
    assert.deepEqual(plan.missing, ['gone']);
    assert.ok(!plan.ops.some((o) => o.name === 'gone'));
  });

  it('with the source down, writes nothing there and enables in the target', () => {
    const plan = planHandover([st('a', true), st('b', false)], [st('A', false), st('b', false)], { sourceReachable: false });
    assert.deepEqual(plan.ops, [{ op: 'enable', where: 'to', name: 'A' }]);
  });

  it('does not enable again what is already enabled in the target, and leaves the target’s own schedules alone', () => {
    const plan = planHandover([st('a', true)], [st('a', true), st('own', true)], { sourceReachable: true });
    assert.deepEqual(plan.ops, [{ op: 'disable', where: 'from', name: 'a' }]);
  });
});

describe('schedule fingerprints and ids', () => {
  const props = (ws: string, enabled: boolean, tags: Record<string, string> = {}) => ({
    isEnabled: enabled,
    provisioningState: 'Succeeded',
    tags,
    trigger: { triggerType: 'Cron', expression: '0 2 * * *' },
    action: { actionType: 'CreateJob', jobDefinition: { jobType: 'Command', computeId: `${ws}/computes/cpu`, environmentId: `${ws}/environments/e/versions/1` } },
  });

  it('two copies of one schedule in two workspaces, one enabled, tagged differently, are the same', () => {
    assert.equal(scheduleFingerprint(props(WS_A, true)), scheduleFingerprint(props(WS_B, false, { [ENABLED_IN_SOURCE_TAG]: 'true' })));
  });

  it('another trigger is another schedule', () => {
    const other = { ...props(WS_A, true), trigger: { triggerType: 'Cron', expression: '0 3 * * *' } };
    assert.notEqual(scheduleFingerprint(props(WS_A, true)), scheduleFingerprint(other));
  });

  it('retargetIds points workspace ids at the target and maps computes', () => {
    const moved = retargetIds(props(WS_A, true), WS_B, { cpu: 'cpu-west' });
    const job = (moved.action as { jobDefinition: Record<string, string> }).jobDefinition;
    assert.equal(job.computeId, `${WS_B}/computes/cpu-west`);
    assert.equal(job.environmentId, `${WS_B}/environments/e/versions/1`);
    assert.equal((moved.trigger as { expression: string }).expression, '0 2 * * *');
  });

  it('sourceFromCopies reads the copies’ record of what the source ran', () => {
    const copies = [
      { ...st('a', false), properties: { tags: { [ENABLED_IN_SOURCE_TAG]: 'true' } } },
      { ...st('b', false), properties: { tags: { [ENABLED_IN_SOURCE_TAG]: 'false' } } },
      { ...st('c', false), properties: {} },
    ];
    assert.deepEqual(sourceFromCopies(copies).map((s) => [s.name, s.enabled]), [['a', true], ['b', false], ['c', false]]);
  });

  it('scheduleFile keeps what restore needs (isEnabled, the workspace ids) but not the provisioning state, and reads back the same', () => {
    const text = scheduleFile('nightly', props(WS_A, true, { team: 'risk' }));
    assert.doesNotMatch(text, /provisioningState/);
    const back = parseScheduleFile(text);
    assert.equal(back.name, 'nightly');
    assert.equal(back.enabled, true);
    assert.equal(scheduleFingerprint(back.properties), scheduleFingerprint(props(WS_A, false)));
    assert.equal((back.properties.action as { jobDefinition: { computeId: string } }).jobDefinition.computeId, `${WS_A}/computes/cpu`);
    assert.equal(parseScheduleFile(scheduleFile('paused', props(WS_A, false))).enabled, false);
    assert.equal(scheduleFile('nightly', { ...props(WS_A, true, { team: 'risk' }), provisioningState: 'Updating' }), text, 'the same schedule writes the same bytes whatever its provisioning state');
  });

  it('parseScheduleFile refuses a file whose name could leave the schedules of the workspace, or that is not a schedule', () => {
    const good = JSON.parse(scheduleFile('nightly', props(WS_A, true))) as { name: string; properties: unknown };
    for (const name of ['../jobs/x', 'a/b', '..', '', ' x', 'x?api-version=1', 42]) {
      assert.throws(() => parseScheduleFile(JSON.stringify({ ...good, name })), /is not a schedule name/, String(name));
    }
    assert.throws(() => parseScheduleFile('{"name": "x"'), /not valid JSON/);
    assert.throws(() => parseScheduleFile('[]'), /not a schedule/);
    assert.throws(() => parseScheduleFile(JSON.stringify({ name: 'x', properties: { trigger: {} } })), /no trigger or action/);
    assert.throws(() => parseScheduleFile(JSON.stringify({ ...good, properties: { ...(good.properties as object), tags: 'x' } })), /tags is not a mapping/);
  });

  it('enabledOnBoth names what runs in both', () => {
    assert.deepEqual(enabledOnBoth([st('a', true), st('b', true), st('c', false)], [st('A', true), st('b', false), st('c', true)]), ['a']);
  });
});
