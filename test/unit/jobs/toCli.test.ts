// REST jobs shaped as the service returns them (azure-ai-ml 1.4.0's `_to_rest_object` for pipeline nodes: componentId,
// computeId, `{job_input_type, value}`, `_source`) converted to CLI YAML, and every file written loaded by the real
// parser (azure.ai.ml.load_job / load_component through test/support/python/referee.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import type { JobBase } from '@azure/arm-machinelearning';
import { jobReferences, jobToCli, searchSpaceCli, type JobLookups, type ResolvedComponent } from '../../../src/jobs/toCli';
import { isoDurationSeconds } from '../../../src/export/yamlWriters';
import { loadWithRealParser, refusals } from '../../support/referee';
import { scratchDir } from '../../support/scratch';

const WS = '/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-primary/providers/Microsoft.MachineLearningServices/workspaces/ws-primary';
const CODE = `${WS}/codes/6a8f3c1e-0000-4000-8000-000000000001/versions/1`;
const ANON_ENV = `${WS}/environments/CliV2AnonymousEnvironment/versions/0f1e2d3c4b5a69788796a5b4c3d2e1f0`;
const ANON_COMPONENT = `${WS}/components/azureml_anonymous/versions/7d9c2a7e-1111-4b2c-9d3e-2f1a0b9c8d7e`;
const NAMED_COMPONENT = `${WS}/components/prep_credit/versions/1`;

const commandJob = {
  name: 'brave_lemon_1',
  id: `${WS}/jobs/brave_lemon_1`,
  properties: {
    jobType: 'Command',
    command: 'python train.py --data ${{inputs.data}} --lr ${{inputs.lr}}',
    codeId: CODE,
    computeId: `${WS}/computes/cpu-cluster`,
    environmentId: ANON_ENV,
    inputs: {
      data: { jobInputType: 'uri_folder', uri: 'azureml://subscriptions/00000000-1111-2222-3333-444444444444/resourcegroups/rg-primary/workspaces/ws-primary/datastores/workspaceblobstore/paths/data/x/', mode: 'ReadOnlyMount' },
      lr: { jobInputType: 'literal', value: '0.1' },
    },
    outputs: {
      model: { jobOutputType: 'uri_folder', mode: 'ReadWriteMount', uri: 'azureml://datastores/workspaceblobstore/paths/azureml/brave_lemon_1/model/' },
      default: { jobOutputType: 'uri_folder', uri: 'azureml://datastores/workspaceartifactstore/ExperimentRun/dcid.brave_lemon_1', mode: 'ReadWriteMount' },
    },
    limits: { jobLimitsType: 'Command', timeout: 'PT1H30M' },
    resources: { instanceCount: 2 },
    experimentName: 'credit',
    displayName: 'Train',
    tags: { owner: 'ana' },
    status: 'Running',
    services: { Studio: { endpoint: 'https://ml.azure.com/runs/brave_lemon_1' } },
  },
} as unknown as JobBase;

const pipelineJob = {
  name: 'credit_pipeline_1',
  properties: {
    jobType: 'Pipeline',
    experimentName: 'credit',
    displayName: 'credit pipeline',
    computeId: null,
    inputs: { raw: { jobInputType: 'uri_folder', uri: 'azureml://datastores/workspaceblobstore/paths/data/credit/', mode: 'ReadOnlyMount' }, epochs: { jobInputType: 'literal', value: '3' } },
    outputs: { model: { jobOutputType: 'mlflow_model', mode: 'ReadWriteMount' } },
    settings: { default_datastore: `${WS}/datastores/workspaceblobstore`, default_compute: `${WS}/computes/cpu-cluster`, continue_on_step_failure: false, _source: 'YAML.JOB' },
    jobs: {
      prep: {
        name: 'prep',
        type: 'command',
        componentId: NAMED_COMPONENT,
        computeId: null,
        _source: 'YAML.COMPONENT',
        properties: {},
        tags: {},
        inputs: { raw: { job_input_type: 'literal', value: '${{parent.inputs.raw}}' } },
        outputs: { clean: { type: 'literal', value: '${{parent.outputs.model}}' } },
      },
      train: {
        name: 'train',
        type: 'command',
        componentId: ANON_COMPONENT,
        computeId: `${WS}/computes/gpu-cluster`,
        _source: 'YAML.JOB',
        properties: {},
        inputs: { data: { job_input_type: 'literal', value: '${{parent.jobs.prep.outputs.clean}}' }, epochs: { job_input_type: 'literal', value: '${{parent.inputs.epochs}}' } },
        outputs: {},
        resources: { instance_count: 1 },
      },
    },
  },
} as unknown as JobBase;

const sweepJob = {
  name: 'sweep_lr_1',
  properties: {
    jobType: 'Sweep',
    computeId: `${WS}/computes/cpu-cluster`,
    objective: { goal: 'Maximize', primaryMetric: 'accuracy' },
    samplingAlgorithm: { samplingAlgorithmType: 'Random' },
    searchSpace: { lr: ['uniform', [0.01, 0.1]], depth: ['choice', [[3, 5, 8]]] },
    earlyTermination: { policyType: 'Bandit', evaluationInterval: 1, slackFactor: 0.1 },
    trial: { command: 'python train.py --lr ${{search_space.lr}} --depth ${{search_space.depth}}', codeId: CODE, environmentId: `${WS}/environments/sklearn-env/versions/2` },
    limits: { jobLimitsType: 'Sweep', maxTotalTrials: 10, maxConcurrentTrials: 2, timeout: 'PT2H' },
    outputs: { default: { jobOutputType: 'uri_folder', uri: 'azureml://datastores/workspaceartifactstore/ExperimentRun/dcid.sweep_lr_1' } },
  },
} as unknown as JobBase;

const components: Record<string, ResolvedComponent> = {
  [NAMED_COMPONENT]: { name: 'prep_credit', version: '1', anonymous: false, spec: { name: 'prep_credit', version: '1', type: 'command' } },
  [ANON_COMPONENT]: {
    name: 'azureml_anonymous',
    version: '7d9c2a7e-1111-4b2c-9d3e-2f1a0b9c8d7e',
    anonymous: true,
    spec: {
      $schema: 'https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json',
      name: 'train_credit',
      version: '7d9c2a7e-1111-4b2c-9d3e-2f1a0b9c8d7e',
      type: 'command',
      is_deterministic: true,
      inputs: { data: { type: 'uri_folder' }, epochs: { type: 'integer', default: 1 } },
      outputs: {},
      command: 'python train.py --data ${{inputs.data}} --epochs ${{inputs.epochs}}',
      code: `azureml:${CODE}`,
      environment: `azureml:${ANON_ENV}`,
      _source: 'YAML.JOB',
    },
  },
};

function lookups(): JobLookups {
  return {
    component: (id) => components[id],
    environment: (id) => (id.replace(/^azureml:/, '') === ANON_ENV ? { name: 'CliV2AnonymousEnvironment', version: 'x', image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04', condaFile: 'name: train\ndependencies:\n  - python=3.10\n  - pip:\n    - scikit-learn\n' } : undefined),
    code: (id) => (id.replace(/^azureml:/, '') === CODE ? 'code/brave_lemon_1' : undefined),
    componentFile: (id) => (id === ANON_COMPONENT ? 'components/train_credit/7d9c2a7e-1111-4b2c-9d3e-2f1a0b9c8d7e/component.yml' : undefined),
  };
}

/** Writes the job and its components under OUT, with the code folders they name, and has the real parser load them. */
async function writeAndLoad(out: string, files: Record<string, string>) {
  await fs.mkdir(path.join(out, 'code/brave_lemon_1'), { recursive: true });
  await fs.writeFile(path.join(out, 'code/brave_lemon_1/train.py'), 'print("train")\n');
  for (const [rel, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(out, rel)), { recursive: true });
    await fs.writeFile(path.join(out, rel), text);
  }
  return loadWithRealParser(Object.keys(files).map((f) => path.join(out, f)));
}

test('a command job: portable references, anonymous environment inline, code referenced, default output dropped', () => {
  const cli = jobToCli(commandJob, 'jobs/brave_lemon_1.yml', lookups());
  const doc = parse(cli.yaml) as Record<string, unknown>;
  assert.equal(doc.compute, 'azureml:cpu-cluster');
  assert.equal(doc.code, '../code/brave_lemon_1/');
  assert.deepEqual(doc.environment, { image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04', conda_file: { name: 'train', dependencies: ['python=3.10', { pip: ['scikit-learn'] }] } });
  assert.equal((doc.inputs as Record<string, { path: string }>).data.path, 'azureml://datastores/workspaceblobstore/paths/data/x/');
  assert.equal((doc.inputs as Record<string, unknown>).lr, '0.1');
  assert.deepEqual(doc.outputs, { model: { type: 'uri_folder', mode: 'rw_mount' } });
  assert.deepEqual(doc.limits, { timeout: 5400 });
  assert.equal(doc.name, undefined, 'the resubmitted job gets a new name');
  assert.equal(doc.status, undefined);
  assert.deepEqual(cli.leftovers, []);
  assert.doesNotMatch(cli.yaml, /subscriptions|ws-primary|dcid/);
});

test('a pipeline: named component as azureml:name:version, anonymous one written beside it, settings portable', () => {
  const cli = jobToCli(pipelineJob, 'jobs/credit_pipeline_1.yml', lookups());
  const doc = parse(cli.yaml) as { settings: Record<string, unknown>; jobs: Record<string, Record<string, unknown>> };
  assert.deepEqual(doc.settings, { default_datastore: 'azureml:workspaceblobstore', default_compute: 'azureml:cpu-cluster', continue_on_step_failure: false });
  assert.equal(doc.jobs.prep.component, 'azureml:prep_credit:1');
  assert.deepEqual(doc.jobs.prep.inputs, { raw: '${{parent.inputs.raw}}' });
  assert.deepEqual(doc.jobs.prep.outputs, { clean: '${{parent.outputs.model}}' });
  assert.equal(doc.jobs.prep.compute, undefined);
  assert.equal(doc.jobs.train.component, '../components/train_credit/7d9c2a7e-1111-4b2c-9d3e-2f1a0b9c8d7e/component.yml');
  assert.equal(doc.jobs.train.compute, 'azureml:gpu-cluster');
  assert.doesNotMatch(cli.yaml, /_source|componentId|computeId|job_input_type|subscriptions/);
  assert.equal(cli.components.length, 1);
  const component = parse(cli.components[0].yaml) as Record<string, unknown>;
  assert.equal(component.name, 'train_credit');
  assert.equal(component.version, undefined, 'an anonymous component gets its version where it is created');
  assert.equal(component.code, '../../../code/brave_lemon_1/');
  assert.equal((component.environment as { image: string }).image, 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04');
  assert.deepEqual(cli.leftovers, []);
});

test('a sweep: search space from the REST [type, [args]] form, trial code and environment portable', () => {
  const cli = jobToCli(sweepJob, 'jobs/sweep_lr_1.yml', lookups());
  const doc = parse(cli.yaml) as Record<string, unknown>;
  assert.deepEqual(doc.search_space, { lr: { type: 'uniform', min_value: 0.01, max_value: 0.1 }, depth: { type: 'choice', values: [3, 5, 8] } });
  assert.equal(doc.sampling_algorithm, 'random');
  assert.deepEqual(doc.early_termination, { type: 'bandit', evaluation_interval: 1, slack_factor: 0.1 });
  assert.deepEqual(doc.trial, { command: 'python train.py --lr ${{search_space.lr}} --depth ${{search_space.depth}}', code: '../code/brave_lemon_1/', environment: 'azureml:sklearn-env:2' });
  assert.equal(doc.outputs, undefined);
  assert.deepEqual(searchSpaceCli({ x: ['quniform', [1, 9, 2]], y: ['randint', [4]] }), { x: { type: 'quniform', min_value: 1, max_value: 9, q: 2 }, y: { type: 'randint', upper: 4 } });
});

test('what cannot be made portable is listed, and unknown job types are refused', () => {
  const noCode = jobToCli(commandJob, 'jobs/x.yml', { ...lookups(), code: () => undefined });
  assert.match(noCode.leftovers.join('\n'), /its code \(.*codes\/6a8f3c1e.*\) was not exported/);
  assert.match(jobToCli({ name: 'a', properties: { jobType: 'AutoML' } } as unknown as JobBase, 'jobs/a.yml', lookups()).unsupported ?? '', /AutoML/);
  assert.deepEqual(jobReferences(pipelineJob).components, [NAMED_COMPONENT, ANON_COMPONENT]);
  assert.equal(isoDurationSeconds('P1DT30S'), 86430);
});

test('every file written loads in the real Azure ML parser (azure.ai.ml.load_job, load_component)', async () => {
  const out = await scratchDir('jobs-tocli-');
  const files: Record<string, string> = {};
  for (const [job, file] of [
    [commandJob, 'jobs/brave_lemon_1.yml'],
    [pipelineJob, 'jobs/credit_pipeline_1.yml'],
    [sweepJob, 'jobs/sweep_lr_1.yml'],
  ] as const) {
    const cli = jobToCli(job, file, lookups());
    files[file] = cli.yaml;
    for (const c of cli.components) files[c.path] = c.yaml;
  }
  const verdicts = await writeAndLoad(out, files);
  assert.equal(refusals(verdicts), '');
  assert.deepEqual(verdicts.map((v) => v.type).sort(), ['command', 'command', 'pipeline', 'sweep']);
  const pipeline = verdicts.find((v) => v.type === 'pipeline');
  assert.deepEqual(pipeline?.steps, { prep: 'str', train: 'CommandComponent' }, 'the named step stays a reference, the anonymous one is loaded from its file');
});

test('the referee does refuse: the old export’s default_datastore without azureml: is rejected', async () => {
  const out = await scratchDir('jobs-referee-');
  const verdicts = await writeAndLoad(out, {
    'jobs/old.yml': 'type: pipeline\nsettings:\n  default_datastore: workspaceblobstore\njobs:\n  a:\n    type: command\n    component: azureml:prep_credit:1\n',
  });
  assert.equal(verdicts[0].ok, false);
  assert.match(verdicts[0].error ?? '', /default_datastore/);
});
