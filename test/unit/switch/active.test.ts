import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { configWarnings, resolveActive, scanConfigFiles } from '../../../src/switch/active';
import { which } from '../../../src/switch/which';
import { config, pair, project } from './helpers';

test('the active workspace is what the SDK reads from the project root, matched against the pair', async () => {
  const p = await project({ 'config.json': config('ml-east') });
  try {
    const a = await resolveActive(p.dir, pair());
    assert.equal(a.state, 'primary');
    assert.equal(a.hit?.file, path.join(p.dir, 'config.json'));
  } finally {
    await p.cleanup();
  }
});

test('no config, a config of another workspace, and an unusable config are told apart', async () => {
  const none = await project({ 'src/main.py': '' });
  const other = await project({ '.azureml/config.json': config('ml-elsewhere', 'rg-x') });
  const bad = await project({ '.azureml/config.json': '{oops' });
  try {
    // A config.json in a folder above the temp dir would be found too; none is expected on a clean machine.
    assert.equal((await resolveActive(none.dir, pair())).state, 'none');
    const o = await resolveActive(other.dir, pair());
    assert.equal(o.state, 'other');
    assert.equal(o.workspace?.workspace_name, 'ml-elsewhere');
    const b = await resolveActive(bad.dir, pair());
    assert.equal(b.state, 'invalid');
    assert.match(b.error ?? '', /not valid JSON/);
  } finally {
    await Promise.all([none.cleanup(), other.cleanup(), bad.cleanup()]);
  }
});

test('a nested .azureml/config.json is reported as shadowing, with its path and what it names', async () => {
  const p = await project({
    '.azureml/config.json': config('ml-west'),
    'src/.azureml/config.json': config('ml-east'),
  });
  try {
    const active = await resolveActive(p.dir, pair());
    const warnings = await configWarnings(p.dir, pair(), active);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0].kind, 'shadowing');
    assert.equal(warnings[0].file, path.join(p.dir, 'src/.azureml/config.json'));
    assert.match(warnings[0].message, /src\/\.azureml\/config\.json shadows .* started in src\/ .*ml-east .*the primary/);
    // …and `which` from src/ shows the SDK really uses it there.
    const w = await which(path.join(p.dir, 'src', 'pkg'), pair()).catch(() => which(path.join(p.dir, 'src'), pair()));
    assert.equal(w.hit?.file, path.join(p.dir, 'src/.azureml/config.json'));
    assert.equal(w.role, 'primary');
  } finally {
    await p.cleanup();
  }
});

test('stale config files elsewhere naming another workspace are reported; unrelated config.json files are not', async () => {
  const p = await project({
    '.azureml/config.json': config('ml-west'),
    'config.json': config('ml-east'),
    'deploy/aml_config/config.json': config('ml-old', 'rg-old'),
    'models/bert/config.json': JSON.stringify({ hidden_size: 768 }),
    'notebooks/config.json': config('ml-west'),
    'node_modules/pkg/.azureml/config.json': config('ml-east'),
    '.venv/lib/config.json': config('ml-east'),
    '.azureml/project.json': '{broken',
  });
  try {
    const active = await resolveActive(p.dir, pair());
    const warnings = await configWarnings(p.dir, pair(), active);
    const byFile = Object.fromEntries(warnings.map((w) => [path.relative(p.dir, w.file), w.kind]));
    assert.deepEqual(byFile, { 'config.json': 'stale', 'deploy/aml_config/config.json': 'stale', '.azureml/project.json': 'invalid' });
    const stale = warnings.find((w) => w.file.endsWith('deploy/aml_config/config.json'));
    assert.match(stale?.message ?? '', /ml-old .*not in the pair/);
  } finally {
    await p.cleanup();
  }
});

test('the scan stays within its folder budget', async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 30; i++) files[`d${i}/config.json`] = config('ml-east');
  const p = await project(files);
  try {
    assert.equal((await scanConfigFiles(p.dir)).length, 30);
    assert.ok((await scanConfigFiles(p.dir, { limit: 10 })).length < 30);
  } finally {
    await p.cleanup();
  }
});
