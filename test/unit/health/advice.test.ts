import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adviceFor } from '../../../src/health/advice';
import { initialHealth, type WorkspaceHealth } from '../../../src/health/state';
import type { Health } from '../../../src/health/verdict';

const state = (role: 'primary' | 'secondary', health: Health, reason = 'r'): WorkspaceHealth => ({ ...initialHealth(role, role === 'primary' ? 'eastus' : 'westus'), health, reason });

test('the active workspace going down offers the other one', () => {
  const a = adviceFor({ role: 'primary', previous: state('primary', 'healthy'), current: state('primary', 'down', 'HTTP 503') }, 'primary', state('secondary', 'healthy'));
  assert.deepEqual(a, { kind: 'offerSwitch', from: 'primary', to: 'secondary', message: 'The primary workspace (eastus) is down: HTTP 503' });
});

test('staying down, or an inactive workspace going down, says nothing more', () => {
  assert.equal(adviceFor({ role: 'primary', previous: state('primary', 'down'), current: state('primary', 'down') }, 'primary', state('secondary', 'healthy')), undefined);
  assert.equal(adviceFor({ role: 'secondary', previous: state('secondary', 'healthy'), current: state('secondary', 'down') }, 'primary', state('primary', 'healthy')), undefined);
});

test('no switch is offered to a workspace that is down too', () => {
  const a = adviceFor({ role: 'primary', previous: state('primary', 'unknown'), current: state('primary', 'down') }, 'primary', state('secondary', 'down'));
  assert.equal(a?.kind, 'bothDown');
});

test('recovery: switch back offered when the user moved to the other one, else just told', () => {
  const change = { role: 'primary' as const, previous: state('primary', 'down'), current: state('primary', 'healthy') };
  assert.deepEqual(adviceFor(change, 'secondary', state('secondary', 'healthy')), {
    kind: 'offerSwitchBack',
    to: 'primary',
    message: 'The primary workspace (eastus) is healthy again; you are on the secondary.',
  });
  assert.equal(adviceFor(change, 'primary', state('secondary', 'healthy'))?.kind, 'recovered');
});

test('unauthorized is not an outage: no switch offered', () => {
  assert.equal(adviceFor({ role: 'primary', previous: state('primary', 'healthy'), current: state('primary', 'unauthorized') }, 'primary', state('secondary', 'healthy')), undefined);
});
