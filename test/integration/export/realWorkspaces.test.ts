// What real workspaces hold (issue 11), through export and replicate against the sandbox: models registered from a
// job's artifacts, from `runs:/` and from a named output — files in the artifact store and the blob store, uploaded
// in blocks without a Content-MD5. The oracle is the storage itself, read with plain SDK clients.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { parse } from 'yaml';
import { connect } from '../../../src/azure/connection';
import type { Logger } from '../../../src/common/logger';
import { parseKinds } from '../../../src/export/cli';
import { exportWorkspace } from '../../../src/export/exportWorkspace';
import { OUTSIDE_DATA_URI } from '../../../src/sandbox/seed/dataAssets';
import { readManifest } from '../../../src/export/manifest';
import { SHA256_METADATA, SOURCE_ETAG_METADATA, replicate } from '../../../src/replicate/replicate';
import { computeDrift } from '../../../src/drift/drift';
import { listPairInventories } from '../../../src/inventory/pairInventory';
import { startSandbox, type RunningSandbox } from '../../support/sandbox';
import { scratchDir } from '../../support/scratch';
import { armClient, datastoreClients } from '../../support/storageOracle';

const quiet: Logger = { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const FROM_JOBS = ['credit-default-mlflow', 'sentiment-bert-finetuned'];
let sb: RunningSandbox;
let scratch: string;

describe('real workspaces: models from jobs', { timeout: 300_000 }, () => {
  before(async () => {
    sb = await startSandbox({ largeModelMb: 3 });
    scratch = await scratchDir('realws-');
  });
  after(async () => {
    await sb?.stop();
  });

  it('the sandbox serves jobs with their outputs and models registered from them, blobs without Content-MD5', async () => {
    const p = sb.primary;
    const client = armClient(sb);
    const job = await client.jobs.get(p.resource_group, p.workspace_name, 'train_credit_default_1');
    const outputs = (job.properties as { outputs?: Record<string, { uri?: string }> }).outputs ?? {};
    assert.equal(outputs.default?.uri, 'azureml://datastores/workspaceartifactstore/ExperimentRun/dcid.train_credit_default_1');
    assert.match(outputs.model_output?.uri ?? '', /^azureml:\/\/datastores\/workspaceblobstore\/paths\/azureml\/train_credit_default_1\/model_output\/$/);
    const uris = [];
    for (const name of FROM_JOBS) for await (const v of client.modelVersions.list(p.resource_group, p.workspace_name, name)) uris.push(v.properties.modelUri);
    assert.deepEqual(uris.sort(), [
      'azureml://jobs/finetune_sentiment_1/outputs/model_output/paths/checkpoint-final/',
      'azureml://jobs/train_credit_default_1/outputs/artifacts/paths/model/',
      'runs:/train_credit_default_2/model',
    ]);
    const { blob } = await datastoreClients(sb, 'primary', 'workspaceartifactstore');
    const props = await blob!.getBlobClient('ExperimentRun/dcid.train_credit_default_1/model/model.pkl').getProperties();
    assert.equal(props.contentMD5, undefined, 'job artifacts carry no Content-MD5');
  });

  it('exports them byte for byte, MLflow folders as they are, with a model.yml that says mlflow_model', async () => {
    const out = path.join(scratch, 'export');
    const result = await exportWorkspace({ projectDir: sb.projectDir, from: 'primary', kinds: ['models'], names: FROM_JOBS.map((name) => ({ name })), outDir: out, signal: new AbortController().signal, logger: quiet });
    assert.deepEqual(result.failed, []);
    const manifest = (await readManifest(out))!;
    const files = manifest.files.filter((f) => f.source.datastore);
    assert.ok(files.some((f) => f.source.datastore === 'workspaceartifactstore') && files.some((f) => f.source.datastore === 'workspaceblobstore'));
    for (const f of files) {
      const { blob } = await datastoreClients(sb, 'primary', f.source.datastore!);
      const expected = await blob!.getBlobClient(f.source.path).downloadToBuffer();
      assert.ok((await fs.readFile(path.join(out, f.path))).equals(expected), `${f.path} differs from ${f.source.datastore}/${f.source.path}`);
    }
    for (const v of ['1', '2']) {
      const dir = path.join(out, 'models', 'credit-default-mlflow', v);
      const doc = parse(await fs.readFile(path.join(dir, 'model.yml'), 'utf8')) as { type: string; path: string };
      assert.equal(doc.type, 'mlflow_model');
      assert.equal(doc.path, './model');
      assert.deepEqual((await fs.readdir(path.join(dir, 'model'))).sort(), ['MLmodel', 'conda.yaml', 'model.pkl', 'python_env.yaml', 'requirements.txt']);
    }
    const weights = path.join(out, 'models', 'sentiment-bert-finetuned', '1', 'checkpoint-final', 'pytorch_model.bin');
    assert.equal((await fs.stat(weights)).size, 3 * 1024 * 1024);
  });

  it('replicates them server to server: same bytes in the target, the source version in its metadata (no sha256 anyone computed), a second run reads nothing', async () => {
    const conn = await connect(sb.pair.cloud, { logger: quiet });
    const names = FROM_JOBS.map((name) => ({ name }));
    const first = await replicate(conn, { kinds: ['models'], names, source: sb.primary, target: sb.secondary, signal: new AbortController().signal, logger: quiet });
    assert.deepEqual(first.assets.map((a) => `${a.name}:${a.version}:${a.outcome.status}`).sort(), ['credit-default-mlflow:1:replicated', 'credit-default-mlflow:2:replicated', 'sentiment-bert-finetuned:1:replicated']);
    const s = sb.secondary;
    const there = await armClient(sb, s.subscription_id).modelVersions.get(s.resource_group, s.workspace_name, 'sentiment-bert-finetuned', '1');
    const target = (await datastoreClients(sb, 'secondary', 'workspaceblobstore')).blob!;
    const source = (await datastoreClients(sb, 'primary', 'workspaceblobstore')).blob!;
    const prefix = decodeURIComponent(there.properties.modelUri!.replace(/^.*\/paths\//, ''));
    const copy = await target.getBlobClient(`${prefix}pytorch_model.bin`).downloadToBuffer();
    const original = await source.getBlobClient('azureml/finetune_sentiment_1/model_output/checkpoint-final/pytorch_model.bin').downloadToBuffer();
    assert.ok(copy.equals(original), 'the large no-MD5 weights arrived byte for byte');
    const meta = (await target.getBlobClient(`${prefix}pytorch_model.bin`).getProperties()).metadata ?? {};
    const sourceEtag = (await source.getBlobClient('azureml/finetune_sentiment_1/model_output/checkpoint-final/pytorch_model.bin').getProperties()).etag!;
    assert.equal(meta[SOURCE_ETAG_METADATA], sourceEtag.replace(/^"(.*)"$/, '$1'), 'the copy records the source version it came from');
    assert.equal(meta[SHA256_METADATA], undefined, 'copied server to server from a source with no whole-file hash: none is claimed');
    const again = await replicate(conn, { kinds: ['models'], names, source: sb.primary, target: sb.secondary, signal: new AbortController().signal, logger: quiet });
    assert.deepEqual(again.assets.map((a) => a.outcome.status), ['unchanged', 'unchanged', 'unchanged']);
  });

  it("skips the studio's notebook checkpoints and temp files in export and drift, keeps them with --include-checkpoints", async () => {
    const clutter = /\.ipynb_aml_checkpoints\/|\.ipynb_checkpoints\/|\.amltmp$|\.amltemp$/;
    const out = path.join(scratch, 'notebooks');
    const exported = await exportWorkspace({ projectDir: sb.projectDir, from: 'primary', kinds: ['notebooks'], outDir: out, signal: new AbortController().signal, logger: quiet });
    const paths = (await readManifest(out))!.files.map((f) => f.source.path);
    assert.deepEqual(exported.failed, []);
    assert.ok(paths.includes('Users/alice/.amlignore') && paths.some((p) => p.endsWith('.ipynb')), paths.join(', '));
    assert.deepEqual(paths.filter((p) => clutter.test(p)), []);
    const all = path.join(scratch, 'notebooks-all');
    await exportWorkspace({ projectDir: sb.projectDir, from: 'primary', kinds: ['notebooks'], outDir: all, includeCheckpoints: true, signal: new AbortController().signal, logger: quiet });
    const kept = (await readManifest(all))!.files.map((f) => f.source.path).filter((p) => clutter.test(p));
    assert.equal(kept.length, 6, kept.join(', '));

    const conn = await connect(sb.pair.cloud, { logger: quiet });
    const notebookDrift = async (includeCheckpoints: boolean) => {
      const { primary, secondary } = await listPairInventories(conn, sb.pair, { logger: quiet, sections: ['notebooks'], includeCheckpoints });
      return computeDrift(primary, secondary).items.filter((i) => i.kind === 'notebook').map((i) => i.name);
    };
    assert.deepEqual((await notebookDrift(false)).filter((n) => clutter.test(n)), [], 'drift is quiet about clutter');
    assert.equal((await notebookDrift(true)).filter((n) => clutter.test(n)).length, 8, 'and reports it when asked: 6 on the primary, 2 on the secondary');
  });

  it('exports data assets as data.yml with their files (inside the workspace) or their reference (outside), and replicates them', async () => {
    const out = path.join(scratch, 'data');
    const result = await exportWorkspace({ projectDir: sb.projectDir, from: 'primary', kinds: parseKinds('all').filter((k) => k === 'data'), outDir: out, signal: new AbortController().signal, logger: quiet });
    assert.deepEqual(result.failed, []);
    const doc = async (name: string) => parse(await fs.readFile(path.join(out, 'data', name, '1', 'data.yml'), 'utf8')) as { type: string; path: string };
    assert.deepEqual(await doc('credit-data'), { ...(await doc('credit-data')), type: 'uri_folder', path: './credit' });
    assert.equal((await doc('credit-train')).path, './train.csv');
    assert.equal((await doc('credit-table')).type, 'mltable');
    assert.equal((await doc('credit-public')).path, OUTSIDE_DATA_URI, 'data outside the workspace keeps its reference');
    assert.ok(result.warnings.some((w) => /credit-public:1: it lives outside the workspace/.test(w)));
    const { blob } = await datastoreClients(sb, 'primary', 'workspaceblobstore');
    const files = (await readManifest(out))!.files.filter((f) => f.source.datastore);
    assert.deepEqual(files.map((f) => f.path).sort(), [
      'data/credit-data/1/credit/test.csv',
      'data/credit-data/1/credit/train.csv',
      'data/credit-table/1/credit-mltable/MLTable',
      'data/credit-table/1/credit-mltable/part-0.csv',
      'data/credit-table/1/credit-mltable/part-1.csv',
      'data/credit-train/1/train.csv',
    ]);
    for (const f of files) assert.ok((await fs.readFile(path.join(out, f.path))).equals(await blob!.getBlobClient(f.source.path).downloadToBuffer()), f.path);

    const conn = await connect(sb.pair.cloud, { logger: quiet });
    const first = await replicate(conn, { kinds: ['data'], source: sb.primary, target: sb.secondary, signal: new AbortController().signal, logger: quiet });
    assert.deepEqual(first.assets.map((a) => `${a.name}:${a.outcome.status}`).sort(), ['credit-data:replicated', 'credit-public:replicated', 'credit-table:replicated', 'credit-train:replicated']);
    const s = sb.secondary;
    const client = armClient(sb, s.subscription_id);
    assert.equal((await client.dataVersions.get(s.resource_group, s.workspace_name, 'credit-public', '1')).properties.dataUri, OUTSIDE_DATA_URI);
    const table = await client.dataVersions.get(s.resource_group, s.workspace_name, 'credit-table', '1');
    assert.equal(table.properties.dataType, 'mltable');
    const back = path.join(scratch, 'data-back');
    await exportWorkspace({ projectDir: sb.projectDir, from: 'secondary', kinds: ['data'], names: [{ name: 'credit-table' }], outDir: back, signal: new AbortController().signal, logger: quiet });
    const rel = path.join('data', 'credit-table', '1', 'credit-mltable');
    for (const f of ['MLTable', 'part-0.csv', 'part-1.csv']) assert.ok((await fs.readFile(path.join(back, rel, f))).equals(await fs.readFile(path.join(out, rel, f))), f);
    const again = await replicate(conn, { kinds: ['data'], source: sb.primary, target: sb.secondary, signal: new AbortController().signal, logger: quiet });
    assert.deepEqual(again.assets.map((a) => a.outcome.status), ['unchanged', 'unchanged', 'unchanged', 'unchanged']);
  });

  it('exports from a datastore whose account refuses Shared Key through the signed-in identity, saying so once', async () => {
    const infos: string[] = [];
    const logger: Logger = { ...quiet, info: (m) => infos.push(m) };
    const out = path.join(scratch, 'keyless');
    const result = await exportWorkspace({ projectDir: sb.projectDir, from: 'primary', kinds: ['models'], names: [{ name: 'fraud-detector', version: '2' }], outDir: out, signal: new AbortController().signal, logger });
    assert.deepEqual(result.failed, []);
    assert.equal(infos.filter((m) => /refuses its account key \(Shared Key disabled\).*signed-in identity/.test(m)).length, 1, infos.join('\n'));
    // The oracle: the account refuses its key to anyone, and serves the bearer token.
    const ds = (await armClient(sb).datastores.get(sb.primary.resource_group, sb.primary.workspace_name, 'securestore')).properties as { accountName: string; containerName: string };
    const secret = (await armClient(sb).datastores.listSecrets(sb.primary.resource_group, sb.primary.workspace_name, 'securestore')) as { key: string };
    const endpoint = sb.pair.cloud.storage[ds.accountName].blob;
    const byKey = new BlobServiceClient(endpoint, new StorageSharedKeyCredential(ds.accountName, secret.key), { tlsOptions: { ca: sb.ca }, retryOptions: { maxTries: 1 } } as object);
    await assert.rejects(byKey.getContainerClient(ds.containerName).getBlobClient('models/fraud-detector/2/model.joblib').getProperties(), (e: { statusCode?: number; code?: string; details?: { errorCode?: string }; response?: { headers: { get(h: string): string | undefined } } }) =>
      e.statusCode === 403 && [e.code, e.details?.errorCode, e.response?.headers.get('x-ms-error-code')].includes('KeyBasedAuthenticationNotPermitted'));
    const byToken = new BlobServiceClient(endpoint, sb.credential, { tlsOptions: { ca: sb.ca } } as object).getContainerClient(ds.containerName);
    for (const f of (await readManifest(out))!.files.filter((x) => x.source.datastore)) {
      assert.equal(f.source.datastore, 'securestore');
      assert.ok((await fs.readFile(path.join(out, f.path))).equals(await byToken.getBlobClient(f.source.path).downloadToBuffer()), f.path);
    }
  });
});
