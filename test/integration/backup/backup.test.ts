// `aml-failover backup` and `verify` as whole cold processes against one sandbox: snapshots of an unchanged
// workspace share their files' inodes and download nothing; a changed notebook is the only file fetched again;
// --keep leaves the newest complete snapshots; verify catches a flipped byte.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { readManifest } from '../../../src/export/manifest';
import { connect } from '../../../src/azure/connection';
import { fixedTrust } from '../../../src/azure/trust';
import { silentLogger } from '../../../src/common/logger';
import { fetchRemoteBackup, parseRemoteBackup } from '../../../src/backup/offsite';
import type { BackupRecord, VerifiedRecord } from '../../../src/backup/snapshots';
import { cliNodeArgs, runCli } from '../../support/cli';
import type { SocketBytes } from '../../support/socketBytes';
import { startSandbox, type RunningSandbox } from '../../support/sandbox';
import { datastoreClients } from '../../support/storageOracle';

const REPO = path.resolve(import.meta.dirname, '..', '..', '..');
let sb: RunningSandbox;
let out: string;
const snapshots: string[] = [];

/** `aml-failover backup` as a whole cold process, the bytes it received and sent on its sockets counted. */
const backup = async (...more: string[]) => {
  const counts = path.join(sb.projectDir, `.socket-bytes-${snapshots.length}-${Date.now()}.json`);
  const r = await runCli(['backup', '--project', sb.projectDir, ...more], { env: { ...process.env, AML_FAILOVER_SOCKET_BYTES: counts }, preload: [pathToFileURL(path.resolve(import.meta.dirname, '../../support/socketBytes.ts')).href] });
  const bytes = JSON.parse(await fs.readFile(counts, 'utf8')) as SocketBytes;
  await fs.rm(counts);
  const all = r.stdout + r.stderr;
  const made = /Backed up: (\S+) —/.exec(all)?.[1];
  if (made) snapshots.push(made);
  return { ...r, all, snapshot: made, bytes };
};
const record = async (snapshot: string) => JSON.parse(await fs.readFile(path.join(snapshot, 'backup.json'), 'utf8')) as BackupRecord;
/** Uploads new bytes over a notebook of the primary's share, as a user saving it in the studio would. */
async function changeNotebook(sourcePath: string, bytes: Buffer): Promise<void> {
  const { share } = await datastoreClients(sb, 'primary', 'workspaceworkingdirectory');
  await share!.getDirectoryClient(path.posix.dirname(sourcePath)).getFileClient(path.posix.basename(sourcePath)).uploadData(bytes);
}
const inode = async (snapshot: string, rel: string) => (await fs.stat(path.join(snapshot, ...rel.split('/')))).ino;

describe('backup: dated snapshots that cost only what changed', { timeout: 300_000 }, () => {
  before(async () => {
    sb = await startSandbox({ largeModelMb: 2, notebooks: 3 });
    // The default folder, in a project that is a git repository.
    out = path.join(sb.projectDir, 'aml-backup');
    await fs.mkdir(path.join(sb.projectDir, '.git'));
  });
  after(async () => {
    await sb?.stop();
  });

  it('two snapshots of an unchanged workspace share every file (same inode): nothing downloaded, nothing new written', async () => {
    const first = await backup();
    assert.equal(first.code, 0, first.all);
    const second = await backup();
    assert.equal(second.code, 0, second.all);
    const [a, b] = [first.snapshot!, second.snapshot!];
    assert.notEqual(a, b);
    assert.equal(path.dirname(a), path.join(out, 'primary'));
    assert.match(path.basename(a), /^\d{8}T\d{6}Z(-\d+)?$/);
    const files = (await readManifest(b))!.files;
    assert.ok(files.length > 10, `${files.length} files`);
    assert.ok((await readManifest(b))!.complete);
    for (const f of files) assert.equal(await inode(b, f.path), await inode(a, f.path), `${f.path} is one file in both snapshots`);
    const [ra, rb] = [await record(a), await record(b)];
    assert.ok(ra.stats.bytesDownloaded > 2 * 1024 * 1024, 'the first backup downloaded the workspace');
    assert.equal(rb.stats.bytesDownloaded, 0);
    assert.equal(rb.stats.newContentBytes, 0);
    assert.equal(rb.stats.linkedFiles, files.length);
    assert.equal(rb.previous, path.basename(a));
    // Every job with its status at that moment.
    assert.ok(rb.jobs.length > 0);
    assert.ok(rb.jobs.some((j) => j.status === 'Completed'), JSON.stringify(rb.jobs));
    assert.equal((await fs.readFile(path.join(out, 'primary', 'latest'), 'utf8')).trim(), path.basename(b));
    assert.match(await fs.readFile(path.join(sb.projectDir, '.gitignore'), 'utf8'), /^\/aml-backup\/$/m);
    assert.match(first.all, /Added \/aml-backup\/ to .*\.gitignore so the backups stay out of git/);
  });

  it('a changed notebook is the only file downloaded again', async () => {
    const previous = snapshots.at(-1)!;
    const notebook = (await readManifest(previous))!.files.find((f) => f.asset.kind === 'notebooks' && f.path.endsWith('.ipynb'))!;
    const changed = Buffer.from('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n');
    await changeNotebook(notebook.source.path, changed);

    const r = await backup();
    assert.equal(r.code, 0, r.all);
    const next = r.snapshot!;
    const rec = await record(next);
    assert.equal(rec.stats.bytesDownloaded, changed.length);
    assert.equal(rec.stats.newContentBytes, changed.length);
    assert.deepEqual(await fs.readFile(path.join(next, ...notebook.path.split('/'))), changed);
    for (const f of (await readManifest(next))!.files) {
      const same = (await inode(next, f.path)) === (await inode(previous, f.path));
      assert.equal(same, f.path !== notebook.path, f.path);
    }
  });

  it('--keep 1 leaves only the newest complete snapshot, which latest names', async () => {
    const r = await backup('--keep', '1');
    assert.equal(r.code, 0, r.all);
    assert.deepEqual(await fs.readdir(path.join(out, 'primary')).then((n) => n.sort()), [path.basename(r.snapshot!), 'latest'].sort());
    assert.match(r.all, /Removed \d{8}T\d{6}Z/);
    // The files of removed snapshots live on in the one kept.
    const v = await runCli(['verify', r.snapshot!]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });

  it('status --json gives each workspace its recovery point, and counts a notebook changed since', async () => {
    const status = async () => {
      const r = await runCli(['status', '--json', '--project', sb.projectDir]);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as { workspaces: Record<string, { health: string; backup: unknown }> };
    };
    const snapshot = snapshots.at(-1)!;
    const before = await status();
    assert.equal(before.workspaces.primary!.health, 'healthy');
    const takenAt = (await record(snapshot)).takenAt;
    assert.deepEqual(before.workspaces.primary!.backup, { path: snapshot, takenAt, verified: true, changedSince: { notebooks: 0, assets: 0 } });
    assert.equal(before.workspaces.secondary!.backup, null);

    const notebook = (await readManifest(snapshot))!.files.find((f) => f.asset.kind === 'notebooks' && f.path.endsWith('.ipynb'))!;
    await changeNotebook(notebook.source.path, Buffer.from('changed again\n'));
    assert.deepEqual((await status()).workspaces.primary!.backup, { path: snapshot, takenAt, verified: true, changedSince: { notebooks: 1, assets: 0 } });
  });

  it('--to-storage secondary copies the snapshot into the secondary\'s blob store (its blobs server to server), from where restore reads it with the primary down', async (t) => {
    const r = await backup('--to-storage', 'secondary');
    assert.equal(r.code, 0, r.all);
    const location = /Restore from there with: aml-failover restore (\S+) --to/.exec(r.all)?.[1];
    assert.ok(location, r.all);
    assert.match(location, new RegExp(`^azureml://subscriptions/${sb.secondary.subscription_id}/resourcegroups/${sb.secondary.resource_group}/workspaces/${sb.secondary.workspace_name}/datastores/workspaceblobstore/paths/aml-failover/backups/primary/${path.basename(r.snapshot!)}$`));
    const copied = /Copied to the secondary workspace's workspaceblobstore \(mlw-[\w-]+\): (\d+) file\(s\) copied server to server from the primary workspace, (\d+) uploaded/.exec(r.all);
    assert.ok(copied, r.all);
    // The model's files are blobs the primary still holds as backed up: the service copies them. This machine sends
    // only the notebooks (a file share: ~130 KB here), the generated YAML, the records and the requests — a small
    // fraction of the snapshot (~12 % of 4.6 MB; all of it, and more, when every file was uploaded).
    const snapshotBytes = (await readManifest(r.snapshot!))!.files.reduce((n, f) => n + f.size, 0);
    t.diagnostic(`backup --to-storage sent ${r.bytes.sent} bytes for a ${snapshotBytes}-byte snapshot (${copied[1]} server to server, ${copied[2]} uploaded)`);
    assert.ok(Number(copied[1]) > 0, r.all);
    assert.ok(r.bytes.sent < snapshotBytes * 0.2, `the CLI sent ${r.bytes.sent} bytes for a ${snapshotBytes}-byte snapshot`);
    // The next copy sends nothing unchanged: the service copies it from the copy before.
    const again = await backup('--to-storage', 'secondary');
    assert.equal(again.code, 0, again.all);
    assert.match(again.all, /: 0 file\(s\) copied server to server from the primary workspace, 2 uploaded \([\d.]+ MB\), \d+ unchanged copied inside the store, 0 already there\./);

    await sb.fault('primary', 'outage');
    try {
      const conn = await connect(sb.pair.cloud, { logger: silentLogger, trust: fixedTrust([]) });
      const into = path.join(sb.projectDir, 'fetched');
      const got = await fetchRemoteBackup(parseRemoteBackup(location)!, { conn, pair: sb.pair, into: 'secondary', tempDir: into, signal: new AbortController().signal });
      const local = (await readManifest(r.snapshot!))!;
      assert.equal(got.files, local.files.length);
      for (const f of local.files) assert.deepEqual(await fs.readFile(path.join(into, ...f.path.split('/'))), await fs.readFile(path.join(r.snapshot!, ...f.path.split('/'))), f.path);
      // What a user runs: restore straight from that location into the secondary, with the primary down.
      const restored = await runCli(['restore', location, '--to', 'secondary', '--what', 'notebooks', '--json', '--project', sb.projectDir]);
      assert.equal(restored.code, 0, restored.stdout + restored.stderr);
      // What it wrote or found already there holds the snapshot's bytes (a notebook the secondary holds with other
      // content is a conflict, left as it is).
      const written = JSON.parse(restored.stdout) as { created: { path: string }[]; unchanged: { path: string }[] };
      const done = new Set([...written.created, ...written.unchanged].map((e) => e.path));
      assert.ok(written.created.length > 0, restored.stdout);
      const { share } = await datastoreClients(sb, 'secondary', 'workspaceworkingdirectory');
      for (const f of local.files.filter((e) => e.asset.kind === 'notebooks' && done.has(e.path))) {
        const there = await share!.getDirectoryClient(path.posix.dirname(f.source.path)).getFileClient(path.posix.basename(f.source.path)).downloadToBuffer();
        assert.deepEqual(there, await fs.readFile(path.join(r.snapshot!, ...f.path.split('/'))), f.source.path);
      }
      // The role folder works too: its latest names the newest copy.
      const latest = await fetchRemoteBackup(parseRemoteBackup(location.replace(/\/[^/]+$/, ''))!, { conn, pair: sb.pair, into: 'secondary', tempDir: path.join(sb.projectDir, 'fetched-latest'), signal: new AbortController().signal });
      assert.equal(path.posix.basename(latest.prefix), path.basename(snapshots.at(-1)!));
    } finally {
      await sb.fault('primary', 'none');
    }
  });

  it('verify passes a sound snapshot and catches a flipped byte, recording both in verified.json', async () => {
    const snapshot = snapshots.at(-1)!;
    const ok = await runCli(['verify', path.join(out, 'primary')]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^Verified: /);
    const verified = () => fs.readFile(path.join(snapshot, 'verified.json'), 'utf8').then((t) => JSON.parse(t) as VerifiedRecord);
    assert.equal((await verified()).ok, true);

    const model = (await readManifest(snapshot))!.files.find((f) => f.asset.kind === 'model' && f.size > 1024)!;
    const file = path.join(snapshot, ...model.path.split('/'));
    const handle = await fs.open(file, 'r+');
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, 1000);
    byte[0] = byte[0]! ^ 0xff;
    await handle.write(byte, 0, 1, 1000);
    await handle.close();

    const bad = await runCli(['verify', snapshot]);
    assert.equal(bad.code, 1, bad.stdout + bad.stderr);
    assert.match(bad.stdout, new RegExp(`Not verified: .*\\n  ${model.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: sha256 [0-9a-f]{64} differs from the manifest's ${model.sha256}`));
    const rec = await verified();
    assert.equal(rec.ok, false);
    assert.equal(rec.problems.length, 1);
  });

  it('interrupted (Ctrl+C) part-way: exit 1, nothing copied off-region, latest still names the last complete snapshot', async () => {
    const role = path.join(out, 'primary');
    const latest = () => fs.readFile(path.join(role, 'latest'), 'utf8').then((t) => t.trim());
    const [latestBefore, foldersBefore] = [await latest(), new Set(await fs.readdir(role))];
    await sb.fault('primary', 'slow', { latencyMs: 150 });
    try {
      const child = spawn(process.execPath, cliNodeArgs(['backup', '--to-storage', 'secondary', '--project', sb.projectDir]), { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
      let printed = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (printed += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (printed += d));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      let ended = false;
      void exited.then(() => (ended = true));
      // Interrupted once its snapshot folder exists (the workspace listed, files under way).
      for (;;) {
        if (ended) assert.fail(`the backup ended before it was interrupted:\n${printed}`);
        if ((await fs.readdir(role)).some((n) => !foldersBefore.has(n))) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      child.kill('SIGINT');
      assert.equal(await exited, 1, printed);
      assert.match(printed, /Not copied off-region: only a complete snapshot is\./);
      assert.equal(await latest(), latestBefore, 'latest still names the last complete snapshot');
      for (const name of (await fs.readdir(role)).filter((n) => !foldersBefore.has(n))) {
        const rec = await record(path.join(role, name)).catch(() => undefined);
        if (rec) assert.equal(rec.complete, false, `${name} says it is incomplete`);
      }
    } finally {
      await sb.fault('primary', 'none');
    }
  });
});
