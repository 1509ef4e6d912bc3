// Jobs that travel, against the sandbox through the real SDK clients: every kind of job the primary holds (command
// with a named or an inline environment, a pipeline with named and anonymous components, a sweep) is exported, loaded
// by the real Azure ML parser (azure.ai.ml.load_job …), submitted to the secondary by src/jobs/submit.ts and seen
// `Running` there; a job whose compute the secondary lacks is refused before anything is written. And the sandbox
// project's own `MLClient.from_config()` reads both workspaces, following `aml-failover switch`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { connect, type AzureConnection } from '../../../src/azure/connection';
import { silentLogger } from '../../../src/common/logger';
import { exportWorkspace, type ExportOutcome } from '../../../src/export/exportWorkspace';
import { SubmitRefusedError, submitJob } from '../../../src/jobs/submit';
import { SEED_CODE } from '../../../src/sandbox/seed/jobs';
import { runCli } from '../../support/cli';
import { SYSTEM_PYTHON, loadWithRealParser, refusals } from '../../support/referee';
import { startSandbox, type RunningSandbox } from '../../support/sandbox';
import { scratchDir } from '../../support/scratch';

let sb: RunningSandbox;
let conn: AzureConnection;
let out: string;
let exported: ExportOutcome;
const quiet = silentLogger;
const signal = new AbortController().signal;

const ml = () => new AzureMachineLearningWorkspaces(sb.credential, sb.primary.subscription_id, { endpoint: sb.armUrl, tlsOptions: { ca: sb.ca } } as never);
const secondary = () => [sb.secondary.resource_group, sb.secondary.workspace_name] as const;

/** The YAML the export writes itself (not the files of a model or of code, which are the user's): job, component, model, environment. */
async function yamlFiles(dir: string): Promise<string[]> {
  const all = (await fs.readdir(dir, { recursive: true })).map((f) => String(f).split(path.sep).join('/'));
  const ours = /^(jobs\/[^/]+\.yml|components\/[^/]+\/[^/]+\/component\.yml|models\/[^/]+\/[^/]+\/model\.yml|environments\/[^/]+\/[^/]+\/environment\.yml)$/;
  return all.filter((f) => ours.test(f)).map((f) => path.join(dir, f));
}

/** Polls the job as a user's script does: its status changes over time on the service's clock. */
async function statusesUntil(name: string, wanted: string): Promise<string[]> {
  const seen: string[] = [];
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const j = await ml().jobs.get(...secondary(), name);
    const s = j.properties.status ?? '';
    if (seen.at(-1) !== s) seen.push(s);
    if (s === wanted) return seen;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} never reached ${wanted}; saw ${seen.join(' → ')}`);
}

describe('jobs that travel', { timeout: 600_000 }, () => {
  before(async () => {
    sb = await startSandbox({ largeModelMb: 1, jobSeconds: 120 });
    conn = await connect(sb.pair.cloud, { logger: quiet });
    out = path.join(await scratchDir('jobs-it-'), 'out');
    exported = await exportWorkspace({ projectDir: sb.projectDir, from: 'primary', kinds: ['models', 'environments', 'jobs'], outDir: out, connection: conn, signal, logger: quiet });
  });
  after(async () => {
    await sb?.stop();
  });

  it('exports every job as CLI YAML with its code and components, and the real parser loads every file', async () => {
    assert.ok(exported.complete, `export incomplete: ${JSON.stringify(exported.failed)}`);
    const files = await yamlFiles(out);
    const verdicts = await loadWithRealParser(files);
    assert.equal(refusals(verdicts), '');
    const kinds = new Set(verdicts.map((v) => (v.kind === 'environment' ? v.kind : `${v.kind}:${v.type}`)));
    for (const k of ['job:command', 'job:pipeline', 'job:sweep', 'component:command', 'model:custom_model', 'model:mlflow_model', 'environment']) assert.ok(kinds.has(k), `no ${k} among ${[...kinds].join(', ')}`);
    const pipeline = verdicts.find((v) => v.file.endsWith(`jobs${path.sep}credit_pipeline_1.yml`));
    assert.deepEqual(pipeline?.steps, { prep: 'str', train: 'str', evaluate: 'CommandComponent' }, 'named steps by reference, the anonymous one from its file');

    const doc = parse(await fs.readFile(path.join(out, 'jobs', 'credit_pipeline_1.yml'), 'utf8')) as { settings: Record<string, string>; jobs: Record<string, Record<string, unknown>> };
    assert.equal(doc.settings.default_datastore, 'azureml:workspaceblobstore');
    assert.equal(doc.jobs.prep.component, 'azureml:prep_credit:1');
    assert.match(String(doc.jobs.evaluate.component), /^\.\.\/components\/evaluate_credit\/[0-9a-f-]{36}\/component\.yml$/);
    const command = parse(await fs.readFile(path.join(out, 'jobs', 'train_credit_default_1.yml'), 'utf8')) as Record<string, unknown>;
    // One code asset shared by every job is exported once, under the first job (by name) that runs it.
    assert.match(String(command.code), /^\.\.\/code\/[a-z_0-9]+\/$/);
    for (const [name, text] of Object.entries(SEED_CODE)) assert.equal(await fs.readFile(path.join(out, 'jobs', String(command.code), name), 'utf8'), text, `code file ${name}`);
    const inline = parse(await fs.readFile(path.join(out, 'jobs', 'train_credit_inline_env.yml'), 'utf8')) as { environment: { image: string } };
    assert.match(inline.environment.image, /openmpi4\.1\.0/);
    // The pipeline's steps are jobs of their own in the service, never exported as jobs.
    assert.ok(!exported.jobs!.some((j) => j.name.startsWith('credit_pipeline_1_')));
    assert.deepEqual(exported.jobs!.filter((j) => j.leftovers.length), [], 'every seeded job travels as it is');
  });

  it('submits command, inline-environment, pipeline and sweep jobs to the secondary, where they run', async () => {
    const created = new Set<string>();
    for (const job of ['train_credit_default_2', 'train_credit_inline_env', 'credit_pipeline_1', 'sweep_credit_lr']) {
      const result = await submitJob({ connection: conn, target: sb.secondary, jobFile: path.join(out, 'jobs', `${job}.yml`), signal, logger: quiet });
      for (const c of result.created) created.add(c);
      assert.equal(result.status, 'NotStarted');
      const seen = await statusesUntil(result.name, 'Running');
      // Polled, so a short status may be missed; what is seen follows the service's order.
      const order = ['NotStarted', 'Starting', 'Provisioning', 'Preparing', 'Queued', 'Running'];
      const at = seen.map((x) => order.indexOf(x));
      assert.ok(at.every((i, k) => i >= 0 && (k === 0 || i > at[k - 1])), `statuses out of order: ${seen.join(' → ')}`);
      const there = await ml().jobs.get(...secondary(), result.name);
      assert.match(String(there.properties.computeId ?? (there.properties as { settings?: { default_compute?: string } }).settings?.default_compute), new RegExp(`workspaces/${sb.secondary.workspace_name}/computes/cpu-cluster$`));
    }
    // The code went up as az ml does: LocalUpload/<hash>/<folder>/ in the secondary's default datastore.
    const uploaded = await uploadedBlobs();
    assert.ok(uploaded.some((n) => /^LocalUpload\/[0-9a-f]{32}\/[a-z_0-9]+\/train\.py$/.test(n)), uploaded.join('\n'));
    // The named components the secondary lacked were created from the export; the anonymous one under its own name.
    const prep = await ml().componentVersions.get(...secondary(), 'prep_credit', '1');
    assert.match(String((prep.properties.componentSpec as { code: string }).code), new RegExp(`azureml:/subscriptions/.*/workspaces/${sb.secondary.workspace_name}/codes/`));
    for (const what of [/^component azureml_anonymous\/versions\/[0-9a-f-]{36}$/, /^environment CliV2AnonymousEnvironment\/versions\/[0-9a-f]{32}$/, /^component train_credit\/versions\/3$/]) {
      assert.ok([...created].some((c) => what.test(c)), `${what} not among ${[...created].join(', ')}`);
    }
  });

  it('refuses, before writing anything, a job whose compute and environment the secondary does not have', async () => {
    const before = [(await jobNames()).length, (await uploadedBlobs()).length];
    const err = await submitJob({ connection: conn, target: sb.secondary, jobFile: path.join(out, 'jobs', 'train_sentiment_nightly.yml'), name: 'refused_nightly', signal, logger: quiet }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof SubmitRefusedError, String(err));
    assert.match(err.message, /compute 'gpu-cluster', which does not exist in mlw-demo-westus/);
    assert.ok(err.reasons.some((r) => /environment pytorch-env:1, which does not exist/.test(r)), err.reasons.join('\n'));
    await assert.rejects(ml().jobs.get(...secondary(), 'refused_nightly'), (e: { statusCode?: number }) => e.statusCode === 404);
    assert.deepEqual([(await jobNames()).length, (await uploadedBlobs()).length], before, 'nothing was created or uploaded');
    // A name already used is refused the same way; the service itself answers such a PUT 400 JobPropertyImmutable.
    await assert.rejects(submitJob({ connection: conn, target: sb.secondary, jobFile: path.join(out, 'jobs', 'train_credit_default_2.yml'), name: 'train_credit_default_1', signal, logger: quiet }), /a job name already used/);
    await assert.rejects(ml().jobs.createOrUpdate(...secondary(), 'train_credit_default_1', { properties: { jobType: 'Command', command: 'x', computeId: 'cpu-cluster', environmentId: 'azureml:sklearn-env:1' } } as never), (e: { statusCode?: number; code?: string; message?: string }) => e.statusCode === 400 && e.code === 'UserError' && /already exists/.test(e.message ?? ''));
    await assert.rejects(ml().jobs.createOrUpdate(...secondary(), 'gpu_job', { properties: { jobType: 'Command', command: 'x', computeId: 'azureml:gpu-cluster', environmentId: 'azureml:sklearn-env:1' } } as never), (e: { statusCode?: number; message?: string }) => e.statusCode === 400 && /Compute 'azureml:gpu-cluster' was not found/.test(e.message ?? ''));
  });

  it('MLClient.from_config() in the sandbox project reads the primary, and the secondary after aml-failover switch', async () => {
    const script = `
import sys, time
sys.path.insert(0, ${JSON.stringify(path.resolve(__dirname, '../../support/python'))})
from azure.core.credentials import AccessToken
from azure.ai.ml import MLClient
class Token:
    def get_token(self, *scopes, **kwargs):
        return AccessToken(open(".aml-failover/sandbox-token").read().strip(), int(time.time()) + 3600)
ml = MLClient.from_config(credential=Token(), path=".azureml/config.json")
print(ml.workspace_name, sorted(j.name for j in ml.jobs.list())[:3], len(list(ml.compute.list())))
`;
    const run = () =>
      new Promise<string>((resolve, reject) =>
        execFile(SYSTEM_PYTHON, ['-c', script], { cwd: sb.projectDir, env: { ...process.env, AZUREML_DEV_URL_MFE: `${sb.armUrl}/`, REQUESTS_CA_BUNDLE: path.join(sb.projectDir, '.aml-failover', 'sandbox-ca.pem'), PYTHONDONTWRITEBYTECODE: '1' } }, (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout.trim()),
        ),
      );
    assert.match(await run(), new RegExp(`^${sb.primary.workspace_name} \\['batch_score_paused', 'credit_pipeline_1', 'features_nightly_stuck'\\] 3$`));
    const switched = await runCli(['switch', 'secondary', '--project', sb.projectDir]);
    assert.equal(switched.code, 0, switched.stderr);
    assert.match(await run(), new RegExp(`^${sb.secondary.workspace_name} \\[.*'train_credit_default_1'.*\\] 1$`));
  });
});

async function jobNames(): Promise<string[]> {
  const names: string[] = [];
  for await (const x of ml().jobs.list(...secondary())) names.push(x.name ?? '');
  return names;
}

/** Blobs of the secondary's default datastore whose upload az ml's way confirmed (metadata upload_status). */
async function uploadedBlobs(): Promise<string[]> {
  const blobs = await import('@azure/storage-blob');
  const keys = await ml().datastores.listSecrets(...secondary(), 'workspaceblobstore');
  const ds = (await ml().datastores.get(...secondary(), 'workspaceblobstore')).properties as { accountName: string; containerName: string };
  const endpoint = sb.pair.cloud.storage[ds.accountName].blob;
  const container = new blobs.BlobServiceClient(endpoint, new blobs.StorageSharedKeyCredential(ds.accountName, (keys as { key: string }).key), { tlsOptions: { ca: sb.ca } } as never).getContainerClient(ds.containerName);
  const uploaded: string[] = [];
  for await (const b of container.listBlobsFlat({ prefix: 'LocalUpload/', includeMetadata: true })) if (b.metadata?.upload_status === 'completed') uploaded.push(b.name);
  return uploaded;
}
