// The CLI's file runner and the project's ignore rules, as the CLI and the VS Code adapter use them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { defaultLintConfig } from '../../../src/lint/config';
import { expandTargets } from '../../../src/lint/files';
import { lintProjectFrom } from '../../../src/lint/project';
import { lintAll } from '../../../src/lint/run';
import { scratchDir } from '../../support/scratch';

const REPO = path.resolve(import.meta.dirname, '../../..');
const CORPUS = path.join(REPO, 'test/fixtures/corpus');


test('a worker thread beside the main one gives the same findings, in the same order, as the main thread alone', async () => {
  const expanded = await expandTargets(['azureml-examples-cli', 'hardcoded'], CORPUS, { isIgnoredPath: () => false });
  assert.ok(expanded.targets.length > 575);
  const settings = { config: defaultLintConfig() };
  const alone = await lintAll(expanded.targets, settings, { worker: false });
  const shared = await lintAll(expanded.targets, settings, { worker: true });
  const workerOnly = await lintAll(expanded.targets, settings, { worker: true, mainThreadLints: false });
  assert.equal(alone.byWorker, 0);
  assert.equal(workerOnly.byWorker, expanded.targets.length);
  assert.deepEqual(workerOnly.results, alone.results);
  assert.deepEqual(shared.results, alone.results);
  assert.ok(alone.results.some((r) => r.findings.some((f) => f.rule === 'workspace-arm-id')), 'the hardcoded corpus has pinned references');
});

test('a worker that cannot start leaves every file to the main thread', async () => {
  const expanded = await expandTargets(['azureml-examples-cli/jobs'], CORPUS, { isIgnoredPath: () => false });
  const settings = { config: defaultLintConfig() };
  const results = await lintAll(expanded.targets, settings, { worker: true, workerScript: path.join(REPO, 'no-such-worker.js') });
  assert.equal(results.byWorker, 0);
  assert.deepEqual(results.results, (await lintAll(expanded.targets, settings, { worker: false })).results);
});

test("the editor's ignore check: files inside any folder holding an aml-failover manifest.json, and under aml-export/ and aml-backup/", async () => {
  const dir = await scratchDir('aml-lint-project-');
  const outside = await scratchDir('aml-lint-out-');
  const manifest = JSON.stringify({ version: 1, tool: 'aml-failover', complete: false, files: [] }, null, 2);
  for (const d of [path.join(dir, 'saved/primary'), outside]) await fs.writeFile(path.join(await mkdirp(d), 'manifest.json'), manifest);
  await fs.writeFile(path.join(await mkdirp(path.join(dir, 'other')), 'manifest.json'), '{"tool": "something else"}');
  const project = lintProjectFrom(dir, undefined);
  assert.equal(project.isIgnored(path.join(dir, 'saved/primary/jobs/a/job.yml')), true);
  assert.equal(project.isIgnored(path.join(outside, 'notebooks/Users/x/n.ipynb')), true, 'an export outside the project too');
  assert.equal(project.isIgnored(path.join(dir, 'aml-export/secondary/environments/e/1/environment.yml')), true);
  assert.equal(project.isIgnored(path.join(dir, 'aml-backup/primary/20261206T220238Z/jobs/j.yml')), true);
  assert.equal(project.isIgnored(path.join(dir, 'other/job.yml')), false);
  assert.equal(project.isIgnored(path.join(dir, 'jobs/aml-export/job.yml')), false, 'only the default folder at the project root');
  assert.equal(project.isIgnored(path.join(dir, 'jobs/train.yml')), false);
});

async function mkdirp(d: string): Promise<string> {
  await fs.mkdir(d, { recursive: true });
  return d;
}
