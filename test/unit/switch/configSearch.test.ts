import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { CONFIG_CANDIDATES, findSdkConfig, parseWorkspaceConfig, printable } from '../../../src/switch/configSearch';
import { config, project, SUB } from './helpers';

test('the SDK candidates are tried in its order', () => {
  assert.deepEqual(CONFIG_CANDIDATES, ['.azureml/config.json', '.azureml/project.json', 'aml_config/config.json', 'aml_config/project.json', 'config.json', 'project.json']);
});

test('a .azureml/config.json in a parent folder beats a config.json next to the code', async () => {
  const p = await project({ '.azureml/config.json': config('ml-east'), 'src/train/config.json': config('ml-west') });
  try {
    const hit = await findSdkConfig(path.join(p.dir, 'src/train'));
    assert.equal(hit?.file, path.join(p.dir, '.azureml/config.json'));
    assert.equal(hit?.candidate, '.azureml/config.json');
    assert.equal(hit?.foundIn, p.dir);
  } finally {
    await p.cleanup();
  }
});

test('later candidates are used when earlier ones are nowhere above', async () => {
  const p = await project({ 'aml_config/project.json': config('ml-east'), 'src/project.json': config('ml-west') });
  try {
    assert.equal((await findSdkConfig(path.join(p.dir, 'src')))?.file, path.join(p.dir, 'aml_config/project.json'));
    assert.equal((await findSdkConfig(p.dir))?.candidate, 'aml_config/project.json');
  } finally {
    await p.cleanup();
  }
});

test('the search climbs at most 20 levels above the start folder', async () => {
  const deep = Array.from({ length: 21 }, (_, i) => `d${i}`).join('/');
  const p = await project({ '.azureml/config.json': config('ml-east'), [`${deep}/keep`]: '' });
  try {
    const twenty = path.join(p.dir, ...deep.split('/').slice(0, 20));
    assert.equal((await findSdkConfig(twenty))?.file, path.join(p.dir, '.azureml/config.json'));
    const found = await findSdkConfig(path.join(p.dir, deep));
    // 21 levels down the project's file is out of reach (a file in a folder above the temp dir would be found).
    assert.notEqual(found?.file, path.join(p.dir, '.azureml/config.json'));
  } finally {
    await p.cleanup();
  }
});

test('Scope wins over the three keys; any other key is ignored', () => {
  const r = parseWorkspaceConfig(JSON.stringify({
    subscription_id: SUB, resource_group: 'rg-east', workspace_name: 'ml-east', friendly: 1,
    Scope: `/subscriptions/${SUB}/resourceGroups/rg-west/providers/Microsoft.MachineLearningServices/workspaces/ml-west`,
  }));
  assert.ok(r.ok);
  assert.deepEqual(r.workspace, { subscription_id: SUB, resource_group: 'rg-west', workspace_name: 'ml-west', via: 'Scope' });
});

test('bad config text is explained, and told apart from JSON without a workspace', () => {
  const notJson = parseWorkspaceConfig('{"subscription_id": ');
  assert.ok(!notJson.ok && notJson.notJson);
  const missing = parseWorkspaceConfig('{"subscription_id": "x"}');
  assert.ok(!missing.ok && !missing.notJson && /resource_group/.test(missing.error));
  const badScope = parseWorkspaceConfig('{"Scope": "/subscriptions/x"}');
  assert.ok(!badScope.ok && /Scope/.test(badScope.error));
  assert.ok(parseWorkspaceConfig(`\ufeff${config('ml-east')}`).ok, 'a UTF-8 BOM is tolerated');
});

test('names from config files are printed without control characters, bidi overrides or codicons', () => {
  assert.equal(printable('ml\u001b[31mred\u202eevil$(zap)'), 'ml\ufffd[31mred\ufffdevil$\u200b(zap)');
  assert.equal(printable('x'.repeat(300)).length, 100);
  assert.equal(printable('mlw-eastus'), 'mlw-eastus');
});
