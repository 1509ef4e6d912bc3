// Contract: every REST example body in the project's copy of the spec (src/sandbox/specs/examples) is read by the
// real @azure/arm-machinelearning client without losing the fields the product reads — and the sandbox's own
// answers, captured on the wire, pass the same checks. The SDK is not mocked: its transport hands it the recorded
// example instead of a network answer, and for the sandbox it is the real transport.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { createDefaultHttpClient, createHttpHeaders, type HttpClient, type PipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import { startSandbox, type RunningSandbox } from '../../support/sandbox';

const EXAMPLES = path.resolve(__dirname, '..', '..', '..', 'src', 'sandbox', 'specs', 'examples');

type Kind = 'workspace' | 'datastore' | 'secrets' | 'modelContainer' | 'modelVersion' | 'environmentContainer' | 'environmentVersion' | 'job' | 'compute' | 'diagnose' | 'schedule';

/** The fields the product reads (health, inventory, drift, export, replicate), as raw JSON paths. */
const FIELDS: Record<Kind, string[]> = {
  workspace: ['id', 'name', 'location', 'properties.storageAccount', 'properties.keyVault', 'properties.containerRegistry', 'properties.applicationInsights', 'properties.discoveryUrl', 'properties.provisioningState', 'properties.workspaceId', 'properties.friendlyName', 'properties.mlFlowTrackingUri', 'properties.description', 'systemData.createdAt'],
  datastore: ['id', 'name', 'properties.datastoreType', 'properties.accountName', 'properties.containerName', 'properties.fileShareName', 'properties.endpoint', 'properties.protocol', 'properties.isDefault', 'properties.credentials.credentialsType', 'properties.description', 'properties.tags'],
  secrets: ['secretsType', 'key'],
  modelContainer: ['id', 'name', 'properties.description', 'properties.tags', 'properties.latestVersion', 'properties.nextVersion', 'properties.isArchived', 'systemData.lastModifiedAt'],
  modelVersion: ['id', 'name', 'properties.modelUri', 'properties.modelType', 'properties.description', 'properties.tags', 'properties.properties', 'properties.flavors', 'properties.isAnonymous', 'properties.isArchived', 'properties.jobName', 'systemData.createdAt', 'systemData.createdBy'],
  environmentContainer: ['id', 'name', 'properties.description', 'properties.tags', 'properties.latestVersion'],
  environmentVersion: ['id', 'name', 'properties.image', 'properties.condaFile', 'properties.build', 'properties.environmentType', 'properties.osType', 'properties.description', 'properties.tags', 'properties.inferenceConfig', 'properties.isAnonymous'],
  job: ['id', 'name', 'properties.jobType', 'properties.status', 'properties.displayName', 'properties.experimentName', 'properties.command', 'properties.environmentId', 'properties.computeId', 'properties.codeId', 'properties.inputs', 'properties.outputs', 'properties.description', 'properties.tags', 'properties.properties', 'properties.settings', 'properties.jobs', 'properties.resources.instanceCount', 'properties.resources.instanceType', 'properties.limits', 'properties.environmentVariables', 'systemData.createdAt'],
  compute: ['id', 'name', 'location', 'properties.computeType', 'properties.provisioningState', 'properties.description', 'properties.resourceId', 'properties.computeLocation', 'properties.properties'],
  schedule: ['id', 'name', 'properties.isEnabled', 'properties.displayName', 'properties.description', 'properties.tags', 'properties.trigger', 'properties.action.actionType', 'properties.action.jobDefinition.jobType', 'properties.action.jobDefinition.computeId', 'properties.provisioningState'],
  diagnose: ['value.userDefinedRouteResults', 'value.networkSecurityRuleResults', 'value.resourceLockResults', 'value.dnsResolutionResults', 'value.storageAccountResults', 'value.keyVaultResults', 'value.containerRegistryResults', 'value.applicationInsightsResults', 'value.otherResults'],
};

function at(obj: unknown, dotted: string[]): unknown {
  let x = obj;
  for (const k of dotted) x = x && typeof x === 'object' ? (x as Record<string, unknown>)[k] : undefined;
  return x;
}

/** JSON-comparable form: Dates as ISO strings, no undefined members. */
function plain(x: unknown): unknown {
  return JSON.parse(JSON.stringify(x ?? null, (_k, v: unknown) => (v instanceof Date ? v.toISOString() : v)));
}

/** True when `got` holds everything in `want` (the SDK may add defaults, never drop or change a value). */
function keeps(got: unknown, want: unknown): boolean {
  if (Array.isArray(want)) return Array.isArray(got) && got.length === want.length && want.every((w, i) => keeps(got[i], w));
  if (want && typeof want === 'object') {
    if (!got || typeof got !== 'object') return false;
    return Object.entries(want).every(([k, v]) => v === null || keeps((got as Record<string, unknown>)[k], v));
  }
  return got === want;
}

/** Fields present in the raw body that the SDK's object lost or changed. The SDK flattens Workspace.properties. */
function lost(kind: Kind, raw: Record<string, unknown>, read: unknown): string[] {
  const out: string[] = [];
  for (const field of FIELDS[kind]) {
    const parts = field.split('.');
    const rawValue = at(raw, parts);
    if (rawValue === undefined || rawValue === null) continue;
    const sdkParts = kind === 'workspace' && parts[0] === 'properties' ? parts.slice(1) : parts;
    let want = plain(rawValue);
    const got = plain(at(read, sdkParts));
    if (typeof rawValue === 'string' && /At$/.test(field)) want = new Date(rawValue).toISOString();
    if (!keeps(got, want)) {
      out.push(`${field}: raw ${JSON.stringify(want)?.slice(0, 80)} → SDK ${JSON.stringify(got)?.slice(0, 80)}`);
    }
  }
  return out;
}

/** A transport that answers every request with one recorded example (plus a 202 first for an LRO). */
function replay(body: unknown, lro = false): HttpClient {
  let calls = 0;
  return {
    async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      calls++;
      if (lro && calls === 1) {
        return { request, status: 202, headers: createHttpHeaders({ location: 'https://management.example/operationResults/1' }), bodyAsText: '' };
      }
      return { request, status: 200, headers: createHttpHeaders({ 'content-type': 'application/json' }), bodyAsText: JSON.stringify(body) };
    },
  };
}

/** The real transport, keeping the raw body of the last answer. */
function recording(): HttpClient & { last: () => Record<string, unknown> } {
  const inner = createDefaultHttpClient();
  let last = '';
  return {
    async sendRequest(request) {
      const res = await inner.sendRequest(request);
      if (res.bodyAsText) last = res.bodyAsText;
      return res;
    },
    last: () => JSON.parse(last) as Record<string, unknown>,
  };
}

interface Target {
  endpoint: string;
  token: string;
  subscription: string;
  ca?: string;
}
const offline: Target = { endpoint: 'https://management.example', token: 't', subscription: '00000000-1111-2222-3333-444444444444' };
const client = (httpClient: HttpClient, t: Target = offline) =>
  new AzureMachineLearningWorkspaces({ getToken: async () => ({ token: t.token, expiresOnTimestamp: Date.now() + 3_600_000 }) }, t.subscription, {
    endpoint: t.endpoint,
    httpClient,
    credentialScopes: ['https://management.azure.com/.default'],
    tlsOptions: t.ca ? { ca: t.ca } : undefined,
    retryOptions: { maxRetries: 0 },
  });

async function firstPage<T>(iter: { byPage(): AsyncIterableIterator<T[]> }): Promise<T[]> {
  for await (const page of iter.byPage()) return page;
  return [];
}

type Call = (c: AzureMachineLearningWorkspaces, rg: string, ws: string) => Promise<unknown>;

/** Each example file: what kind it holds, whether its body is a list, and the SDK call that reads it. */
const CASES: Record<string, { kind: Kind; list?: boolean; lro?: boolean; call: Call }> = {
  'Workspace/get.json': { kind: 'workspace', call: (c, rg, ws) => c.workspaces.get(rg, ws) },
  'Workspace/listByResourceGroup.json': { kind: 'workspace', list: true, call: (c, rg) => firstPage(c.workspaces.listByResourceGroup(rg)) },
  'Workspace/diagnose.json': { kind: 'diagnose', lro: true, call: (c, rg, ws) => c.workspaces.beginDiagnoseAndWait(rg, ws, { parameters: { value: {} }, updateIntervalInMs: 10 }) },
  'Datastore/list.json': { kind: 'datastore', list: true, call: (c, rg, ws) => firstPage(c.datastores.list(rg, ws)) },
  'Datastore/get.json': { kind: 'datastore', call: (c, rg, ws) => c.datastores.get(rg, ws, 'workspaceblobstore') },
  'Datastore/listSecrets.json': { kind: 'secrets', call: (c, rg, ws) => c.datastores.listSecrets(rg, ws, 'workspaceblobstore') },
  'Workspace/ModelContainer/list.json': { kind: 'modelContainer', list: true, call: (c, rg, ws) => firstPage(c.modelContainers.list(rg, ws)) },
  'Workspace/ModelContainer/get.json': { kind: 'modelContainer', call: (c, rg, ws) => c.modelContainers.get(rg, ws, 'credit-default') },
  'Workspace/ModelVersion/list.json': { kind: 'modelVersion', list: true, call: (c, rg, ws) => firstPage(c.modelVersions.list(rg, ws, 'credit-default')) },
  'Workspace/ModelVersion/get.json': { kind: 'modelVersion', call: (c, rg, ws) => c.modelVersions.get(rg, ws, 'credit-default', '3') },
  'Workspace/ModelVersion/createOrUpdate.json': {
    kind: 'modelVersion',
    call: (c, rg, ws) => c.modelVersions.createOrUpdate(rg, ws, 'contract-model', '1', { properties: { modelType: 'custom_model', modelUri: 'azureml://datastores/workspaceblobstore/paths/contract/', description: 'contract', tags: { a: 'b' }, properties: { p: 'q' } } }),
  },
  'Workspace/EnvironmentContainer/list.json': { kind: 'environmentContainer', list: true, call: (c, rg, ws) => firstPage(c.environmentContainers.list(rg, ws)) },
  'Workspace/EnvironmentVersion/get.json': { kind: 'environmentVersion', call: (c, rg, ws) => c.environmentVersions.get(rg, ws, 'inference-env', '1') },
  'Job/CommandJob/get.json': { kind: 'job', call: (c, rg, ws) => c.jobs.get(rg, ws, 'train_credit_default_1') },
  'Job/PipelineJob/list.json': { kind: 'job', list: true, call: (c, rg, ws) => firstPage(c.jobs.list(rg, ws, { jobType: 'Pipeline' })) },
  'Schedule/createOrUpdate.json': {
    kind: 'schedule',
    call: (c, rg, ws) =>
      c.schedules.beginCreateOrUpdateAndWait(
        rg,
        ws,
        'contract-schedule',
        {
          properties: {
            displayName: 'contract',
            isEnabled: false,
            trigger: { triggerType: 'Cron', expression: '0 1 * * *', timeZone: 'UTC' },
            action: { actionType: 'CreateJob', jobDefinition: { jobType: 'Command', command: 'echo', environmentId: 'azureml:sklearn-env:1' } as never },
          },
        },
        { updateIntervalInMs: 10 },
      ),
  },
  'Compute/list.json': { kind: 'compute', list: true, call: (c, rg, ws) => firstPage(c.computeOperations.list(rg, ws)) },
};

async function exampleFiles(): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const e of await fs.readdir(dir, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(path.join(dir, e.name));
      else if (e.name.endsWith('.json')) out.push(path.relative(EXAMPLES, path.join(dir, e.name)));
    }
  };
  await walk(EXAMPLES);
  return out.sort();
}

function check(kind: Kind, list: boolean | undefined, raw: Record<string, unknown>, read: unknown): string[] {
  if (!list) return lost(kind, raw, read);
  const items = raw.value as Record<string, unknown>[];
  const got = read as unknown[];
  assert.equal(got.length, items.length, 'every item of the page is read');
  return items.flatMap((item, i) => lost(kind, item, got[i]).map((m) => `[${i}] ${m}`));
}

describe('contract: REST spec examples and sandbox answers through the real SDK', () => {
  let sb: RunningSandbox;
  before(async () => {
    sb = await startSandbox({ largeModelMb: 1 });
  });
  after(async () => {
    await sb?.stop();
  });

  it('covers every example the project keeps (except Registries, which SDK 2.1.1 has no client for)', async () => {
    const files = (await exampleFiles()).filter((f) => !f.startsWith('Registries/'));
    assert.deepEqual(files, Object.keys(CASES).sort());
  });

  for (const [file, c] of Object.entries(CASES)) {
    it(`${file}: the SDK keeps every field the product reads`, async () => {
      const example = JSON.parse(await fs.readFile(path.join(EXAMPLES, file), 'utf8')) as { responses: Record<string, { body?: Record<string, unknown> }> };
      const body = (example.responses['200'] ?? example.responses['201']).body!;
      const read = await c.call(client(replay(body, c.lro)), 'rg', 'ws');
      assert.deepEqual(check(c.kind, c.list, body, read), []);
    });

    it(`${file}: the sandbox's answer passes the same check`, async () => {
      const rec = recording();
      const role = file.includes('createOrUpdate') ? sb.secondary : sb.primary;
      const read = await c.call(client(rec, { endpoint: sb.armUrl, token: sb.token, subscription: role.subscription_id, ca: sb.ca }), role.resource_group, role.workspace_name);
      const raw = rec.last();
      assert.deepEqual(check(c.kind, c.list, raw, read), []);
      // The sandbox fills the fields real answers carry.
      const sample = (c.list ? (raw.value as Record<string, unknown>[])[0] : raw) as Record<string, unknown>;
      if (c.kind !== 'secrets' && c.kind !== 'diagnose') {
        assert.ok(sample.id && sample.name && sample.properties, `${file}: id, name and properties present`);
        assert.ok(sample.systemData || c.kind === 'compute' || c.kind === 'workspace', 'systemData present');
      }
    });
  }
});

/**
 * The routes readiness and health read (shapes modelled on the 2022-10-01 REST spec examples Usage/list,
 * VirtualMachineSize/list, Quota/list, OnlineEndpoint/get, OnlineDeployment/ManagedOnlineDeployment/get,
 * PrivateEndpointConnection): read through the real SDK clients, the SDK keeps every field the readiness checks read
 * from the raw answer. `sdk` maps a raw path to the SDK's when the SDK flattens `properties`.
 */
const READINESS_CASES: { name: string; call: (c: AzureMachineLearningWorkspaces, sb: RunningSandbox) => Promise<unknown[]>; fields: [raw: string, sdk?: string][] }[] = [
  { name: 'usages', call: (c, sb) => firstPage(c.usages.list(sb.secondary.region)), fields: [['id'], ['type'], ['currentValue'], ['limit'], ['name.value'], ['unit']] },
  { name: 'vmSizes', call: async (c, sb) => (await c.virtualMachineSizes.list(sb.secondary.region)).value ?? [], fields: [['name'], ['family'], ['vCPUs'], ['gpus'], ['supportedComputeTypes']] },
  { name: 'quotas', call: (c, sb) => firstPage(c.quotas.list(sb.secondary.region)), fields: [['id'], ['type'], ['limit'], ['name.value']] },
  { name: 'onlineEndpoints', call: (c, sb) => firstPage(c.onlineEndpoints.list(sb.primary.resource_group, sb.primary.workspace_name)), fields: [['id'], ['name'], ['location'], ['properties.provisioningState'], ['properties.scoringUri'], ['properties.authMode'], ['properties.traffic']] },
  { name: 'onlineDeployments', call: (c, sb) => firstPage(c.onlineDeployments.list(sb.primary.resource_group, sb.primary.workspace_name, 'credit-endpoint')), fields: [['id'], ['name'], ['properties.model'], ['properties.provisioningState'], ['properties.instanceType'], ['properties.endpointComputeType'], ['sku.capacity']] },
  {
    name: 'privateEndpointConnections',
    call: async (c, sb) => {
      await c.privateEndpointConnections.createOrUpdate(sb.primary.resource_group, sb.primary.workspace_name, 'pe-contract', { privateEndpoint: {}, privateLinkServiceConnectionState: { status: 'Approved' } });
      const list = [];
      for await (const p of c.privateEndpointConnections.list(sb.primary.resource_group, sb.primary.workspace_name)) list.push(p);
      return list;
    },
    fields: [['id'], ['name'], ['properties.privateLinkServiceConnectionState.status', 'privateLinkServiceConnectionState.status'], ['properties.provisioningState', 'provisioningState']],
  },
];

describe('contract: the sandbox routes readiness reads, through the real SDK', () => {
  let sb: RunningSandbox;
  before(async () => {
    sb = await startSandbox({ largeModelMb: 1 });
  });
  after(async () => {
    await sb?.stop();
  });

  for (const c of READINESS_CASES) {
    it(`${c.name}: the SDK keeps every field readiness reads`, async () => {
      const rec = recording();
      const read = await c.call(client(rec, { endpoint: sb.armUrl, token: sb.token, subscription: sb.primary.subscription_id, ca: sb.ca }), sb);
      const raw = (rec.last().value ?? []) as Record<string, unknown>[];
      assert.ok(raw.length > 0 && read.length === raw.length, `${c.name}: ${raw.length} raw, ${read.length} read`);
      for (const [i, item] of raw.entries()) {
        for (const [rawPath, sdkPath] of c.fields) {
          const want = plain(at(item, rawPath.split('.')));
          assert.notEqual(want, null, `${c.name}[${i}] has ${rawPath}`);
          assert.deepEqual(plain(at(read[i], (sdkPath ?? rawPath).split('.'))), want, `${c.name}[${i}].${rawPath}`);
        }
      }
    });
  }

  it('compute and online deployment createOrUpdate: the SDK\'s poller ends at once, and the GET gives back what was sent', async () => {
    const ml = client(createDefaultHttpClient(), { endpoint: sb.armUrl, token: sb.token, subscription: sb.secondary.subscription_id, ca: sb.ca });
    const created = await ml.computeOperations.beginCreateOrUpdateAndWait(sb.secondary.resource_group, sb.secondary.workspace_name, 'gpu-contract', {
      location: sb.secondary.region,
      properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_NC6s_v3', vmPriority: 'LowPriority', scaleSettings: { maxNodeCount: 2, minNodeCount: 0 } } },
    }, { updateIntervalInMs: 10 });
    assert.equal(created.properties?.provisioningState, 'Succeeded');
    const got = await ml.computeOperations.get(sb.secondary.resource_group, sb.secondary.workspace_name, 'gpu-contract');
    assert.equal((got.properties as { properties?: { vmSize?: string } }).properties?.vmSize, 'Standard_NC6s_v3');
    const deployment = await ml.onlineDeployments.beginCreateOrUpdateAndWait(sb.secondary.resource_group, sb.secondary.workspace_name, 'credit-endpoint', 'green', {
      location: sb.secondary.region,
      sku: { name: 'Default', capacity: 1 },
      properties: { endpointComputeType: 'Managed', model: 'azureml:credit-default:3', instanceType: 'Standard_DS3_v2' },
    }, { updateIntervalInMs: 10 });
    assert.equal(deployment.properties.provisioningState, 'Succeeded');
    assert.equal(deployment.properties.model, 'azureml:credit-default:3');
  });
});
