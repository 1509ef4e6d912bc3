// What real workspaces hold (issue 11), through export and replicate against the sandbox: models registered from a
// job's artifacts, from `runs:/` and from a named output — files in the artifact store and the blob store, uploaded
// in blocks without a Content-MD5. The oracle is the storage itself, read with plain SDK clients.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execFile } from 'node:child_process';
import { ServiceClient } from '@azure/core-client';
import { createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { ShareServiceClient, type ShareClient } from '@azure/storage-file-share';
import { parse } from 'yaml';
import { connect } from '../../../src/azure/connection';
import type { Logger } from '../../../src/common/logger';
import { parseKinds } from '../../../src/export/cli';
import { exportWorkspace } from '../../../src/export/exportWorkspace';
import { OUTSIDE_DATA_URI } from '../../../src/sandbox/seed/dataAssets';
import { BUILD_CONTEXT_ENV, BUILD_CONTEXT_FILES } from '../../../src/sandbox/seed/buildContext';
import { AMLIGNORED_FILE } from '../../../src/sandbox/seed/studioClutter';
import { locateInDatastore } from '../../../src/export/uris';
import { loadWithRealParser, refusals } from '../../support/referee';
import { readManifest } from '../../../src/export/manifest';
import { SHA256_METADATA, SOURCE_ETAG_METADATA, replicate } from '../../../src/replicate/replicate';
import { computeDrift } from '../../../src/drift/drift';
import { listPairInventories } from '../../../src/inventory/pairInventory';
import { restoreBackup } from '../../../src/restore/restore';
import { replicateNotebooks } from '../../../src/replicate/notebooks';
import { startSandbox, type RunningSandbox } from '../../support/sandbox';
import { scratchDir } from '../../support/scratch';
import { armClient, datastoreClients } from '../../support/storageOracle';

const quiet: Logger = { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const FROM_JOBS = ['credit-default-mlflow', 'sentiment-bert-finetuned'];
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let sb: RunningSandbox;
let scratch: string;

/** Notebooks a user keeps in nested folders named with spaces, `#`, `%`, `+` and non-ASCII letters. */
const ODD_NOTEBOOKS: Record<string, string> = {
  'Users/odd/a b/run me.ipynb': '{"cells": [], "metadata": {}}\n',
  'Users/odd/a b/#1 100%/50% off #2.ipynb': '{"cells": [{"cell_type": "code", "source": ["print(\'50%\')"]}]}\n',
  'Users/odd/a b/#1 100%/ünï cødé/naïve é+x.py': 'print("ünï")\n',
};

async function uploadTo(share: ShareClient, files: Record<string, string>): Promise<void> {
  for (const [p, text] of Object.entries(files)) {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) await share.getDirectoryClient(parts.slice(0, i).join('/')).createIfNotExists();
    await share.getDirectoryClient(parts.slice(0, -1).join('/')).getFileClient(parts.at(-1)!).uploadData(Buffer.from(text));
  }
}

/** Removes a folder of a share with everything in it. */
async function removeFolder(share: ShareClient, folder: string): Promise<void> {
  const dir = share.getDirectoryClient(folder);
  for await (const e of dir.listFilesAndDirectories()) {
    if (e.kind === 'directory') await removeFolder(share, `${folder}/${e.name}`);
    else await dir.getFileClient(e.name).delete();
  }
  await dir.delete();
}

/** Debian's azure-cli: `az storage file download-batch` of a share's folder with a connection string, on loopback. */
async function azDownloadBatch(role: 'primary' | 'secondary', pattern: string, dest: string): Promise<void> {
  const ws = sb.pair.workspaces[role];
  const client = armClient(sb, ws.subscription_id);
  const ds = (await client.datastores.get(ws.resource_group, ws.workspace_name, 'workspaceworkingdirectory')).properties as { accountName: string; fileShareName: string };
  const secret = (await client.datastores.listSecrets(ws.resource_group, ws.workspace_name, 'workspaceworkingdirectory')) as { key: string };
  const connection = `DefaultEndpointsProtocol=https;AccountName=${ds.accountName};AccountKey=${secret.key};FileEndpoint=${sb.pair.cloud.storage[ds.accountName].file}`;
  await fs.mkdir(dest, { recursive: true });
  const config = await scratchDir('realws-az-');
  // The connection string is passed as an argument to a local process only; the CA is the sandbox's own.
  const env = { PATH: process.env.PATH, HOME: config, AZURE_CONFIG_DIR: config, AZURE_CORE_COLLECT_TELEMETRY: 'false', AZURE_CORE_ONLY_SHOW_ERRORS: 'true', REQUESTS_CA_BUNDLE: sb.pair.cloud.caFile! };
  await new Promise<void>((resolve, reject) =>
    execFile('/usr/bin/az', ['storage', 'file', 'download-batch', '--source', ds.fileShareName, '--destination', dest, '--pattern', pattern, '--connection-string', connection, '--no-progress', '--output', 'none'], { env, timeout: 120_000 }, (err, _out, stderr) =>
      err ? reject(new Error(`az storage file download-batch failed: ${err.message}\n${stderr}`)) : resolve(),
    ),
  );
}

/** Sets the storage account's `allowSharedKeyAccess` through ARM (Storage Accounts - Update), as an admin would. */
async function allowSharedKey(role: 'primary' | 'secondary', allow: boolean): Promise<void> {
  const ws = sb.pair.workspaces[role];
  const account = Object.keys(sb.pair.cloud.storage).find((a) => a.startsWith('stml') && a.includes(ws.region!))!;
  const arm = new ServiceClient({ credential: sb.credential, credentialScopes: ['https://management.azure.com/.default'], tlsOptions: { ca: sb.ca } } as object);
  const url = `${sb.armUrl}/subscriptions/${ws.subscription_id}/resourceGroups/${ws.resource_group}/providers/Microsoft.Storage/storageAccounts/${account}?api-version=2023-01-01`;
  const res = await arm.sendRequest(createPipelineRequest({ url, method: 'PATCH', headers: createHttpHeaders({ 'content-type': 'application/json' }), body: JSON.stringify({ properties: { allowSharedKeyAccess: allow } }) }));
  assert.equal(res.status, 200, res.bodyAsText ?? '');
}

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
    // The MLflow model from the artifact store (v1, a job's artifacts) and from `runs:/` (v2): its folder, byte for byte, still an MLflow model.
    const artifacts = (await datastoreClients(sb, 'primary', 'workspaceartifactstore')).blob!;
    for (const [version, job] of [['1', 'train_credit_default_1'], ['2', 'train_credit_default_2']]) {
      const mlflow = await armClient(sb, s.subscription_id).modelVersions.get(s.resource_group, s.workspace_name, 'credit-default-mlflow', version);
      assert.equal(mlflow.properties.modelType, 'mlflow_model', `credit-default-mlflow:${version}`);
      const at = decodeURIComponent(mlflow.properties.modelUri!.replace(/^.*\/paths\//, ''));
      const copied = new Map<string, string>();
      for await (const b of target.listBlobsFlat({ prefix: at })) copied.set(b.name.slice(at.length), sha256(await target.getBlobClient(b.name).downloadToBuffer()));
      const from = `ExperimentRun/dcid.${job}/model/`;
      const originals = new Map<string, string>();
      for await (const b of artifacts.listBlobsFlat({ prefix: from })) originals.set(b.name.slice(from.length), sha256(await artifacts.getBlobClient(b.name).downloadToBuffer()));
      assert.deepEqual([...originals.keys()].sort(), ['MLmodel', 'conda.yaml', 'model.pkl', 'python_env.yaml', 'requirements.txt']);
      assert.match(at, /\/model\/$/, 'the MLflow folder keeps its name');
      assert.deepEqual(copied, originals, `credit-default-mlflow:${version}: the same files, byte for byte (sha256)`);
    }
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
    const keptAll = (await readManifest(all))!.files.map((f) => f.source.path);
    const kept = keptAll.filter((p) => clutter.test(p));
    assert.equal(kept.length, 6, kept.join(', '));
    assert.ok(!paths.includes(AMLIGNORED_FILE.primary), "alice's own .amlignore line keeps her log out");
    assert.ok(keptAll.includes(AMLIGNORED_FILE.primary), '--include-checkpoints keeps it');

    const conn = await connect(sb.pair.cloud, { logger: quiet });
    const notebookDrift = async (includeCheckpoints: boolean) => {
      const { primary, secondary } = await listPairInventories(conn, sb.pair, { logger: quiet, sections: ['notebooks'], includeCheckpoints });
      return computeDrift(primary, secondary).items.filter((i) => i.kind === 'notebook').map((i) => i.name);
    };
    assert.deepEqual((await notebookDrift(false)).filter((n) => clutter.test(n)), [], 'drift is quiet about clutter');
    assert.deepEqual((await notebookDrift(false)).filter((n) => n.endsWith('.log')), [], 'nor about what .amlignore names');
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
    const verdicts = await loadWithRealParser(['credit-data', 'credit-train', 'credit-table', 'credit-public'].map((n) => path.join(out, 'data', n, '1', 'data.yml')));
    assert.equal(refusals(verdicts), '', 'every data.yml loads in the real parser');
    assert.deepEqual(verdicts.map((v) => `${v.kind}:${v.type}`), ['data:uri_folder', 'data:uri_file', 'data:mltable', 'data:uri_file']);
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
    // Every file of the data went server to server: none through this machine.
    assert.deepEqual(first.assets.map((a) => a.outcome.status === 'replicated' && [a.name, a.outcome.serverSide ?? 0, a.outcome.files]), first.assets.map((a) => a.outcome.status === 'replicated' && [a.name, a.outcome.files, a.outcome.files]));
    assert.ok(first.assets.some((a) => a.outcome.status === 'replicated' && a.outcome.files > 0));
    assert.equal(first.throughClient, undefined);
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

  it('an environment built from a build context: exported as environment.yml with its context beside it (the real parser takes it), replicated with its context', async () => {
    const out = path.join(scratch, 'build-context');
    const names = [{ name: BUILD_CONTEXT_ENV }];
    const result = await exportWorkspace({ projectDir: sb.projectDir, from: 'primary', kinds: ['environments'], names, outDir: out, signal: new AbortController().signal, logger: quiet });
    assert.deepEqual(result.failed, []);
    const dir = path.join(out, 'environments', BUILD_CONTEXT_ENV, '1');
    const yml = path.join(dir, 'environment.yml');
    const doc = parse(await fs.readFile(yml, 'utf8')) as { image?: string; build?: { path: string; dockerfile_path?: string } };
    assert.deepEqual(doc.build, { path: './context', dockerfile_path: 'Dockerfile' });
    assert.equal(doc.image, undefined, 'built, not pulled');
    for (const [name, text] of Object.entries(BUILD_CONTEXT_FILES)) assert.equal(await fs.readFile(path.join(dir, 'context', name), 'utf8'), text, name);
    const verdicts = await loadWithRealParser([yml]);
    assert.equal(refusals(verdicts), '');
    assert.equal(verdicts[0].kind, 'environment');

    const conn = await connect(sb.pair.cloud, { logger: quiet });
    const first = await replicate(conn, { kinds: ['environments'], names, source: sb.primary, target: sb.secondary, signal: new AbortController().signal, logger: quiet });
    assert.deepEqual(first.assets.map((a) => `${a.name}:${a.version}:${a.outcome.status}`), [`${BUILD_CONTEXT_ENV}:1:replicated`]);
    // The build context went server to server, every file of it: none through this machine.
    const outcome = first.assets[0]!.outcome as { files: number; serverSide?: number };
    assert.deepEqual([outcome.serverSide, outcome.files], [Object.keys(BUILD_CONTEXT_FILES).length, Object.keys(BUILD_CONTEXT_FILES).length]);
    assert.equal(first.throughClient, undefined);
    const s = sb.secondary;
    const there = (await armClient(sb, s.subscription_id).environmentVersions.get(s.resource_group, s.workspace_name, BUILD_CONTEXT_ENV, '1')).properties;
    assert.equal(there.build?.dockerfilePath, 'Dockerfile');
    const at = locateInDatastore(there.build!.contextUri, [{ name: 'workspaceblobstore' }], { subscription_id: s.subscription_id, resource_group: s.resource_group, workspace_name: s.workspace_name });
    assert.ok(at, there.build!.contextUri);
    const target = (await datastoreClients(sb, 'secondary', at.datastore)).blob!;
    for (const [name, text] of Object.entries(BUILD_CONTEXT_FILES)) assert.equal((await target.getBlobClient(`${at.path.replace(/\/?$/, '/')}${name}`).downloadToBuffer()).toString('utf8'), text, `${name} in the target's context`);
    const again = await replicate(conn, { kinds: ['environments'], names, source: sb.primary, target: sb.secondary, signal: new AbortController().signal, logger: quiet });
    assert.deepEqual(again.assets.map((a) => a.outcome.status), ['unchanged']);
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

  it('notebooks with spaces, #, % and unicode in nested folders: exported, replicated and restored byte for byte; the real az downloads what the product wrote', async () => {
    const primaryShare = (await datastoreClients(sb, 'primary', 'workspaceworkingdirectory')).share!;
    const secondaryShare = (await datastoreClients(sb, 'secondary', 'workspaceworkingdirectory')).share!;
    await uploadTo(primaryShare, ODD_NOTEBOOKS);
    const out = path.join(scratch, 'odd-notebooks');
    const exported = await exportWorkspace({ projectDir: sb.projectDir, from: 'primary', kinds: ['notebooks'], outDir: out, signal: new AbortController().signal, logger: quiet });
    assert.deepEqual(exported.failed, []);
    const manifest = (await readManifest(out))!;
    for (const [p, text] of Object.entries(ODD_NOTEBOOKS)) {
      const entry = manifest.files.find((f) => f.source.path === p);
      assert.ok(entry, `${p} is in the export`);
      assert.equal(await fs.readFile(path.join(out, entry.path), 'utf8'), text, p);
    }
    const conn = await connect(sb.pair.cloud, { logger: quiet });
    const replicated = await replicateNotebooks(conn, { source: sb.primary, target: sb.secondary, signal: new AbortController().signal, logger: quiet });
    assert.deepEqual(replicated.report.failed, []);
    assert.deepEqual(replicated.report.created.map((e) => e.path).filter((p) => p.startsWith('Users/odd/')).sort(), Object.keys(ODD_NOTEBOOKS).sort());
    const byAz = path.join(scratch, 'odd-az-replicated');
    await azDownloadBatch('secondary', 'Users/odd/*', byAz);
    for (const [p, text] of Object.entries(ODD_NOTEBOOKS)) assert.equal(await fs.readFile(path.join(byAz, p), 'utf8'), text, `az downloads ${p} as replicate wrote it`);

    await removeFolder(secondaryShare, 'Users/odd');
    const restored = await restoreBackup({ backupDir: out, target: sb.secondary, kinds: ['notebooks'], signal: new AbortController().signal, logger: quiet }, { conn });
    assert.deepEqual(restored.report.failed, []);
    assert.deepEqual(restored.report.created.map((e) => e.path).filter((p) => p.includes('/odd/')).length, 3, JSON.stringify(restored.report.created));
    const byAzAgain = path.join(scratch, 'odd-az-restored');
    await azDownloadBatch('secondary', 'Users/odd/*', byAzAgain);
    for (const [p, text] of Object.entries(ODD_NOTEBOOKS)) assert.equal(await fs.readFile(path.join(byAzAgain, p), 'utf8'), text, `az downloads ${p} as restore wrote it`);
  });

  it('a notebook share whose account refuses Shared Key: Files takes the storage token only with the backup intent; export, restore and replicate use it, saying so once', async () => {
    const ws = sb.secondary;
    const ds = (await armClient(sb, ws.subscription_id).datastores.get(ws.resource_group, ws.workspace_name, 'workspaceworkingdirectory')).properties as { accountName: string; fileShareName: string };
    const endpoint = sb.pair.cloud.storage[ds.accountName].file;
    const { share: byKey } = await datastoreClients(sb, 'secondary', 'workspaceworkingdirectory');
    const rejects = (call: Promise<unknown>, status: number, code: string) =>
      assert.rejects(call, (e: { statusCode?: number; code?: string; details?: { errorCode?: string } }) => e.statusCode === status && [e.code, e.details?.errorCode].includes(code));
    const tokenShare = (intent: boolean, credential = sb.credential) =>
      new ShareServiceClient(endpoint, credential, { tlsOptions: { ca: sb.ca }, retryOptions: { maxTries: 1 }, ...(intent ? { fileRequestIntent: 'backup' } : {}) } as object).getShareClient(ds.fileShareName);
    const armOnly = { getToken: async () => ({ token: sb.token, expiresOnTimestamp: Date.now() + 3_600_000 }) };
    await allowSharedKey('secondary', false);
    try {
      const file = 'Users/odd/a b/run me.ipynb';
      const at = (s: ShareClient) => s.getDirectoryClient('Users/odd/a b').getFileClient('run me.ipynb');
      await rejects(at(byKey!).getProperties(), 403, 'KeyBasedAuthenticationNotPermitted');
      await rejects(at(tokenShare(false)).getProperties(), 400, 'MissingRequiredHeader');
      await rejects(at(tokenShare(true, armOnly)).getProperties(), 401, 'InvalidAuthenticationInfo');
      assert.equal((await at(tokenShare(true)).downloadToBuffer()).toString('utf8'), ODD_NOTEBOOKS[file], 'the storage token with the backup intent reads it');

      const infos: string[] = [];
      const logger: Logger = { ...quiet, info: (m) => infos.push(m) };
      const conn = await connect(sb.pair.cloud, { logger });
      const out = path.join(scratch, 'keyless-notebooks');
      const exported = await exportWorkspace({ projectDir: sb.projectDir, from: 'secondary', kinds: ['notebooks'], outDir: out, signal: new AbortController().signal, logger, connection: conn });
      assert.deepEqual(exported.failed, []);
      const entry = (await readManifest(out))!.files.find((f) => f.source.path === file)!;
      assert.equal(await fs.readFile(path.join(out, entry.path), 'utf8'), ODD_NOTEBOOKS[file]);

      const changed = { 'Users/odd/a b/#1 100%/new #3.ipynb': '{"cells": [], "nbformat": 4}\n' };
      await uploadTo((await datastoreClients(sb, 'primary', 'workspaceworkingdirectory')).share!, changed);
      const replicated = await replicateNotebooks(conn, { source: sb.primary, target: sb.secondary, signal: new AbortController().signal, logger });
      assert.deepEqual(replicated.report.failed, []);
      assert.deepEqual(replicated.report.created.map((e) => e.path), Object.keys(changed));
      await at(tokenShare(true)).delete();
      const restored = await restoreBackup({ backupDir: out, target: sb.secondary, kinds: ['notebooks'], signal: new AbortController().signal, logger }, { conn });
      assert.deepEqual(restored.report.failed, []);
      assert.deepEqual(restored.report.created.map((e) => e.path), [`notebooks/${file}`]);
      assert.equal((await at(tokenShare(true)).downloadToBuffer()).toString('utf8'), ODD_NOTEBOOKS[file]);
      const told = infos.filter((m) => new RegExp(`${ds.accountName} refuses its account key \\(Shared Key disabled\\).*signed-in identity`).test(m));
      assert.equal(told.length, 1, infos.join('\n'));
    } finally {
      await allowSharedKey('secondary', true);
    }
    assert.ok(await byKey!.getDirectoryClient('Users/odd/a b').getFileClient('run me.ipynb').exists(), 'the key works again once Shared Key is allowed');
  });
});
