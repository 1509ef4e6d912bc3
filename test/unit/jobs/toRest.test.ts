// CLI YAML → REST for submission: the inverse of toCli.ts on the shapes the service stores, and the code folder's
// hash computed exactly as azure-ai-ml computes it (checked against the real library).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import type { JobBase } from '@azure/arm-machinelearning';
import { codeFiles, codeHash } from '../../../src/jobs/codeAsset';
import { jobToCli } from '../../../src/jobs/toCli';
import { jobToRest, type Resolved } from '../../../src/jobs/toRest';
import { SYSTEM_PYTHON } from '../../support/referee';
import { scratchDir } from '../../support/scratch';

const T = '/subscriptions/s2/resourceGroups/rg-west/providers/Microsoft.MachineLearningServices/workspaces/ws-west';
const resolved: Resolved = {
  compute: (ref) => `${T}/computes/${ref.replace('azureml:', '')}`,
  datastore: (ref) => `${T}/datastores/${ref.replace('azureml:', '')}`,
  code: (ref) => `${T}/codes/new/versions/1#${ref}`,
  environment: (ref) => (typeof ref === 'object' ? `${T}/environments/CliV2AnonymousEnvironment/versions/h` : `${T}/environments/${String(ref).split(':')[1]}/versions/${String(ref).split(':')[2]}`),
  component: (ref) => (ref.startsWith('azureml:') ? `${T}/components/${ref.split(':')[1]}/versions/${ref.split(':')[2]}` : `${T}/components/azureml_anonymous/versions/g`),
};

test('a sweep exported and read back gives the REST body the service stores, in the target', () => {
  const sweep = {
    name: 'sweep_1',
    properties: {
      jobType: 'Sweep',
      computeId: '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/computes/cpu-cluster',
      objective: { goal: 'Maximize', primaryMetric: 'accuracy' },
      samplingAlgorithm: { samplingAlgorithmType: 'Random' },
      searchSpace: { lr: ['uniform', [0.01, 0.1]], depth: ['choice', [[3, 5]]] },
      earlyTermination: { policyType: 'Bandit', evaluationInterval: 1, slackFactor: 0.1 },
      trial: { command: 'python t.py', environmentId: '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/environments/e/versions/1' },
      limits: { jobLimitsType: 'Sweep', maxTotalTrials: 10, timeout: 'PT2H' },
    },
  } as unknown as JobBase;
  const doc = parse(jobToCli(sweep, 'jobs/sweep_1.yml', { component: () => undefined, environment: () => undefined, code: () => undefined, componentFile: () => undefined }).yaml) as Record<string, unknown>;
  const rest = jobToRest(doc, '/out/jobs', resolved);
  assert.equal(rest.computeId, `${T}/computes/cpu-cluster`);
  assert.deepEqual(rest.searchSpace, { lr: ['uniform', [0.01, 0.1]], depth: ['choice', [[3, 5]]] });
  assert.deepEqual(rest.samplingAlgorithm, { samplingAlgorithmType: 'Random' });
  assert.deepEqual(rest.earlyTermination, { policyType: 'Bandit', evaluationInterval: 1, slackFactor: 0.1 });
  assert.deepEqual(rest.objective, { goal: 'Maximize', primaryMetric: 'accuracy' });
  assert.deepEqual(rest.trial, { command: 'python t.py', environmentId: `${T}/environments/e/versions/1` });
  assert.deepEqual(rest.limits, { jobLimitsType: 'Sweep', maxTotalTrials: 10, timeout: 'PT7200S' });
});

test('pipeline steps go back to componentId, computeId and {job_input_type, value}', () => {
  const doc = parse(`
type: pipeline
settings: {default_datastore: azureml:workspaceblobstore, default_compute: azureml:cpu-cluster}
inputs: {raw: {type: uri_folder, path: azureml://datastores/workspaceblobstore/paths/x/, mode: ro_mount}, n: 3}
jobs:
  prep: {type: command, component: azureml:prep:1, inputs: {raw: '\${{parent.inputs.raw}}'}, outputs: {clean: '\${{parent.outputs.o}}'}}
  train: {type: command, component: ../components/t/g/component.yml, compute: azureml:gpu-cluster}
`) as Record<string, unknown>;
  const rest = jobToRest(doc, '/out/jobs', resolved) as { jobs: Record<string, Record<string, unknown>>; settings: Record<string, unknown>; inputs: Record<string, unknown> };
  assert.deepEqual(rest.settings, { default_datastore: `${T}/datastores/workspaceblobstore`, default_compute: `${T}/computes/cpu-cluster`, _source: 'YAML.JOB' });
  assert.deepEqual(rest.inputs, { raw: { jobInputType: 'uri_folder', uri: 'azureml://datastores/workspaceblobstore/paths/x/', mode: 'ReadOnlyMount' }, n: { jobInputType: 'literal', value: '3' } });
  assert.equal(rest.jobs.prep.componentId, `${T}/components/prep/versions/1`);
  assert.deepEqual(rest.jobs.prep.inputs, { raw: { job_input_type: 'literal', value: '${{parent.inputs.raw}}' } });
  assert.deepEqual(rest.jobs.prep.outputs, { clean: { type: 'literal', value: '${{parent.outputs.o}}' } });
  assert.equal(rest.jobs.train.componentId, `${T}/components/azureml_anonymous/versions/g`);
  assert.equal(rest.jobs.train.computeId, `${T}/computes/gpu-cluster`);
});

test('the code folder hash is azure-ai-ml’s get_object_hash, files in its order, links refused', async () => {
  const dir = await scratchDir('jobs-hash-');
  const code = path.join(dir, 'src');
  await fs.mkdir(path.join(code, 'Utils'), { recursive: true });
  await fs.writeFile(path.join(code, 'train.py'), 'print(1)\n');
  await fs.writeFile(path.join(code, 'Utils', 'io.py'), 'x = 2\n');
  await fs.writeFile(path.join(code, 'a.txt'), Buffer.alloc(70_000, 7));
  const python = `import sys; sys.path.insert(0, ${JSON.stringify(path.resolve(__dirname, '../../support/python'))})
from azure.ai.ml._utils._asset_utils import get_object_hash
print(get_object_hash(${JSON.stringify(code)}))`;
  const expected = execFileSync(SYSTEM_PYTHON, ['-c', python], { encoding: 'utf8' }).trim();
  assert.equal(await codeHash(code), expected);
  assert.deepEqual((await codeFiles(code)).map((f) => f.rel), ['a.txt', 'train.py', 'Utils/io.py']);
  await fs.symlink('/etc/passwd', path.join(code, 'leak'));
  await assert.rejects(codeFiles(code), /symbolic link \(leak\)/);
});
