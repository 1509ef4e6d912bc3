// The remote check's core: what is flagged from what each workspace holds, and a cache that answers at once and
// refreshes in the background (the listing itself runs against the sandbox in test/integration/lint/remote.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../../src/common/logger';
import { lintText } from '../../../src/lint/lint';
import { RemoteHoldings, remoteFindings, type Holdings } from '../../../src/lint/remote';
import { toText } from '../../../src/lint/report';
import type { Role } from '../../../src/pair/pairFile';

function holdings(workspace: string, models: Record<string, string[]>, computes: string[], known: Holdings['known'] = new Set(['models', 'environments', 'computes', 'datastores']), datastores: Holdings['datastores'] = []): Holdings {
  return { workspace, known, models: new Map(Object.entries(models).map(([k, v]) => [k, new Set(v)])), environments: new Map(), computes: new Set(computes), datastores, fetchedAt: 0 };
}

const JOB = 'model: azureml:churn:2\ncompute: azureml:gpu\njobs:\n  a:\n    model: azureml:churn:1\n    compute: cpu\n';
const portable = lintText(JOB, { fileName: 'job.yml', collectPortable: true }).portable;

test('flags what one workspace holds and the other lacks, from either side; unknown sections stay silent', () => {
  const both = { primary: holdings('ml-east', { churn: ['1', '2'] }, ['gpu', 'cpu']), secondary: holdings('ml-west', { churn: ['1'] }, ['cpu']) };
  const found = remoteFindings(portable, 'primary', both).map((f) => JOB.slice(f.start, f.end));
  assert.deepEqual(found, ['azureml:churn:2', 'azureml:gpu']);
  // From the secondary's side (after a switch) the same references do not resolve at all: still flagged.
  assert.deepEqual(remoteFindings(portable, 'secondary', both).map((f) => JOB.slice(f.start, f.end)), ['azureml:churn:2', 'azureml:gpu']);
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
  assert.equal(cache.snapshot().secondary?.unreachable, 'ECONNREFUSED', 'marked as last known');
  assert.equal(changes, 2, 'becoming last known is a change (the findings say so)');
  now = 10_000;
  await cache.refresh();
  assert.equal(changes, 2, 'still offline: nothing new');
  offline = false;
  now = 20_000;
  await cache.refresh();
  assert.equal(cache.snapshot().secondary?.unreachable, undefined, 'back: a fresh answer');
  cache.dispose();
});

test('a switch during an outage keeps the finding, from the last known listing, and says so', () => {
  const env = 'environment: azureml:pytorch-env@latest\ncompute: azureml:gpu-cluster\n';
  const refs = lintText(env, { fileName: 'job.yml', collectPortable: true }).portable;
  const primary: Holdings = { ...holdings('mlw-eastus', {}, ['gpu-cluster', 'cpu-cluster']), environments: new Map([['pytorch-env', new Set(['1'])]]), fetchedAt: Date.UTC(2026, 0, 1, 9, 30) };
  const secondary = holdings('mlw-westus', {}, ['cpu-cluster']);
  const time = (ms: number) => new Date(ms).toISOString().slice(11, 19);
  const before = remoteFindings(refs, 'primary', { primary, secondary }, time);
  assert.deepEqual(before.map((f) => env.slice(f.start, f.end)), ['azureml:pytorch-env@latest', 'azureml:gpu-cluster']);
  assert.doesNotMatch(before[0]!.message, /last known/);

  // The primary is down, its last listing kept and marked; the user switched to the secondary.
  const down = { primary: { ...primary, unreachable: 'ECONNREFUSED' }, secondary };
  const after = remoteFindings(refs, 'secondary', down, time);
  assert.deepEqual(after.map((f) => env.slice(f.start, f.end)), ['azureml:pytorch-env@latest', 'azureml:gpu-cluster'], 'still missing, still flagged');
  assert.match(after[0]!.message, /^Environment pytorch-env exists in the primary workspace 'mlw-eastus' but not in the secondary 'mlw-westus': the secondary is the active workspace, so this reference does not resolve now;/);
  for (const f of after) assert.match(f.message, / \(last known, 09:30:00; mlw-eastus unreachable\)$/);
  // Nothing either side holds, or both hold, is flagged.
  assert.deepEqual(remoteFindings(lintText('compute: azureml:cpu-cluster\n', { fileName: 'j.yml', collectPortable: true }).portable, 'secondary', down, time), []);
});

test("the remote check's findings have their own one-line form: the text output is not cut, and says what to do", () => {
  const text = 'model: azureml:churn-classifier-gradient-boosting:2\ncompute: azureml:gpu-cluster-a100\ninputs:\n  a: {path: https://mlwcontosoprodsa.blob.core.windows.net/azureml-blobstore-0f1e2d3c/data/credit/train/2024/}\n';
  const refs = lintText(text, { fileName: 'job.yml', collectPortable: true }).portable;
  const stores = [{ datastore: 'workspaceblobstore', account: 'mlwcontosoprodsa', container: 'azureml-blobstore-0f1e2d3c' }];
  const primary = holdings('mlw-contoso-prod-eastus2', { 'churn-classifier-gradient-boosting': ['2'] }, ['gpu-cluster-a100'], undefined, stores);
  const secondary = holdings('mlw-contoso-prod-westus2', {}, []);
  const lines = (active: Role, both: Partial<Record<Role, Holdings>>) => {
    const findings = remoteFindings(refs, active, both).map((f) => ({ ...f, severity: 'warning' as const, range: { startLine: 0, startCol: 0, endLine: 0, endCol: 0 } }));
    return toText([{ file: 'job.yml', absolute: '/p/job.yml', findings }], 1).split('\n').filter((l) => l.startsWith('job.yml:'));
  };
  const messages = (ls: string[]) => ls.map((l) => /^job\.yml:1:1: warning [a-z-]+: (.*)$/.exec(l)![1]!);
  const fromPrimary = messages(lines('primary', { primary, secondary }));
  assert.deepEqual(fromPrimary, [
    "model churn-classifier-gradient-boosting version 2 is not in the secondary; replicate it there",
    "compute gpu-cluster-a100 is not in the secondary 'mlw-contoso-prod-westus2'; create it there",
    "primary's storage; write azureml://datastores/workspaceblobstore/paths/data/credit/train/2024/",
  ]);
  const fromSecondary = messages(lines('secondary', { primary: { ...primary, unreachable: 'ECONNREFUSED' }, secondary }));
  assert.match(fromSecondary[0]!, /^model churn-classifier-gradient-boosting version 2 is not in the active secondary.* \(last known\)$/);
  for (const m of [...fromPrimary, ...fromSecondary]) {
    assert.ok(m.length <= 100, `over 100 characters: ${m}`);
    assert.doesNotMatch(m, /…/);
  }
});
