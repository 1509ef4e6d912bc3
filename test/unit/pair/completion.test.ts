import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { pairValueCompletions } from '../../../src/pair/completion';

const TEXT = `workspaces:
  primary:
    region: eastus
  secondary:
    region: 
availability:
  training: 
cloud: 
`;

test('region: the paired region of the other workspace first, the region of the other workspace left out', () => {
  const items = pairValueCompletions(TEXT, 4);
  assert.equal(items.find((i) => i.preferred)?.label, 'westus');
  assert.ok(!items.some((i) => i.label === 'eastus'));
});

test('availability levels and cloud names', () => {
  assert.deepEqual(pairValueCompletions(TEXT, 6).map((i) => i.label), ['hot/hot', 'hot/warm', 'hot/cold']);
  assert.deepEqual(pairValueCompletions(TEXT, 7).map((i) => i.label), ['AzureCloud', 'AzureChinaCloud', 'AzureUSGovernment']);
});

test('nothing elsewhere', () => {
  assert.deepEqual(pairValueCompletions(TEXT, 0), []);
  assert.deepEqual(pairValueCompletions(TEXT, 1), []);
});
