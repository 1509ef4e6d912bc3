import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parsePairFile } from '../../../src/pair/pairFile';
import { pairedRegion, parseWorkspaceId, renderPairFile } from '../../../src/pair/pairTemplate';

test('paired regions go both ways; unpaired regions have none', () => {
  assert.equal(pairedRegion('eastus'), 'westus');
  assert.equal(pairedRegion('westus'), 'eastus');
  assert.equal(pairedRegion('WestEurope'), 'northeurope');
  assert.equal(pairedRegion('qatarcentral'), undefined);
});

test('a workspace is read from an ARM id or a studio URL, and not from other text', () => {
  const want = { subscription_id: '00000000-0000-0000-0000-000000000001', resource_group: 'rg-east', workspace_name: 'ml-east' };
  assert.deepEqual(parseWorkspaceId(' /subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-east/providers/Microsoft.MachineLearningServices/workspaces/ml-east '), want);
  assert.deepEqual(parseWorkspaceId('https://ml.azure.com/runs?wsid=/subscriptions/00000000-0000-0000-0000-000000000001/resourcegroups/rg-east/workspaces/ml-east&tid=abc'), want);
  assert.deepEqual(parseWorkspaceId('https://ml.azure.com/?wsid=%2Fsubscriptions%2F00000000-0000-0000-0000-000000000001%2Fresourcegroups%2Frg-east%2Fworkspaces%2Fml-east'), want);
  assert.equal(parseWorkspaceId('ml-east'), undefined);
});

test('the rendered pair file parses back to the same workspaces, even with names YAML would mistake', () => {
  const primary = { subscription_id: '00000000-0000-0000-0000-000000000001', resource_group: 'true', workspace_name: '123', region: 'eastus' };
  const secondary = { subscription_id: '00000000-0000-0000-0000-000000000002', resource_group: 'rg.(west)', workspace_name: 'ml-west', region: 'westus' };
  const r = parsePairFile(renderPairFile(primary, secondary), '/proj');
  assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
  assert.deepEqual(r.config.workspaces, { primary, secondary });
});
