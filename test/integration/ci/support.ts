// What the CI-integration tests share: this working tree as a repository of its own (as a user's pre-commit or
// GitHub Actions would fetch it), a scratch git repository, and the SARIF 2.1.0 check.
import { execFileSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';

export const REPO = path.resolve(__dirname, '..', '..', '..');

/** Git without the user's or machine's configuration, with a fixed identity. */
export const GIT_ENV = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'AML Failover tests',
  GIT_AUTHOR_EMAIL: 'tests@example.invalid',
  GIT_COMMITTER_NAME: 'AML Failover tests',
  GIT_COMMITTER_EMAIL: 'tests@example.invalid',
};

/** Runs git in `cwd`; returns its stdout. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8' });
}

/** A new git repository holding `files`, not yet committed. */
export async function scratchRepository(dir: string, files: Record<string, string>): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  git(dir, 'init', '--quiet', '--initial-branch=main');
  for (const [name, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), text);
  }
  return dir;
}

/**
 * The working tree as it would be committed (tracked and new files, not what .gitignore leaves out: no
 * node_modules, no dist) copied into `dir` and committed there. Returns the commit.
 */
export async function snapshotWorkingTree(dir: string): Promise<string> {
  const files = git(REPO, 'ls-files', '-z', '--cached', '--others', '--exclude-standard').split('\0').filter(Boolean);
  await fs.mkdir(dir, { recursive: true });
  for (const file of files) {
    const from = path.join(REPO, file);
    const stat = await fs.lstat(from).catch(() => undefined);
    if (!stat?.isFile()) continue; // deleted in the working tree
    await fs.mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await fs.copyFile(from, path.join(dir, file));
    await fs.chmod(path.join(dir, file), stat.mode);
  }
  git(dir, 'init', '--quiet', '--initial-branch=main');
  git(dir, 'add', '--all');
  git(dir, 'commit', '--quiet', '--no-verify', '--message', 'working tree under test');
  return git(dir, 'rev-parse', 'HEAD').trim();
}

/** The environment for a child that installs or runs this project: nothing of an outer npm run or test runner. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || key === 'NODE_OPTIONS' || key === 'NODE_TEST_CONTEXT' || key === 'INIT_CWD') continue;
    env[key] = value;
  }
  // The packages are in npm's cache from this checkout's own install: take them from there when they are.
  return { ...env, npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', ...GIT_ENV, ...extra };
}

/** Validates against the OASIS SARIF 2.1.0 schema in test/fixtures/lint; returns the errors (none: valid). */
export function sarifErrors(sarif: unknown): string[] {
  const schema = JSON.parse(readFileSync(path.join(REPO, 'test/fixtures/lint/sarif-2.1.0-rtm.5.json'), 'utf8')) as Record<string, unknown>;
  // The schema is draft-04; Ajv 8 reads it once `id` is spelled `$id` (formats are not checked).
  delete schema.$schema;
  schema.$id = schema.id;
  delete schema.id;
  const validate = new Ajv({ strict: false, validateFormats: false, allErrors: true, unicodeRegExp: false }).compile(schema);
  return validate(sarif) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

/** A command job pinned to one workspace by an ARM id (one `workspace-arm-id` warning, line 3), and a clean one. */
export const PINNED_JOB = `$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
command: python train.py
environment: azureml:/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/ws-eastus/environments/sklearn/versions/3
compute: azureml:cpu-cluster
`;
export const CLEAN_JOB = `$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
command: python train.py
environment: azureml:sklearn:3
compute: azureml:cpu-cluster
`;
