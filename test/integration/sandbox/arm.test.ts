// The sandbox's ARM endpoint through the real @azure/arm-machinelearning client, over HTTPS with the sandbox's CA
// and token, exactly as a user's script would use it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AzureMachineLearningWorkspaces, type ModelVersion } from '@azure/arm-machinelearning';
import { createPipelineRequest } from '@azure/core-rest-pipeline';
import { startSandbox, type RunningSandbox } from '../../support/sandbox';

let sb: RunningSandbox;

function client(options: { token?: string | null; retries?: number } = {}): AzureMachineLearningWorkspaces {
  const token = options.token === undefined ? sb.token : options.token;
  const credential = { getToken: async () => ({ token: token ?? 'not-a-token', expiresOnTimestamp: Date.now() + 3_600_000 }) };
  return new AzureMachineLearningWorkspaces(credential, sb.primary.subscription_id, {
    endpoint: sb.armUrl,
    credentialScopes: ['https://management.azure.com/.default'],
    tlsOptions: { ca: sb.ca },
    retryOptions: { maxRetries: options.retries ?? 0 },
  });
}

async function all<T>(iter: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iter) out.push(x);
  return out;
}

/** The raw HTTP answer for a path, through the client's own pipeline (so TLS and the token are the SDK's). */
async function raw(path: string, init: { method?: 'GET' | 'PUT' | 'POST'; body?: string; token?: string | null } = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const c = client({ token: init.token });
  const request = createPipelineRequest({ url: `${sb.armUrl}${path}`, method: init.method ?? 'GET', body: init.body, tlsSettings: { ca: sb.ca } });
  request.headers.set('content-type', 'application/json');
  const res = await c.sendRequest(request);
  return { status: res.status, body: res.bodyAsText ? (JSON.parse(res.bodyAsText) as Record<string, unknown>) : {} };
}

const ws = () => [sb.primary.resource_group, sb.primary.workspace_name] as const;

describe('sandbox ARM through @azure/arm-machinelearning', () => {
  before(async () => {
    sb = await startSandbox({ largeModelMb: 2, pageSize: 2, jobSeconds: 2 });
  });
  after(async () => {
    await sb?.stop();
  });

  it('gets and lists both workspaces with their associated resources', async () => {
    const c = client();
    const p = await c.workspaces.get(...ws());
    assert.equal(p.name, sb.primary.workspace_name);
    assert.equal(p.location, sb.primary.region);
    assert.equal(p.provisioningState, 'Succeeded');
    assert.match(p.storageAccount ?? '', /\/providers\/Microsoft\.Storage\/storageAccounts\/\w+$/);
    assert.match(p.keyVault ?? '', /Microsoft\.KeyVault\/vaults\//);
    const s = await all(c.workspaces.listByResourceGroup(sb.secondary.resource_group));
    assert.deepEqual(s.map((w) => w.name), [sb.secondary.workspace_name]);
    // ARM GET of associated resources answers like the resource providers do.
    for (const id of [p.storageAccount, p.keyVault, p.containerRegistry, p.applicationInsights]) {
      const r = await raw(`${id}?api-version=2023-01-01`);
      assert.equal(r.status, 200, id);
      assert.equal(String(r.body.id).toLowerCase(), String(id).toLowerCase());
    }
  });

  it('lists datastores and returns the account key', async () => {
    const c = client();
    const stores = await all(c.datastores.list(...ws()));
    const names = stores.map((d) => d.name).sort();
    assert.deepEqual(names, ['workspaceartifactstore', 'workspaceblobstore', 'workspacefilestore', 'workspaceworkingdirectory']);
    const wd = await c.datastores.get(...ws(), 'workspaceworkingdirectory');
    assert.equal(wd.properties.datastoreType, 'AzureFile');
    assert.match((wd.properties as { fileShareName?: string }).fileShareName ?? '', /^code-/);
    const secrets = await c.datastores.listSecrets(...ws(), 'workspaceblobstore');
    assert.equal(secrets.secretsType, 'AccountKey');
    assert.ok(((secrets as { key?: string }).key ?? '').length > 40);
  });

  it('pages through models with nextLink (page size 2) and reads versions', async () => {
    const c = client();
    const containers = await all(c.modelContainers.list(...ws()));
    assert.ok(containers.length >= 4, `expected several models, got ${containers.length}`);
    assert.equal(new Set(containers.map((m) => m.name)).size, containers.length, 'no page repeated');
    const versions = await all(c.modelVersions.list(...ws(), 'credit-default'));
    assert.deepEqual(versions.map((v) => v.name).sort(), ['1', '2', '3']);
    const v3 = await c.modelVersions.get(...ws(), 'credit-default', '3');
    assert.equal(v3.properties.modelType, 'mlflow_model');
    assert.match(v3.properties.modelUri ?? '', /^azureml:\/\/subscriptions\/.+\/datastores\/workspaceblobstore\/paths\/LocalUpload\//);
    // The secondary is a partial copy: credit-default lacks v3.
    const secondary = await all(c.modelVersions.list(sb.secondary.resource_group, sb.secondary.workspace_name, 'credit-default'));
    assert.deepEqual(secondary.map((v) => v.name).sort(), ['1', '2']);
  });

  it('creates a model version, answers 409 for a conflicting one, 404 for a missing one', async () => {
    const c = client();
    const body: ModelVersion = { properties: { modelType: 'custom_model', modelUri: 'azureml://datastores/workspaceblobstore/paths/models/new/', description: 'replicated', tags: { copied: 'yes' } } };
    const created = await c.modelVersions.createOrUpdate(sb.secondary.resource_group, sb.secondary.workspace_name, 'fraud-detector', '1', body);
    assert.equal(created.name, '1');
    assert.equal(created.properties.description, 'replicated');
    const again = await c.modelVersions.createOrUpdate(sb.secondary.resource_group, sb.secondary.workspace_name, 'fraud-detector', '1', body);
    assert.equal(again.properties.modelUri, body.properties.modelUri);
    await assert.rejects(
      c.modelVersions.createOrUpdate(sb.secondary.resource_group, sb.secondary.workspace_name, 'fraud-detector', '1', { properties: { ...body.properties, modelUri: 'azureml://datastores/x/paths/other/' } }),
      (e: { statusCode?: number; code?: string }) => e.statusCode === 409 && e.code === 'Conflict',
    );
    await assert.rejects(c.modelVersions.get(...ws(), 'no-such-model', '1'), (e: { statusCode?: number; code?: string }) => e.statusCode === 404 && e.code === 'ResourceNotFound');
  });

  it('lists and creates environments', async () => {
    const c = client();
    const envs = await all(c.environmentContainers.list(...ws()));
    assert.ok(envs.some((e) => e.name === 'sklearn-env'));
    const v = await c.environmentVersions.get(...ws(), 'sklearn-env', '2');
    assert.match(v.properties.image ?? '', /^mcr\.microsoft\.com\//);
    assert.match(v.properties.condaFile ?? '', /scikit-learn/);
    const created = await c.environmentVersions.createOrUpdate(sb.secondary.resource_group, sb.secondary.workspace_name, 'pytorch-env', '1', { properties: { image: 'mcr.microsoft.com/azureml/curated/acpt-pytorch-2.2-cuda12.1:12' } });
    assert.equal(created.name, '1');
    const listed = await all(c.environmentVersions.list(sb.secondary.resource_group, sb.secondary.workspace_name, 'pytorch-env'));
    assert.deepEqual(listed.map((x) => x.name), ['1']);
  });

  it('lists computes and jobs; a submitted job moves NotStarted → … → Running → Completed; a reused name is refused', async () => {
    const c = client();
    const computes = await all(c.computeOperations.list(...ws()));
    assert.deepEqual(computes.map((x) => x.name).sort(), ['ci-alice', 'cpu-cluster', 'gpu-cluster']);
    const jobs = await all(c.jobs.list(...ws()));
    const statuses = new Map(jobs.map((j) => [j.name, j.properties.status]));
    assert.equal(statuses.get('train_sentiment_nightly'), 'Running');
    assert.equal(statuses.get('train_credit_default_1'), 'Completed');
    const submitted = await c.jobs.createOrUpdate(sb.secondary.resource_group, sb.secondary.workspace_name, 'resubmitted_1', {
      properties: { jobType: 'Command', command: 'python train.py', environmentId: 'azureml:sklearn-env:1', computeId: 'cpu-cluster' },
    });
    assert.equal(submitted.properties.status, 'NotStarted');
    const seen = new Set<string>();
    for (;;) {
      const j = await c.jobs.get(sb.secondary.resource_group, sb.secondary.workspace_name, 'resubmitted_1');
      seen.add(j.properties.status ?? '');
      if (j.properties.status === 'Completed') break;
      await new Promise((r) => setTimeout(r, 200)); // polling a status that changes over time, as a user's script does
    }
    assert.ok(seen.has('Running'), `saw ${[...seen].join(', ')}`);
    await assert.rejects(
      c.jobs.createOrUpdate(sb.secondary.resource_group, sb.secondary.workspace_name, 'resubmitted_1', { properties: { jobType: 'Command', command: 'x', environmentId: 'e', computeId: 'c' } }),
      (e: { statusCode?: number; code?: string; details?: { error?: { innerError?: { code?: string } } } }) => e.statusCode === 400 && e.code === 'UserError' && e.details?.error?.innerError?.code === 'JobPropertyImmutable',
    );
  });

  it('runs diagnose as a long-running operation to completion', async () => {
    const c = client();
    const result = await c.workspaces.beginDiagnoseAndWait(...ws(), { parameters: { value: {} }, updateIntervalInMs: 200 });
    assert.ok(Array.isArray(result.value?.storageAccountResults));
    assert.equal(result.value?.storageAccountResults?.[0]?.level, 'Information');
  });

  it('refuses requests without the issued token (401 with an ARM error body)', async () => {
    await assert.rejects(client({ token: 'forged' }).workspaces.get(...ws()), (e: { statusCode?: number; code?: string }) => e.statusCode === 401 && e.code === 'InvalidAuthenticationToken');
    const noAuth = await fetchNoAuth(`/subscriptions/${sb.primary.subscription_id}/resourceGroups/${sb.primary.resource_group}?api-version=2022-10-01`);
    assert.equal(noAuth.status, 401);
    assert.equal((noAuth.body.error as { code: string }).code, 'AuthenticationFailed');
  });
});

async function fetchNoAuth(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const https = await import('node:https');
  return new Promise((resolve, reject) => {
    https
      .get(`${sb.armUrl}${path}`, { ca: sb.ca }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
      })
      .on('error', reject);
  });
}
