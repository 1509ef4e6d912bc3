// The product's readers over the REST spec examples themselves (src/sandbox/specs/providers and examples-2022-10-01,
// copied verbatim).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { machineLearningEvents, resourceHealthEntry } from '../../../src/health/azureView';
import { runChecks } from '../../../src/readiness/checks';
import type { Json } from '../../../src/readiness/types';
import { roleAssignmentBody } from '../../../src/sandbox/arm/authorization';
import { newRegion } from '../../../src/sandbox/world';
import { SUB, cluster, ok, passingFacts } from './facts';

const example = (file: string) => (JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', '..', 'src', 'sandbox', 'specs', 'providers', file), 'utf8')) as { responses: { '200': { body: Json } } }).responses['200'].body;

test('region-pair reads GetLocations.json: eastus is paired with westus, eastus2 is not', () => {
  const locations = ok(example('Microsoft.Resources/GetLocations.json').value as Json[]);
  const paired = passingFacts();
  paired.locations = locations;
  assert.deepEqual(runChecks(paired).filter((c) => c.id === 'region-pair').map((c) => c.verdict), ['pass']);
  const unpaired = passingFacts();
  unpaired.locations = locations;
  unpaired.secondary.ref.region = 'eastus2';
  const finding = runChecks(unpaired).find((c) => c.id === 'region-pair')!;
  assert.equal(finding.verdict, 'warn');
  assert.match(finding.message, /eastus is paired with westus/);
});

test('Resource Health: AvailabilityStatus_GetByResource.json reads as Unavailable with its summary', () => {
  const entry = resourceHealthEntry('storageAccount', '/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/a', example('Microsoft.ResourceHealth/AvailabilityStatus_GetByResource.json'));
  assert.equal(entry.availabilityState, 'Unavailable');
  assert.equal(entry.summary, "We're sorry, we couldn't automatically recover your virtual machine");
});

test('Service Health: the Events_ListBySubscriptionId.json event concerns Virtual Machines, so it is not a Machine Learning event', () => {
  const events = example('Microsoft.ResourceHealth/Events_ListBySubscriptionId.json').value as unknown[];
  assert.deepEqual(machineLearningEvents(events, ['westus']), []);
  const asMl = JSON.parse(JSON.stringify(events).replace('"Virtual Machines"', '"Machine Learning"')) as unknown[];
  assert.deepEqual(machineLearningEvents(asMl, ['westus', 'eastus']), [{ title: 'ACTIVE: Virtual machines in West US', trackingId: 'BC_1-FXZ', lastUpdate: '2018-11-08T00:00:00Z', regions: ['West US'] }]);
});

test('storage-redundancy and datastore-region read StorageAccountGetProperties.json: Standard_GRS is geo-redundant; its region is its `location`', () => {
  const account = example('Microsoft.Storage/StorageAccountGetProperties.json');
  const elsewhere = passingFacts();
  elsewhere.primary.storage = ok(account);
  const finding = runChecks(elsewhere).find((c) => c.id === 'storage-redundancy' && /sto8596/.test(c.message))!;
  assert.equal(finding.verdict, 'warn');
  assert.match(finding.message, /is in eastus2\(stage\), not in the workspace's region eastus/);
  assert.doesNotMatch(finding.message, /Standard_GRS: its data is kept/);
  // A datastore of the secondary on it, with the account in the primary's region: geo-redundant without read access.
  const inPrimary = passingFacts();
  inPrimary.storageAccounts = ok([{ ...account, location: 'eastus' }]);
  inPrimary.secondary.datastores = ok([{ id: 'ds', name: 'curated', properties: { datastoreType: 'AzureBlob', accountName: 'sto8596', containerName: 'c', isDefault: false } }]);
  const ds = runChecks(inPrimary).find((c) => c.id === 'datastore-region')!;
  assert.equal(ds.verdict, 'warn');
  assert.match(ds.message, /it is Standard_GRS, so its data is readable elsewhere only after an account failover/);
});

test('key-vault reads getVault.json: soft delete not reported off, purge protection absent is off', () => {
  const facts = passingFacts();
  facts.primary.keyVault = ok(example('Microsoft.KeyVault/getVault.json'));
  const finding = runChecks(facts).find((c) => c.id === 'key-vault')!;
  assert.equal(finding.verdict, 'warn');
  assert.match(finding.message, /purge protection is off on sample-vault/);
  assert.doesNotMatch(finding.message, /soft delete/);
});

test('container-registry reads RegistryGet.json (Standard: cannot replicate) and ReplicationList.json (a replica in eastus)', () => {
  const standard = passingFacts();
  standard.primary.registry = ok(example('Microsoft.ContainerRegistry/RegistryGet.json'));
  const finding = runChecks(standard).find((c) => c.id === 'container-registry')!;
  assert.equal(finding.verdict, 'fail');
  assert.match(finding.message, /Container registry myRegistry is Standard: only Premium registries can be geo-replicated/);
  const premium = passingFacts();
  premium.primary.registry = ok({ ...example('Microsoft.ContainerRegistry/RegistryGet.json'), location: 'westus', sku: { name: 'Premium', tier: 'Premium' } });
  premium.primary.replications = ok(example('Microsoft.ContainerRegistry/ReplicationList.json').value as Json[]);
  const replicated = runChecks(premium).find((c) => c.id === 'container-registry')!;
  assert.equal(replicated.verdict, 'pass');
  assert.match(replicated.message, /replicated to westus, eastus/);
});

test('app-insights reads ComponentsGet.json and ComponentsCreate.json: "South Central US" is southcentralus', () => {
  for (const file of ['Microsoft.Insights/ComponentsGet.json', 'Microsoft.Insights/ComponentsCreate.json']) {
    const facts = passingFacts();
    facts.secondary.appInsights = ok(example(file));
    facts.secondary.ref.region = 'southcentralus';
    assert.equal(runChecks(facts).find((c) => c.id === 'app-insights' && /secondary/.test(c.message))!.verdict, 'pass', file);
    facts.secondary.ref.region = 'westus';
    assert.match(runChecks(facts).find((c) => c.id === 'app-insights' && /secondary/.test(c.message))!.message, /is in South Central US, not in westus/, file);
  }
});

test('RoleAssignments_Get.json: the sandbox answers a role assignment with the same fields', () => {
  const spec = example('Microsoft.Authorization/RoleAssignments_Get.json');
  const sandbox = roleAssignmentBody(newRegion('primary', { location: 'eastus', subscriptionId: SUB, suffix: 'x', storageKey: 'k' }), 'reader', `/subscriptions/${SUB}/resourceGroups/rg`, 'Reader', 'p');
  assert.deepEqual(Object.keys(sandbox).sort(), Object.keys(spec).sort());
  assert.deepEqual(Object.keys(sandbox.properties as Json).sort(), Object.keys(spec.properties as Json).sort());
});

const mlExample = (file: string) => (JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', '..', 'src', 'sandbox', 'specs', 'examples-2022-10-01', file), 'utf8')) as { responses: { '200': { body: { value: Json[] } } } }).responses['200'].body.value;

test('quota reads VirtualMachineSize/list.json, Usage/list.json and Quota/list.json: DSv2 has 22 of 24 vCPUs free, demo_workspace2 its own 12', () => {
  const facts = (maxNodes: number, workspace: string) => {
    const f = passingFacts();
    f.primary.computes = ok([cluster('primary', 'cpu-cluster', 'Standard_DS3_v2', maxNodes)]);
    f.secondary.vmSizes = ok(mlExample('VirtualMachineSize/list.json'));
    f.secondary.usages = ok(mlExample('Usage/list.json'));
    f.secondary.quotas = ok(mlExample('Quota/list.json'));
    f.secondary.ref.workspace_name = workspace;
    return runChecks(f).find((c) => c.id === 'quota')!;
  };
  const fits = facts(4, 'demo_workspace1');
  assert.equal(fits.verdict, 'pass');
  assert.match(fits.message, /has 22 vCPUs free for standardDSv2Family \(dedicated\): enough for 16 vCPUs/);
  const tooMany = facts(6, 'demo_workspace1');
  assert.equal(tooMany.verdict, 'fail');
  assert.match(tooMany.message, /has 22 of 24 vCPUs free for standardDSv2Family \(dedicated\); the primary's clusters need 24 vCPUs/);
  const ownQuota = facts(4, 'demo_workspace2');
  assert.equal(ownQuota.verdict, 'fail');
  assert.match(ownQuota.message, /The secondary workspace's own quota for standardDSv2Family \(dedicated\) is 12 vCPUs/);
});

test('compute-instance reads Compute/get/ComputeInstance.json: its assigned user, size and the command that recreates it', () => {
  const ci = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', '..', 'src', 'sandbox', 'specs', 'examples-2022-10-01', 'Compute', 'get', 'ComputeInstance.json'), 'utf8')).responses['200'].body as Json;
  const missing = passingFacts();
  missing.primary.computes = ok([ci]);
  missing.secondary.computes = ok([]);
  const warn = runChecks(missing).find((c) => c.id === 'compute-instance')!;
  assert.equal(warn.verdict, 'warn');
  assert.match(warn.message, /Compute instance compute123 of 00000000-0000-0000-0000-000000000000 \(STANDARD_NC6\) has no counterpart/);
  assert.match(warn.fix, /az ml compute create --name compute123 --type ComputeInstance --size STANDARD_NC6 --user-object-id 00000000-0000-0000-0000-000000000000/);
  const matched = passingFacts();
  matched.primary.computes = ok([ci]);
  matched.secondary.computes = ok([{ ...ci, name: 'compute123-westus' }]);
  assert.equal(runChecks(matched).find((c) => c.id === 'compute-instance')!.verdict, 'pass');
});
