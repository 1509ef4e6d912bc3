// What the sandbox seeds: a small, realistic ML project in the two workspaces. The primary holds several models
// (multi-file, several versions, one large), environments, computes, finished jobs and one running job, and
// notebooks under Users/<alias>/; the secondary holds a partial, slightly different copy — drift to discover.
import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { seedJobs } from './seed/jobs';
import { seedJobArtifacts } from './seed/jobArtifacts';
import { seedStudioClutter } from './seed/studioClutter';
import { seedDataAssets } from './seed/dataAssets';
import { seedBuildContextEnvironment } from './seed/buildContext';
import { seedKeylessStore } from './seed/keylessStore';
import { ML, key, systemData, workspaceId, type AssetContainer, type Json, type Region, type World } from './world';
import { seedAzureServices } from './seed/azure';
import { addSchedules } from './seed/schedules';

export interface SeedOptions {
  /** Size of the one large model file in MiB. */
  largeModelMb: number;
  /** Extra small notebooks under Users/alice/generated/. */
  notebooks: number;
  /** K× the assets (extra synthetic models, environments, jobs). */
  scale: number;
  /** Hostile blob and file names. */
  hostile: boolean;
  /** Real notebooks (name → bytes) to upload under Users/<alias>/. */
  realNotebooks: { name: string; data: Buffer }[];
}

/** A blob to upload: small ones as bytes, the large model as a deterministic stream. */
export interface BlobSeed {
  container: string;
  name: string;
  /** Hostile names that URL parsers would normalize (`..`, `//`): uploaded with the path sent verbatim. */
  verbatim?: boolean;
  data?: Buffer;
  /** Deterministic generated content of this many bytes. */
  generatedBytes?: number;
  /** Seed of the generated content (default: the large model's). */
  generatedSeed?: string;
  /** The storage account, when the container name alone does not say (`azureml` exists in both). */
  account?: string;
  /** Uploaded in blocks and committed without a Content-MD5, as large and service-side uploads are. */
  withoutContentMD5?: boolean;
}

export interface FileSeed {
  share: string;
  path: string;
  data: Buffer;
}

export interface StoragePlan {
  blobs: BlobSeed[];
  files: FileSeed[];
}

export const ALIASES = ['alice', 'bob'] as const;

const DAY = 24 * 3600 * 1000;
const at = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY).toISOString();

/** Deterministic bytes (AES-256-CTR over zeros with a fixed key): the same model on every run, fast to make. */
export function generatedStream(bytes: number, seed = 'aml-failover-sandbox'): Readable {
  const k = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', k, Buffer.alloc(16));
  const chunk = Buffer.alloc(1024 * 1024);
  let left = bytes;
  return new Readable({
    read() {
      if (left <= 0) return this.push(null);
      const n = Math.min(left, chunk.length);
      left -= n;
      this.push(cipher.update(chunk.subarray(0, n)));
    },
  });
}

interface ModelSpec {
  name: string;
  description: string;
  modelType: 'mlflow_model' | 'custom_model' | 'triton_model';
  tags: Record<string, string>;
  versions: { version: string; files: Record<string, Buffer | number>; description?: string; daysAgo: number }[];
}

export function mlflowFiles(name: string, v: number): Record<string, Buffer> {
  return {
    MLmodel: Buffer.from(
      `artifact_path: model\nflavors:\n  python_function:\n    env:\n      conda: conda.yaml\n      virtualenv: python_env.yaml\n    loader_module: mlflow.sklearn\n    model_path: model.pkl\n    predict_fn: predict\n    python_version: 3.10.12\n  sklearn:\n    code: null\n    pickled_model: model.pkl\n    serialization_format: cloudpickle\n    sklearn_version: 1.3.${v}\nmlflow_version: 2.8.${v}\nmodel_uuid: ${createHash('md5').update(`${name}${v}`).digest('hex')}\nrun_id: ${name}-run-${v}\n`,
    ),
    'conda.yaml': Buffer.from(`channels:\n- conda-forge\ndependencies:\n- python=3.10.12\n- pip<=23.3\n- pip:\n  - mlflow==2.8.${v}\n  - scikit-learn==1.3.${v}\n  - cloudpickle==2.2.1\nname: mlflow-env\n`),
    'python_env.yaml': Buffer.from(`python: 3.10.12\nbuild_dependencies:\n- pip==23.3\ndependencies:\n- -r requirements.txt\n`),
    'requirements.txt': Buffer.from(`mlflow==2.8.${v}\nscikit-learn==1.3.${v}\ncloudpickle==2.2.1\n`),
    'model.pkl': pseudo(`${name}-${v}-pkl`, 24_000 + v * 1000),
  };
}

/** Small deterministic binary content. */
export function pseudo(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(seed).digest();
  for (let i = 0; i < size; i += 32) {
    block.copy(out, i, 0, Math.min(32, size - i));
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

function primaryModels(largeBytes: number): ModelSpec[] {
  return [
    {
      name: 'credit-default',
      description: 'Gradient-boosted credit default classifier (MLflow).',
      modelType: 'mlflow_model',
      tags: { team: 'risk', framework: 'sklearn' },
      versions: [1, 2, 3].map((v) => ({ version: String(v), files: mlflowFiles('credit-default', v), description: `Retrained on data up to 2024-0${v}.`, daysAgo: 60 - v * 15 })),
    },
    {
      name: 'churn-classifier',
      description: 'ONNX churn model used by the retention endpoint.',
      modelType: 'custom_model',
      tags: { team: 'growth', framework: 'onnx' },
      versions: [1, 2].map((v) => ({
        version: String(v),
        files: { 'model.onnx': pseudo(`churn-${v}`, 48_000), 'labels.json': Buffer.from(JSON.stringify({ labels: ['stays', 'churns'], version: v }, null, 2)), 'README.md': Buffer.from(`# churn-classifier v${v}\nInputs: 42 float features. Output: probability of churn.\n`) },
        daysAgo: 40 - v * 10,
      })),
    },
    {
      name: 'sentiment-bert',
      description: 'Fine-tuned BERT sentiment model (PyTorch); the large one.',
      modelType: 'custom_model',
      tags: { team: 'nlp', framework: 'pytorch' },
      versions: [
        {
          version: '1',
          files: {
            'pytorch_model.bin': largeBytes,
            'config.json': Buffer.from(JSON.stringify({ architectures: ['BertForSequenceClassification'], hidden_size: 768, num_labels: 3, model_type: 'bert' }, null, 2)),
            'vocab.txt': Buffer.from(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'movie', 'was', 'great', 'terrible'].join('\n') + '\n'),
          },
          daysAgo: 12,
        },
      ],
    },
    {
      name: 'fraud-detector',
      description: 'Isolation forest for card transactions.',
      modelType: 'custom_model',
      tags: { team: 'risk', framework: 'sklearn' },
      versions: [{ version: '1', files: { 'model.joblib': pseudo('fraud-1', 16_000) }, daysAgo: 5 }],
    },
  ];
}

const ENVIRONMENTS: { name: string; image: string; conda?: string; versions: string[]; description: string }[] = [
  {
    name: 'sklearn-env',
    image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:20240709.v1',
    conda: 'name: sklearn-env\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.10\n  - pip\n  - pip:\n    - scikit-learn==1.3.2\n    - pandas==2.1.4\n    - mlflow==2.8.1\n    - azureml-mlflow==1.54.0\n',
    versions: ['1', '2'],
    description: 'Training environment for the tabular models.',
  },
  {
    name: 'pytorch-env',
    image: 'mcr.microsoft.com/azureml/curated/acpt-pytorch-2.2-cuda12.1:12',
    conda: 'name: pytorch-env\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.10\n  - pip:\n    - transformers==4.38.2\n    - datasets==2.18.0\n',
    versions: ['1'],
    description: 'GPU fine-tuning environment.',
  },
  { name: 'inference-env', image: 'mcr.microsoft.com/azureml/minimal-ubuntu22.04-py39-cpu-inference:20240401.v1', versions: ['1'], description: 'Scoring image for online endpoints.' },
];

/** Fills both workspaces and returns the blobs and files to upload. */
export function seedWorld(world: World, opts: SeedOptions): StoragePlan {
  const plan: StoragePlan = { blobs: [], files: [] };
  const p = world.regions.primary;
  const s = world.regions.secondary;
  for (const r of [p, s]) addDatastoresAndComputes(r);
  seedAzureServices(world);

  const largeBytes = Math.max(1, Math.round(opts.largeModelMb * 1024 * 1024));
  const models = primaryModels(largeBytes);
  for (let k = 1; k < opts.scale; k++) {
    for (let i = 0; i < 4; i++) {
      models.push({
        name: `synthetic-model-${k}-${i}`,
        description: `Synthetic model ${k}.${i} (--scale).`,
        modelType: 'custom_model',
        tags: { synthetic: 'true' },
        versions: [1, 2].map((v) => ({ version: String(v), files: { 'model.bin': pseudo(`syn-${k}-${i}-${v}`, 4096) }, daysAgo: 10 })),
      });
    }
  }
  for (const m of models) {
    for (const v of m.versions) addModelVersion(p, m, v, plan, opts.hostile && m.name === 'credit-default' && v.version === '3');
  }
  // Secondary: a partial copy. credit-default lacks v3; churn-classifier v1 has a different description; the large
  // model and fraud-detector are missing; a model exists only in the secondary.
  for (const m of models) {
    if (m.name === 'credit-default') for (const v of m.versions.slice(0, 2)) addModelVersion(s, m, v, plan, false);
    if (m.name === 'churn-classifier') addModelVersion(s, { ...m }, { ...m.versions[0], description: 'Copied by hand during the 2024 drill.' }, plan, false);
    if (m.name.startsWith('synthetic-model-') && m.name.endsWith('-0')) addModelVersion(s, m, m.versions[0], plan, false);
  }
  addModelVersion(
    s,
    { name: 'legacy-scorer', description: 'Only in the secondary: left over from a manual failover.', modelType: 'custom_model', tags: { team: 'risk' }, versions: [] },
    { version: '1', files: { 'scorer.py': Buffer.from('def score(x):\n    return 0.5\n') }, daysAgo: 200 },
    plan,
    false,
  );

  const envs = [...ENVIRONMENTS];
  for (let k = 1; k < opts.scale; k++) envs.push({ name: `synthetic-env-${k}`, image: `mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:2024010${k % 10}.v1`, versions: ['1'], description: 'Synthetic (--scale).' });
  for (const e of envs) for (const v of e.versions) addEnvironmentVersion(p, e, v);
  addEnvironmentVersion(s, ENVIRONMENTS[0], '1');
  addEnvironmentVersion(s, { ...ENVIRONMENTS[2], image: ENVIRONMENTS[2].image.replace('20240401', '20231101') }, '1');

  seedJobs(world, plan, opts.scale);
  for (const r of [p, s]) addSchedules(r);

  // Notebooks on the primary's share, a few of them copied to the secondary.
  const aliases = ALIASES;
  opts.realNotebooks.forEach((nb, i) => {
    const alias = aliases[i % aliases.length];
    const file = { share: p.fileShare, path: `Users/${alias}/${nb.name}`, data: nb.data };
    plan.files.push(file);
    if (i < 2) plan.files.push({ ...file, share: s.fileShare });
  });
  for (let i = 0; i < opts.notebooks; i++) {
    plan.files.push({ share: p.fileShare, path: `Users/alice/generated/experiment-${String(i + 1).padStart(4, '0')}.ipynb`, data: smallNotebook(i) });
  }
  plan.files.push({ share: p.fileShare, path: 'Users/alice/train.py', data: Buffer.from(TRAIN_PY) });
  if (opts.hostile) addHostile(p, plan);
  seedJobArtifacts(world, plan, opts);
  seedStudioClutter(world, plan, opts);
  seedDataAssets(world, plan);
  seedKeylessStore(world, plan);
  seedBuildContextEnvironment(world, plan);
  return plan;
}

function addDatastoresAndComputes(r: Region): void {
  const ws = workspaceId(r);
  const ds = (name: string, props: Json, isDefault = false) =>
    r.datastores.set(key(name), {
      id: `${ws}/datastores/${name}`,
      name,
      type: `${ML}/workspaces/datastores`,
      properties: {
        description: null,
        tags: {},
        properties: {},
        isDefault,
        credentials: { credentialsType: 'AccountKey', secrets: { secretsType: 'AccountKey' } },
        accountName: r.storageAccount,
        endpoint: 'core.windows.net',
        protocol: 'https',
        ...props,
      },
      systemData: systemData(r.createdAt, 'Azure ML'),
    });
  ds('workspaceblobstore', { datastoreType: 'AzureBlob', containerName: r.blobContainer, serviceDataAccessAuthIdentity: 'None' }, true);
  ds('workspaceartifactstore', { datastoreType: 'AzureBlob', containerName: r.artifactContainer, serviceDataAccessAuthIdentity: 'None' });
  ds('workspaceworkingdirectory', { datastoreType: 'AzureFile', fileShareName: r.fileShare, serviceDataAccessAuthIdentity: 'None' });
  ds('workspacefilestore', { datastoreType: 'AzureFile', fileShareName: r.fileStoreShare, serviceDataAccessAuthIdentity: 'None' });

  const compute = (name: string, props: Json) =>
    r.computes.set(key(name), {
      id: `${ws}/computes/${name}`,
      name,
      type: `${ML}/workspaces/computes`,
      location: r.location,
      properties: { computeLocation: r.location, provisioningState: 'Succeeded', createdOn: r.createdAt, modifiedOn: r.createdAt, isAttachedCompute: false, disableLocalAuth: true, ...props },
      systemData: systemData(r.createdAt),
    });
  compute('cpu-cluster', {
    computeType: 'AmlCompute',
    description: 'CPU training cluster',
    properties: { vmSize: 'STANDARD_DS3_V2', vmPriority: 'Dedicated', osType: 'Linux', scaleSettings: { maxNodeCount: 4, minNodeCount: 0, nodeIdleTimeBeforeScaleDown: 'PT120S' }, currentNodeCount: 0, targetNodeCount: 0, allocationState: 'Steady' },
  });
  if (r.role === 'primary') {
    compute('gpu-cluster', {
      computeType: 'AmlCompute',
      description: 'GPU fine-tuning cluster',
      properties: { vmSize: 'STANDARD_NC6S_V3', vmPriority: 'LowPriority', osType: 'Linux', scaleSettings: { maxNodeCount: 2, minNodeCount: 0, nodeIdleTimeBeforeScaleDown: 'PT300S' }, currentNodeCount: 1, targetNodeCount: 1, allocationState: 'Steady' },
    });
    compute('ci-alice', { computeType: 'ComputeInstance', description: "Alice's compute instance", properties: { vmSize: 'STANDARD_DS11_V2', state: 'Running', applicationSharingPolicy: 'Personal' } });
  }
}

function addModelVersion(r: Region, m: ModelSpec, v: ModelSpec['versions'][number], plan: StoragePlan, hostileNames: boolean): void {
  const hash = createHash('md5').update(`${m.name}/${v.version}`).digest('hex');
  const prefix = `LocalUpload/${hash}/${m.name}`;
  let c: AssetContainer | undefined = r.models.get(key(m.name));
  const ws = workspaceId(r);
  if (!c) {
    c = { name: m.name, body: { id: `${ws}/models/${m.name}`, name: m.name, type: `${ML}/workspaces/models`, properties: { description: m.description, tags: m.tags, properties: {}, isArchived: false }, systemData: systemData(at(v.daysAgo)) }, versions: new Map() };
    r.models.set(key(m.name), c);
  }
  c.versions.set(key(v.version), {
    id: `${ws}/models/${m.name}/versions/${v.version}`,
    name: v.version,
    type: `${ML}/workspaces/models/versions`,
    properties: {
      description: v.description ?? m.description,
      tags: m.tags,
      properties: { fileCount: String(Object.keys(v.files).length) },
      isAnonymous: false,
      isArchived: false,
      flavors: m.modelType === 'mlflow_model' ? { python_function: { data: { loader_module: 'mlflow.sklearn', python_version: '3.10.12' } }, sklearn: { data: { sklearn_version: '1.3.2' } } } : null,
      modelType: m.modelType,
      modelUri: `azureml://subscriptions/${r.subscriptionId}/resourceGroups/${r.resourceGroup}/workspaces/${r.workspaceName}/datastores/workspaceblobstore/paths/${prefix}/`,
      jobName: null,
    },
    systemData: systemData(at(v.daysAgo)),
  });
  for (const [name, content] of Object.entries(v.files)) {
    plan.blobs.push(typeof content === 'number' ? { container: r.blobContainer, name: `${prefix}/${name}`, generatedBytes: content } : { container: r.blobContainer, name: `${prefix}/${name}`, data: content });
  }
  if (hostileNames) {
    // Served as Azure would serve them; a careless downloader would write outside its target folder.
    // (Control characters are seeded on the file share only: Azurite cannot list blobs whose names hold them.)
    for (const name of [`${prefix}/../../../escape.txt`, `${prefix}//etc/passwd`, `/${prefix}/absolute.txt`, `${prefix}/tab\there.txt`, `${prefix}/README.md`, `${prefix}/readme.md`]) {
      plan.blobs.push({ container: r.blobContainer, name, data: Buffer.from(`hostile name: ${JSON.stringify(name)}\n`), verbatim: true });
    }
  }
}

function addEnvironmentVersion(r: Region, e: (typeof ENVIRONMENTS)[number], version: string): void {
  const ws = workspaceId(r);
  let c = r.environments.get(key(e.name));
  if (!c) {
    c = { name: e.name, body: { id: `${ws}/environments/${e.name}`, name: e.name, type: `${ML}/workspaces/environments`, properties: { description: e.description, tags: {}, properties: {}, isArchived: false }, systemData: systemData(at(30)) }, versions: new Map() };
    r.environments.set(key(e.name), c);
  }
  c.versions.set(key(version), {
    id: `${ws}/environments/${e.name}/versions/${version}`,
    name: version,
    type: `${ML}/workspaces/environments/versions`,
    properties: {
      description: e.description,
      tags: { version },
      properties: {},
      isAnonymous: false,
      isArchived: false,
      environmentType: 'UserCreated',
      osType: 'Linux',
      image: e.image,
      condaFile: e.conda ? e.conda.replace('python=3.10', version === '1' ? 'python=3.10' : 'python=3.11') : null,
      ...(e.name === 'inference-env'
        ? { inferenceConfig: { livenessRoute: { path: '/health', port: 5001 }, readinessRoute: { path: '/ready', port: 5001 }, scoringRoute: { path: '/score', port: 5001 } } }
        : {}),
    },
    systemData: systemData(at(30 - Number(version))),
  });
}

function smallNotebook(i: number): Buffer {
  const nb = {
    cells: [
      { cell_type: 'markdown', metadata: {}, source: [`# Experiment ${i + 1}\n`, 'Generated by the sandbox (--notebooks).'] },
      {
        cell_type: 'code',
        execution_count: null,
        metadata: {},
        outputs: [],
        source: ['from azure.ai.ml import MLClient\n', 'from azure.identity import DefaultAzureCredential\n', 'ml_client = MLClient.from_config(credential=DefaultAzureCredential())\n', `print(${i})\n`],
      },
    ],
    metadata: { kernelspec: { display_name: 'Python 3.10 - SDK v2', language: 'python', name: 'python310-sdkv2' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  return Buffer.from(JSON.stringify(nb, null, 1) + '\n');
}

function addHostile(p: Region, plan: StoragePlan): void {
  // Azure Files names are case-insensitive, so case-only pairs are seeded as blobs; here: `..` folders, backslashes,
  // drive-letter and control-character names.
  for (const path of ['Users/alice/../../escape.ipynb', 'Users/alice/..\\..\\evil.ipynb', 'Users/alice/C:\\Windows\\abs.ipynb', 'Users/alice/ctrl\u0001name.ipynb']) {
    plan.files.push({ share: p.fileShare, path, data: Buffer.from(`{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5, "hostile": ${JSON.stringify(path)}}\n`) });
  }
}

export const TRAIN_PY = `import argparse

import mlflow
import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--n-estimators", type=int, default=200)
    args = parser.parse_args()
    df = pd.read_csv(f"{args.data}/credit.csv")
    model = GradientBoostingClassifier(n_estimators=args.n_estimators).fit(df.drop(columns=["default"]), df["default"])
    mlflow.sklearn.save_model(model, args.output)


if __name__ == "__main__":
    main()
`;
