import assert from 'node:assert/strict';
import { buildProgram } from '../../../src/cli';
import type { CliContext } from '../../../src/cli/context';
import { fixedTrust } from '../../../src/azure/trust';
import { UserError } from '../../../src/common/errors';
import { silentLogger } from '../../../src/common/logger';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { readinessExitCode, runChecks } from '../../../src/readiness/checks';
import { CHECK_IDS, type CheckId, type Json, type ReadinessCheck, type ReadinessFacts, type RecoveryPointFacts } from '../../../src/readiness/types';
import { formatReadiness, readinessJson } from '../../../src/readiness/format';
import { assetLabel } from '../../../src/failover/needs';
import { loadPairFile } from '../../../src/pair/pairFile';
import { jobAssetPaths } from '../../../src/readiness/checks/assets';
import { readProjectJobs } from '../../../src/readiness/projectJobs';
import * as os from 'node:os';
import { DATA_SCIENTIST, REGISTRY, cluster, datastore, deployment, down, endpoint, forbidden, instance, ok, passingFacts, storageAccount, trainJob, usage, workspaceQuota, wsId } from './facts';

function of(facts: ReadinessFacts, id: CheckId): ReadinessCheck[] {
  const found = runChecks(facts).filter((c) => c.id === id);
  assert.ok(found.length, `no ${id} finding`);
  return found;
}
const verdicts = (checks: ReadinessCheck[]) => checks.map((c) => c.verdict);
function one(facts: ReadinessFacts, id: CheckId): ReadinessCheck {
  const found = of(facts, id);
  assert.equal(found.length, 1, `one ${id} finding expected: ${JSON.stringify(found, null, 1)}`);
  return found[0];
}
function mutate(change: (f: ReadinessFacts) => void): ReadinessFacts {
  const f = passingFacts();
  change(f);
  return f;
}
const props = (j: Json) => j.properties as Json;

describe('readiness checks over REST-spec-shaped ARM answers', () => {
  it('a pair set up as the guidance says passes every check; exit 0', () => {
    const checks = runChecks(passingFacts());
    const notPassing = checks.filter((c) => c.verdict !== 'pass');
    assert.deepEqual(notPassing, []);
    assert.deepEqual([...new Set(checks.map((c) => c.id))], [...CHECK_IDS]);
    assert.equal(readinessExitCode(checks), 0);
  });

  it('every finding has a fix linking its section of docs/readiness.md, and every id has a section', async () => {
    const doc = await fs.readFile(path.resolve(__dirname, '..', '..', '..', 'docs', 'readiness.md'), 'utf8');
    for (const id of CHECK_IDS) assert.match(doc, new RegExp(`^## ${id}$`, 'm'), id);
    const broken = mutate((f) => (f.secondary.storage = forbidden));
    for (const c of runChecks(broken)) assert.ok(c.fix.endsWith(`See docs/readiness.md#${c.id}`), c.fix);
  });

  it('region-pair: same region fails, unpaired regions warn, unreadable locations are unknown', () => {
    assert.equal(one(mutate((f) => (f.secondary.ref.region = 'East US')), 'region-pair').verdict, 'fail');
    const unpaired = one(mutate((f) => (f.secondary.ref.region = 'eastus2')), 'region-pair');
    assert.equal(unpaired.verdict, 'warn');
    assert.match(unpaired.message, /eastus is paired with westus/);
    const unknown = one(mutate((f) => (f.locations = forbidden)), 'region-pair');
    assert.equal(unknown.verdict, 'unknown');
    assert.match(unknown.message, /no permission to read the subscription's locations: HTTP 403/);
  });

  it('default-storage: one account shared by both workspaces fails, naming it', () => {
    const shared = one(mutate((f) => (props(f.secondary.workspace.ok ? f.secondary.workspace.value : {}).storageAccount = props(f.primary.workspace.ok ? f.primary.workspace.value : {}).storageAccount)), 'default-storage');
    assert.equal(shared.verdict, 'fail');
    assert.match(shared.message, /same default storage account stmleastus/);
    assert.equal(shared.resources.length, 1);
    assert.equal(one(mutate((f) => (f.secondary.workspace = down)), 'default-storage').verdict, 'unknown');
  });

  it('storage-redundancy: LRS warns per account, an account outside its region warns, 403 is unknown for that account only', () => {
    const lrs = of(mutate((f) => (f.secondary.storage = ok(storageAccount('secondary', 'stmlwestus', 'Standard_LRS')))), 'storage-redundancy');
    assert.deepEqual(verdicts(lrs), ['pass', 'warn']);
    assert.match(lrs[1].message, /stmlwestus of the secondary workspace is Standard_LRS/);
    assert.match(lrs[1].resources[0], /storageAccounts\/stmlwestus$/);
    const elsewhere = of(mutate((f) => (f.primary.storage = ok(storageAccount('primary', 'stmleastus', 'Standard_GRS', 'centralus')))), 'storage-redundancy');
    assert.match(elsewhere[0].message, /is in centralus, not in the workspace's region eastus/);
    assert.deepEqual(verdicts(of(mutate((f) => (f.primary.storage = forbidden)), 'storage-redundancy')), ['unknown', 'pass']);
  });

  it('datastore-region: LRS in the primary region fails, RA-GRS warns naming the secondary endpoint, an unlisted account is unknown', () => {
    const put = (f: ReadinessFacts, account: Json) => {
      f.secondary.datastores = ok([datastore('secondary', 'workspaceblobstore', 'stmlwestus', true), datastore('secondary', 'shared', String(account.name))]);
      f.storageAccounts = ok([...(f.storageAccounts.ok ? f.storageAccounts.value : []), account]);
    };
    const fail = one(mutate((f) => put(f, storageAccount('primary', 'stshared', 'Standard_LRS', 'eastus'))), 'datastore-region');
    assert.equal(fail.verdict, 'fail');
    assert.match(fail.message, /Datastore shared .* stshared, a Standard_LRS account in the primary's region eastus/);
    const warn = one(mutate((f) => put(f, storageAccount('primary', 'stshared', 'Standard_RAGRS', 'eastus'))), 'datastore-region');
    assert.equal(warn.verdict, 'warn');
    assert.match(warn.message, /https:\/\/stshared-secondary\.blob\.core\.windows\.net\//);
    const gone = mutate((f) => (f.secondary.datastores = ok([datastore('secondary', 'other', 'stnotlisted')])));
    assert.equal(one(gone, 'datastore-region').verdict, 'unknown');
    assert.equal(one(mutate((f) => (f.secondary.datastores = down)), 'datastore-region').verdict, 'unknown');
  });

  it('key-vault: two vaults warn, purge protection off warns, 403 on the vault is unknown', () => {
    const two = one(mutate((f) => {
      if (f.secondary.workspace.ok) props(f.secondary.workspace.value).keyVault = '/subscriptions/x/resourceGroups/rg-ml-westus/providers/Microsoft.KeyVault/vaults/kv-west';
    }), 'key-vault');
    assert.equal(two.verdict, 'warn');
    assert.match(two.message, /different key vaults \(kv-ml-shared, kv-west\)/);
    const noPurge = one(mutate((f) => f.primary.keyVault.ok && delete props(f.primary.keyVault.value).enablePurgeProtection), 'key-vault');
    assert.match(noPurge.message, /purge protection is off on kv-ml-shared/);
    assert.equal(one(mutate((f) => (f.primary.keyVault = forbidden)), 'key-vault').verdict, 'unknown');
  });

  it('container-registry: not Premium fails, no replica in the secondary region fails, different registries warn', () => {
    const standard = one(mutate((f) => f.primary.registry.ok && (f.primary.registry.value.sku = { name: 'Standard', tier: 'Standard' })), 'container-registry');
    assert.equal(standard.verdict, 'fail');
    assert.match(standard.message, /crmlshared is Standard/);
    const noReplica = one(mutate((f) => (f.primary.replications = ok(f.primary.replications.ok ? f.primary.replications.value.filter((r) => r.location !== 'westus') : []))), 'container-registry');
    assert.equal(noReplica.verdict, 'fail');
    assert.match(noReplica.message, /no replica in the secondary's region westus/);
    assert.deepEqual(noReplica.resources, [REGISTRY]);
    const two = of(mutate((f) => f.secondary.workspace.ok && (props(f.secondary.workspace.value).containerRegistry = REGISTRY.replace('crmlshared', 'crwest'))), 'container-registry');
    assert.deepEqual(verdicts(two), ['warn']);
    assert.equal(one(mutate((f) => (f.primary.replications = forbidden)), 'container-registry').verdict, 'unknown');
  });

  it('app-insights: none fails, one shared by both warns, one in another region warns', () => {
    assert.deepEqual(verdicts(of(mutate((f) => f.secondary.workspace.ok && delete props(f.secondary.workspace.value).applicationInsights), 'app-insights')), ['pass', 'fail']);
    assert.deepEqual(verdicts(of(mutate((f) => f.secondary.workspace.ok && f.primary.workspace.ok && (props(f.secondary.workspace.value).applicationInsights = props(f.primary.workspace.value).applicationInsights)), 'app-insights')), ['pass', 'warn']);
    assert.deepEqual(verdicts(of(mutate((f) => f.secondary.appInsights.ok && (f.secondary.appInsights.value.location = 'eastus')), 'app-insights')), ['pass', 'warn']);
    assert.deepEqual(verdicts(of(mutate((f) => (f.secondary.appInsights = down)), 'app-insights')), ['pass', 'unknown']);
  });

  it('compute: a cluster missing in the secondary fails unless resubmit.compute maps it; a size the region lacks fails', () => {
    const withoutGpu = (f: ReadinessFacts) => (f.secondary.computes = ok([cluster('secondary', 'cpu-cluster', 'Standard_DS3_v2', 4), cluster('secondary', 'gpu-west', 'Standard_NC6', 2)]));
    const missing = of(mutate(withoutGpu), 'compute');
    assert.deepEqual(verdicts(missing), ['pass', 'fail']);
    assert.match(missing[1].message, /Cluster gpu-cluster \(Standard_NC6\) of the primary has no counterpart gpu-cluster/);
    assert.match(missing[1].fix, /resubmit\.compute/);
    const mapped = of(mutate((f) => (withoutGpu(f), (f.computeMap = { 'GPU-Cluster': 'gpu-west' }))), 'compute');
    assert.deepEqual(verdicts(mapped), ['pass', 'pass']);
    assert.match(mapped[1].message, /mapped to gpu-west/);
    const lacking = of(mutate((f) => (f.secondary.vmSizes = ok(f.secondary.vmSizes.ok ? f.secondary.vmSizes.value.filter((s) => s.name !== 'Standard_NC6') : []))), 'compute');
    assert.deepEqual(verdicts(lacking), ['pass', 'fail']);
    assert.match(lacking[1].message, /westus does not offer/);
    assert.deepEqual(verdicts(of(mutate((f) => (f.secondary.computes = forbidden)), 'compute')), ['unknown']);
  });

  it('compute-instance: a user without an instance in the secondary warns, with the command to create it from the definition', () => {
    const missing = one(mutate((f) => (f.secondary.computes = ok([cluster('secondary', 'cpu-cluster', 'Standard_DS3_v2', 4), cluster('secondary', 'gpu-cluster', 'Standard_NC6', 2), instance('secondary', 'ci-bob', 'b0b0b0b0-0000-0000-0000-000000000002')]))), 'compute-instance');
    assert.equal(missing.verdict, 'warn');
    assert.match(missing.fix, /--type ComputeInstance --size STANDARD_DS11_V2 --idle-time-before-shutdown-minutes 30 --user-object-id a1a1a1a1-0000-0000-0000-000000000001, with the setup script Users\/alice\/setup\.sh/);
  });

  it('quota: the secondary region short of vCPUs for a family at max nodes fails; a workspace quota below the need fails; LowPriority counts separately', () => {
    // gpu-cluster: 2 × 6 vCPUs = 12 needed; 24 − 16 = 8 free.
    const short = of(mutate((f) => (f.secondary.usages = ok([usage('Standard DSv2', 2, 100), usage('Standard NC', 16, 24)]))), 'quota');
    const nc = short.find((c) => /NC/.test(c.message))!;
    assert.equal(nc.verdict, 'fail');
    assert.match(nc.message, /westus has 8 of 24 vCPUs free for standardNCFamily \(dedicated\); the primary's clusters need 12 vCPUs for gpu-cluster \(2 × Standard_NC6\)/);
    assert.match(nc.fix, /to at least 28 vCPUs/);
    const ws = of(mutate((f) => (f.secondary.quotas = ok([workspaceQuota('secondary', 'Standard NC', 6)]))), 'quota').find((c) => /NC/.test(c.message))!;
    assert.equal(ws.verdict, 'fail');
    assert.match(ws.message, /own quota .* is 6 vCPUs/);
    const low = of(mutate((f) => f.primary.computes.ok && (f.primary.computes.value = [cluster('primary', 'gpu-spot', 'Standard_NC6', 10, 'LowPriority')])), 'quota');
    assert.deepEqual(verdicts(low), ['pass']);
    assert.match(low[0].message, /unlimited vCPUs free for standardNCFamily \(lowpriority\)/);
    assert.deepEqual(verdicts(of(mutate((f) => (f.secondary.usages = down)), 'quota')), ['unknown']);
  });

  it('assets hot/hot: a deployment missing on one side fails; an unhealthy endpoint fails; 403 is unknown', () => {
    const missing = of(mutate((f) => (f.secondary.onlineDeployments = ok({ 'credit-endpoint': [] }))), 'assets')[0];
    assert.equal(missing.verdict, 'fail');
    assert.match(missing.message, /inference \(hot\/hot\): online endpoint credit-endpoint: deployment blue missing in the secondary/);
    const noEndpoint = of(mutate((f) => (f.secondary.onlineEndpoints = ok([]))), 'assets')[0];
    assert.match(noEndpoint.message, /exists in the primary but not in the secondary/);
    const failed = of(mutate((f) => (f.secondary.onlineDeployments = ok({ 'credit-endpoint': [deployment('secondary', 'credit-endpoint', 'blue', 'azureml:credit-default:3', 'Failed')] }))), 'assets')[0];
    assert.match(failed.message, /the secondary deployment blue is Failed/);
    const unhealthyEndpoint = of(mutate((f) => (f.primary.onlineEndpoints = ok([endpoint('primary', 'credit-endpoint', 'Updating')]))), 'assets')[0];
    assert.match(unhealthyEndpoint.message, /the primary endpoint is Updating/);
    assert.equal(of(mutate((f) => (f.secondary.onlineEndpoints = forbidden)), 'assets')[0].verdict, 'unknown');
  });

  it('assets hot/warm: a deployed model missing in the secondary fails, naming the replicate command', () => {
    const warm = of(mutate((f) => (f.secondary.models = ok([]))), 'assets').find((c) => /hot\/warm/.test(c.message))!;
    assert.equal(warm.verdict, 'fail');
    assert.match(warm.fix, /aml-failover replicate models --from primary --to secondary --name credit-default/);
  });

  it('assets, the project\'s jobs at hot/hot: each thing a job YAML names that the secondary lacks fails, naming it and the job files', () => {
    const passing = of(passingFacts(), 'assets').find((c) => /the project's jobs/.test(c.message))!;
    assert.equal(passing.verdict, 'pass');
    assert.deepEqual(passing.resources, [wsId('secondary'), ...['computes/cpu-cluster', 'environments/sklearn-env/versions/1', 'models/credit-default/versions/3', 'data/credit-data/versions/1', 'components/prep', 'datastores/curated'].map((p) => `${wsId('secondary')}/${p}`)]);
    assert.match(passing.message, /^inference \(hot\/hot\), the project's jobs: everything 1 job file names exists in the secondary: compute cpu-cluster, environment sklearn-env:1, model credit-default:3, data asset credit-data:1, component prep, datastore curated\.$/);

    const onlyPrimary = mutate((f) => {
      f.secondary.jobAssets = ok({ ...(f.secondary.jobAssets.ok ? f.secondary.jobAssets.value : {}), 'environments/sklearn-env/versions/1': null, 'components/prep': null });
      f.primary.jobAssets = ok({ ...(f.primary.jobAssets.ok ? f.primary.jobAssets.value : {}), 'components/prep': null });
      if (f.projectJobs.state === 'read') f.projectJobs.jobs.push({ file: 'jobs/score.yml', needs: { ...trainJob(), models: [], data: [], components: [] } });
    });
    const failing = of(onlyPrimary, 'assets').filter((c) => c.verdict === 'fail');
    assert.deepEqual(failing.map((c) => c.message), [
      "inference (hot/hot), the project's jobs: environment sklearn-env:1, which jobs/train.yml, jobs/score.yml use, is in the primary but not in the secondary; those jobs fail there.",
      "inference (hot/hot), the project's jobs: component prep, which jobs/train.yml uses, is in neither workspace; those jobs fail there.",
    ]);
    assert.equal(failing[0].fix, 'Replicate it: aml-failover replicate environments --from primary --to secondary --name sklearn-env:1. See docs/readiness.md#assets');
    assert.deepEqual(failing[0].resources, [`${wsId('primary')}/environments/sklearn-env/versions/1`, wsId('secondary')]);
    assert.match(failing[1].fix, /^Correct jobs\/train\.yml \(aml-failover lint\), or register prep in both workspaces/);

    const noGpu = (f: ReadinessFacts) => f.projectJobs.state === 'read' && (f.projectJobs.jobs[0].needs.computes = ['gpu-big']);
    const unmapped = of(mutate(noGpu), 'assets').find((c) => c.verdict === 'fail')!;
    assert.match(unmapped.message, /compute gpu-big, which jobs\/train\.yml uses, is in neither workspace/);
    assert.match(unmapped.fix, /resubmit: \{compute: \{gpu-big: <secondary compute>\}\}/);
    const mapped = of(mutate((f) => (noGpu(f), (f.computeMap = { 'gpu-big': 'gpu-cluster' }))), 'assets');
    assert.deepEqual(mapped.filter((c) => c.verdict !== 'pass'), []);
    const mappedAway = of(mutate((f) => (f.computeMap = { 'cpu-cluster': 'cpu-west' })), 'assets').find((c) => c.verdict === 'fail')!;
    assert.match(mappedAway.message, /compute cpu-cluster \(mapped to cpu-west by resubmit\.compute\), which jobs\/train\.yml uses, is in the primary but not in the secondary/);
  });

  it('assets at hot/warm and hot/cold: only the data the job YAMLs name is needed; hot/cold also every datastore the primary registers', () => {
    const cold = (f: ReadinessFacts) => (f.availability = { training: 'hot/cold' });
    const withoutEnv = (f: ReadinessFacts) => (f.secondary.jobAssets = ok({ ...(f.secondary.jobAssets.ok ? f.secondary.jobAssets.value : {}), 'environments/sklearn-env/versions/1': null }));
    // An environment missing is not a hot/cold or hot/warm matter: it is deployed by hand at failover.
    for (const level of [cold, (f: ReadinessFacts) => (f.availability = { scoring: 'hot/warm' })]) {
      assert.deepEqual(verdicts(of(mutate((f) => (level(f), withoutEnv(f))), 'assets')).filter((v) => v !== 'pass'), []);
    }
    const noData = of(mutate((f) => ((f.availability = { scoring: 'hot/warm' }), (f.secondary.jobAssets = ok({ ...(f.secondary.jobAssets.ok ? f.secondary.jobAssets.value : {}), 'data/credit-data/versions/1': null })))), 'assets');
    assert.deepEqual(noData.map((c) => [c.verdict, c.message]), [
      ['pass', 'scoring (hot/warm): the deployed models credit-default exist in the secondary.'],
      ['fail', "scoring (hot/warm), the project's jobs: data asset credit-data:1, which jobs/train.yml uses, is in the primary but not in the secondary; those jobs fail there."],
    ]);
    assert.match(noData[1].fix, /aml-failover replicate data --from primary --to secondary --name credit-data:1/);
    const findings = of(mutate((f) => (cold(f), f.secondary.datastores = ok([datastore('secondary', 'workspaceblobstore', 'stmlwestus', true)]))), 'assets');
    assert.deepEqual(findings.map((c) => [c.verdict, c.message]), [["fail", "training (hot/cold), the project's jobs: datastore curated, which jobs/train.yml uses, is in the primary but not in the secondary; those jobs fail there."], ['pass', 'training (hot/cold): the secondary workspace exists and registers every datastore the primary registers (it registers only the built-in ones).']]);
    assert.match(findings[0].fix, /az ml datastore create/);
    // A datastore the primary registers and no job names: hot/cold still wants it.
    const registered = of(mutate((f) => (cold(f), f.primary.datastores.ok && f.primary.datastores.value.push(datastore('primary', 'archive', 'starchive')))), 'assets');
    const archive = registered.find((c) => /archive/.test(c.message))!;
    assert.equal(archive.verdict, 'fail');
    assert.match(archive.message, /^training \(hot\/cold\): datastore archive registered in the primary missing in the secondary/);
    assert.deepEqual(archive.resources, [`${wsId('primary')}/datastores/archive`, wsId('secondary')]);
    const none = of(mutate((f) => (f.availability = {})), 'assets');
    assert.deepEqual(verdicts(none), ['pass', 'pass']);
    assert.match(none[0].message, /^every workload \(the pair file gives no availability, so hot\/cold is assumed\), the project's jobs: everything 1 job file names exists in the secondary: data asset credit-data:1, datastore curated\.$/);
  });

  it('assets: the secondary unreadable or absent, or no project folder, is said once, not as missing assets', () => {
    const refused = of(mutate((f) => (f.secondary.jobAssets = forbidden)), 'assets').find((c) => /project's jobs/.test(c.message))!;
    assert.equal(refused.verdict, 'unknown');
    assert.match(refused.message, /^Cannot check: no permission to read the secondary's assets the project's jobs name: HTTP 403/);
    const gone = of(mutate((f) => (f.availability = { training: 'hot/cold' }, f.secondary.workspace = { ok: false, kind: 'missing', reason: 'HTTP 404' })), 'assets');
    assert.deepEqual(gone.map((c) => [c.verdict, c.message]), [['fail', 'training (hot/cold): the secondary workspace mlw-westus does not exist.']]);
    const noProject = of(mutate((f) => (f.projectJobs = { state: 'unavailable', reason: 'no project folder to find the job YAMLs in' })), 'assets').find((c) => /project's jobs/.test(c.message))!;
    assert.equal(noProject.verdict, 'unknown');
    assert.equal(jobAssetPaths({ state: 'read', jobs: [{ file: 'a.yml', needs: { ...trainJob(), environments: [{ name: 'Sklearn-Env', version: '1' }, { name: '..', version: '1' }] } }], unreadable: [] }).join(' '), 'environments/sklearn-env/versions/1 models/credit-default/versions/3 data/credit-data/versions/1 components/prep');
  });

  it('assets reads the job YAMLs the linter walks, by their job $schema, leaving backups, exports and lint.ignore out', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'readiness-jobs-'));
    try {
      const job = (env: string) => `$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json\ntype: command\ncommand: python x.py\nenvironment: azureml:${env}\ncompute: azureml:cpu-cluster\n`;
      const files: Record<string, string> = {
        'jobs/train.yml': job('sklearn-env:2'),
        'jobs/nested/score.yaml': job('inference-env@latest'),
        'jobs/broken.yml': '$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json\nenvironment: [unclosed\n',
        'environments/env.yml': '$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json\nname: x\n',
        'aml-backup/primary/20261206T200000Z/jobs/old.yml': job('old-env:1'),
        'scratch/ignored.yml': job('scratch-env:1'),
        'aml-failover.yaml': 'workspaces:\n  primary: {subscription_id: 00000000-1111-2222-3333-444444444444, resource_group: rg-e, workspace_name: mlw-e, region: eastus}\n  secondary: {subscription_id: 00000000-1111-2222-3333-444444444444, resource_group: rg-w, workspace_name: mlw-w, region: westus}\nlint:\n  ignore: ["scratch/**"]\n',
      };
      for (const [rel, text] of Object.entries(files)) {
        await fs.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
        await fs.writeFile(path.join(dir, rel), text);
      }
      const jobs = await readProjectJobs(dir, await loadPairFile(dir));
      assert.equal(jobs.state, 'read');
      assert.deepEqual(jobs.state === 'read' && jobs.jobs.map((j) => [j.file, j.needs.environments.map((e) => assetLabel(e)).join()]), [['jobs/nested/score.yaml', 'inference-env'], ['jobs/train.yml', 'sklearn-env:2']]);
      assert.deepEqual(jobs.state === 'read' && jobs.unreadable, ['jobs/broken.yml']);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('access: a permission the secondary lacks fails (notActions subtract), one the primary lacks warns, 403 is unknown', () => {
    const readOnly = [{ actions: ['Microsoft.MachineLearningServices/workspaces/*/read', 'Microsoft.MachineLearningServices/workspaces/read'], notActions: [], dataActions: [], notDataActions: [] }];
    const fail = one(mutate((f) => (f.secondary.permissions = ok(readOnly))), 'access');
    assert.equal(fail.verdict, 'fail');
    assert.match(fail.message, /jobs\/write/);
    const denied = [{ ...DATA_SCIENTIST[0], notActions: [...DATA_SCIENTIST[0].notActions, 'Microsoft.MachineLearningServices/workspaces/computes/*'] }];
    assert.equal(one(mutate((f) => (f.secondary.permissions = ok(denied))), 'access').verdict, 'fail');
    assert.equal(one(mutate((f) => (f.primary.permissions = ok(readOnly))), 'access').verdict, 'warn');
    const unknown = one(mutate((f) => (f.secondary.permissions = forbidden)), 'access');
    assert.equal(unknown.verdict, 'unknown');
    assert.match(unknown.fix, /Reader/);
  });

  it('network: private endpoint on one side only fails; different public network access fails', () => {
    const pe = { id: `${wsId('primary')}/privateEndpointConnections/pe1`, name: 'pe1', properties: { privateEndpoint: { id: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe1' }, privateLinkServiceConnectionState: { status: 'Approved' }, provisioningState: 'Succeeded' } };
    const onlyPrimary = one(mutate((f) => (f.primary.privateEndpointConnections = ok([pe]))), 'network');
    assert.equal(onlyPrimary.verdict, 'fail');
    assert.match(onlyPrimary.message, /the primary has 1 approved private endpoint and the secondary 0/);
    const access = one(mutate((f) => f.secondary.workspace.ok && (props(f.secondary.workspace.value).publicNetworkAccess = 'Disabled')), 'network');
    assert.match(access.message, /public network access is Enabled on the primary and Disabled on the secondary/);
    assert.equal(one(mutate((f) => (f.primary.privateEndpointConnections = down)), 'network').verdict, 'unknown');
  });

  it('backup: the primary\'s recovery point — none fails, too old or unverified warns, fresh and verified passes; the secondary\'s is checked when there is one', () => {
    const fresh = one(passingFacts(), 'backup');
    assert.equal(fresh.verdict, 'pass');
    assert.match(fresh.message, /Verified backup of the primary workspace from 2026-12-06T20:00:00.000Z \(2 h old\): aml-backup\/primary\/20261206T200000Z/);
    const none = one(mutate((f) => f.backup.state === 'read' && (f.backup.points.primary = undefined)), 'backup');
    assert.equal(none.verdict, 'fail');
    assert.match(none.message, /No backup of the primary workspace in aml-backup/);
    assert.match(none.fix, /aml-failover backup --from primary --to-storage secondary/);
    const old = one(mutate((f) => (f.now = Date.parse('2026-12-08T20:00:00Z'))), 'backup');
    assert.equal(old.verdict, 'warn');
    assert.match(old.message, /2 d old, more than 24 h \(amlFailover.backup.maxAgeHours\)/);
    assert.equal(one(mutate((f) => ((f.now = Date.parse('2026-12-08T20:00:00Z')), (f.backupMaxAgeHours = 72))), 'backup').verdict, 'pass');
    const unverified = one(mutate((f) => f.backup.state === 'read' && (f.backup.points.primary!.verified = false)), 'backup');
    assert.equal(unverified.verdict, 'warn');
    assert.match(unverified.message, /not verified/);
    assert.match(unverified.fix, /aml-failover verify aml-backup\/primary\/20261206T200000Z/);
    const both = runChecks(mutate((f) => f.backup.state === 'read' && (f.backup.points.secondary = { place: 'aml-backup/secondary/20261201T000000Z', takenAt: '2026-12-01T00:00:00.000Z', verified: true })));
    assert.deepEqual(both.filter((c) => c.id === 'backup').map((c) => c.verdict), ['pass', 'warn']);
    const unknown = one(mutate((f) => (f.backup = { state: 'unavailable', reason: 'backup.dir in aml-failover.yaml must be a folder inside the project.' })), 'backup');
    assert.equal(unknown.verdict, 'unknown');
    assert.match(unknown.message, /backup.dir/);
  });

  it('backup: kept outside the primary\'s region — no copy in the secondary\'s store warns, a fresh copy passes naming it, an old copy warns, an unreadable store is said', () => {
    const withCopy = (off: NonNullable<RecoveryPointFacts['offRegion']>) => one(mutate((f) => f.backup.state === 'read' && (f.backup.points.primary!.offRegion = off)), 'backup');
    const local = withCopy({ state: 'none' });
    assert.equal(local.verdict, 'warn');
    assert.match(local.message, /no copy is kept outside the primary's region \(only aml-backup\/primary\/20261206T200000Z, on this machine\)/);
    assert.match(local.fix, /^Copy it off-region \(aml-failover backup --from primary --to-storage secondary\)/);
    const location = 'azureml://subscriptions/s/resourcegroups/rg-w/workspaces/mlw-w/datastores/workspaceblobstore/paths/aml-failover/backups/primary/20261206T200000Z';
    const copied = withCopy({ state: 'copied', takenAt: '2026-12-06T20:00:00.000Z', location });
    assert.equal(copied.verdict, 'pass');
    assert.ok(copied.message.includes(`a copy from 2026-12-06T20:00:00.000Z is kept outside the region: ${location}`), copied.message);
    assert.ok(copied.resources.includes(location));
    const stale = withCopy({ state: 'copied', takenAt: '2026-12-01T00:00:00.000Z', location });
    assert.equal(stale.verdict, 'warn');
    assert.match(stale.message, /its newest copy outside the region, .* is \d+ d old, more than 24 h/);
    const unreadable = withCopy({ state: 'unknown', reason: 'the secondary did not answer' });
    assert.equal(unreadable.verdict, 'pass');
    assert.match(unreadable.message, /whether a copy is kept outside the region could not be read \(the secondary did not answer\)/);
  });

  it('the secondary region down: every check that needs it is unknown with the reason, none fails', () => {
    const f = passingFacts();
    for (const key of Object.keys(f.secondary) as (keyof typeof f.secondary)[]) {
      if (key !== 'role' && key !== 'ref') (f.secondary as unknown as Record<string, unknown>)[key] = down;
    }
    const checks = runChecks(f);
    assert.ok(!checks.some((c) => c.verdict === 'fail'), JSON.stringify(checks.filter((c) => c.verdict === 'fail'), null, 1));
    for (const c of checks.filter((c) => c.verdict === 'unknown')) assert.match(c.message, /the region did not answer/);
    assert.ok(checks.filter((c) => c.verdict === 'unknown').length >= 8);
  });

  it('--json carries exactly {id, verdict, message, fix, resources}; the text names each check; exit 1 on a fail', () => {
    const checks = runChecks(mutate((f) => (f.secondary.computes = ok([]))));
    assert.equal(readinessExitCode(checks), 1);
    const json = readinessJson(checks);
    for (const c of json.checks) assert.deepEqual(Object.keys(c), ['id', 'verdict', 'message', 'fix', 'resources']);
    const text = formatReadiness(checks);
    assert.match(text, /✗ fail +compute +Cluster cpu-cluster/);
    assert.match(text, /fix: Create cpu-cluster in the secondary/);
    assert.match(text, /checks: \d+ pass, \d+ warn, [1-9]\d* fail, 0 unknown\.$/);
  });
});

describe('readiness --backup-max-age-hours', () => {
  it('refuses a value that is not a number of hours above 0 with a clear message, before reading anything', async () => {
    const ctx: CliContext = {
      out: () => undefined,
      err: () => undefined,
      logger: silentLogger,
      projectDir: () => '/nonexistent-project',
      isTTY: false,
      signal: new AbortController().signal,
      setExitCode: () => undefined,
      azureAccess: () => ({ trust: fixedTrust([]) }),
      cloudTrust: () => fixedTrust([]),
    };
    for (const bad of ['0', '-3', 'a day']) {
      await assert.rejects(buildProgram(ctx).exitOverride().parseAsync(['node', 'aml-failover', 'readiness', '--backup-max-age-hours', bad]), (err: unknown) => {
        assert.ok(err instanceof UserError && err.kind === 'usage', String(err));
        assert.equal(err.message, `--backup-max-age-hours must be a number of hours above 0, not "${bad}".`);
        return true;
      });
    }
  });
});
