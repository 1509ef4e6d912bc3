// The exported YAML is checked against the official CLI v2 JSON schemas (2021, copied with their licence into
// test/fixtures/export/cli-v2-schemas). Those schemas predate a few renames the CLI made before GA; `toSchemaEra`
// maps exactly those fields back (documented in the fixture's SOURCE.md) and everything else is validated as is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import type { EnvironmentVersion, ModelVersion } from '@azure/arm-machinelearning';
import { cliModelType, environmentYaml, isoDurationSeconds, modelYaml } from '../../../src/export/yamlWriters';

const SCHEMAS = path.resolve(__dirname, '../../fixtures/export/cli-v2-schemas');

function validator(kind: string) {
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('date-time', true);
  ajv.addFormat('integer', true);
  ajv.addFormat('float', true);
  return ajv.compile(JSON.parse(readFileSync(path.join(SCHEMAS, `${kind}.schema.json`), 'utf8')));
}

const FORMATS: Record<string, string> = { custom_model: 'custom', mlflow_model: 'mlflow', triton_model: 'triton' };

/** Today's field names → the 2021 schema's (the only differences that matter here). */
function toSchemaEra(kind: string, doc: Record<string, unknown>): Record<string, unknown> {
  const d = structuredClone(doc);
  if (kind === 'model') {
    d.local_path = d.path;
    delete d.path;
    d.model_format = FORMATS[d.type as string];
    delete d.type;
  }
  if (kind === 'environment' && d.build) {
    const b = d.build as Record<string, unknown>;
    b.local_path = b.path;
    delete b.path;
  }
  if (kind === 'commandJob') {
    for (const key of ['inputs', 'outputs']) {
      for (const [name, v] of Object.entries((d[key] ?? {}) as Record<string, unknown>)) {
        if (!v || typeof v !== 'object') continue;
        const io = v as Record<string, unknown>;
        const mapped: Record<string, unknown> = {};
        if (io.path !== undefined) mapped[io.type === 'uri_file' ? 'file' : 'folder'] = io.path;
        if (io.mode !== undefined) mapped.mode = io.mode;
        (d[key] as Record<string, unknown>)[name] = mapped;
      }
    }
  }
  return d;
}

function assertValid(kind: string, yamlText: string): Record<string, unknown> {
  const doc = parse(yamlText) as Record<string, unknown>;
  const validate = validator(kind);
  const ok = validate(toSchemaEra(kind, doc));
  assert.ok(ok, `${kind}: ${JSON.stringify(validate.errors, null, 2)}\n${yamlText}`);
  return doc;
}

const WS = '/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-primary/providers/Microsoft.MachineLearningServices/workspaces/ws-primary';

test('model.yml carries name, version, type, path, description, tags and properties, and fits the schema', () => {
  const model = {
    id: `${WS}/models/credit/versions/3`,
    name: '3',
    properties: {
      description: 'Credit default model',
      tags: { team: 'risk' },
      properties: { auc: '0.91' },
      modelType: 'CustomModel',
      modelUri: 'azureml://datastores/workspaceblobstore/paths/models/credit/3/',
    },
  } as ModelVersion;
  const doc = assertValid('model', modelYaml('credit', '3', model, './model'));
  assert.deepEqual(doc, {
    $schema: 'https://azuremlschemas.azureedge.net/latest/model.schema.json',
    name: 'credit',
    version: 3,
    type: 'custom_model',
    path: './model',
    description: 'Credit default model',
    tags: { team: 'risk' },
    properties: { auc: '0.91' },
  });
  assert.equal(cliModelType('mlflow_model'), 'mlflow_model');
  assert.equal(cliModelType('MLFlowModel'), 'mlflow_model');
  assert.equal(cliModelType(undefined), 'custom_model');
  // Versions that are not plain numbers stay strings.
  assert.equal((parse(modelYaml('m', '01', model, './m')) as { version: unknown }).version, '01');
});

test('environment.yml: image + conda file, or a build context, fits the schema', () => {
  const env = { properties: { image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04', condaFile: 'name: x', osType: 'Linux', tags: { a: 'b' }, description: 'train env' } } as EnvironmentVersion;
  const doc = assertValid('environment', environmentYaml('sklearn', '2', env, { condaFile: 'conda.yaml' }));
  assert.deepEqual(doc, {
    $schema: 'https://azuremlschemas.azureedge.net/latest/environment.schema.json',
    name: 'sklearn',
    version: 2,
    image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04',
    conda_file: 'conda.yaml',
    os_type: 'linux',
    description: 'train env',
    tags: { a: 'b' },
  });
  const built = { properties: { build: { contextUri: 'https://acct.blob.core.windows.net/c/ctx/', dockerfilePath: 'Dockerfile' } } } as EnvironmentVersion;
  const b = assertValid('environment', environmentYaml('docker-env', '1', built, { buildPath: './context' }));
  assert.deepEqual(b.build, { path: './context', dockerfile_path: 'Dockerfile' });
  assert.equal(b.image, undefined);
});

test('ISO 8601 durations become seconds', () => {
  assert.equal(isoDurationSeconds('PT1H'), 3600);
  assert.equal(isoDurationSeconds('P1DT30S'), 86430);
  assert.equal(isoDurationSeconds('soon'), undefined);
});

test('the schema check itself rejects what the CLI would reject', () => {
  assert.equal(validator('model')({ name: 'm', colour: 'red' }), false);
  assert.equal(validator('commandJob')({ command: 'x', environment: 'azureml:e:1' }), false, 'compute is required');
});
