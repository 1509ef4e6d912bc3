// Readiness against the sandbox's imperfect pair, through the real SDK clients over HTTPS. Each check is made to pass
// or fail by changing the sandbox through ARM calls here (the ML SDK's createOrUpdate, and plain ARM requests through
// @azure/core-client for other providers) — never by a hook in the product. One sandbox for the file; the cases run
// in order and build on each other.
import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { ServiceClient } from '@azure/core-client';
import { createPipelineRequest } from '@azure/core-rest-pipeline';
import { parse, stringify } from 'yaml';
import { silentLogger } from '../../../src/common/logger';
import { checkReadiness } from '../../../src/readiness/readiness';
import type { CheckId, ReadinessCheck } from '../../../src/readiness/types';
import { runCli } from '../../support/cli';
import { startSandbox, type RunningSandbox } from '../../support/sandbox';

let sb: RunningSandbox;
let ml: AzureMachineLearningWorkspaces;
let arm: ServiceClient;
const SCOPE = ['https://management.azure.com/.default'];

async function armRequest(method: 'GET' | 'PUT' | 'PATCH' | 'DELETE', path: string, apiVersion: string, body?: unknown): Promise<unknown> {
  const response = await arm.sendRequest(createPipelineRequest({ url: `${sb.armUrl}${path}?api-version=${apiVersion}`, method, body: body === undefined ? undefined : JSON.stringify(body), headers: undefined }));
  if (response.status >= 400) throw new Error(`${method} ${path}: HTTP ${response.status} ${response.bodyAsText ?? ''}`);
  return response.bodyAsText ? JSON.parse(response.bodyAsText) : undefined;
}

const group = (role: 'primary' | 'secondary') => `/subscriptions/${sb[role].subscription_id}/resourceGroups/${sb[role].resource_group}`;
const workspace = (role: 'primary' | 'secondary') => `${group(role)}/providers/Microsoft.MachineLearningServices/workspaces/${sb[role].workspace_name}`;

async function readiness(): Promise<ReadinessCheck[]> {
  return checkReadiness(sb.pair, { logger: silentLogger, projectDir: sb.projectDir });
}
/** `aml-failover readiness --json` as a cold process: the checks it prints. */
async function cliChecks(): Promise<ReadinessCheck[]> {
  const run = await runCli(['readiness', '--json', '--project', sb.projectDir]);
  assert.ok(run.code === 0 || run.code === 1, run.stderr);
  return (JSON.parse(run.stdout) as { checks: ReadinessCheck[] }).checks;
}

/** The pair file with its secondary pointed at another workspace, as a user edits it. */
async function pointSecondaryAt(pairFileText: string, secondary: { resource_group: string; workspace_name: string; region: string }): Promise<void> {
  const [marker, ...rest] = pairFileText.split('\n');
  const doc = parse(rest.join('\n')) as { workspaces: { secondary: Record<string, string> } };
  Object.assign(doc.workspaces.secondary, secondary);
  await fs.writeFile(sb.pairFile, `${marker}\n${stringify(doc, { lineWidth: 0 })}`);
}

/** The assets findings about the project's job YAMLs: [verdict, message without its workload prefix]. */
function jobFindings(checks: ReadinessCheck[]): [string, string][] {
  return checks.filter((c) => c.id === 'assets' && /, the project's jobs: /.test(c.message)).map((c) => [c.verdict, c.message.replace(/^.*?, the project's jobs: /, '')]);
}
/** Writes a job YAML into the sample project, as a user adds one. */
async function writeJob(rel: string, body: string): Promise<void> {
  await fs.writeFile(path.join(sb.projectDir, rel), `$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json\ntype: command\ncode: ../src\n${body}`);
}

function verdicts(checks: ReadinessCheck[], id: CheckId): string[] {
  return checks.filter((c) => c.id === id).map((c) => c.verdict);
}
function find(checks: ReadinessCheck[], id: CheckId, text: RegExp): ReadinessCheck {
  const c = checks.find((x) => x.id === id && text.test(x.message));
  assert.ok(c, `no ${id} finding matching ${text}: ${JSON.stringify(checks.filter((x) => x.id === id), null, 1)}`);
  return c;
}

describe('readiness against the sandbox', () => {
  before(async () => {
    sb = await startSandbox({ largeModelMb: 1 });
    ml = new AzureMachineLearningWorkspaces(sb.credential, sb.primary.subscription_id, { endpoint: sb.armUrl, credentialScopes: SCOPE, tlsOptions: { ca: sb.ca } });
    arm = new ServiceClient({ credential: sb.credential, credentialScopes: SCOPE, tlsOptions: { ca: sb.ca } });
  });
  after(async () => {
    await sb?.stop();
  });

  it('the seeded pair: `readiness --json` names what the guidance would fail, exit 1', async () => {
    const run = await runCli(['readiness', '--json', '--project', sb.projectDir]);
    assert.equal(run.code, 1, run.stderr);
    const { checks } = JSON.parse(run.stdout) as { checks: ReadinessCheck[] };
    for (const c of checks) assert.deepEqual(Object.keys(c), ['id', 'verdict', 'message', 'fix', 'resources']);
    assert.deepEqual(verdicts(checks, 'region-pair'), ['pass']);
    assert.deepEqual(verdicts(checks, 'default-storage'), ['pass']);
    assert.equal(find(checks, 'storage-redundancy', /secondary workspace is Standard_LRS/).verdict, 'warn');
    assert.equal(find(checks, 'container-registry', /no replica in the secondary's region westus/).verdict, 'fail');
    assert.equal(find(checks, 'compute', /gpu-cluster .* no counterpart/).verdict, 'fail');
    assert.equal(find(checks, 'quota', /standardDSv2Family/).verdict, 'fail');
    assert.equal(find(checks, 'assets', /deployment green missing in the secondary/).verdict, 'fail');
    // The sample project's job YAMLs (inference is hot/hot): what they name that the secondary lacks, with the files.
    assert.deepEqual(jobFindings(checks), [
      ['fail', 'environment sklearn-env:2, which jobs/credit-pipeline.yml, jobs/train-credit-pinned.yml use, is in the primary but not in the secondary; those jobs fail there.'],
      ['fail', 'compute gpu-cluster, which jobs/finetune-sentiment.yml uses, is in the primary but not in the secondary; those jobs fail there.'],
      ['fail', 'environment pytorch-env, which jobs/finetune-sentiment.yml uses, is in the primary but not in the secondary; those jobs fail there.'],
    ]);
    assert.match(find(checks, 'assets', /environment sklearn-env:2/).fix, /^Replicate it: aml-failover replicate environments --from primary --to secondary --name sklearn-env:2\. See docs\/readiness\.md#assets$/);
    assert.deepEqual(find(checks, 'assets', /environment sklearn-env:2/).resources, [`${workspace('primary')}/environments/sklearn-env/versions/2`, workspace('secondary')]);
    assert.deepEqual(verdicts(checks, 'access'), ['pass']);
    assert.deepEqual(verdicts(checks, 'network'), ['pass']);
    assert.deepEqual([...new Set(verdicts(checks, 'app-insights'))], ['pass']);
    assert.equal(find(checks, 'backup', /No backup of the primary workspace in aml-backup/).verdict, 'fail');
    for (const c of checks) assert.match(c.fix, new RegExp(`docs/readiness\\.md#${c.id}$`));
  });

  it('backup: a snapshot taken but not verified warns, naming the verify command; verified but kept only here it warns; copied off-region it passes', async () => {
    const backup = await runCli(['backup', '--from', 'primary', '--project', sb.projectDir], { cwd: sb.projectDir });
    assert.equal(backup.code, 0, backup.stderr);
    const unverified = find(await readiness(), 'backup', /primary workspace's newest backup/);
    assert.equal(unverified.verdict, 'warn');
    assert.match(unverified.message, /not verified/);
    const snapshot = /aml-backup\/primary\/\d{8}T\d{6}Z/.exec(unverified.message)?.[0];
    assert.ok(snapshot && existsSync(path.join(sb.projectDir, snapshot)), unverified.message);
    assert.match(unverified.fix, new RegExp(`aml-failover verify ${snapshot}`));
    const verify = await runCli(['verify', snapshot], { cwd: sb.projectDir });
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    // Verified, but on this machine only: out of reach exactly when the primary's region is lost.
    const local = find(await readiness(), 'backup', /primary workspace's newest backup/);
    assert.equal(local.verdict, 'warn');
    assert.match(local.message, new RegExp(`no copy is kept outside the primary's region \\(only ${snapshot}, on this machine\\)`));
    assert.match(local.fix, /aml-failover backup --from primary --to-storage secondary/);
    const offsite = await runCli(['backup', '--from', 'primary', '--to-storage', 'secondary', '--project', sb.projectDir], { cwd: sb.projectDir });
    assert.equal(offsite.code, 0, offsite.stderr);
    const verified = find(await readiness(), 'backup', /Verified backup of the primary workspace/);
    assert.equal(verified.verdict, 'pass');
    assert.match(verified.message, new RegExp(`\\(\\d+ min old\\): ${snapshot}; a copy from \\S+ is kept outside the region: azureml://subscriptions/[^ ]+/workspaces/${sb.secondary.workspace_name}/datastores/workspaceblobstore/paths/aml-failover/backups/primary/\\d{8}T\\d{6}Z\\.$`));
  });

  it('assets, the project\'s jobs at hot/hot: a job YAML using a model only the primary has fails, naming it and the file; registered in the secondary through the SDK, it passes', async () => {
    await writeJob('jobs/score-fraud.yml', 'command: python score.py --model ${{inputs.model}}\nenvironment: azureml:inference-env:1\ncompute: azureml:cpu-cluster\ninputs:\n  model:\n    type: custom_model\n    path: azureml:fraud-detector:1\n');
    const broken = await cliChecks();
    const fraud = find(broken, 'assets', /fraud-detector/);
    assert.equal(fraud.verdict, 'fail');
    assert.equal(fraud.message, "inference (hot/hot), the project's jobs: model fraud-detector:1, which jobs/score-fraud.yml uses, is in the primary but not in the secondary; those jobs fail there.");
    assert.match(fraud.fix, /aml-failover replicate models --from primary --to secondary --name fraud-detector:1/);

    // What a user would register by hand: each version as the primary has it, in the secondary.
    const p = sb.primary.resource_group;
    const s = [sb.secondary.resource_group, sb.secondary.workspace_name] as const;
    const model = await ml.modelVersions.get(p, sb.primary.workspace_name, 'fraud-detector', '1');
    await ml.modelVersions.createOrUpdate(...s, 'fraud-detector', '1', { properties: model.properties });
    for (const [name, version] of [['sklearn-env', '2'], ['pytorch-env', '1']]) {
      const env = await ml.environmentVersions.get(p, sb.primary.workspace_name, name, version);
      await ml.environmentVersions.createOrUpdate(...s, name, version, { properties: env.properties });
    }
    const fixed = await readiness();
    // The GPU cluster is the compute check's too; it is created in the next case.
    assert.deepEqual(jobFindings(fixed), [['fail', 'compute gpu-cluster, which jobs/finetune-sentiment.yml uses, is in the primary but not in the secondary; those jobs fail there.']]);
    assert.ok(!fixed.some((c) => c.id === 'assets' && /fraud-detector|sklearn-env|pytorch-env/.test(c.message) && c.verdict !== 'pass'));
  });

  it('assets at hot/cold, by the pair file: a data asset a job YAML names that only the primary has fails; environments are not needed; registered in the secondary, it passes', async () => {
    const seededPairFile = await fs.readFile(sb.pairFile, 'utf8');
    try {
      await fs.writeFile(sb.pairFile, seededPairFile.replace(/availability:\n(  .*\n)+/, 'availability:\n  training: hot/cold\n'));
      await writeJob('jobs/train-credit-data.yml', 'command: python train.py --data ${{inputs.data}}\nenvironment: azureml:only-in-primary-env:7\ncompute: azureml:gpu-cluster\ninputs:\n  data:\n    type: uri_folder\n    path: azureml:credit-data:1\n');
      const broken = await cliChecks();
      assert.deepEqual(jobFindings(broken), [['fail', 'data asset credit-data:1, which jobs/train-credit-data.yml uses, is in the primary but not in the secondary; those jobs fail there.']]);
      assert.match(find(broken, 'assets', /credit-data/).message, /^training \(hot\/cold\), the project's jobs: /);
      assert.match(find(broken, 'assets', /credit-data/).fix, /aml-failover replicate data --from primary --to secondary --name credit-data:1/);
      assert.deepEqual(verdicts(broken, 'assets').length, 2, 'hot/cold alone: the jobs\' data and the registered datastores, no endpoints');

      const data = await ml.dataVersions.get(sb.primary.resource_group, sb.primary.workspace_name, 'credit-data', '1');
      await ml.dataVersions.createOrUpdate(sb.secondary.resource_group, sb.secondary.workspace_name, 'credit-data', '1', { properties: data.properties });
      const fixed = await cliChecks();
      assert.deepEqual(jobFindings(fixed), [['pass', `everything 7 job files name exists in the secondary: data asset credit-data:1, datastore workspaceblobstore.`]]);
    } finally {
      await fs.writeFile(sb.pairFile, seededPairFile);
      await fs.rm(path.join(sb.projectDir, 'jobs/train-credit-data.yml'));
    }
  });

  it('fixed through ARM: replica, geo-redundant storage, the GPU cluster, a smaller cluster, the missing deployment → those checks pass', async () => {
    const registry = `${group('primary')}/providers/Microsoft.ContainerRegistry/registries/${/registries\/([^/]+)/.exec((await ml.workspaces.get(sb.primary.resource_group, sb.primary.workspace_name)).containerRegistry!)![1]}`;
    await armRequest('PUT', `${registry}/replications/westus`, '2023-07-01', { location: 'westus', properties: {} });
    const secondaryWs = await ml.workspaces.get(sb.secondary.resource_group, sb.secondary.workspace_name);
    await armRequest('PATCH', secondaryWs.storageAccount!, '2023-01-01', { sku: { name: 'Standard_RAGRS' } });
    const gpu = await ml.computeOperations.get(sb.primary.resource_group, sb.primary.workspace_name, 'gpu-cluster');
    await ml.computeOperations.beginCreateOrUpdateAndWait(sb.secondary.resource_group, sb.secondary.workspace_name, 'gpu-cluster', { location: 'westus', properties: gpu.properties });
    const cpu = await ml.computeOperations.get(sb.primary.resource_group, sb.primary.workspace_name, 'cpu-cluster');
    const cpuProps = cpu.properties as { computeType: 'AmlCompute'; properties: { scaleSettings: { maxNodeCount: number } } };
    cpuProps.properties.scaleSettings.maxNodeCount = 2;
    await ml.computeOperations.beginCreateOrUpdateAndWait(sb.primary.resource_group, sb.primary.workspace_name, 'cpu-cluster', { location: 'eastus', properties: cpuProps });
    const green = await ml.onlineDeployments.get(sb.primary.resource_group, sb.primary.workspace_name, 'credit-endpoint', 'green');
    await ml.onlineDeployments.beginCreateOrUpdateAndWait(sb.secondary.resource_group, sb.secondary.workspace_name, 'credit-endpoint', 'green', { location: 'westus', sku: green.sku, properties: green.properties });
    // The primary's securestore datastore, registered in the secondary on its own storage account (identity access).
    await ml.datastores.createOrUpdate(sb.secondary.resource_group, sb.secondary.workspace_name, 'securestore', {
      properties: { datastoreType: 'AzureBlob', accountName: /storageAccounts\/([^/]+)/.exec(secondaryWs.storageAccount!)![1], containerName: 'secure', credentials: { credentialsType: 'None' } } as never,
    });

    const checks = await readiness();
    assert.deepEqual([...new Set(verdicts(checks, 'storage-redundancy'))], ['pass']);
    // Replicated to westus, so no longer a fail; each workspace still has its own registry, which the guidance warns of.
    assert.deepEqual(verdicts(checks, 'container-registry'), ['warn']);
    assert.match(find(checks, 'container-registry', /different container registries/).message, /^The workspaces use different container registries \(crmldemo\w+, crmldemo\w+\): images built in one are missing in the other\.$/);
    assert.deepEqual(verdicts(checks, 'compute'), ['pass', 'pass']);
    assert.deepEqual([...new Set(verdicts(checks, 'quota'))], ['pass']);
    assert.equal(find(checks, 'assets', /credit-endpoint/).verdict, 'pass');
    assert.deepEqual(verdicts(checks, 'assets'), ['pass', 'pass', 'pass']);
    assert.match(find(checks, 'assets', /the project's jobs/).message, /compute gpu-cluster.*model fraud-detector:1/);
    const run = await runCli(['readiness', '--project', sb.projectDir]);
    assert.equal(run.code, 0, run.stdout);
    assert.match(run.stdout, /✓ pass +backup +Verified backup of the primary workspace/);
  });

  it('broken the way users break them, then fixed through ARM, each seen by a cold `readiness --json`: datastore-region, app-insights, compute-instance, key-vault', async () => {
    const [p, s] = await Promise.all([ml.workspaces.get(sb.primary.resource_group, sb.primary.workspace_name), ml.workspaces.get(sb.secondary.resource_group, sb.secondary.workspace_name)]);
    // securestore registered in the secondary as the primary has it: on the primary's locally redundant account.
    const securestore = await ml.datastores.get(sb.primary.resource_group, sb.primary.workspace_name, 'securestore');
    const keyless = (securestore.properties as { accountName: string }).accountName;
    await ml.datastores.createOrUpdate(sb.secondary.resource_group, sb.secondary.workspace_name, 'securestore', { properties: { datastoreType: 'AzureBlob', accountName: keyless, containerName: 'secure-models', credentials: { credentialsType: 'None' } } as never });
    // The secondary pointed at the primary's Application Insights (Workspaces_Update).
    await ml.workspaces.beginUpdateAndWait(sb.secondary.resource_group, sb.secondary.workspace_name, { applicationInsights: p.applicationInsights });
    // Seeded: ci-alice has no counterpart in the secondary; the vaults have purge protection off, as Azure ML creates them.
    const broken = await cliChecks();
    const datastore = find(broken, 'datastore-region', /securestore/);
    assert.equal(datastore.verdict, 'fail');
    assert.match(datastore.message, new RegExp(`points at ${keyless}, a Standard_LRS account in the primary's region eastus`));
    assert.equal(find(broken, 'app-insights', /Both workspaces log to the same Application Insights appi-mldemo-eastus/).verdict, 'warn');
    assert.equal(find(broken, 'compute-instance', /ci-alice/).verdict, 'warn');
    const vault = find(broken, 'key-vault', /purge protection is off on kv-mldemo-eastus; purge protection is off on kv-mldemo-westus/);
    assert.equal(vault.verdict, 'warn');

    await ml.datastores.createOrUpdate(sb.secondary.resource_group, sb.secondary.workspace_name, 'securestore', {
      properties: { datastoreType: 'AzureBlob', accountName: /storageAccounts\/([^/]+)/.exec(s.storageAccount!)![1], containerName: 'secure', credentials: { credentialsType: 'None' } } as never,
    });
    const component = `${group('secondary')}/providers/microsoft.insights/components/appi-credit-westus`;
    await armRequest('PUT', component, '2020-02-02', { location: 'westus', kind: 'web', properties: { Application_Type: 'web' } });
    await ml.workspaces.beginUpdateAndWait(sb.secondary.resource_group, sb.secondary.workspace_name, { applicationInsights: component });
    const ci = await ml.computeOperations.get(sb.primary.resource_group, sb.primary.workspace_name, 'ci-alice');
    await ml.computeOperations.beginCreateOrUpdateAndWait(sb.secondary.resource_group, sb.secondary.workspace_name, 'ci-alice', { location: 'westus', properties: ci.properties });
    for (const id of [p.keyVault!, s.keyVault!]) await armRequest('PATCH', id, '2023-07-01', { properties: { enablePurgeProtection: true } });
    await assert.rejects(armRequest('PATCH', p.keyVault!, '2023-07-01', { properties: { enablePurgeProtection: false } }), /HTTP 400 .*irreversible/);

    const fixed = await cliChecks();
    assert.deepEqual(verdicts(fixed, 'datastore-region'), ['pass']);
    assert.deepEqual(verdicts(fixed, 'app-insights'), ['pass', 'pass']);
    assert.match(find(fixed, 'app-insights', /secondary workspace logs to Application Insights appi-credit-westus in westus/).verdict, /pass/);
    assert.deepEqual(verdicts(fixed, 'compute-instance'), ['pass']);
    const vaults = find(fixed, 'key-vault', /different key vaults/);
    assert.equal(vaults.verdict, 'warn');
    assert.doesNotMatch(vaults.message, /purge protection/);
  });

  it('a secondary created on the primary\'s storage in the primary\'s region: default-storage and region-pair fail; a new one in westus with its own storage and the shared key vault passes them and key-vault', async () => {
    const [p, s] = await Promise.all([ml.workspaces.get(sb.primary.resource_group, sb.primary.workspace_name), ml.workspaces.get(sb.secondary.resource_group, sb.secondary.workspace_name)]);
    const seededPairFile = await fs.readFile(sb.pairFile, 'utf8');
    try {
      await ml.workspaces.beginCreateOrUpdateAndWait(sb.primary.resource_group, 'mlw-dr-eastus', { location: 'eastus', storageAccount: p.storageAccount, keyVault: p.keyVault, applicationInsights: p.applicationInsights, containerRegistry: p.containerRegistry });
      await pointSecondaryAt(seededPairFile, { resource_group: sb.primary.resource_group, workspace_name: 'mlw-dr-eastus', region: 'eastus' });
      const broken = await cliChecks();
      assert.equal(find(broken, 'default-storage', new RegExp(`Both workspaces use the same default storage account ${/[^/]+$/.exec(p.storageAccount!)![0]}`)).verdict, 'fail');
      assert.equal(find(broken, 'region-pair', /Both workspaces are in eastus/).verdict, 'fail');
      // As in Azure, a workspace's storage account cannot be changed afterwards: the fix is another workspace.
      await assert.rejects(
        ml.workspaces.beginCreateOrUpdateAndWait(sb.primary.resource_group, 'mlw-dr-eastus', { location: 'eastus', storageAccount: s.storageAccount, keyVault: p.keyVault }),
        /cannot be changed once the workspace has been created/,
      );

      await ml.workspaces.beginCreateOrUpdateAndWait(sb.secondary.resource_group, 'mlw-dr-westus', { location: 'westus', storageAccount: s.storageAccount, keyVault: p.keyVault, applicationInsights: s.applicationInsights, containerRegistry: p.containerRegistry });
      await pointSecondaryAt(seededPairFile, { resource_group: sb.secondary.resource_group, workspace_name: 'mlw-dr-westus', region: 'westus' });
      const fixed = await cliChecks();
      assert.deepEqual(verdicts(fixed, 'default-storage'), ['pass']);
      assert.deepEqual(verdicts(fixed, 'region-pair'), ['pass']);
      assert.equal(find(fixed, 'key-vault', /Both workspaces use key vault kv-mldemo-eastus, with soft delete and purge protection on/).verdict, 'pass');
    } finally {
      await fs.writeFile(sb.pairFile, seededPairFile);
    }
  });

  it('broken through ARM: a private endpoint on one side, a role assignment removed → network and access fail', async () => {
    await ml.privateEndpointConnections.createOrUpdate(sb.primary.resource_group, sb.primary.workspace_name, 'pe-eastus', { privateEndpoint: {}, privateLinkServiceConnectionState: { status: 'Approved' } });
    await armRequest('DELETE', `${workspace('secondary')}/providers/Microsoft.Authorization/roleAssignments/data-scientist-westus`, '2022-04-01');
    const checks = await readiness();
    assert.equal(find(checks, 'network', /the primary has 1 approved private endpoint and the secondary 0/).verdict, 'fail');
    assert.match(find(checks, 'access', /in the primary but not in the secondary/).message, /jobs\/write/);
    await ml.privateEndpointConnections.createOrUpdate(sb.secondary.resource_group, sb.secondary.workspace_name, 'pe-westus', { privateEndpoint: {}, privateLinkServiceConnectionState: { status: 'Approved' } });
    const principalId = 'a1ce0000-0000-4000-8000-000000000001';
    await armRequest('PUT', `${workspace('secondary')}/providers/Microsoft.Authorization/roleAssignments/data-scientist-westus`, '2022-04-01', {
      properties: { roleDefinitionId: `/subscriptions/${sb.secondary.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/f6c7c914-8db3-469d-8ca1-694a8f32e121`, principalId },
    });
    const healed = await readiness();
    assert.deepEqual(verdicts(healed, 'network'), ['pass']);
    assert.deepEqual(verdicts(healed, 'access'), ['pass']);
  });

  it('a read refused with 403 makes the checks that need it unknown, with the reason', async () => {
    await armRequest('DELETE', `${group('secondary')}/providers/Microsoft.Authorization/roleAssignments/reader-westus`, '2022-04-01');
    try {
      const checks = await readiness();
      const storage = find(checks, 'storage-redundancy', /secondary workspace's storage account/);
      assert.equal(storage.verdict, 'unknown');
      assert.match(storage.message, /no permission to read .*HTTP 403/);
      assert.match(storage.fix, /Reader/);
      assert.deepEqual(verdicts(checks, 'key-vault'), ['unknown']);
    } finally {
      await armRequest('PUT', `${group('secondary')}/providers/Microsoft.Authorization/roleAssignments/reader-westus`, '2022-04-01', {
        properties: { roleDefinitionId: `/subscriptions/${sb.secondary.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7`, principalId: 'a1ce0000-0000-4000-8000-000000000001' },
      });
    }
  });

  it('the secondary region down: its checks are unknown with the reason, and nothing fails because of it', async () => {
    await sb.fault('secondary', 'outage');
    try {
      const checks = await readiness();
      const unknown = checks.filter((c) => c.verdict === 'unknown');
      assert.ok(unknown.length >= 8, JSON.stringify(checks, null, 1));
      for (const c of unknown) assert.match(c.message, /the region did not answer.*503/);
      assert.deepEqual(checks.filter((c) => c.verdict === 'fail'), []);
      assert.deepEqual(verdicts(checks, 'region-pair'), ['pass'], 'subscription locations are global');
      // assets: the endpoints, and the secondary workspace once — not each thing the job YAMLs name as missing.
      assert.deepEqual(verdicts(checks, 'assets'), ['unknown', 'unknown']);
      assert.match(find(checks, 'assets', /the secondary workspace/).message, /^Cannot check: the region did not answer while reading the secondary workspace/);
    } finally {
      await sb.fault('secondary', 'none');
    }
  });
});
