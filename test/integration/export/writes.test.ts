// How `aml-failover export` treats what is already in the export folder, through the CLI (whole cold processes)
// against the sandbox: symbolic links are never written through, files edited locally are kept unless --force,
// and exporting one kind leaves the others' files and manifest entries alone.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readManifest } from '../../../src/export/manifest';
import { startSandbox, type RunningSandbox } from '../../support/sandbox';
import { runCli as runWholeCli } from '../../support/cli';

let sb: RunningSandbox;
let scratch: string;
let cleanDir: string;

/** The CLI as a whole process (test/support/cli.ts), with what it printed on both streams. */
async function runCli(args: string[]): Promise<{ code: number | null; out: string }> {
  const { code, stdout, stderr } = await runWholeCli(args);
  return { code, out: stdout + stderr };
}

const exportCli = (what: string, out: string, ...more: string[]) => runCli(['export', what, '--project', sb.projectDir, '--out', out, ...more]);

/** Every regular file under `dir` (relative, "/"-separated) with its sha256; links are listed, not followed. */
async function tree(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const rel of (await fs.readdir(dir, { recursive: true })).map(String)) {
    const abs = path.join(dir, rel);
    const stat = await fs.lstat(abs);
    if (stat.isSymbolicLink()) out.set(rel.split(path.sep).join('/'), `link to ${await fs.readlink(abs)}`);
    else if (stat.isFile()) out.set(rel.split(path.sep).join('/'), createHash('sha256').update(await fs.readFile(abs)).digest('hex'));
  }
  return out;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('export into a folder that already holds things', { timeout: 300_000 }, () => {
  before(async () => {
    sb = await startSandbox({ largeModelMb: 2, notebooks: 5 });
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'export-writes-'));
    cleanDir = path.join(scratch, 'clean');
    const clean = await exportCli('all', cleanDir);
    assert.equal(clean.code, 0, clean.out);
  });
  after(async () => {
    await sb?.stop();
    if (scratch) await fs.rm(scratch, { recursive: true, force: true });
  });

  it('never writes through a symbolic link in OUT: a folder link and a file link are refused and named', { skip: process.platform === 'win32' }, async () => {
    const out = path.join(scratch, 'linked');
    const elsewhere = path.join(scratch, 'elsewhere');
    await fs.mkdir(path.join(elsewhere, 'ssh'), { recursive: true });
    await fs.writeFile(path.join(elsewhere, 'ssh', 'id_rsa'), 'private\n');
    await fs.writeFile(path.join(elsewhere, 'bashrc'), 'precious\n');
    const job = (await readManifest(cleanDir))!.files.find((f) => f.asset.kind === 'job')!.path;
    await fs.mkdir(path.dirname(path.join(out, job)), { recursive: true });
    // As a repository could commit them: aml-export/primary/notebooks -> ~/.ssh, and a job file linked to a dotfile.
    await fs.symlink(path.join(elsewhere, 'ssh'), path.join(out, 'notebooks'));
    await fs.symlink(path.join(elsewhere, 'bashrc'), path.join(out, job));
    const before = await tree(elsewhere);

    const r = await exportCli('all', out, '--force');
    assert.equal(r.code, 1, r.out);
    assert.deepEqual(await tree(elsewhere), before, 'nothing written outside OUT');
    assert.match(r.out, new RegExp(`${escape(path.join(out, 'notebooks'))} is a symbolic link \\(to ${escape(path.join(elsewhere, 'ssh'))}\\); the export never writes through links`));
    assert.match(r.out, new RegExp(`${escape(path.join(out, job))} is a symbolic link`));
    assert.ok((await fs.lstat(path.join(out, job))).isSymbolicLink(), 'the link is left as it was');
    // Everything else was exported as usual.
    const expected = await tree(cleanDir);
    for (const [rel, sha] of await tree(out)) if (rel.startsWith('models/')) assert.equal(sha, expected.get(rel), rel);
  });

  it('keeps files edited in OUT, reports them, and replaces them only with --force', async () => {
    const out = path.join(scratch, 'edited');
    assert.equal((await exportCli('all', out)).code, 0);
    const manifest = (await readManifest(out))!;
    const notebook = manifest.files.find((f) => f.asset.kind === 'notebooks')!.path;
    const job = manifest.files.find((f) => f.asset.kind === 'job')!.path;
    await fs.writeFile(path.join(out, notebook), '{"cells": [], "note": "my own edit"}\n');
    await fs.appendFile(path.join(out, job), '# tuned by hand\n');
    const edited = await tree(out);

    const again = await exportCli('all', out);
    assert.equal(again.code, 1, again.out);
    assert.match(again.out, new RegExp(`kept: ${escape(notebook)} was edited here since the last export`));
    assert.match(again.out, new RegExp(`kept: ${escape(job)} was edited here`));
    assert.match(again.out, /--force/);
    const afterRun = await tree(out);
    for (const rel of [notebook, job]) assert.equal(afterRun.get(rel), edited.get(rel), `${rel} was kept`);

    const forced = await exportCli('all', out, '--force');
    assert.equal(forced.code, 0, forced.out);
    const expected = await tree(cleanDir);
    for (const rel of [notebook, job]) assert.equal((await tree(out)).get(rel), expected.get(rel), `${rel} replaced with the workspace's version`);
  });

  it('exporting one kind leaves the other kinds\' files and manifest entries alone', async () => {
    const out = path.join(scratch, 'kinds');
    assert.equal((await exportCli('all', out)).code, 0);
    const all = (await readManifest(out))!;
    const before = await tree(out);
    const models = await exportCli('models', out);
    assert.equal(models.code, 0, models.out);
    const m = (await readManifest(out))!;
    assert.deepEqual(m.files.map((f) => f.path).sort(), all.files.map((f) => f.path).sort());
    const afterRun = await tree(out);
    for (const [rel, sha] of before) if (rel !== 'manifest.json') assert.equal(afterRun.get(rel), sha, rel);
  });
});
