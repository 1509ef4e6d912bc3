// Export and replicate against the sandbox, through the real Azure SDK clients. The oracle for "byte-exact" is the
// storage itself, read with plain @azure/storage-blob / @azure/storage-file-share clients (not the product's).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import type { ShareDirectoryClient } from '@azure/storage-file-share';
import { parse } from 'yaml';
import { connect } from '../../../src/azure/connection';
import type { Logger } from '../../../src/common/logger';
import { runExport, type ExportResult } from '../../../src/export/engine';
import { exportWorkspace } from '../../../src/export/exportWorkspace';
import { readManifest, type Manifest } from '../../../src/export/manifest';
import { planExport, type ExportKind } from '../../../src/export/plan';
import { replicate } from '../../../src/replicate/replicate';
import { clutterMatcher } from '../../../src/inventory/notebookClutter';
import type { Role } from '../../../src/pair/pairFile';
import { startSandbox, type FaultMode, type RunningSandbox } from '../../support/sandbox';
import { armClient, datastoreClients } from '../../support/storageOracle';
import { runCli as runWholeCli, cliNodeArgs } from '../../support/cli';

const REPO = path.resolve(__dirname, '..', '..', '..');
const LARGE_MODEL = 'sentiment-bert';
let sb: RunningSandbox;
let scratch: string;

/** A logger that remembers warnings, and can wait until a retry was logged. */
function recordingLogger() {
  const warnings: string[] = [];
  const waiters: (() => void)[] = [];
  const logger: Logger = {
    trace: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    error: () => undefined,
    warn: (m) => {
      warnings.push(m);
      if (/retry \d+/.test(m)) waiters.splice(0).forEach((w) => w());
    },
  };
  const retried = () => new Promise<void>((resolve) => (warnings.some((w) => /retry \d+/.test(w)) ? resolve() : waiters.push(resolve)));
  return { logger, warnings, retried };
}

function ml(subscription = sb.primary.subscription_id): AzureMachineLearningWorkspaces {
  return armClient(sb, subscription);
}

const oracle = (role: Role, datastore: string) => datastoreClients(sb, role, datastore);

async function shareFiles(dir: ShareDirectoryClient, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for await (const item of dir.listFilesAndDirectories()) {
    const p = prefix ? `${prefix}/${item.name}` : item.name;
    if (item.kind === 'directory') {
      if (item.name !== '..' && item.name !== '.') out.push(...(await shareFiles(dir.getDirectoryClient(item.name), p)));
    } else out.push(p);
  }
  return out;
}

/** Every file under `dir` (relative, "/"-separated) with its sha256. */
async function tree(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const rel of (await fs.readdir(dir, { recursive: true })).map(String)) {
    const abs = path.join(dir, rel);
    if ((await fs.stat(abs)).isFile()) out.set(rel.split(path.sep).join('/'), createHash('sha256').update(await fs.readFile(abs)).digest('hex'));
  }
  return out;
}

/** The CLI as a whole process (test/support/cli.ts), with what it printed on both streams. */
async function runCli(args: string[]): Promise<{ code: number | null; out: string }> {
  const { code, stdout, stderr } = await runWholeCli(args);
  return { code, out: stdout + stderr };
}

const quiet = recordingLogger().logger;
let cleanDir: string;
let clean: ExportResult;

describe('export and replicate against the sandbox', { timeout: 600_000 }, () => {
  before(async () => {
    sb = await startSandbox({ largeModelMb: 24, hostile: true, notebooks: 40 });
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'export-it-'));
    cleanDir = path.join(scratch, 'clean', 'out');
    clean = await exportWorkspace({ projectDir: sb.projectDir, from: 'primary', kinds: ['notebooks', 'models', 'environments', 'jobs'], outDir: cleanDir, signal: new AbortController().signal, logger: quiet });
  });
  after(async () => {
    await sb?.stop();
    if (scratch) await fs.rm(scratch, { recursive: true, force: true });
  });

  it('exports notebooks byte-exact: every file of the share, as stored', async () => {
    const { share } = await oracle('primary', 'workspaceworkingdirectory');
    const manifest = (await readManifest(cleanDir))!;
    const refused = new Set(manifest.names.filter((n) => !n.local).map((n) => n.remote));
    const notebooks = manifest.files.filter((f) => f.asset.kind === 'notebooks');
    const exported = new Set(notebooks.map((f) => f.source.path));
    const onShare = await shareFiles(share!.rootDirectoryClient);
    assert.ok(onShare.length >= 40, `share lists ${onShare.length} files`);
    // The studio's checkpoints and temp files, and what the share's .amlignore files list: skipped by default
    // (realWorkspaces.test.ts).
    const ignoreFiles = await Promise.all(
      onShare.filter((p) => path.posix.basename(p) === '.amlignore').map(async (p) => ({ folder: path.posix.dirname(p) === '.' ? '' : path.posix.dirname(p), text: (await share!.rootDirectoryClient.getFileClient(p).downloadToBuffer()).toString('utf8') })),
    );
    const clutter = clutterMatcher(ignoreFiles);
    for (const p of onShare) {
      if (exported.has(p)) continue;
      if (clutter(p)) continue;
      assert.ok([...refused].some((r) => p.includes(r.replace(/\\u00(..)/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))).split('/').pop()!)), `${JSON.stringify(p)} neither exported nor reported`);
    }
    for (const f of notebooks) {
      const expected = await share!.rootDirectoryClient.getFileClient(f.source.path).downloadToBuffer();
      const actual = await fs.readFile(path.join(cleanDir, f.path));
      assert.ok(actual.equals(expected), `${f.path} differs from the share`);
      assert.equal(f.sha256, createHash('sha256').update(actual).digest('hex'));
      assert.equal(f.size, actual.length);
    }
  });

  it('exports models byte-exact with a model.yml that re-creates them, environments and portable job YAML', async () => {
    const manifest = (await readManifest(cleanDir))!;
    const modelFiles = manifest.files.filter((f) => f.asset.kind === 'model' && f.source.datastore);
    assert.ok(modelFiles.some((f) => f.asset.name === LARGE_MODEL && f.size >= 24 * 1024 * 1024), 'the large model is there');
    for (const f of modelFiles) {
      // securestore's account refuses Shared Key (realWorkspaces.test.ts): read it with the token.
      const { blob } = await datastoreClients(sb, 'primary', f.source.datastore!, f.source.datastore === 'securestore' ? 'token' : 'key');
      const expected = await blob!.getBlobClient(f.source.path).downloadToBuffer();
      assert.ok((await fs.readFile(path.join(cleanDir, f.path))).equals(expected), `${f.path} differs from the blob`);
    }
    // model.yml: what the service says about the version, and a path that holds exactly the exported files.
    const client = ml();
    for await (const v of client.modelVersions.list(sb.primary.resource_group, sb.primary.workspace_name, 'churn-classifier')) {
      const dir = path.join(cleanDir, 'models', 'churn-classifier', v.name!);
      const doc = parse(await fs.readFile(path.join(dir, 'model.yml'), 'utf8')) as Record<string, unknown>;
      assert.equal(doc.name, 'churn-classifier');
      assert.equal(String(doc.version), v.name);
      assert.equal(doc.description, v.properties.description);
      assert.deepEqual(doc.tags, v.properties.tags);
      assert.equal(doc.type, v.properties.modelType);
      const files = (await fs.readdir(path.join(dir, doc.path as string), { recursive: true })).length;
      assert.equal(files, manifest.files.filter((f) => f.asset.name === 'churn-classifier' && f.asset.version === v.name && f.source.datastore).length);
    }
    // environment.yml with the conda file the service holds.
    for await (const v of client.environmentVersions.list(sb.primary.resource_group, sb.primary.workspace_name, 'sklearn-env')) {
      const dir = path.join(cleanDir, 'environments', 'sklearn-env', v.name!);
      const doc = parse(await fs.readFile(path.join(dir, 'environment.yml'), 'utf8')) as Record<string, unknown>;
      assert.equal(doc.image, v.properties.image);
      assert.equal(doc.conda_file, 'conda.yaml');
      assert.equal((await fs.readFile(path.join(dir, 'conda.yaml'), 'utf8')).trim(), v.properties.condaFile?.trim());
    }
    // Jobs: no reference to the primary workspace that has a portable form is left.
    // (What the real parser makes of them, code and components included: test/integration/jobs.)
    const jobs = manifest.files.filter((f) => f.asset.kind === 'job' && f.path.startsWith('jobs/'));
    assert.ok(jobs.length >= 3);
    for (const j of jobs) {
      const text = await fs.readFile(path.join(cleanDir, j.path), 'utf8');
      const doc = parse(text) as Record<string, unknown>;
      assert.ok(['command', 'pipeline', 'sweep'].includes(doc.type as string));
      if (doc.compute) assert.match(String(doc.compute), /^azureml:[^/]+$/);
      if (typeof doc.environment === 'string') assert.match(doc.environment, /^azureml:[^/:]+:[^/]+$/);
      assert.doesNotMatch(text, new RegExp(sb.primary.workspace_name));
    }
  });

  it('re-creates a model in the secondary from its model.yml, and exports the same bytes back', async () => {
    const dir = path.join(cleanDir, 'models', 'fraud-detector', '1');
    const doc = parse(await fs.readFile(path.join(dir, 'model.yml'), 'utf8')) as { name: string; version: number; type: string; path: string; description?: string; tags?: Record<string, string>; properties?: Record<string, string> };
    // What `az ml model create -f model.yml` does: upload the path, register the version.
    const { blob } = await oracle('secondary', 'workspaceblobstore');
    const local = path.join(dir, doc.path);
    const isFile = (await fs.stat(local)).isFile();
    const files = isFile ? [path.basename(local)] : (await fs.readdir(local, { recursive: true })).map(String);
    const prefix = `recreated/${doc.name}/${doc.version}/${isFile ? '' : `${path.basename(local)}/`}`;
    for (const f of files) await blob!.getBlockBlobClient(`${prefix}${f}`).uploadFile(isFile ? local : path.join(local, f));
    const s = sb.secondary;
    await ml(s.subscription_id).modelVersions.createOrUpdate(s.resource_group, s.workspace_name, 'fraud-detector-recreated', String(doc.version), {
      properties: { modelType: doc.type, description: doc.description, tags: doc.tags, properties: doc.properties, modelUri: `azureml://datastores/workspaceblobstore/paths/${isFile ? `${prefix}${files[0]}` : prefix}` },
    });
    const back = path.join(scratch, 'recreated');
    await exportWorkspace({ projectDir: sb.projectDir, from: 'secondary', kinds: ['models'], names: [{ name: 'fraud-detector-recreated' }], outDir: back, signal: new AbortController().signal, logger: quiet });
    const a = await tree(dir);
    const b = await tree(path.join(back, 'models', 'fraud-detector-recreated', String(doc.version)));
    assert.deepEqual([...b.entries()].filter(([k]) => k !== 'model.yml'), [...a.entries()].filter(([k]) => k !== 'model.yml'));
  });

  it('re-creates an environment in the secondary from its environment.yml, and exports the same definition back', async () => {
    const dir = path.join(cleanDir, 'environments', 'sklearn-env', '1');
    const doc = parse(await fs.readFile(path.join(dir, 'environment.yml'), 'utf8')) as { name: string; version: number; image: string; conda_file: string; os_type?: string; description?: string; tags?: Record<string, string> };
    // What `az ml environment create -f environment.yml` does: read the conda file, register the version.
    const conda = await fs.readFile(path.join(dir, doc.conda_file), 'utf8');
    const s = sb.secondary;
    await ml(s.subscription_id).environmentVersions.createOrUpdate(s.resource_group, s.workspace_name, 'sklearn-env-recreated', String(doc.version), {
      properties: { image: doc.image, condaFile: conda, osType: doc.os_type === 'windows' ? 'Windows' : 'Linux', description: doc.description, tags: doc.tags },
    });
    const back = path.join(scratch, 'recreated-env');
    await exportWorkspace({ projectDir: sb.projectDir, from: 'secondary', kinds: ['environments'], names: [{ name: 'sklearn-env-recreated' }], outDir: back, signal: new AbortController().signal, logger: quiet });
    const backDir = path.join(back, 'environments', 'sklearn-env-recreated', String(doc.version));
    assert.equal(await fs.readFile(path.join(backDir, 'conda.yaml'), 'utf8'), conda);
    const again = parse(await fs.readFile(path.join(backDir, 'environment.yml'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual({ ...again, name: doc.name }, doc);
  });

  it('refuses or makes safe the hostile names the sandbox serves, and writes nothing outside OUT', async () => {
    const reasons = new Map(clean.names.map((n) => [n.remote, n]));
    const refused = clean.names.filter((n) => !n.local);
    assert.ok(refused.some((n) => n.reasons.includes('parent-segment')), 'a ".." name is refused');
    assert.ok(refused.some((n) => n.reasons.includes('control-character')), 'a control-character name is refused');
    assert.ok(refused.some((n) => n.reasons.includes('absolute-path')), 'an absolute name is refused');
    const renamed = clean.names.filter((n) => n.reasons.includes('case-collision'));
    assert.ok(renamed.length >= 1, `case-only collisions are renamed: ${JSON.stringify([...reasons.keys()])}`);
    for (const n of renamed) assert.ok(existsSync(path.join(cleanDir, n.local!)));
    // The export's parent holds only the export; no escape.* anywhere outside it.
    assert.deepEqual(await fs.readdir(path.dirname(cleanDir)), ['out']);
    assert.ok(!existsSync(path.join(scratch, 'escape.txt')) && !existsSync(path.join(scratch, 'escape.ipynb')));
    for (const rel of (await tree(cleanDir)).keys()) assert.doesNotMatch(rel, /(^|\/)\.\.(\/|$)|[\u0000-\u001f]/);
  });

  for (const mode of ['reset', 'throttle', 'corrupt'] as FaultMode[]) {
    it(`under ${mode}, the export equals a clean export byte for byte`, async () => {
      const out = path.join(scratch, mode);
      const rec = recordingLogger();
      const conn = await connect(sb.pair.cloud, { logger: rec.logger });
      const kinds: ExportKind[] = ['notebooks', 'models'];
      const plan = await planExport(conn, { kinds, workspace: sb.primary, signal: new AbortController().signal, logger: rec.logger });
      await sb.fault('primary', mode);
      let result: ExportResult;
      try {
        const running = runExport(plan, { outDir: out, signal: new AbortController().signal, logger: rec.logger });
        await rec.retried();
        await sb.fault('primary', 'none');
        result = await running;
      } finally {
        await sb.fault('primary', 'none');
        plan.dispose();
      }
      assert.ok(result.retries > 0, 'the fault was met and retried');
      assert.equal(result.complete, true, JSON.stringify(result.failed));
      const expected = await tree(cleanDir);
      const actual = await tree(out);
      for (const [rel, sha] of actual) if (rel !== 'manifest.json') assert.equal(sha, expected.get(rel), rel);
      const exportedKinds = [...expected.keys()].filter((k) => k.startsWith('notebooks/') || k.startsWith('models/'));
      assert.deepEqual([...actual.keys()].filter((k) => k !== 'manifest.json').sort(), exportedKinds.sort());
    });
  }

  it('a kill -9 part-way, then a re-run, completes without re-fetching verified files', async () => {
    const out = path.join(scratch, 'killed');
    await sb.fault('primary', 'slow', { latencyMs: 150 });
    const child = spawn(process.execPath, cliNodeArgs(['export', 'notebooks', '--project', sb.projectDir, '--out', out, '--concurrency', '2']), { cwd: REPO, stdio: 'ignore' });
    let atKill: Manifest | undefined;
    try {
      // Wait until the checkpointed manifest lists some complete files, then kill without warning.
      for (;;) {
        atKill = await readManifest(out);
        if (atKill && atKill.files.length >= 8) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    } finally {
      await sb.fault('primary', 'none');
    }
    atKill = (await readManifest(out))!;
    const before = new Map<string, number>();
    for (const f of atKill.files) before.set(f.path, (await fs.stat(path.join(out, f.path))).ino);
    const rerun = await runCli(['export', 'notebooks', '--project', sb.projectDir, '--out', out]);
    assert.equal(rerun.code, 0, rerun.out);
    const m = /Exported: (\d+) file\(s\) downloaded .*?, (\d+) already complete/.exec(rerun.out);
    assert.ok(m, rerun.out);
    assert.ok(Number(m[2]) >= atKill.files.length, `verified ${m[2]} of ${atKill.files.length} complete before the kill`);
    for (const [p, ino] of before) assert.equal((await fs.stat(path.join(out, p))).ino, ino, `${p} was fetched again`);
    const expected = await tree(path.join(cleanDir, 'notebooks'));
    assert.deepEqual(await tree(path.join(out, 'notebooks')), expected);
    assert.equal((await readManifest(out))!.complete, true);
    // A second run over a complete export downloads nothing and rewrites nothing.
    const stamp = (await fs.stat(path.join(out, 'manifest.json'))).mtimeMs;
    const again = await runCli(['export', 'notebooks', '--project', sb.projectDir, '--out', out]);
    assert.match(again.out, /Exported: 0 file\(s\) downloaded/);
    assert.equal((await fs.stat(path.join(out, 'manifest.json'))).mtimeMs, stamp);
  });

  it('replicates to the secondary; a second run changes nothing; conflicts are reported; hostile names refused', async () => {
    const conn = await connect(sb.pair.cloud, { logger: quiet });
    const first = await replicate(conn, { kinds: ['models', 'environments'], source: sb.primary, target: sb.secondary, signal: new AbortController().signal, logger: quiet });
    const status = (name: string, version: string) => first.assets.find((a) => a.name === name && a.version === version)?.outcome.status;
    assert.ok(first.assets.some((a) => a.outcome.status === 'replicated'), JSON.stringify(first.assets));
    assert.ok(first.assets.some((a) => a.outcome.status === 'conflict'), 'a version that differs on the other side is a conflict');
    assert.equal(status('credit-default', '3'), 'refused', 'the version with hostile file names is refused');
    const s = sb.secondary;
    const client = new AzureMachineLearningWorkspaces(sb.credential, s.subscription_id, { endpoint: sb.armUrl, credentialScopes: ['https://management.azure.com/.default'], tlsOptions: { ca: sb.ca } });
    const snapshot = async () => {
      const out: string[] = [];
      for await (const c of client.modelContainers.list(s.resource_group, s.workspace_name)) {
        for await (const v of client.modelVersions.list(s.resource_group, s.workspace_name, c.name!)) out.push(`${c.name}:${v.name}:${v.properties.modelUri}:${String(v.systemData?.lastModifiedAt)}`);
      }
      const { blob } = await oracle('secondary', 'workspaceblobstore');
      for await (const b of blob!.listBlobsFlat()) out.push(`${b.name}:${b.properties.etag}`);
      return out.sort();
    };
    const beforeSecond = await snapshot();
    const second = await replicate(conn, { kinds: ['models', 'environments'], source: sb.primary, target: sb.secondary, signal: new AbortController().signal, logger: quiet });
    assert.equal(second.assets.filter((a) => a.outcome.status === 'replicated').length, 0);
    assert.deepEqual(await snapshot(), beforeSecond, 'nothing uploaded or registered the second time');
    // What was replicated exports from the secondary with the same bytes.
    const replicated = first.assets.find((a) => a.kind === 'model' && a.outcome.status === 'replicated')!;
    const back = path.join(scratch, 'from-secondary');
    await exportWorkspace({ projectDir: sb.projectDir, from: 'secondary', kinds: ['models'], names: [{ name: replicated.name, version: replicated.version }], outDir: back, signal: new AbortController().signal, logger: quiet });
    const rel = path.join('models', replicated.name, replicated.version);
    assert.deepEqual(await tree(path.join(back, rel)), await tree(path.join(cleanDir, rel)));
  });

  it('never logs or writes the storage secrets listSecrets hands out', async () => {
    const keys: string[] = [];
    for (const role of ['primary', 'secondary'] as Role[]) {
      const ws = sb.pair.workspaces[role];
      for (const ds of ['workspaceblobstore', 'workspaceworkingdirectory']) {
        keys.push(((await ml(ws.subscription_id).datastores.listSecrets(ws.resource_group, ws.workspace_name, ds)) as { key: string }).key);
      }
    }
    const out = path.join(scratch, 'secrets');
    const exported = await runCli(['--verbose', 'export', 'all', '--project', sb.projectDir, '--out', out]);
    const replicated = await runCli(['--verbose', 'replicate', 'all', '--project', sb.projectDir]);
    for (const key of keys.filter(Boolean)) {
      assert.ok(!exported.out.includes(key) && !replicated.out.includes(key), 'a key reached the output');
      for (const rel of (await fs.readdir(out, { recursive: true })).map(String)) {
        const abs = path.join(out, rel);
        if ((await fs.stat(abs)).isFile()) assert.ok(!(await fs.readFile(abs, 'utf8')).includes(key), `${rel} holds a key`);
      }
    }
  });

  it('the CLI reports a conflict with exit code 1 and never overwrites', async () => {
    const r = await runCli(['replicate', 'all', '--project', sb.projectDir, '--from', 'primary', '--to', 'secondary']);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /conflict: .*not overwritten/);
    assert.match(r.out, /refused: model credit-default:3: file name/);
  });
});
