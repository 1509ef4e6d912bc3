// `aml-failover restore` through the CLI (whole cold processes) against the sandbox, with the primary in an outage
// from the first restore to the last: a backup exported before the outage is verified, planned and restored into the
// secondary — killed part-way and run again on a flaky link, spoiled blocks refused by the service and sent again —
// and an export of the secondary gives every restored file back byte for byte.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { ShareServiceClient, StorageSharedKeyCredential as FileKeyCredential, type ShareClient } from '@azure/storage-file-share';
import type { ContainerClient } from '@azure/storage-blob';
import { storageEndpoints } from '../../../src/azure/cloud';
import type { Manifest } from '../../../src/export/manifest';
import { workspaceArmId } from '../../../src/pair/pairFile';
import { ENABLED_IN_SOURCE_TAG } from '../../../src/schedules/handover';
import { AMLIGNORED_FILE } from '../../../src/sandbox/seed/studioClutter';
import { startSandbox, type RunningSandbox } from '../../support/sandbox';
import { cliNodeArgs, runCli } from '../../support/cli';
import { scratchDir } from '../../support/scratch';

const REPO = path.resolve(__dirname, '..', '..', '..');

interface Entry {
  kind: string;
  path: string;
  name?: string;
  version?: string;
  reason?: string;
  error?: string;
}
interface Report {
  created: Entry[];
  unchanged: Entry[];
  conflicts: Entry[];
  failed: Entry[];
}

let sb: RunningSandbox;
let scratch: string;
let backup: string;
let share: ShareClient;
let blobs: ContainerClient;
let ml: AzureMachineLearningWorkspaces;
let plan: Report;
/** A notebook the secondary holds with other content before the restore: the conflict. */
const CONFLICTING = 'Users/alice/model.ipynb';
const CONFLICT_BYTES = Buffer.from('{"cells": [], "note": "edited in the secondary"}\n');

const restore = (dir: string, ...more: string[]) => runCli(['restore', dir, '--to', 'secondary', '--project', sb.projectDir, ...more]);
const paths = (entries: Entry[]) => entries.map((e) => e.path).sort();
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** Whether the service answers 404 for it (read through the SDK, as a user's script would). */
const absent = (read: Promise<unknown>) => read.then(() => false, (e: { statusCode?: number }) => (e.statusCode === 404 ? true : Promise.reject(e as Error)));
/** The files under a share folder, its subfolders included (share paths). */
async function shareFiles(s: ShareClient, folder: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of s.getDirectoryClient(folder).listFilesAndDirectories()) {
    if (e.kind === 'directory') out.push(...(await shareFiles(s, `${folder}/${e.name}`)));
    else out.push(`${folder}/${e.name}`);
  }
  return out.sort();
}

function parseReport(stdout: string): Report {
  const r = JSON.parse(stdout) as Report;
  assert.deepEqual(Object.keys(r), ['created', 'unchanged', 'conflicts', 'failed'], 'the --json shape');
  return r;
}

/** A region's storage as a user's script reaches it: ARM for the datastores and the key, then the storage SDKs. */
async function storageOf(role: 'primary' | 'secondary'): Promise<{ ml: AzureMachineLearningWorkspaces; blobs: ContainerClient; share: ShareClient }> {
  const ref = sb[role];
  const ml = new AzureMachineLearningWorkspaces(sb.credential, ref.subscription_id, { endpoint: sb.armUrl, credentialScopes: ['https://management.azure.com/.default'], tlsOptions: { ca: sb.ca } });
  const blob = (await ml.datastores.get(ref.resource_group, ref.workspace_name, 'workspaceblobstore')).properties as { accountName: string; containerName: string };
  const files = (await ml.datastores.get(ref.resource_group, ref.workspace_name, 'workspaceworkingdirectory')).properties as { fileShareName: string };
  const { key } = (await ml.datastores.listSecrets(ref.resource_group, ref.workspace_name, 'workspaceblobstore')) as { key: string };
  const endpoints = storageEndpoints(sb.pair.cloud, blob.accountName);
  const options = { tlsOptions: { ca: sb.ca }, retryOptions: { maxTries: 1 } };
  return {
    ml,
    blobs: new BlobServiceClient(endpoints.blob, new StorageSharedKeyCredential(blob.accountName, key), options).getContainerClient(blob.containerName),
    share: new ShareServiceClient(endpoints.file, new FileKeyCredential(blob.accountName, key), { ...options, fileRequestIntent: 'backup' }).getShareClient(files.fileShareName),
  };
}

/** ETags of the files a restore finished (those carrying their sha256): a re-run must leave them as they are. */
async function finishedFiles(notebooks: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const p of notebooks) {
    const props = await share.rootDirectoryClient.getFileClient(p).getProperties().catch(() => undefined);
    if (props?.metadata?.amlfailover_sha256) out.set(`share:${p}`, props.etag!);
  }
  for await (const b of blobs.listBlobsFlat({ prefix: 'LocalUpload/', includeMetadata: true })) {
    if (b.metadata?.amlfailover_sha256) out.set(`blob:${b.name}`, b.properties.etag!);
  }
  return out;
}

/** Writes a hand-made backup: files and a manifest listing them (complete) as the export writes it. */
async function handMadeBackup(dir: string, files: { path: string; data: Buffer; asset: Manifest['files'][number]['asset']; source?: string; contentMD5?: string }[]): Promise<void> {
  const entries: Manifest['files'] = [];
  for (const f of files) {
    await fs.mkdir(path.dirname(path.join(dir, f.path)), { recursive: true });
    await fs.writeFile(path.join(dir, f.path), f.data);
    entries.push({ path: f.path, size: f.data.length, sha256: sha256(f.data), source: { workspace: 'hand-made', path: f.source ?? f.path }, asset: f.asset, contentMD5: f.contentMD5 });
  }
  const manifest: Manifest = { version: 1, tool: 'aml-failover', complete: true, files: entries, names: [], failed: [] };
  await fs.writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
}

describe('restore a backup into the secondary while the primary is down', { timeout: 600_000 }, () => {
  before(async () => {
    sb = await startSandbox({ largeModelMb: 2 });
    scratch = await scratchDir('restore-');
    backup = path.join(scratch, 'backup');
    const exported = await runCli(['export', 'all', '--project', sb.projectDir, '--out', backup]);
    assert.equal(exported.code, 0, exported.stderr);
    ({ ml, blobs, share } = await storageOf('secondary'));
    await share.rootDirectoryClient.getFileClient(CONFLICTING).uploadData(CONFLICT_BYTES);
    await sb.fault('primary', 'outage');
  });
  after(async () => {
    await sb?.stop();
  });

  it('refuses a manifest that names paths outside the backup folder before reading anything (exit 2)', async () => {
    const crafted = path.join(scratch, 'crafted');
    await handMadeBackup(crafted, [{ path: 'notebooks/Users/eve/x.ipynb', data: Buffer.from('{}'), asset: { kind: 'notebooks', name: '/' } }]);
    const manifest = JSON.parse(await fs.readFile(path.join(crafted, 'manifest.json'), 'utf8')) as Manifest;
    manifest.files.push({ ...manifest.files[0], path: '../../.ssh/id_rsa' });
    await fs.writeFile(path.join(crafted, 'manifest.json'), JSON.stringify(manifest));
    const r = await restore(crafted, '--json');
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /"\.\.\/\.\.\/\.ssh\/id_rsa", a path outside the backup folder/);
    assert.match(r.stderr, /Nothing was restored/);
    assert.equal(r.stdout, '');
  });

  it('refuses a tampered backup (exit 1), naming the file; with --partial it plans what verifies', async () => {
    const tampered = path.join(scratch, 'tampered');
    await fs.cp(backup, tampered, { recursive: true });
    const victim = path.join(tampered, 'notebooks', 'Users', 'bob', 'workspace.ipynb');
    const bytes = await fs.readFile(victim);
    bytes[10] ^= 0x20;
    await fs.writeFile(victim, bytes);
    const r = await restore(tampered, '--json');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /Refused the backup .*1 file\(s\) do not match its manifest \(notebooks\/Users\/bob\/workspace\.ipynb: its content differs from the manifest \(sha256\)\)\. Nothing was restored\./);
    const partial = await restore(tampered, '--what', 'notebooks', '--partial', '--plan', '--json');
    assert.equal(partial.code, 1, partial.stderr);
    const report = parseReport(partial.stdout);
    assert.deepEqual(report.failed, [{ kind: 'notebook', path: 'notebooks/Users/bob/workspace.ipynb', error: 'did not verify: its content differs from the manifest (sha256)' }]);
    assert.ok(report.created.some((e) => e.path === 'notebooks/Users/alice/train.py'));
  });

  it('--plan --json: what would be created, left alone and conflicting, one entry per file; nothing written', async () => {
    const r = await restore(backup, '--plan', '--json');
    assert.equal(r.code, 0, r.stderr);
    plan = parseReport(r.stdout);
    assert.deepEqual(plan.failed, []);
    const manifest = JSON.parse(await fs.readFile(path.join(backup, 'manifest.json'), 'utf8')) as Manifest;
    const restorable = manifest.files.filter((f) => f.asset.kind !== 'job').map((f) => f.path).sort();
    assert.deepEqual([...paths(plan.created), ...paths(plan.unchanged), ...paths(plan.conflicts)].sort(), restorable, 'every file of the backup but the jobs, once');
    const bert = plan.created.filter((e) => e.path.startsWith('models/sentiment-bert/1/'));
    assert.deepEqual(bert.map((e) => [e.kind, e.name, e.version]), Array(bert.length).fill(['model', 'sentiment-bert', '1']));
    assert.ok(bert.some((e) => e.path === 'models/sentiment-bert/1/sentiment-bert/pytorch_model.bin'));
    assert.deepEqual(
      plan.conflicts.find((e) => e.kind === 'notebook'),
      { kind: 'notebook', path: `notebooks/${CONFLICTING}`, reason: `${CONFLICTING}: the target holds other content there (${CONFLICT_BYTES.length} bytes; the backup's has ${(await fs.stat(path.join(backup, 'notebooks', CONFLICTING))).size})` },
    );
    const again = parseReport((await restore(backup, '--plan', '--json')).stdout);
    assert.deepEqual(again, plan, 'the plan wrote nothing');
  });

  it('--what models --name NAME:VERSION restores that one model only; names the backup does not hold are refused (exit 2) before anything is written', async () => {
    const one = { name: 'fraud-detector', version: '1' };
    const files = plan.created.filter((e) => e.kind === 'model' && e.name === one.name && e.version === one.version);
    assert.ok(files.length > 0, 'the backup holds it and the secondary does not');
    assert.notEqual(plan.created.find((e) => e.kind === 'model')?.name, one.name, 'the interrupted restore below waits for another model');
    const w = [sb.secondary.resource_group, sb.secondary.workspace_name] as const;

    const unknown = await restore(backup, '--what', 'models', '--name', 'no-such-model', `${one.name}:99`, `${one.name}:${one.version}`, '--json');
    assert.equal(unknown.code, 2, unknown.stderr);
    assert.match(unknown.stderr, new RegExp(`Not in the backup: no-such-model, ${one.name}:99\\.`));
    assert.equal(unknown.stdout, '');
    assert.ok(await absent(ml.modelVersions.get(...w, one.name, one.version)), 'nothing was restored');

    const r = await restore(backup, '--what', 'models', '--name', `${one.name}:${one.version}`, '--json');
    assert.equal(r.code, 0, r.stderr);
    const report = parseReport(r.stdout);
    assert.deepEqual(report, { created: files, unchanged: [], conflicts: [], failed: [] });
    const there = await ml.modelVersions.get(...w, one.name, one.version);
    assert.match(there.properties.modelUri ?? '', /\/datastores\/workspaceblobstore\/paths\/LocalUpload\//);
    const other = plan.created.find((e) => e.kind === 'model' && e.name !== one.name)!;
    assert.ok(await absent(ml.modelVersions.get(...w, other.name!, other.version!)), `${other.name}:${other.version} was left alone`);
    const notebook = plan.created.find((e) => e.kind === 'notebook')!;
    assert.equal(await share.rootDirectoryClient.getFileClient(notebook.path.slice('notebooks/'.length)).exists(), false, 'no notebook was restored');
  });

  it('--what environments: registers the missing ones; inference-env:1, there with another image, is a conflict and left as it was', async () => {
    const w = [sb.secondary.resource_group, sb.secondary.workspace_name] as const;
    const image = (await ml.environmentVersions.get(...w, 'inference-env', '1')).properties.image;
    assert.match(image ?? '', /20231101/, "the secondary's own image");
    const r = await restore(backup, '--what', 'environments', '--json');
    assert.equal(r.code, 0, `conflicts do not fail the restore\n${r.stderr}`);
    const report = parseReport(r.stdout);
    assert.deepEqual(report.failed, []);
    const environments = plan.created.concat(plan.unchanged, plan.conflicts).filter((e) => e.kind === 'environment');
    assert.deepEqual([...report.created, ...report.unchanged, ...report.conflicts].map((e) => e.kind), Array(environments.length).fill('environment'), 'environments only');
    assert.deepEqual(report.conflicts, environments.filter((e) => e.name === 'inference-env').map((e) => ({ ...e, reason: 'version 1 exists there with a different image' })));
    assert.ok(report.conflicts.length > 0);
    assert.ok(report.created.some((e) => e.name === 'pytorch-env'), JSON.stringify(report.created));
    assert.ok(report.unchanged.some((e) => e.name === 'sklearn-env' && e.version === '1'), JSON.stringify(report.unchanged));
    assert.equal((await ml.environmentVersions.get(...w, 'inference-env', '1')).properties.image, image, 'not overwritten');
    assert.equal((await ml.environmentVersions.get(...w, 'pytorch-env', '1')).properties.image, 'mcr.microsoft.com/azureml/curated/acpt-pytorch-2.2-cuda12.1:12');
    assert.ok(await absent(ml.modelVersions.get(...w, 'sentiment-bert', '1')), 'no model was restored');
  });

  it('killed with SIGKILL part-way, then run again on a link cutting 30 % of answers: completes without re-uploading what was complete', async () => {
    await sb.fault('secondary', 'slow', { latencyMs: 40 });
    const child = spawn(process.execPath, cliNodeArgs(['restore', backup, '--to', 'secondary', '--project', sb.projectDir]), { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Killed once the notebooks are in and the first model it registers is done, the others under way.
    const first = plan.created.find((e) => e.kind === 'model')!;
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        seen += d;
        if (seen.includes(`(model ${first.name}:${first.version})`)) resolve();
      });
      void exited.then(() => reject(new Error(`the restore ended before it was killed:\n${seen}`)));
    });
    child.kill('SIGKILL');
    await exited;
    await sb.fault('secondary', 'none');
    const notebooks = [...plan.created, ...plan.unchanged].filter((e) => e.kind === 'notebook').map((e) => e.path.slice('notebooks/'.length));
    const before = await finishedFiles(notebooks);
    assert.ok([...before.keys()].some((k) => k.startsWith('blob:')), 'some model files were complete when it was killed');
    await sb.fault('secondary', 'reset', { rate: 0.3, seed: 3 });
    const r = await restore(backup, '--json');
    assert.equal(r.code, 0, r.stderr);
    const report = parseReport(r.stdout);
    assert.deepEqual(report.failed, []);
    assert.deepEqual(paths(report.conflicts), paths(plan.conflicts));
    assert.deepEqual([...paths(report.created), ...paths(report.unchanged)].sort(), [...paths(plan.created), ...paths(plan.unchanged)].sort());
    for (const n of notebooks) assert.ok(paths(report.unchanged).includes(`notebooks/${n}`), `${n} was complete before the re-run`);
    await sb.fault('secondary', 'none');
    const after = await finishedFiles(notebooks);
    for (const [file, etag] of before) assert.equal(after.get(file), etag, `${file} was not written again`);
    assert.deepEqual(await share.rootDirectoryClient.getFileClient(CONFLICTING).downloadToBuffer(), CONFLICT_BYTES, 'the conflicting notebook is as it was');
  });

  it('an export of the secondary gives back every restored file byte for byte (the models and their model.yml too)', async () => {
    const back = path.join(scratch, 'back');
    const r = await runCli(['export', 'all', '--from', 'secondary', '--project', sb.projectDir, '--out', back]);
    assert.equal(r.code, 0, r.stderr);
    const exported = new Map((JSON.parse(await fs.readFile(path.join(back, 'manifest.json'), 'utf8')) as Manifest).files.map((f) => [f.path, f.sha256]));
    const original = new Map((JSON.parse(await fs.readFile(path.join(backup, 'manifest.json'), 'utf8')) as Manifest).files.map((f) => [f.path, f.sha256]));
    // Schedules come back disabled and pointing at the secondary: checked on their own below.
    for (const e of plan.created.filter((c) => c.kind !== 'schedule')) assert.equal(exported.get(e.path), original.get(e.path), e.path);
  });

  it('a second run creates nothing; --on-conflict rename writes the conflicting notebook beside it, once', async () => {
    const again = parseReport((await restore(backup, '--json')).stdout);
    assert.deepEqual(again.created, []);
    assert.deepEqual(paths(again.conflicts), paths(plan.conflicts));
    const renamed = await restore(backup, '--what', 'notebooks', '--on-conflict', 'rename', '--json');
    assert.equal(renamed.code, 0, renamed.stderr);
    const report = parseReport(renamed.stdout);
    assert.equal(report.created.length, 1);
    const copy = `Users/alice/model (restored ${new Date().toISOString().slice(0, 10)}).ipynb`;
    assert.match(report.created[0].reason!, new RegExp(`^restored as ${copy.replace(/[()]/g, '\\$&')}`));
    assert.deepEqual(await share.rootDirectoryClient.getFileClient(copy).downloadToBuffer(), await fs.readFile(path.join(backup, 'notebooks', CONFLICTING)));
    assert.deepEqual(await share.rootDirectoryClient.getFileClient(CONFLICTING).downloadToBuffer(), CONFLICT_BYTES);
    const third = parseReport((await restore(backup, '--what', 'notebooks', '--on-conflict', 'rename', '--json')).stdout);
    assert.deepEqual(third.created, []);
    assert.equal(third.unchanged.find((e) => e.path === `notebooks/${CONFLICTING}`)?.reason, `restored earlier as ${copy}`);
  });

  it('schedules: export all wrote each one; restored disabled, tagged with their state in the primary, ids pointing at the secondary; a re-run creates nothing; one changed there is a conflict, never overwritten', async () => {
    const manifest = JSON.parse(await fs.readFile(path.join(backup, 'manifest.json'), 'utf8')) as Manifest;
    const files = manifest.files.filter((f) => f.asset.kind === 'schedule');
    assert.deepEqual(files.map((f) => [f.path, f.asset.name]), ['backfill-2023', 'nightly-retrain', 'weekly-drift-report'].map((n) => [`schedules/${n}.json`, n]));
    const exported = new Map<string, { isEnabled: boolean; trigger: unknown; action: { jobDefinition: Record<string, unknown> } }>();
    for (const f of files) {
      const bytes = await fs.readFile(path.join(backup, f.path));
      assert.equal(sha256(bytes), f.sha256, `${f.path}: its sha256 is in the manifest`);
      exported.set(f.asset.name, (JSON.parse(bytes.toString()) as { properties: never }).properties);
    }
    assert.deepEqual([...exported].filter(([, p]) => p.isEnabled).map(([n]) => n), ['nightly-retrain', 'weekly-drift-report'], 'the export keeps whether each ran');

    // The full restore above (the primary down all along) created them.
    const secondaryId = workspaceArmId(sb.secondary);
    for (const [name, source] of exported) {
      const there = (await ml.schedules.get(sb.secondary.resource_group, sb.secondary.workspace_name, name)).properties as unknown as typeof source & { tags: Record<string, string> };
      assert.equal(there.isEnabled, false, `${name} is disabled in the secondary`);
      assert.equal(there.tags[ENABLED_IN_SOURCE_TAG], String(source.isEnabled), `${name} records whether the primary ran it`);
      assert.equal(there.action.jobDefinition.computeId, `${secondaryId}/computes/cpu-cluster`);
      assert.equal(there.action.jobDefinition.environmentId, `${secondaryId}/environments/sklearn-env/versions/1`);
      assert.deepEqual(there.action.jobDefinition.inputs, source.action.jobDefinition.inputs, `${name}: its job inputs whole`);
      assert.deepEqual(there.trigger, source.trigger);
    }

    const again = await restore(backup, '--what', 'schedules', '--json');
    assert.equal(again.code, 0, again.stderr);
    const report = parseReport(again.stdout);
    assert.deepEqual(report.created, []);
    assert.deepEqual(paths(report.unchanged), files.map((f) => f.path));

    const s = await ml.schedules.get(sb.secondary.resource_group, sb.secondary.workspace_name, 'backfill-2023');
    const changed = { ...s.properties, trigger: { triggerType: 'Cron' as const, expression: '0 5 * * *', timeZone: 'UTC' } };
    await ml.schedules.beginCreateOrUpdateAndWait(sb.secondary.resource_group, sb.secondary.workspace_name, 'backfill-2023', { properties: changed }, { updateIntervalInMs: 10 });
    const third = await restore(backup, '--what', 'schedules', '--json');
    assert.equal(third.code, 0, 'a conflict is not a failure');
    assert.deepEqual(parseReport(third.stdout).conflicts, [{ kind: 'schedule', path: 'schedules/backfill-2023.json', name: 'backfill-2023', reason: 'a schedule of that name exists there with another trigger or job' }]);
    const after = await ml.schedules.get(sb.secondary.resource_group, sb.secondary.workspace_name, 'backfill-2023');
    assert.equal((after.properties.trigger as { expression?: string }).expression, '0 5 * * *', 'not overwritten');
  });

  it('blocks and ranges spoiled on their way in are refused by the service and sent again: a data asset and a notebook arrive intact', async () => {
    const handMade = path.join(scratch, 'hand-made');
    const big = Buffer.alloc(5 * 1024 * 1024 + 17);
    for (let i = 0; i + 4 <= big.length; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i);
    const notebook = Buffer.from('{"cells": [{"cell_type": "markdown", "source": ["carol"]}]}\n');
    const data = { kind: 'data', name: 'churn-data', version: '7' } as unknown as Manifest['files'][number]['asset'];
    await handMadeBackup(handMade, [
      { path: 'data/churn-data/7/data.yml', data: Buffer.from('name: churn-data\nversion: 7\ntype: uri_folder\npath: ./churn-data\ndescription: Monthly churn extract.\n'), asset: data },
      { path: 'data/churn-data/7/churn-data/part-0.bin', data: big, asset: data },
      { path: 'data/churn-data/7/churn-data/README.md', data: Buffer.from('# churn\n'), asset: data },
      { path: 'notebooks/Users/carol/eda.ipynb', data: notebook, asset: { kind: 'notebooks', name: '/' }, source: 'Users/carol/eda.ipynb' },
    ]);
    await sb.fault('secondary', 'corrupt', { uploads: true, rate: 0.4, seed: 5 });
    const r = await runCli(['-v', 'restore', handMade, '--to', 'secondary', '--project', sb.projectDir, '--json']);
    await sb.fault('secondary', 'none');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /refused the bytes at \d+ as damaged on the way \(Content-MD5 mismatch\)/);
    const report = parseReport(r.stdout);
    assert.equal(report.created.length, 4);
    assert.deepEqual(await share.rootDirectoryClient.getFileClient('Users/carol/eda.ipynb').downloadToBuffer(), notebook);
    const version = await ml.dataVersions.get(sb.secondary.resource_group, sb.secondary.workspace_name, 'churn-data', '7');
    assert.equal(version.properties.dataType, 'uri_folder');
    assert.equal(version.properties.description, 'Monthly churn extract.');
    const folder = /\/paths\/(LocalUpload\/[0-9a-f]{32}\/churn-data\/)$/.exec(version.properties.dataUri)?.[1];
    assert.ok(folder, version.properties.dataUri);
    assert.equal(sha256(await blobs.getBlobClient(`${folder}part-0.bin`).downloadToBuffer()), sha256(big));
  });

  it("a model file's Content-MD5 recorded in the manifest is sent as its block's MD5; a wrong one is found by the service, and the file's own MD5 is stored", async () => {
    const handMade = path.join(scratch, 'recorded-md5');
    const weights = Buffer.from('weights '.repeat(4096));
    const config = Buffer.from('{"layers": 3}\n');
    const md5 = (b: Buffer) => createHash('md5').update(b).digest('base64');
    const model = { kind: 'model', name: 'recorded-md5', version: '1' } as unknown as Manifest['files'][number]['asset'];
    await handMadeBackup(handMade, [
      { path: 'models/recorded-md5/1/model.yml', data: Buffer.from('name: recorded-md5\nversion: 1\ntype: custom_model\npath: ./m\n'), asset: model },
      { path: 'models/recorded-md5/1/m/weights.bin', data: weights, asset: model, contentMD5: md5(weights) },
      { path: 'models/recorded-md5/1/m/config.json', data: config, asset: model, contentMD5: md5(Buffer.from('something else')) },
    ]);
    const r = await runCli(['restore', handMade, '--to', 'secondary', '--project', sb.projectDir, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(parseReport(r.stdout).created.length, 3);
    const version = await ml.modelVersions.get(sb.secondary.resource_group, sb.secondary.workspace_name, 'recorded-md5', '1');
    const folder = /\/paths\/(LocalUpload\/[0-9a-f]{32}\/m\/)$/.exec(version.properties.modelUri ?? '')?.[1];
    assert.ok(folder, version.properties.modelUri);
    for (const [name, bytes] of [['weights.bin', weights], ['config.json', config]] as const) {
      const blob = blobs.getBlobClient(`${folder}${name}`);
      assert.equal(Buffer.from((await blob.getProperties()).contentMD5!).toString('base64'), md5(bytes), name);
      assert.deepEqual(await blob.downloadToBuffer(), bytes, name);
    }
  });

  it('replicate all, live from the secondary back to the primary once it is up, copies the notebooks through the same path; a second run creates nothing', async () => {
    await sb.fault('primary', 'none');
    const r = await runCli(['replicate', 'all', '--from', 'secondary', '--to', 'primary', '--project', sb.projectDir]);
    assert.equal(r.code, 1, 'the notebook edited in the secondary is a conflict in the primary');
    assert.match(r.stdout, /^Replicated notebooks into mlw-demo-eastus: \d+ file\(s\) created, \d+ already there, 1 conflict\(s\), 0 failed\.$/m);
    assert.match(r.stdout, new RegExp(`conflict: notebook ${CONFLICTING}: ${CONFLICTING}: the target holds other content there`));
    // The schedules too, as `schedules copy`: the two the primary holds alike are already there, the one changed in the secondary is a conflict.
    assert.match(r.stdout, /^Replicated schedules into mlw-demo-eastus \(disabled\): 0 created, 2 already there, 1 conflict\(s\), 0 failed\.$/m);
    assert.match(r.stdout, /^ {2}conflict +backfill-2023 — a schedule of that name exists there with another trigger or job$/m);
    const primary = await storageOf('primary');
    assert.equal((await primary.share.rootDirectoryClient.getFileClient('Users/carol/eda.ipynb').downloadToBuffer()).toString(), (await share.rootDirectoryClient.getFileClient('Users/carol/eda.ipynb').downloadToBuffer()).toString());
    const again = await runCli(['replicate', 'notebooks', '--from', 'secondary', '--to', 'primary', '--project', sb.projectDir]);
    assert.match(again.stdout, /^Replicated notebooks into mlw-demo-eastus: 0 file\(s\) created, \d+ already there, 1 conflict\(s\), 0 failed\.$/m);
  });

  it("replicate leaves the studio's checkpoints and temp files, and what .amlignore names, behind; --include-checkpoints copies them", async () => {
    const primary = await storageOf('primary');
    // The secondary's own clutter: a studio checkpoint, an editor temp file, and a log only alice's .amlignore names.
    const clutter = (await shareFiles(share, 'Users/alice')).filter((p) => p.includes('/.ipynb_aml_checkpoints/') || p.endsWith('.amltmp') || p === AMLIGNORED_FILE.secondary);
    assert.equal(clutter.length, 3, clutter.join(', '));
    const inPrimary = async () => {
      const there = await shareFiles(primary.share, 'Users/alice');
      return clutter.filter((p) => there.includes(p));
    };
    assert.deepEqual(await inPrimary(), [], 'replicate all (above) copied none of it');
    const r = await runCli(['replicate', 'notebooks', '--include-checkpoints', '--from', 'secondary', '--to', 'primary', '--project', sb.projectDir]);
    assert.match(r.stdout, /^Replicated notebooks into mlw-demo-eastus: 3 file\(s\) created, \d+ already there, 1 conflict\(s\), 0 failed\.$/m);
    assert.deepEqual(await inPrimary(), clutter);
    for (const p of clutter) assert.deepEqual(await primary.share.rootDirectoryClient.getFileClient(p).downloadToBuffer(), await share.rootDirectoryClient.getFileClient(p).downloadToBuffer(), p);
  });

  it('a model whose files differ and a data asset at another location, same name and version in the target: conflicts, reported and never overwritten', async () => {
    const w = [sb.secondary.resource_group, sb.secondary.workspace_name] as const;
    const scorerBefore = await ml.modelVersions.get(...w, 'legacy-scorer', '1');
    const dataBefore = await ml.dataVersions.get(...w, 'credit-public', '1');
    const handMade = path.join(scratch, 'conflicting-assets');
    const model = { kind: 'model', name: 'legacy-scorer', version: '1' } as unknown as Manifest['files'][number]['asset'];
    const data = { kind: 'data', name: 'credit-public', version: '1' } as unknown as Manifest['files'][number]['asset'];
    await handMadeBackup(handMade, [
      { path: 'models/legacy-scorer/1/model.yml', data: Buffer.from('name: legacy-scorer\nversion: 1\ntype: custom_model\npath: ./scorer.py\n'), asset: model },
      { path: 'models/legacy-scorer/1/scorer.py', data: Buffer.from('def score(x):\n    return 0.9\n'), asset: model },
      { path: 'data/credit-public/1/data.yml', data: Buffer.from('name: credit-public\nversion: 1\ntype: uri_file\npath: https://example.org/credit.csv\n'), asset: data },
    ]);
    const r = await restore(handMade, '--json');
    assert.equal(r.code, 0, r.stderr);
    const report = parseReport(r.stdout);
    assert.deepEqual([report.created, report.unchanged, report.failed], [[], [], []]);
    assert.deepEqual(report.conflicts, [
      { kind: 'data', path: 'data/credit-public/1/data.yml', name: 'credit-public', version: '1', reason: `version 1 exists there with another location (${dataBefore.properties.dataUri})` },
      { kind: 'model', path: 'models/legacy-scorer/1/model.yml', name: 'legacy-scorer', version: '1', reason: 'version 1 exists there with other content in scorer.py' },
      { kind: 'model', path: 'models/legacy-scorer/1/scorer.py', name: 'legacy-scorer', version: '1', reason: 'version 1 exists there with other content in scorer.py' },
    ]);
    const scorerAfter = await ml.modelVersions.get(...w, 'legacy-scorer', '1');
    assert.equal(scorerAfter.properties.modelUri, scorerBefore.properties.modelUri, 'the model still points at its own files');
    assert.equal((await ml.dataVersions.get(...w, 'credit-public', '1')).properties.dataUri, dataBefore.properties.dataUri);
    const at = /\/paths\/(.+)$/.exec(scorerBefore.properties.modelUri ?? '')?.[1] ?? '';
    const scorer = at.endsWith('/') ? `${at}scorer.py` : at;
    assert.equal((await blobs.getBlobClient(decodeURIComponent(scorer)).downloadToBuffer()).toString(), 'def score(x):\n    return 0.5\n', 'its file is as it was');
  });
});
