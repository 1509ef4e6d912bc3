// An export must not flood the linter: after `aml-failover export` into a project (the default folder, or --out
// anywhere), `aml-failover lint` over that project reports exactly what it reported before. Both run as whole CLI
// processes against the sandbox, as a user or CI would run them; the export's .gitignore line is checked with git.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSandbox, type RunningSandbox } from '../../support/sandbox';
import { cliNodeArgs } from '../../support/cli';


function cli(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, cliNodeArgs([...args]), { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

type JsonFinding = { file: string; line: number; rule: string };
const lintJson = (cwd: string, ...args: string[]) => {
  const r = cli(['lint', '--format', 'json', ...args], cwd);
  assert.ok(r.code === 0 || r.code === 1, r.err);
  return (JSON.parse(r.out) as JsonFinding[]).map((f) => `${f.file}:${f.line} ${f.rule}`);
};

describe('lint after an export into the same project', () => {
  let sb: RunningSandbox;
  let before_: string[];
  let gitignoreBefore: Buffer;
  before(async () => {
    sb = await startSandbox();
    assert.equal(spawnSync('git', ['init', '-q', sb.projectDir]).status, 0);
    gitignoreBefore = await fs.readFile(path.join(sb.projectDir, '.gitignore'));
    before_ = lintJson(sb.projectDir);
    assert.ok(before_.length > 0, 'the seeded project has findings of its own');
  });
  after(async () => {
    await sb?.stop();
  });

  it('the default folder: nothing from the export is reported, and the folder is added to .gitignore once, saying so', async () => {
    const r = cli(['export', 'all'], sb.projectDir);
    assert.equal(r.code, 0, r.err + r.out);
    const out = path.join(sb.projectDir, 'aml-export', 'primary');
    assert.ok(existsSync(path.join(out, 'manifest.json')));
    const exportedYaml = (await fs.readdir(out, { recursive: true })).filter((f) => /\.(ya?ml|ipynb|json)$/.test(String(f)));
    assert.ok(exportedYaml.length > 10, `the export holds files the linter would read: ${exportedYaml.length}`);
    assert.match(r.out, /Added \/aml-export\/ to .*\.gitignore so the export stays out of git\./);
    const gitignore = await fs.readFile(path.join(sb.projectDir, '.gitignore'));
    assert.deepEqual(gitignore, Buffer.concat([gitignoreBefore, Buffer.from('/aml-export/\n')]));
    assert.equal(spawnSync('git', ['check-ignore', '-q', 'aml-export/primary/manifest.json'], { cwd: sb.projectDir }).status, 0, 'git ignores the export');

    assert.deepEqual(lintJson(sb.projectDir), before_);
    // From elsewhere, with --project: the same answer.
    assert.deepEqual(lintJson(path.dirname(sb.projectDir), '--project', sb.projectDir).map((f) => f.replace(`${path.basename(sb.projectDir)}/`, '')), before_);

    // A second export into the existing folder leaves .gitignore alone.
    const again = cli(['export', 'environments'], sb.projectDir);
    assert.equal(again.code, 0, again.err);
    assert.doesNotMatch(again.out, /gitignore/);
    assert.deepEqual(await fs.readFile(path.join(sb.projectDir, '.gitignore')), gitignore);
  });

  it('--out from a subfolder lands there (not relative to the project), and is not linted either', async () => {
    const jobs = path.join(sb.projectDir, 'jobs');
    const jobsBefore = await fs.readdir(jobs);
    const r = cli(['export', 'jobs', '--project', '..', '--out', 'exported'], jobs);
    assert.equal(r.code, 0, r.err + r.out);
    const out = path.join(jobs, 'exported');
    assert.ok(existsSync(path.join(out, 'manifest.json')), r.out);
    assert.deepEqual((await fs.readdir(jobs)).sort(), [...jobsBefore, 'exported'].sort());
    assert.ok(!existsSync(path.join(sb.projectDir, 'exported')));
    assert.deepEqual(lintJson(sb.projectDir), before_);
    const named = cli(['lint', 'jobs/exported'], sb.projectDir);
    assert.equal(named.code, 0);
    assert.match(named.err, /jobs\/exported holds an aml-failover export/);
  });
});
