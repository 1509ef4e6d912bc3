// What training jobs leave behind in a real workspace, and the models registered from it:
// - every job's `default` output, `azureml://datastores/workspaceartifactstore/ExperimentRun/dcid.<job>` (the URI
//   Jobs_Get returns for it; azure-ai-ml's job download reads the same prefix), and its named outputs with their
//   URIs — `azureml://datastores/workspaceblobstore/paths/azureml/<job>/<output>/`, the default path azure-ai-ml
//   gives an output without one (`${{default_datastore}}/paths/azureml/${{name}}/${{output_name}}/`);
// - the artifacts under `ExperimentRun/dcid.<job>/` in the workspace artifact store (container `azureml` of the
//   workspace's storage account): logs and MLflow model folders as `mlflow.sklearn.log_model(…, "model")` writes them;
// - model versions registered from `azureml://jobs/<job>/outputs/artifacts/paths/model/`, from `runs:/<run>/model`
//   and from a named output, `azureml://jobs/<job>/outputs/model_output/paths/checkpoint-final/` — the forms
//   azure-ai-ml's `Model(path=…)` accepts (its `_model_operations` resolves them through the job).
// Job artifacts are uploaded in blocks (Put Block List) without a Content-MD5, as the service's and MLflow's large
// uploads are; the named output's weights are as large as the sandbox's large model.
import { createHash } from 'node:crypto';
import { mlflowFiles, pseudo, type SeedOptions, type StoragePlan } from '../seed';
import { ML, key, systemData, workspaceId, type AssetContainer, type Json, type Region, type World } from '../world';

export const ARTIFACT_DATASTORE = 'workspaceartifactstore';

/** The default output of a job: its artifact folder in the artifact store. */
export const defaultOutputUri = (job: string) => `azureml://datastores/${ARTIFACT_DATASTORE}/ExperimentRun/dcid.${job}`;
/** Where a named output without a path of its own lands. */
export const namedOutputUri = (job: string, output: string) => `azureml://datastores/workspaceblobstore/paths/azureml/${job}/${output}/`;

const DAY = 24 * 3600 * 1000;

export function seedJobArtifacts(world: World, plan: StoragePlan, opts: SeedOptions): void {
  for (const r of Object.values(world.regions)) giveJobsTheirOutputs(r);
  const p = world.regions.primary;
  const artifacts = (job: string, files: Record<string, Buffer>) => {
    for (const [name, data] of Object.entries(files)) {
      plan.blobs.push({ container: p.artifactContainer, account: p.storageAccount, name: `ExperimentRun/dcid.${job}/${name}`, data, withoutContentMD5: true });
    }
  };
  for (const [job, v] of [['train_credit_default_1', 4], ['train_credit_default_2', 5]] as const) {
    artifacts(job, {
      ...prefixed('model/', mlflowFiles(`${job}-model`, v)),
      'user_logs/std_log.txt': Buffer.from(`Loading data from /mnt/azureml/cr/j/${job}/cap/data-capability/wd/INPUT_training_data\nTraining GradientBoostingClassifier\nauc=0.9${v}\n`),
      'system_logs/lifecycler/execution-wrapper.log': Buffer.from(`${job}: execution wrapper finished\n`),
      'outputs/metrics.json': Buffer.from(JSON.stringify({ auc: 0.9 + v / 100, accuracy: 0.88 }, null, 2)),
    });
  }
  // The fine-tuning job's named output: a checkpoint folder with large weights (block upload, no Content-MD5).
  const checkpoint = 'azureml/finetune_sentiment_1/model_output/checkpoint-final';
  plan.blobs.push({ container: p.blobContainer, name: `${checkpoint}/pytorch_model.bin`, generatedBytes: Math.max(1, Math.round(opts.largeModelMb * 1024 * 1024)), generatedSeed: 'finetune_sentiment_1', withoutContentMD5: true });
  plan.blobs.push({ container: p.blobContainer, name: `${checkpoint}/config.json`, data: Buffer.from(JSON.stringify({ architectures: ['BertForSequenceClassification'], num_labels: 3, finetuned_from: 'sentiment-bert:1' }, null, 2)), withoutContentMD5: true });
  plan.blobs.push({ container: p.blobContainer, name: 'azureml/finetune_sentiment_1/model_output/trainer_state.json', data: Buffer.from('{"epoch": 3.0, "global_step": 4500}\n'), withoutContentMD5: true });
  plan.blobs.push({ container: p.blobContainer, name: 'azureml/finetune_sentiment_1/model_output/checkpoint-final/tokenizer/vocab.txt', data: pseudo('vocab', 2048), withoutContentMD5: true });

  registerModel(p, 'credit-default-mlflow', '1', 'mlflow_model', 'azureml://jobs/train_credit_default_1/outputs/artifacts/paths/model/', 'train_credit_default_1', 44);
  registerModel(p, 'credit-default-mlflow', '2', 'mlflow_model', 'runs:/train_credit_default_2/model', 'train_credit_default_2', 29);
  registerModel(p, 'sentiment-bert-finetuned', '1', 'custom_model', 'azureml://jobs/finetune_sentiment_1/outputs/model_output/paths/checkpoint-final/', 'finetune_sentiment_1', 11);
}

function prefixed(prefix: string, files: Record<string, Buffer>): Record<string, Buffer> {
  return Object.fromEntries(Object.entries(files).map(([k, v]) => [`${prefix}${k}`, v]));
}

/** Every job gets its `default` output; named outputs without a URI get the one the service gives them. */
function giveJobsTheirOutputs(r: Region): void {
  for (const job of r.jobs.values()) {
    const props = job.body.properties as Json;
    const outputs = { ...((props.outputs as Record<string, Json> | undefined) ?? {}) };
    for (const [name, output] of Object.entries(outputs)) {
      if (!output.uri) outputs[name] = { ...output, uri: namedOutputUri(job.name, name) };
    }
    outputs.default = { jobOutputType: 'uri_folder', mode: 'ReadWriteMount', uri: defaultOutputUri(job.name), description: null };
    props.outputs = outputs;
  }
}

function registerModel(r: Region, name: string, version: string, modelType: string, modelUri: string, jobName: string, daysAgo: number): void {
  const ws = workspaceId(r);
  const when = new Date(Date.now() - daysAgo * DAY).toISOString();
  let c: AssetContainer | undefined = r.models.get(key(name));
  if (!c) {
    c = { name, body: { id: `${ws}/models/${name}`, name, type: `${ML}/workspaces/models`, properties: { description: `Registered from job ${jobName}.`, tags: { source: 'job' }, properties: {}, isArchived: false }, systemData: systemData(when) }, versions: new Map() };
    r.models.set(key(name), c);
  }
  c.versions.set(key(version), {
    id: `${ws}/models/${name}/versions/${version}`,
    name: version,
    type: `${ML}/workspaces/models/versions`,
    properties: {
      description: `Registered from the output of job ${jobName}.`,
      tags: { source: 'job' },
      properties: { 'azureml.jobName': jobName, fingerprint: createHash('md5').update(`${name}${version}`).digest('hex') },
      isAnonymous: false,
      isArchived: false,
      flavors: modelType === 'mlflow_model' ? { python_function: { data: { loader_module: 'mlflow.sklearn', python_version: '3.10.12' } }, sklearn: { data: { sklearn_version: '1.3.2' } } } : null,
      modelType,
      modelUri,
      jobName,
    },
    systemData: systemData(when),
  });
}
