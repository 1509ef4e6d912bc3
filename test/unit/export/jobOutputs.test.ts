import assert from 'node:assert/strict';
import { test } from 'node:test';
import { locateAsset, parseJobOutputUri } from '../../../src/export/jobOutputs';

const ws = { subscription_id: 's', resource_group: 'rg', workspace_name: 'ws' };
const datastores = async () => [
  { name: 'workspaceblobstore', account: 'acct', container: 'azureml-blobstore-1' },
  { name: 'workspaceartifactstore', account: 'acct', container: 'azureml' },
];

test('job-relative model URIs name the job, the output and the path below it', () => {
  assert.deepEqual(parseJobOutputUri('azureml://jobs/j1/outputs/artifacts/paths/model/'), { job: 'j1', output: 'default', path: 'model/' });
  assert.deepEqual(parseJobOutputUri('azureml://jobs/j1/outputs/model_output/paths/ckpt/'), { job: 'j1', output: 'model_output', path: 'ckpt/' });
  assert.deepEqual(parseJobOutputUri('azureml://jobs/j1/outputs/model_output'), { job: 'j1', output: 'model_output', path: '' });
  assert.deepEqual(parseJobOutputUri('runs:/j2/model'), { job: 'j2', output: 'default', path: 'model' });
  assert.equal(parseJobOutputUri('azureml://datastores/workspaceblobstore/paths/x/'), undefined);
});

test('they resolve through the job: its output URI, or the service default when it names none', async () => {
  const outputs = { default: { uri: 'azureml://datastores/workspaceartifactstore/ExperimentRun/dcid.j1' }, named: { uri: 'azureml://datastores/workspaceblobstore/paths/custom/place/' } };
  const jobs = async (name: string) => (name === 'j1' ? outputs : name === 'bare' ? {} : undefined);
  assert.deepEqual(await locateAsset('azureml://jobs/j1/outputs/artifacts/paths/model/', datastores, ws, jobs), { datastore: 'workspaceartifactstore', path: 'ExperimentRun/dcid.j1/model/' });
  assert.deepEqual(await locateAsset('azureml://jobs/j1/outputs/named/paths/a/b.pkl', datastores, ws, jobs), { datastore: 'workspaceblobstore', path: 'custom/place/a/b.pkl' });
  assert.deepEqual(await locateAsset('runs:/bare/model', datastores, ws, jobs), { datastore: 'workspaceartifactstore', path: 'ExperimentRun/dcid.bare/model' });
  assert.deepEqual(await locateAsset('azureml://jobs/bare/outputs/out1', datastores, ws, jobs), { datastore: 'workspaceblobstore', path: 'azureml/bare/out1/' });
  await assert.rejects(locateAsset('runs:/gone/model', datastores, ws, jobs), /job 'gone'.*not in workspace 'ws'/);
});
