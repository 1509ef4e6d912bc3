// The sample project the sandbox writes into DIR: the pair file pointing at the sandbox, a workspace config file, and
// job YAMLs as real projects have them (some with hardcoded workspace references). It never overwrites a user's
// file: the pair file is rewritten only when the sandbox wrote it, other files only when absent.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { writeFileAtomic } from '../common/atomicWrite';
import { UserError } from '../common/errors';
import { PAIR_FILE_NAME } from '../pair/pairFile';
import { KNOWN_CLOUDS } from '../azure/cloud';
import { TRAIN_PY } from './seed';
import { workspaceId, type Region, type World } from './world';

export const PAIR_FILE_MARKER = '# Written by `aml-failover sandbox`';

export interface SandboxEndpoints {
  armUrl: string;
  caFile: string;
  tokenFile: string;
  /** The storage-scoped token (audience https://storage.azure.com/), as Azure Storage takes only such a token. */
  storageTokenFile: string;
  /** Per storage account: blob and file endpoints. */
  storage: Record<string, { blob: string; file: string }>;
}

/** Refuses a DIR whose aml-failover.yaml the sandbox did not write (unless forced). */
export async function checkProjectDir(dir: string, force: boolean): Promise<void> {
  const file = path.join(dir, PAIR_FILE_NAME);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return;
  }
  if (!text.startsWith(PAIR_FILE_MARKER) && !force) {
    throw new UserError(`${file} exists and was not written by the sandbox; the sandbox would replace it. Use another --project folder, or --force to replace it.`, 'usage');
  }
}

export function pairFileText(world: World, ep: SandboxEndpoints): string {
  const ref = (r: Region) => ({ subscription_id: r.subscriptionId, resource_group: r.resourceGroup, workspace_name: r.workspaceName, region: r.location });
  const doc = {
    workspaces: { primary: ref(world.regions.primary), secondary: ref(world.regions.secondary) },
    availability: { inference: 'hot/hot', training: 'hot/cold' },
    cloud: { name: 'sandbox', resourceManager: ep.armUrl, armScope: KNOWN_CLOUDS.AzureCloud.armScope, caFile: ep.caFile, tokenFile: ep.tokenFile, storageTokenFile: ep.storageTokenFile, storage: ep.storage },
  };
  return `${PAIR_FILE_MARKER} for its local cloud; rewritten on each start. Remove this line to keep it as your own.\n${stringify(doc, { lineWidth: 0 })}`;
}

/** Writes the pair file and (when absent) the sample project files. Returns the paths written. */
export async function writeProject(dir: string, world: World, ep: SandboxEndpoints, notebooks: { name: string; data: Buffer }[]): Promise<string[]> {
  const written: string[] = [];
  await writeFileAtomic(path.join(dir, PAIR_FILE_NAME), pairFileText(world, ep));
  written.push(PAIR_FILE_NAME);
  const p = world.regions.primary;
  const s = world.regions.secondary;
  const files: Record<string, string | Buffer> = {
    '.azureml/config.json': JSON.stringify({ subscription_id: p.subscriptionId, resource_group: p.resourceGroup, workspace_name: p.workspaceName }, null, 2) + '\n',
    '.gitignore': '.aml-failover/\n__pycache__/\n',
    'src/train.py': TRAIN_PY,
    'jobs/train-credit.yml': `$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
# Portable: follows whichever workspace .azureml/config.json points at.
type: command
display_name: train-credit-default
experiment_name: credit-default
code: ../src
command: >-
  python train.py --data \${{inputs.training_data}} --output \${{outputs.model_output}}
environment: azureml:sklearn-env:1
compute: azureml:cpu-cluster
inputs:
  training_data:
    type: uri_folder
    path: azureml://datastores/workspaceblobstore/paths/data/credit/
outputs:
  model_output:
    type: mlflow_model
`,
    'jobs/train-credit-pinned.yml': `$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
# Copied from Studio: pinned to the primary workspace, so it breaks on failover.
type: command
display_name: train-credit-default-pinned
experiment_name: credit-default
code: ../src
command: python train.py --data \${{inputs.training_data}} --output \${{outputs.model_output}}
environment: azureml:${workspaceId(p)}/environments/sklearn-env/versions/2
compute: ${workspaceId(p)}/computes/cpu-cluster
inputs:
  training_data:
    type: uri_folder
    path: azureml://subscriptions/${p.subscriptionId}/resourcegroups/${p.resourceGroup}/workspaces/${p.workspaceName}/datastores/workspaceblobstore/paths/UI/2024-03-11_101530_UTC/credit/
outputs:
  model_output:
    type: mlflow_model
`,
    'jobs/finetune-sentiment.yml': `$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
type: command
display_name: finetune-sentiment
experiment_name: sentiment
code: ../src
command: python finetune.py --epochs 3
environment: azureml:pytorch-env@latest
compute: azureml:gpu-cluster
resources:
  instance_count: 2
`,
    'jobs/credit-pipeline.yml': `$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json
type: pipeline
display_name: credit-pipeline
experiment_name: credit-default
settings:
  default_compute: azureml:cpu-cluster
  default_datastore: azureml:workspaceblobstore
jobs:
  train:
    type: command
    code: ../src
    command: python train.py --data \${{inputs.data}} --output \${{outputs.model}}
    environment: azureml:sklearn-env:2
    inputs:
      data:
        type: uri_folder
        # Pinned to the primary's storage account:
        path: https://${p.storageAccount}.blob.core.windows.net/${p.blobContainer}/data/credit/
    outputs:
      model:
        type: mlflow_model
`,
    'jobs/score-batch.yml': `$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
type: command
display_name: score-batch
experiment_name: churn
code: ../src
command: python score.py --model \${{inputs.model}}
# The secondary's model, pinned by region and workspace id:
environment: azureml:inference-env:1
compute: azureml:cpu-cluster
inputs:
  model:
    type: custom_model
    path: azureml://locations/${s.location}/workspaces/${s.workspaceGuid}/models/churn-classifier/versions/1
`,
    'environments/sklearn-env.yml': `$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json
name: sklearn-env
version: "2"
image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:20240709.v1
conda_file: sklearn-env.conda.yml
`,
    'environments/sklearn-env.conda.yml': 'name: sklearn-env\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n  - pip\n  - pip:\n    - scikit-learn==1.3.2\n    - pandas==2.1.4\n    - mlflow==2.8.1\n',
    'models/credit-default.yml': `$schema: https://azuremlschemas.azureedge.net/latest/model.schema.json
name: credit-default
version: "3"
type: mlflow_model
path: azureml://datastores/workspaceblobstore/paths/models/credit-default/3/
description: Gradient-boosted credit default classifier (MLflow).
`,
  };
  for (const nb of notebooks) files[`notebooks/${nb.name}`] = nb.data;
  for (const [rel, data] of Object.entries(files)) {
    const file = path.join(dir, rel);
    await fs.mkdir(path.dirname(file), { recursive: true });
    try {
      await fs.writeFile(file, data, { flag: 'wx' });
      written.push(rel);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return written;
}
