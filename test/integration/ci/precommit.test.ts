// The pre-commit hook (.pre-commit-hooks.yaml) as a team uses it: Debian's pre-commit, its cache in a scratch folder,
// a scratch git repository whose .pre-commit-config.yaml names this working tree (committed in a copy of its own, as
// pre-commit needs a repository and a rev) as the hook's source. pre-commit installs it with npm — the `prepare`
// script builds the CLI — and `git commit` then runs `aml-failover lint` on the staged files.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { CLEAN_JOB, cleanEnv, git, PINNED_JOB, scratchRepository, snapshotWorkingTree } from './support';

const PRE_COMMIT = '/usr/bin/pre-commit';

let scratch: string | undefined;
after(async () => {
  if (scratch) await fs.rm(scratch, { recursive: true, force: true });
});

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out }));
  });
}

const commits = (dir: string) => Number(git(dir, 'rev-list', '--all', '--count').trim());

test('git commit runs aml-failover lint on the staged files: a pinned job is refused with the finding, a clean one passes', { timeout: 900_000 }, async () => {
  assert.ok(existsSync(PRE_COMMIT), `${PRE_COMMIT} is missing: run bash scripts/setup-test-env.sh`);
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'aml-failover-pre-commit-'));
  const source = path.join(scratch, 'aml-failover');
  const rev = await snapshotWorkingTree(source);
  const project = await scratchRepository(path.join(scratch, 'project'), {
    '.pre-commit-config.yaml': `repos:\n  - repo: ${source}\n    rev: ${rev}\n    hooks:\n      - id: aml-failover-lint\n`,
    'README.md': 'A project with a pinned job.\n',
  });
  const env = cleanEnv({ PRE_COMMIT_HOME: path.join(scratch, 'pre-commit-home') });

  const install = await run(PRE_COMMIT, ['install'], project, env);
  assert.equal(install.code, 0, install.out);
  git(project, 'add', '.pre-commit-config.yaml', 'README.md');
  // The first commit installs the hook's environment (npm install of the source, its prepare build, npm pack).
  const first = await run('git', ['commit', '-m', 'pre-commit config'], project, env);
  assert.equal(first.code, 0, first.out);
  assert.equal(commits(project), 1);

  // A job pinned to one workspace, staged: the commit is refused and the finding shown.
  await fs.mkdir(path.join(project, 'jobs'));
  await fs.writeFile(path.join(project, 'jobs', 'train.yml'), PINNED_JOB);
  git(project, 'add', 'jobs/train.yml');
  const refused = await run('git', ['commit', '-m', 'add the training job'], project, env);
  assert.notEqual(refused.code, 0, `the commit went through:\n${refused.out}`);
  assert.match(refused.out, /jobs\/train\.yml/);
  assert.match(refused.out, /workspace-arm-id/);
  assert.equal(commits(project), 1, 'nothing was committed');

  // The same job made portable passes; a pinned file that is not staged is not the commit's business.
  await fs.writeFile(path.join(project, 'jobs', 'train.yml'), CLEAN_JOB);
  await fs.writeFile(path.join(project, 'scratch-pinned.yml'), PINNED_JOB);
  git(project, 'add', 'jobs/train.yml');
  const passed = await run('git', ['commit', '-m', 'add the training job'], project, env);
  assert.equal(passed.code, 0, passed.out);
  assert.match(passed.out, /aml-failover lint.*Passed/);
  assert.equal(commits(project), 2);
  assert.equal(git(project, 'show', '--format=', '--name-only', 'HEAD').trim(), 'jobs/train.yml');
});
