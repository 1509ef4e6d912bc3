// The remote check's core: what is flagged from what each workspace holds, and a cache that answers at once and
// refreshes in the background (the listing itself runs against the sandbox in test/integration/lint/remote.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../../src/common/logger';
import { lintText } from '../../../src/lint/lint';
import { RemoteHoldings, remoteFindings, type Holdings } from '../../../src/lint/remote';
import type { Role } from '../../../src/pair/pairFile';

function holdings(workspace: string, models: Record<string, string[]>, computes: string[], known: Holdings['known'] = new Set(['models', 'environments', 'computes', 'datastores']), datastores: Holdings['datastores'] = []): Holdings {
  return { workspace, known, models: new Map(Object.entries(models).map(([k, v]) => [k, new Set(v)])), environments: new Map(), computes: new Set(computes), datastores, fetchedAt: 0 };
}

const JOB = 'model: azureml:churn:2\ncompute: azureml:gpu\njobs:\n  a:\n    model: azureml:churn:1\n    compute: cpu\n';
const portable = lintText(JOB, { fileName: 'job.yml', collectPortable: true }).portable;

test('flags only what the active workspace holds and the other lacks; unknown sections stay silent', () => {
  const both = { primary: holdings('ml-east', { churn: ['1', '2'] }, ['gpu', 'cpu']), secondary: holdings('ml-west', { churn: ['1'] }, ['cpu']) };
  const found = remoteFindings(portable, 'primary', both).map((f) => JOB.slice(f.start, f.end));
  assert.deepEqual(found, ['azureml:churn:2', 'azureml:gpu']);
  // From the secondary's side nothing it holds is missing in the primary.
  assert.deepEqual(remoteFindings(portable, 'secondary', both), []);
  const unknown = { ...both, secondary: holdings('ml-west', {}, [], new Set()) };
  assert.deepEqual(remoteFindings(portable, 'primary', unknown), []);
  assert.deepEqual(remoteFindings(portable, 'primary', { primary: both.primary }), []);
});

test("storage URLs into a workspace's own account: flagged with the datastore spelling; public sample data is not", () => {
  const text = [
    'inputs:',
    '  a: {path: "https://mlweastsa.blob.core.windows.net/azureml-blobstore-1/data/credit/"}',
    '  b: {path: wasbs://azureml-blobstore-1@mlweastsa.blob.core.windows.net/raw.csv}',
    '  c: {path: https://mlweastsa.blob.core.windows.net/other/x.csv}',
    '  d: {path: https://azuremlexamples.blob.core.windows.net/datasets/iris.csv}',
    '',
  ].join('\n');
  const refs = lintText(text, { fileName: 'job.yml', collectPortable: true }).portable;
  const stores = [{ datastore: 'workspaceblobstore', account: 'mlweastsa', container: 'azureml-blobstore-1' }];
  const both = { primary: holdings('ml-east', {}, [], undefined, stores), secondary: holdings('ml-west', {}, []) };
  const found = remoteFindings(refs, 'secondary', both);
  assert.deepEqual(found.map((f) => [f.rule, text.slice(f.start, f.end), f.fixes[0]?.edits[0]?.newText]), [
    ['workspace-storage-url', '"https://mlweastsa.blob.core.windows.net/azureml-blobstore-1/data/credit/"', 'azureml://datastores/workspaceblobstore/paths/data/credit/'],
    ['workspace-storage-url', 'wasbs://azureml-blobstore-1@mlweastsa.blob.core.windows.net/raw.csv', 'azureml://datastores/workspaceblobstore/paths/raw.csv'],
    ['workspace-storage-url', 'https://mlweastsa.blob.core.windows.net/other/x.csv', undefined],
  ]);
  assert.match(found[0]!.message, /storage account mlweastsa of the primary workspace 'ml-east'/);
});

test('the cache answers at once, refreshes once in the background when stale, and keeps what it knew when offline', async () => {
  let now = 0;
  let calls = 0;
  let offline = false;
  let changes = 0;
  const cache = new RemoteHoldings(
    async (role: Role) => {
      calls++;
      if (offline) throw new Error('ECONNREFUSED');
      return holdings(role, {}, [role === 'primary' ? 'gpu' : 'cpu']);
    },
    { logger: silentLogger, maxAgeMs: 1000, now: () => now, onDidChange: () => changes++ },
  );
  assert.deepEqual(cache.snapshot(), {});
  cache.ensureFresh();
  cache.ensureFresh();
  assert.deepEqual(cache.snapshot(), {}, 'ensureFresh does not wait');
  await cache.refresh();
  assert.equal(calls, 2, 'one listing per workspace, shared by concurrent callers');
  assert.equal(changes, 1);
  assert.ok(cache.snapshot().primary?.computes.has('gpu'));
  cache.ensureFresh();
  assert.equal(calls, 2, 'fresh: no new listing');
  now = 5000;
  offline = true;
  cache.ensureFresh();
  await cache.refresh();
  assert.ok(cache.snapshot().secondary?.computes.has('cpu'), 'offline keeps the last known holdings');
  assert.equal(changes, 1);
  cache.dispose();
});
