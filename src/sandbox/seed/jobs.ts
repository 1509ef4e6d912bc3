// The jobs the sandbox seeds, in the shapes the service stores them, with what they refer to: a code asset whose files
// are in the default blob store (`LocalUpload/<hash>/src`), an anonymous environment (CliV2AnonymousEnvironment),
// named components (prep_credit, train_credit) and an anonymous one (azureml_anonymous), and command, sweep and
// pipeline jobs in every status the service reports (Completed, Failed, Canceled, NotResponding, Paused, and one
// Running until its region goes down). `--scale K` adds (K − 1) × 10 jobs (a pipeline with its steps, a sweep, eight
// command jobs per round) sharing that code. Shapes: specs/ Jobs_* examples; azure-ai-ml 1.4.0 `_to_rest_object` of
// pipeline nodes (componentId, computeId, `{job_input_type, value}`, `_source`) and of search spaces (`[type, [args]]`).
import { createHash } from 'node:crypto';
import { addJob } from '../arm/jobs';
import type { StoragePlan } from '../seed';
import { ML, key, systemData, workspaceId, type AssetContainer, type Json, type Region, type World } from '../world';

const DAY = 24 * 3600 * 1000;

/** The code folder every seeded job runs (uploaded as `src/`, as `az ml job create` names a code folder). */
export const SEED_CODE: Record<string, string> = {
  'train.py': 'import argparse\n\nparser = argparse.ArgumentParser()\nparser.add_argument("--data")\nparser.add_argument("--lr", type=float, default=0.1)\nparser.add_argument("--max-depth", type=int, default=6)\nargs = parser.parse_args()\nprint("training on", args.data, args.lr, args.max_depth)\n',
  'prep.py': 'import sys\nprint("preparing", sys.argv[1:])\n',
  'evaluate.py': 'import sys\nprint("evaluating", sys.argv[1:])\n',
  'requirements.txt': 'scikit-learn==1.3.2\nmlflow==2.9.2\npandas==2.1.4\n',
};

const ANONYMOUS_ENV_IMAGE = 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:20240401.v1';
const ANONYMOUS_ENV_CONDA = 'name: credit-inline\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.10\n  - pip:\n    - scikit-learn==1.3.2\n    - mlflow==2.9.2\n';

function guid(text: string): string {
  const h = createHash('md5').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function addVersion(store: Map<string, AssetContainer>, r: Region, kind: 'codes' | 'components' | 'environments', name: string, version: string, props: Json, at: string): string {
  const id = `${workspaceId(r)}/${kind}/${name}/versions/${version}`;
  let c = store.get(key(name));
  if (!c) {
    c = { name, body: { id: `${workspaceId(r)}/${kind}/${name}`, name, type: `${ML}/workspaces/${kind}`, properties: { description: null, tags: {}, properties: {}, isArchived: false }, systemData: systemData(at) }, versions: new Map() };
    store.set(key(name), c);
  }
  c.versions.set(key(version), { id, name: version, type: `${ML}/workspaces/${kind}/versions`, properties: { description: null, tags: {}, properties: {}, isArchived: false, isAnonymous: false, ...props }, systemData: systemData(at) });
  return id;
}

/** The code asset and its blobs; returns its ARM id. */
function seedCode(r: Region, plan: StoragePlan): string {
  const hash = createHash('md5').update(`${r.role}:${JSON.stringify(SEED_CODE)}`).digest('hex');
  const folder = `LocalUpload/${hash}/src`;
  for (const [name, text] of Object.entries(SEED_CODE)) plan.blobs.push({ container: r.blobContainer, name: `${folder}/${name}`, data: Buffer.from(text) });
  const at = new Date(Date.now() - 60 * DAY).toISOString();
  return addVersion(r.codes, r, 'codes', guid(`code:${r.role}`), '1', { codeUri: `https://${r.storageAccount}.blob.core.windows.net/${r.blobContainer}/${folder}`, isAnonymous: true }, at);
}

interface Refs {
  workspace: string;
  code: string;
  env: (name: string) => string;
  compute: (name: string) => string;
  anonymousEnv: string;
  components: { prep: string; train: string; evaluate: string };
}

function seedReferences(r: Region, plan: StoragePlan): Refs {
  const ws = workspaceId(r);
  const at = new Date(Date.now() - 50 * DAY).toISOString();
  const code = seedCode(r, plan);
  const env = (name: string) => `${ws}/environments/${name}/versions/1`;
  const anonymousEnv = addVersion(r.environments, r, 'environments', 'CliV2AnonymousEnvironment', createHash('md5').update(ANONYMOUS_ENV_IMAGE + ANONYMOUS_ENV_CONDA).digest('hex'), { image: ANONYMOUS_ENV_IMAGE, condaFile: ANONYMOUS_ENV_CONDA, osType: 'Linux', isAnonymous: true }, at);
  const spec = (name: string, version: string, command: string, inputs: Json, outputs: Json, environment: string): Json => ({
    $schema: 'https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json',
    name,
    version,
    display_name: name,
    type: 'command',
    is_deterministic: true,
    inputs,
    outputs,
    command,
    code: `azureml:${code}`,
    environment: `azureml:${environment}`,
  });
  const prep = addVersion(r.components, r, 'components', 'prep_credit', '1', { componentSpec: spec('prep_credit', '1', 'python prep.py ${{inputs.raw}} ${{outputs.clean}}', { raw: { type: 'uri_folder' } }, { clean: { type: 'uri_folder' } }, env('sklearn-env')) }, at);
  let train = '';
  for (const v of ['1', '2', '3']) {
    train = addVersion(r.components, r, 'components', 'train_credit', v, {
      componentSpec: spec('train_credit', v, 'python train.py --data ${{inputs.data}} --max-depth ${{inputs.max_depth}}', { data: { type: 'uri_folder' }, max_depth: { type: 'integer', default: 6 } }, { model: { type: 'mlflow_model' } }, env('sklearn-env')),
    }, at);
  }
  const evaluateSpec = spec('evaluate_credit', '1', 'python evaluate.py ${{inputs.model}} ${{outputs.report}}', { model: { type: 'mlflow_model' } }, { report: { type: 'uri_folder' } }, anonymousEnv);
  const evaluateVersion = guid(JSON.stringify(evaluateSpec));
  const evaluate = addVersion(r.components, r, 'components', 'azureml_anonymous', evaluateVersion, { componentSpec: { ...evaluateSpec, version: evaluateVersion, _source: 'YAML.JOB' }, isAnonymous: true }, at);
  return { workspace: ws, code, env, compute: (name) => `${ws}/computes/${name}`, anonymousEnv, components: { prep, train, evaluate } };
}

const TRAINING_DATA = { jobInputType: 'uri_folder', mode: 'ReadOnlyMount', uri: 'azureml://datastores/workspaceblobstore/paths/data/credit/', description: null };

function commandJob(refs: Refs, displayName: string, experimentName: string, command: string, env: string, compute: string, extra: Json = {}): Json {
  return {
    jobType: 'Command',
    displayName,
    experimentName,
    description: `${displayName} (${experimentName})`,
    command,
    codeId: refs.code,
    environmentId: env,
    computeId: refs.compute(compute),
    resources: { instanceCount: 1, properties: {} },
    limits: { jobLimitsType: 'Command', timeout: 'PT2H' },
    inputs: { training_data: TRAINING_DATA },
    outputs: { model_output: { jobOutputType: 'mlflow_model', mode: 'ReadWriteMount', uri: null, description: null } },
    environmentVariables: {},
    distribution: null,
    ...extra,
  };
}

function pipelineJob(refs: Refs, displayName: string): Json {
  const literal = (value: string) => ({ job_input_type: 'literal', value });
  return {
    jobType: 'Pipeline',
    displayName,
    experimentName: 'credit-default',
    description: 'Prep, train and evaluate.',
    computeId: null,
    settings: { default_compute: refs.compute('cpu-cluster'), default_datastore: `${refs.workspace}/datastores/workspaceblobstore`, continue_on_step_failure: false, _source: 'YAML.JOB' },
    inputs: { raw_data: TRAINING_DATA, max_depth: { jobInputType: 'literal', value: '8', description: null } },
    outputs: { model: { jobOutputType: 'mlflow_model', mode: 'ReadWriteMount', uri: null, description: null } },
    jobs: {
      prep: { name: 'prep', type: 'command', componentId: refs.components.prep, computeId: null, _source: 'REMOTE.WORKSPACE.COMPONENT', properties: {}, tags: {}, inputs: { raw: literal('${{parent.inputs.raw_data}}') }, outputs: {} },
      train: {
        name: 'train',
        type: 'command',
        componentId: refs.components.train,
        computeId: null,
        _source: 'REMOTE.WORKSPACE.COMPONENT',
        properties: {},
        tags: {},
        inputs: { data: literal('${{parent.jobs.prep.outputs.clean}}'), max_depth: literal('${{parent.inputs.max_depth}}') },
        outputs: { model: { type: 'literal', value: '${{parent.outputs.model}}' } },
      },
      evaluate: {
        name: 'evaluate',
        type: 'command',
        componentId: refs.components.evaluate,
        computeId: refs.compute('cpu-cluster'),
        _source: 'YAML.JOB',
        properties: {},
        tags: {},
        inputs: { model: literal('${{parent.jobs.train.outputs.model}}') },
        outputs: {},
        resources: { instance_count: 1 },
      },
    },
  };
}

function sweepJob(refs: Refs, displayName: string): Json {
  return {
    jobType: 'Sweep',
    displayName,
    experimentName: 'credit-default',
    description: 'Learning rate and depth search.',
    computeId: refs.compute('cpu-cluster'),
    samplingAlgorithm: { samplingAlgorithmType: 'Random' },
    searchSpace: { lr: ['uniform', [0.01, 0.3]], max_depth: ['choice', [[3, 6, 9]]] },
    objective: { goal: 'Maximize', primaryMetric: 'auc' },
    earlyTermination: { policyType: 'Bandit', evaluationInterval: 1, delayEvaluation: 2, slackFactor: 0.1 },
    limits: { jobLimitsType: 'Sweep', maxTotalTrials: 12, maxConcurrentTrials: 3, timeout: 'PT2H', trialTimeout: 'PT20M' },
    trial: {
      command: 'python train.py --data ${{inputs.training_data}} --lr ${{search_space.lr}} --max-depth ${{search_space.max_depth}}',
      codeId: refs.code,
      environmentId: refs.env('sklearn-env'),
      environmentVariables: {},
      resources: { instanceCount: 1 },
    },
    inputs: { training_data: TRAINING_DATA },
    outputs: {},
  };
}

type End = 'Completed' | 'Failed' | 'Canceled' | 'NotResponding' | 'Paused';

function add(r: Region, name: string, daysAgo: number, props: Json, end: End, runMinutes = 20, tags: Record<string, string> = {}): void {
  const submittedAt = Date.now() - daysAgo * DAY;
  const held = end === 'NotResponding' || end === 'Paused';
  addJob(r, name, props, {
    submittedAt,
    queuedMs: 60_000,
    runMs: held ? undefined : runMinutes * 60_000,
    finalStatus: held ? undefined : end,
    heldStatus: held ? end : undefined,
    endedAt: held ? undefined : submittedAt + 60_000 + runMinutes * 60_000,
  }, tags);
}

/** Both workspaces' jobs and what they refer to; the primary gets (scale − 1) × 10 more. */
export function seedJobs(world: World, plan: StoragePlan, scale: number): void {
  const p = world.regions.primary;
  const s = world.regions.secondary;
  const refs = seedReferences(p, plan);
  const train = 'python train.py --data ${{inputs.training_data}} --output ${{outputs.model_output}}';
  const sklearn = refs.env('sklearn-env');
  add(p, 'train_credit_default_1', 45, commandJob(refs, 'train-credit-default', 'credit-default', train, sklearn, 'cpu-cluster'), 'Completed');
  add(p, 'train_credit_default_2', 30, commandJob(refs, 'train-credit-default', 'credit-default', `${train} --n-estimators 400`, sklearn, 'cpu-cluster'), 'Completed');
  add(p, 'train_credit_inline_env', 25, commandJob(refs, 'train-credit-inline-env', 'credit-default', train, refs.anonymousEnv, 'cpu-cluster'), 'Completed');
  add(p, 'credit_pipeline_1', 20, pipelineJob(refs, 'credit-pipeline'), 'Completed', 45);
  add(p, 'sweep_credit_lr', 15, sweepJob(refs, 'sweep-credit-lr'), 'Completed', 90);
  add(p, 'finetune_sentiment_1', 12, commandJob(refs, 'finetune-sentiment', 'sentiment', 'python finetune.py --epochs 3', refs.env('pytorch-env'), 'gpu-cluster', { resources: { instanceCount: 2, instanceType: 'STANDARD_NC6S_V3' } }), 'Completed', 180);
  add(p, 'train_churn_broken', 8, commandJob(refs, 'train-churn', 'churn', 'python train_churn.py --lr 0.3', sklearn, 'cpu-cluster'), 'Failed', 3);
  add(p, 'score_batch_canceled', 6, commandJob(refs, 'score-batch', 'churn', 'python score.py', refs.env('inference-env'), 'cpu-cluster'), 'Canceled', 5);
  add(p, 'features_nightly_stuck', 2, commandJob(refs, 'features-nightly', 'features', 'python features.py', sklearn, 'cpu-cluster'), 'NotResponding');
  add(p, 'batch_score_paused', 1, commandJob(refs, 'batch-score', 'churn', 'python score.py --batch', refs.env('inference-env'), 'cpu-cluster'), 'Paused');
  let n = 0;
  for (let k = 1; k < scale; k++) {
    for (let i = 0; i < 10; i++) {
      const name = `synthetic_job_${++n}`;
      const props = i === 0 ? pipelineJob(refs, `synthetic-pipeline-${n}`) : i === 1 ? sweepJob(refs, `synthetic-sweep-${n}`) : commandJob(refs, `synthetic-${n}`, 'synthetic', 'python train.py', sklearn, 'cpu-cluster');
      add(p, name, 3, props, 'Completed', 10, { synthetic: 'true' });
    }
  }
  // Runs until its region goes down (then it stops, and ends Failed when the region heals).
  addJob(p, 'train_sentiment_nightly', commandJob(refs, 'train-sentiment-nightly', 'sentiment', 'python finetune.py --epochs 10', refs.env('pytorch-env'), 'gpu-cluster'), { submittedAt: Date.now() - 3_600_000, queuedMs: 120_000 }, { schedule: 'nightly' });

  // The secondary: its own copy of the code and one finished job.
  const secondary: Refs = { ...refs, workspace: workspaceId(s), code: seedCode(s, plan), env: (name) => `${workspaceId(s)}/environments/${name}/versions/1`, compute: (name) => `${workspaceId(s)}/computes/${name}` };
  add(s, 'train_credit_default_1', 45, commandJob(secondary, 'train-credit-default', 'credit-default', train, secondary.env('sklearn-env'), 'cpu-cluster'), 'Completed');
}
