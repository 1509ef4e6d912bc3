// The product's readers over the REST spec examples themselves (src/sandbox/specs/providers, copied verbatim).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { machineLearningEvents, resourceHealthEntry } from '../../../src/health/azureView';
import { runChecks } from '../../../src/readiness/checks';
import type { Json } from '../../../src/readiness/types';
import { ok, passingFacts } from './facts';

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
