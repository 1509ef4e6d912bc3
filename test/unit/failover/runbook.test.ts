// The failover's pure core: the runbook's rule about the switch, the interrupted-jobs rule, what a job needs, and how
// a job is planned for the target (new name, tags, references, computes); and how it reads a backup's snapshot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AzureConnection } from '../../../src/azure/connection';
import { silentLogger } from '../../../src/common/logger';
import { projectBackups, withDefinitions } from '../../../src/failover/backups';
import { interruptedJobs } from '../../../src/failover/interrupted';
import { isInterrupted } from '../../../src/failover/interrupted';
import { jobNeeds } from '../../../src/failover/needs';
import { checkJob, describeStorage, emptyHoldings, storageAccountFacts, storageFindings } from '../../../src/failover/preflight';
import { toMarkdown, NOT_CARRIED_OVER } from '../../../src/failover/report';
import { DRILL_TAG, RESUBMITTED_FROM_TAG, planResubmission, resubmittedName } from '../../../src/failover/resubmitPlan';
import { runRunbook, type RunbookStep, type StepDecision } from '../../../src/failover/runbook';
import { parsePairFile, type PairConfig, type WorkspaceRef } from '../../../src/pair/pairFile';
import { KERNEL_REMINDER, stillPointingAtSource } from '../../../src/failover/stillPointing';
import { resubmitSection } from '../../../src/pair/resubmitSection';

const step = (id: string, behaviour: 'ok' | 'fail' | 'partial' = 'ok', extra: Partial<RunbookStep> = {}): RunbookStep & { ran: number } => {
  const s = {
    id,
    title: id,
    ran: 0,
    plan: () => `plan of ${id}`,
    run: async () => {
      s.ran++;
      if (behaviour === 'fail') throw new Error(`${id} broke`);
      return { summary: `${id} done`, partial: behaviour === 'partial' };
    },
    ...extra,
  };
  return s;
};

test('a failure before the switch stops there: the switch never runs, the always-steps still do, the rest is not done', async () => {
  const steps = [step('preflight', 'fail'), step('switch', 'ok', { switches: true }), step('resubmit'), step('report', 'ok', { always: true })];
  const r = await runRunbook(steps, new AbortController().signal);
  assert.equal(r.outcome, 'failed');
  assert.equal(r.stoppedAt, 'preflight');
  assert.equal(r.switched, false);
  assert.equal(steps[1]!.ran, 0);
  assert.equal(steps[3]!.ran, 1);
  assert.deepEqual(r.notDone, ['switch', 'resubmit']);
  assert.equal(r.steps[0]!.error, 'preflight broke');
  assert.ok(r.steps.filter((s) => s.startedAt).every((s) => s.plan), 'every step that ran was shown first');
});

test('a failure after the switch keeps it (switched stays true) and a partial step stops the runbook too', async () => {
  const steps = [step('switch', 'ok', { switches: true }), step('resubmit', 'partial'), step('confirm'), step('report', 'ok', { always: true })];
  const r = await runRunbook(steps, new AbortController().signal);
  assert.equal(r.switched, true);
  assert.equal(r.outcome, 'failed');
  assert.equal(r.steps[1]!.outcome, 'partial');
  assert.deepEqual(r.notDone, ['confirm']);
  assert.ok(r.steps.filter((s) => s.startedAt).every((s) => typeof s.durationMs === 'number'));
});

test('asked before each step: skip records why, cancel stops before the step (the report still runs)', async () => {
  const answers: StepDecision[] = ['run', 'skip', 'cancel'];
  const steps = [step('a'), step('b'), step('c'), step('d'), step('report', 'ok', { always: true })];
  const r = await runRunbook(steps, new AbortController().signal, { decide: () => Promise.resolve(answers.shift() ?? 'run') });
  assert.deepEqual(r.steps.map((s) => s.outcome), ['done', 'skipped', 'cancelled', 'not-run', 'done']);
  assert.equal(r.steps[1]!.skipped[0]!.why, 'you chose to skip it');
  assert.equal(r.outcome, 'cancelled');
  assert.equal(steps[2]!.ran, 0);
});

test('an abort while a step runs ends it cancelled', async () => {
  const abort = new AbortController();
  const slow = step('slow', 'ok', {
    run: (ctx) => new Promise((_resolve, reject) => {
      ctx.signal.addEventListener('abort', () => reject(new Error('aborted')));
      abort.abort();
    }),
  });
  const r = await runRunbook([slow, step('next')], abort.signal);
  assert.equal(r.outcome, 'cancelled');
  assert.deepEqual(r.steps.map((s) => s.outcome), ['cancelled', 'not-run']);
});

test('interrupted: every unfinished state, and Failed only with a region-outage reason', () => {
  for (const status of ['NotStarted', 'Starting', 'Provisioning', 'Preparing', 'Queued', 'Running', 'Finalizing', 'NotResponding', 'Paused']) assert.ok(isInterrupted({ name: 'j', status }), status);
  for (const status of ['Completed', 'Canceled', 'CancelRequested']) assert.ok(!isInterrupted({ name: 'j', status }), status);
  assert.ok(isInterrupted({ name: 'j', status: 'Failed', failureReason: 'The region became unavailable while the job was running.' }));
  assert.ok(!isInterrupted({ name: 'j', status: 'Failed', failureReason: 'The training script exited with code 1.' }));
  assert.ok(!isInterrupted({ name: 'j', status: 'Failed' }));
});

const SRC: WorkspaceRef = { subscription_id: 'sub-1', resource_group: 'rg-east', workspace_name: 'mlw-east', region: 'eastus' };
const DST: WorkspaceRef = { subscription_id: 'sub-1', resource_group: 'rg-west', workspace_name: 'mlw-west', region: 'westus' };
const WS = '/subscriptions/sub-1/resourceGroups/rg-east/providers/Microsoft.MachineLearningServices/workspaces/mlw-east';
const job = {
  id: `${WS}/jobs/train_nightly`,
  name: 'train_nightly',
  properties: {
    jobType: 'Command',
    displayName: 'train-nightly',
    experimentName: 'sentiment',
    status: 'Running',
    tags: { schedule: 'nightly' },
    properties: { StartTimeUtc: '2026-01-01T00:00:00Z', owner: 'alice' },
    command: 'python train.py',
    environmentId: `${WS}/environments/pytorch-env/versions/1`,
    computeId: `${WS}/computes/gpu-cluster`,
    inputs: {
      data: { jobInputType: 'uri_folder', uri: 'azureml://subscriptions/sub-1/resourcegroups/rg-east/workspaces/mlw-east/datastores/workspaceblobstore/paths/data/' },
      model: { jobInputType: 'mlflow_model', uri: 'azureml:credit-default:3' },
    },
  },
};

test('what a job needs: compute, environment, model and datastore, from ARM ids and azureml: references', () => {
  const n = jobNeeds(job.properties);
  assert.deepEqual(n.computes, ['gpu-cluster']);
  assert.deepEqual(n.environments, [{ name: 'pytorch-env', version: '1' }]);
  assert.deepEqual(n.models, [{ name: 'credit-default', version: '3' }]);
  assert.deepEqual(n.datastores, ['workspaceblobstore']);
  // A CLI pipeline YAML as parsed: default_compute and child components.
  const p = jobNeeds({ settings: { default_compute: 'azureml:cpu-cluster' }, jobs: { train: { component: 'azureml:train_credit:3', compute: 'azureml:ci-alice' } } });
  assert.deepEqual(p.computes.sort(), ['ci-alice', 'cpu-cluster']);
  assert.deepEqual(p.components, [{ name: 'train_credit', version: '3' }]);
});

test('pre-flight of one job: mapped compute, environment to copy, missing model blocks it', () => {
  const h = emptyHoldings();
  h.computes.set('cpu-cluster', 'AmlCompute');
  h.datastores.set('workspaceblobstore', 'stwest');
  const c = checkJob('train_nightly', jobNeeds(job.properties), h, { 'gpu-cluster': 'cpu-cluster' }, { from: 'backup', environments: new Set(['pytorch-env:1']), models: new Set() });
  assert.deepEqual(c.checks.map((x) => `${x.kind} ${x.name} ${x.status}`), ['compute gpu-cluster mapped', 'environment pytorch-env:1 will-copy', 'model credit-default:3 missing', 'datastore workspaceblobstore present']);
  assert.equal(c.blocked, true);
});

test('a resubmission of the exported YAML: new name, display name/experiment/tags kept, tagged with the source id, pinned references made portable, computes mapped', () => {
  const doc = {
    $schema: 'https://azuremlschemas.azureedge.net/latest/commandJob.schema.json',
    type: 'command',
    display_name: 'train-nightly',
    experiment_name: 'sentiment',
    tags: { schedule: 'nightly' },
    code: '../code/train_nightly/src',
    command: 'python train.py',
    environment: 'azureml:pytorch-env:1',
    compute: 'azureml:gpu-cluster',
    inputs: {
      data: { type: 'uri_folder', path: 'azureml://subscriptions/sub-1/resourcegroups/rg-east/workspaces/mlw-east/datastores/workspaceblobstore/paths/data/' },
      model: { type: 'mlflow_model', path: 'azureml:credit-default:3' },
    },
  };
  const p = planResubmission(job, doc, SRC, DST, { suffix: 'fo1', computeMap: { 'gpu-cluster': 'cpu-cluster' }, drillId: '20261206-abcdef' });
  assert.equal(p.name, 'train_nightly-fo1');
  const out = p.doc as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(out.display_name, 'train-nightly');
  assert.equal(out.experiment_name, 'sentiment');
  assert.deepEqual(out.tags, { schedule: 'nightly', [RESUBMITTED_FROM_TAG]: job.id, [DRILL_TAG]: '20261206-abcdef' });
  assert.equal(out.environment, 'azureml:pytorch-env:1');
  assert.equal(out.compute, 'azureml:cpu-cluster');
  assert.equal(out.code, '../code/train_nightly/src', 'the code folder stays: the submit path uploads it');
  assert.equal(out.inputs.data.path, 'azureml://datastores/workspaceblobstore/paths/data/');
  assert.equal(out.inputs.model.path, 'azureml:credit-default:3');
  assert.ok(!JSON.stringify(out).includes('mlw-east') || JSON.stringify(out).includes(RESUBMITTED_FROM_TAG), 'only the tag names the source');
  assert.equal(resubmittedName('x'.repeat(300), 'fo1').length, 255);
  // A pipeline stays a pipeline: its default compute and each step's compute are mapped, its steps kept.
  const pipeline = planResubmission({ id: `${WS}/jobs/credit_pipeline_1`, name: 'credit_pipeline_1' }, { type: 'pipeline', settings: { default_compute: 'azureml:gpu-cluster' }, jobs: { prep: { type: 'command', component: 'azureml:prep_credit:1', compute: 'gpu-cluster' }, train: { component: './components/train.yml' } } }, SRC, DST, { suffix: 'fo1', computeMap: { 'gpu-cluster': 'cpu-cluster' } }).doc as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(pipeline.type, 'pipeline');
  assert.equal(pipeline.settings.default_compute, 'azureml:cpu-cluster');
  assert.deepEqual(pipeline.jobs.prep, { type: 'command', component: 'azureml:prep_credit:1', compute: 'cpu-cluster' });
  assert.equal(pipeline.jobs.train.component, './components/train.yml');
  assert.equal(pipeline.display_name, 'credit_pipeline_1');
});

test('the report names every step, the recovery point and time, and what is not carried over', () => {
  const md = toMarkdown({
    kind: 'drill',
    drillId: 'd1',
    from: { role: 'primary', workspace: 'mlw-east', region: 'eastus' },
    to: { role: 'secondary', workspace: 'mlw-west', region: 'westus' },
    outcome: 'completed',
    switched: true,
    startedAt: '2026-12-06T00:00:00.000Z',
    recoveryPoint: { description: 'the backup of X (3 s old)' },
    recoveryTimeSeconds: 4.2,
    steps: [{ id: 'switch', title: 'Switch | config', outcome: 'done', startedAt: '2026-12-06T00:00:01.000Z', durationMs: 30, summary: 'ok', details: [], skipped: [] }],
    jobs: [],
    stillPointing: [],
    notDone: [],
    cleanupCommand: 'aml-failover drill --cleanup d1',
    notCarriedOver: NOT_CARRIED_OVER,
  });
  assert.match(md, /\| 1 \| Switch \\\| config \| 2026-12-06T00:00:01.000Z \| 0.03 s \| done \| ok \|/);
  assert.match(md, /Recovery point:\*\* the backup of X/);
  assert.match(md, /4\.2 s/);
  assert.match(md, /Run history, metrics/);
  assert.match(md, /aml-failover drill --cleanup d1/);
});

test('the pair file’s resubmit section: computes mapped as written; anything else is refused with the file named', () => {
  const pair = (resubmit: unknown) => ({ sections: { resubmit } }) as unknown as PairConfig;
  assert.deepEqual(resubmitSection(pair(undefined)).compute, {});
  assert.deepEqual(resubmitSection(pair({ compute: { 'gpu-cluster': 'cpu-cluster' } })).compute, { 'gpu-cluster': 'cpu-cluster' });
  assert.throws(() => resubmitSection(pair({ compute: { 'gpu-cluster': 3 } })), /aml-failover\.yaml: resubmit\.compute\.gpu-cluster must name a compute/);
  assert.throws(() => resubmitSection(pair(['x'])), /aml-failover\.yaml: resubmit must be a mapping/);
});

test('a verified snapshot of the backups library as the failover reads it: job statuses and ids, the jobs it holds as YAML, the versions and components it can bring, the source storage account', async () => {
  const project = await fs.mkdtemp(path.join(os.tmpdir(), 'failover-backup-'));
  try {
    const snap = path.join(project, 'aml-backup', 'primary', '20261206T220238Z');
    const files: Record<string, { text: string; asset: { kind: string; name: string; version?: string } }> = {
      'jobs/train_nightly.yml': { text: 'type: command\ncode: ../code/train_nightly/src\ncommand: python train.py\nenvironment: azureml:pytorch-env:1\ncompute: azureml:gpu-cluster\n', asset: { kind: 'job', name: 'train_nightly' } },
      'code/train_nightly/src/train.py': { text: 'print(1)\n', asset: { kind: 'job', name: 'train_nightly' } },
      'components/prep_credit/1/component.yml': { text: 'name: prep_credit\nversion: "1"\n', asset: { kind: 'job', name: 'credit_pipeline' } },
      'environments/pytorch-env/1/environment.yml': { text: 'name: pytorch-env\n', asset: { kind: 'environment', name: 'pytorch-env', version: '1' } },
      'models/credit-default/3/model.yml': { text: 'name: credit-default\n', asset: { kind: 'model', name: 'credit-default', version: '3' } },
    };
    const sha = (t: string) => createHash('sha256').update(t).digest('hex');
    for (const [rel, f] of Object.entries(files)) {
      await fs.mkdir(path.dirname(path.join(snap, rel)), { recursive: true });
      await fs.writeFile(path.join(snap, rel), f.text);
    }
    const manifest = JSON.stringify({ version: 1, tool: 'aml-failover', complete: true, names: [], failed: [], files: Object.entries(files).map(([rel, f]) => ({ path: rel, size: f.text.length, sha256: sha(f.text), source: { workspace: WS, path: rel }, asset: f.asset })) });
    await fs.writeFile(path.join(snap, 'manifest.json'), manifest);
    const jobs = [
      { name: 'train_nightly', status: 'Running' },
      { name: 'old_done', status: 'Completed' },
      { name: 'cut_by_outage', status: 'Failed', failureReason: 'The job was interrupted by an outage of region eastus.' },
    ];
    await fs.writeFile(path.join(snap, 'backup.json'), JSON.stringify({ version: 1, tool: 'aml-failover', kind: 'backup', role: 'primary', workspace: WS, takenAt: '2026-12-06T22:02:38.000Z', finishedAt: '2026-12-06T22:03:00.000Z', complete: true, jobs, datastores: [{ name: 'workspaceblobstore', account: 'steast' }], stats: {} }));
    await fs.writeFile(path.join(snap, 'verified.json'), JSON.stringify({ version: 1, tool: 'aml-failover', verifiedAt: '2026-12-06T22:04:00.000Z', ok: true, manifestSha256: sha(manifest), files: 5, bytes: 1, problems: [] }));

    const b = await projectBackups(project, { sections: {} } as PairConfig, {} as AzureConnection, silentLogger).newestVerified('primary');
    assert.ok(b);
    assert.equal(b.takenAt, '2026-12-06T22:02:38.000Z');
    assert.equal(b.storageAccount, 'steast');
    assert.deepEqual([...b.environments], ['pytorch-env:1']);
    assert.deepEqual([...b.models], ['credit-default:3']);
    assert.deepEqual([...b.definitions.components], ['prep_credit:1']);
    assert.deepEqual([...b.definitions.files.keys()], ['train_nightly']);
    const interrupted = interruptedJobs(b.jobs);
    assert.deepEqual(interrupted.map((j) => [j.name, j.id]), [['train_nightly', `${WS}/jobs/train_nightly`], ['cut_by_outage', `${WS}/jobs/cut_by_outage`]]);
    const read = await withDefinitions(interrupted, b.definitions);
    assert.deepEqual(jobNeeds(read[0]!.properties).environments, [{ name: 'pytorch-env', version: '1' }]);
    assert.deepEqual(read[1]!.properties, {});
    assert.equal(b.definitions.problems.get('cut_by_outage'), 'the backup holds no definition of it');

    // A snapshot changed since it was verified is not the newest verified any more.
    await fs.appendFile(path.join(snap, 'manifest.json'), ' ');
    assert.equal(await projectBackups(project, { sections: {} } as PairConfig, {} as AzureConnection, silentLogger).newestVerified('primary'), undefined);
  } finally {
    await fs.rm(project, { recursive: true, force: true });
  }
});

test('step 6 lists what still names the source: a .env naming its workspace, MLFLOW_TRACKING_URI naming its region, Azure CLI defaults naming it, and the kernel reminder — not what names the target', async () => {
  const project = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'failover-pointing-')));
  try {
    const parsed = parsePairFile(`workspaces:\n  primary:   {subscription_id: 00000000-0000-0000-0000-000000000001, resource_group: rg-east, workspace_name: ml-east, region: eastus}\n  secondary: {subscription_id: 00000000-0000-0000-0000-000000000001, resource_group: rg-west, workspace_name: ml-west, region: westus}\n`, project);
    assert.ok(parsed.ok);
    await fs.writeFile(path.join(project, '.env'), '# the team\'s settings\nAZUREML_WORKSPACE=ml-east\nOTHER=fine\nAZUREML_RESOURCE_GROUP=rg-west\n');
    await fs.mkdir(path.join(project, 'service'));
    await fs.writeFile(path.join(project, 'service', 'prod.env'), 'WORKSPACE_NAME=ml-west\n');
    await fs.mkdir(path.join(project, '.azure'));
    await fs.writeFile(path.join(project, '.azure', 'config'), '[defaults]\ngroup = rg-east\nworkspace = ml-east\n');
    const env = { MLFLOW_TRACKING_URI: 'azureml://eastus.api.azureml.ms/mlflow/v1.0/subscriptions/x', AZUREML_RUN_ID: 'ml-west-run', PATH: '/usr/bin:ml-east' };
    const lines = await stillPointingAtSource(project, parsed.config, 'primary', env, new AbortController().signal);
    assert.deepEqual(lines, [
      '.env:2: AZUREML_WORKSPACE names the source',
      'environment variable MLFLOW_TRACKING_URI names the source (set it again in your shell and CI)',
      `${path.join('.azure', 'config')}: Azure CLI defaults name the source (aml-failover switch secondary --azure-cli-defaults)`,
      KERNEL_REMINDER,
    ]);
    assert.match(KERNEL_REMINDER, /Restart notebook kernels .*MLClient/);
  } finally {
    await fs.rm(project, { recursive: true, force: true });
  }
});

test('pre-flight names the datastores whose account lives in the region that is down: by the account ARM describes (with its read-access secondary endpoint for RA-GRS / RA-GZRS), else by the backup’s record of the source’s accounts', () => {
  const listed = [
    { name: 'steast', location: 'eastus', sku: { name: 'Standard_RAGRS' }, properties: { secondaryEndpoints: { blob: 'https://steast-secondary.blob.core.windows.net/' } } },
    { name: 'stEastLrs', location: 'East US', sku: { name: 'Standard_LRS' }, properties: {} },
    { name: 'stwest', location: 'westus', sku: { name: 'Standard_RAGZRS' }, properties: { secondaryEndpoints: { blob: 'https://stwest-secondary.blob.core.windows.net/' } } },
    { name: 'no-location' },
  ];
  const accounts = new Map(listed.map((a) => storageAccountFacts(a)).filter((f) => f !== undefined));
  assert.deepEqual([...accounts.keys()], ['steast', 'steastlrs', 'stwest']);
  const datastores = [
    { datastore: 'shared_east', account: 'stEast' },
    { datastore: 'east_lrs', account: 'steastlrs' },
    { datastore: 'workspaceblobstore', account: 'stwest' },
    { datastore: 'unread', account: 'stgone' },
    { datastore: 'unread_other', account: 'stelsewhere' },
    { datastore: 'missing_in_target' },
  ];
  const findings = storageFindings(datastores, accounts, 'eastus', ['steast', 'STGONE']);
  assert.deepEqual(findings, [
    { datastore: 'shared_east', account: 'stEast', readAccessSecondary: 'https://steast-secondary.blob.core.windows.net/' },
    { datastore: 'east_lrs', account: 'steastlrs' },
    { datastore: 'unread', account: 'stgone', fromBackup: true },
  ]);
  assert.deepEqual(findings.map((f) => describeStorage(f, 'eastus')), [
    'datastore shared_east: its storage account stEast lives in eastus, which is down; read from its read-access secondary endpoint https://steast-secondary.blob.core.windows.net/',
    'datastore east_lrs: its storage account steastlrs lives in eastus, which is down; it has no read-access secondary endpoint',
    "datastore unread: its storage account stgone is the source workspace's (as its backup records; ARM did not describe it), in eastus, which is down; whether it has a read-access secondary endpoint is unknown",
  ]);
  // A GRS account without read access has no endpoint to offer, even if one were listed.
  assert.deepEqual(storageFindings([{ datastore: 'd', account: 'a' }], new Map([['a', { location: 'eastus', sku: 'Standard_GRS', secondaryBlob: 'https://a-secondary.blob.core.windows.net/' }]]), 'eastus'), [{ datastore: 'd', account: 'a' }]);
});
