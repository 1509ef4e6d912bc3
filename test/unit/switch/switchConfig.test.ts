import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../../../src/common/errors';
import { resolveActive } from '../../../src/switch/active';
import { switchWorkspace } from '../../../src/switch/switchConfig';
import { config, pair, project, SUB } from './helpers';

const read = (dir: string, rel: string) => fs.readFile(path.join(dir, rel), 'utf8');

test('switching writes .azureml/config.json with the three keys, and the SDK then reads the target', async () => {
  const p = await project({});
  try {
    const r = await switchWorkspace(p.dir, pair(), 'secondary');
    assert.equal(r.changed, true);
    assert.deepEqual(JSON.parse(await read(p.dir, '.azureml/config.json')), { subscription_id: SUB, resource_group: 'rg-west', workspace_name: 'ml-west' });
    assert.equal((await resolveActive(p.dir, pair())).role, 'secondary');
    assert.deepEqual(await fs.readdir(path.join(p.dir, '.azureml')), ['config.json'], 'no temp file is left behind');
  } finally {
    await p.cleanup();
  }
});

test('other keys, their order, the indentation and CRLF line endings are kept; Scope is rewritten', async () => {
  const before = '{\r\n\t"Scope": "/subscriptions/' + SUB + '/resourceGroups/rg-east/providers/Microsoft.MachineLearningServices/workspaces/ml-east",\r\n\t"subscription_id": "' + SUB + '",\r\n\t"resource_group": "rg-east",\r\n\t"workspace_name": "ml-east",\r\n\t"friendly_name": "team A",\r\n\t"tags": {"a": [1, 2]}\r\n}\r\n';
  const p = await project({ '.azureml/config.json': before });
  try {
    const r = await switchWorkspace(p.dir, pair(), 'secondary');
    assert.equal(r.previous?.workspace_name, 'ml-east');
    const after = await read(p.dir, '.azureml/config.json');
    assert.deepEqual(Object.keys(JSON.parse(after)), ['Scope', 'subscription_id', 'resource_group', 'workspace_name', 'friendly_name', 'tags']);
    assert.equal(JSON.parse(after).Scope, `/subscriptions/${SUB}/resourceGroups/rg-west/providers/Microsoft.MachineLearningServices/workspaces/ml-west`);
    assert.deepEqual(JSON.parse(after).tags, { a: [1, 2] });
    assert.match(after, /^\{\r\n\t"Scope"/);
    assert.ok(after.endsWith('}\r\n'));
    assert.ok(!/[^\r]\n/.test(after), 'every line ends in CRLF');
  } finally {
    await p.cleanup();
  }
});

test('a Scope that disagrees with the keys is what the SDK reads, and the switch fixes both', async () => {
  const scopeWest = `/subscriptions/${SUB}/resourceGroups/rg-west/providers/Microsoft.MachineLearningServices/workspaces/ml-west`;
  const p = await project({ '.azureml/config.json': config('ml-east', 'rg-east', { Scope: scopeWest }) });
  try {
    assert.equal((await resolveActive(p.dir, pair())).role, 'secondary', 'Scope wins');
    await switchWorkspace(p.dir, pair(), 'primary');
    const after = JSON.parse(await read(p.dir, '.azureml/config.json'));
    assert.equal(after.workspace_name, 'ml-east');
    assert.match(after.Scope, /workspaces\/ml-east$/);
    assert.equal((await resolveActive(p.dir, pair())).role, 'primary');
  } finally {
    await p.cleanup();
  }
});

test('invalid JSON is a clear usage error and the old bytes stay exactly as they were', async () => {
  const bad = '{\n  "subscription_id": "' + SUB + '",\n  "resource_group": "rg-east",, \n}\n';
  const p = await project({ '.azureml/config.json': bad, '.azure/config': '[defaults]\ngroup = rg-east\n' });
  try {
    await assert.rejects(
      switchWorkspace(p.dir, pair(), 'secondary', { updateAzureCliDefaults: true }),
      (e: unknown) => e instanceof UserError && e.kind === 'usage' && /\.azureml\/config\.json is not valid JSON/.test(e.message) && /unchanged/.test(e.message),
    );
    assert.equal(await read(p.dir, '.azureml/config.json'), bad);
    assert.equal(await read(p.dir, '.azure/config'), '[defaults]\ngroup = rg-east\n', 'the Azure CLI config is not touched either');
    assert.deepEqual(await fs.readdir(path.join(p.dir, '.azureml')), ['config.json']);
  } finally {
    await p.cleanup();
  }
});

test('JSON that is not an object is refused and kept', async () => {
  const p = await project({ '.azureml/config.json': '["ml-east"]\n' });
  try {
    await assert.rejects(switchWorkspace(p.dir, pair(), 'secondary'), (e: unknown) => e instanceof UserError && /not a JSON object/.test(e.message));
    assert.equal(await read(p.dir, '.azureml/config.json'), '["ml-east"]\n');
  } finally {
    await p.cleanup();
  }
});

test('switching to the workspace already named does not rewrite the file', async () => {
  const p = await project({ '.azureml/config.json': config('ml-west') });
  try {
    const file = path.join(p.dir, '.azureml/config.json');
    const old = new Date('2020-01-01T00:00:00Z');
    await fs.utimes(file, old, old);
    const r = await switchWorkspace(p.dir, pair(), 'secondary');
    assert.equal(r.changed, false);
    assert.equal((await fs.stat(file)).mtime.getTime(), old.getTime());
  } finally {
    await p.cleanup();
  }
});

test('the file mode of an existing config is kept', async () => {
  const p = await project({ '.azureml/config.json': config('ml-east') });
  try {
    const file = path.join(p.dir, '.azureml/config.json');
    await fs.chmod(file, 0o600);
    await switchWorkspace(p.dir, pair(), 'secondary');
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
  } finally {
    await p.cleanup();
  }
});

test('Azure CLI local defaults are switched only when asked, keeping the rest of the INI', async () => {
  const ini = '# team defaults\n[core]\noutput = table\n\n[defaults]\nlocation = eastus\ngroup = rg-east\n\n[extension]\nuse_dynamic_install = yes_without_prompt\n';
  const p = await project({ '.azure/config': ini });
  try {
    await switchWorkspace(p.dir, pair(), 'secondary');
    assert.equal(await read(p.dir, '.azure/config'), ini, 'off by default');
    const r = await switchWorkspace(p.dir, pair(), 'secondary', { updateAzureCliDefaults: true, env: {} });
    assert.equal(r.azureCliConfig?.changed, true);
    assert.equal(
      await read(p.dir, '.azure/config'),
      '# team defaults\n[core]\noutput = table\n\n[defaults]\nlocation = eastus\ngroup = rg-west\nworkspace = ml-west\n\n[extension]\nuse_dynamic_install = yes_without_prompt\n',
    );
  } finally {
    await p.cleanup();
  }
});

test('Azure CLI defaults are created when missing, and an environment override is pointed out', async () => {
  const p = await project({});
  try {
    const r = await switchWorkspace(p.dir, pair(), 'primary', { updateAzureCliDefaults: true, env: { AZURE_DEFAULTS_GROUP: 'rg-other' } });
    assert.equal(await read(p.dir, '.azure/config'), '[defaults]\ngroup = rg-east\nworkspace = ml-east\n');
    assert.ok(r.notes.some((n) => n.includes('AZURE_DEFAULTS_GROUP')));
  } finally {
    await p.cleanup();
  }
});

test('a folder where the config file should be is a usage error', async () => {
  const p = await project({ '.azureml/config.json/keep': '' });
  try {
    await assert.rejects(switchWorkspace(p.dir, pair(), 'primary'), (e: unknown) => e instanceof UserError && e.kind === 'usage');
  } finally {
    await p.cleanup();
  }
});

test('an empty config.json is filled in; a UTF-8 BOM is kept', async () => {
  const p = await project({ '.azureml/config.json': '', 'sub/.azureml/config.json': `\ufeff${config('ml-east')}` });
  try {
    await switchWorkspace(p.dir, pair(), 'primary');
    assert.equal(JSON.parse(await read(p.dir, '.azureml/config.json')).workspace_name, 'ml-east');
    await switchWorkspace(path.join(p.dir, 'sub'), pair(), 'secondary');
    const text = await read(p.dir, 'sub/.azureml/config.json');
    assert.equal(text.charCodeAt(0), 0xfeff);
    assert.equal(JSON.parse(text.slice(1)).workspace_name, 'ml-west');
  } finally {
    await p.cleanup();
  }
});

test('a committed .azureml or .azure link leading out of the project is refused, nothing written; a link inside is followed', { skip: process.platform === 'win32' }, async () => {
  const p = await project({ 'shared/azureml/config.json': config('ml-east'), 'shared/azure/config': '[core]\noutput = table\n' });
  const outside = await project({ 'config.json': config('ml-east'), config: '[defaults]\ngroup = rg-east\n' });
  try {
    // Out of the project: the folder link, a link at the file's own name, a dangling link, and the CLI's folder.
    await fs.symlink(outside.dir, path.join(p.dir, '.azureml'));
    await assert.rejects(switchWorkspace(p.dir, pair(), 'secondary'), (e: unknown) => e instanceof UserError && /\.azureml is a symbolic link leading outside the project/.test(e.message));
    await fs.rm(path.join(p.dir, '.azureml'));
    await fs.mkdir(path.join(p.dir, '.azureml'));
    await fs.symlink(path.join(outside.dir, 'config.json'), path.join(p.dir, '.azureml/config.json'));
    await assert.rejects(switchWorkspace(p.dir, pair(), 'secondary'), /config\.json is a symbolic link to .*, outside the project/);
    await fs.rm(path.join(p.dir, '.azureml/config.json'));
    await fs.symlink(path.join(outside.dir, 'gone', 'config.json'), path.join(p.dir, '.azureml/config.json'));
    await assert.rejects(switchWorkspace(p.dir, pair(), 'secondary'), /symbolic link to .*gone.*, which does not exist; not written/);
    await fs.rm(path.join(p.dir, '.azureml/config.json'));
    await fs.writeFile(path.join(p.dir, '.azureml/config.json'), config('ml-east'));
    await fs.symlink(outside.dir, path.join(p.dir, '.azure'));
    await assert.rejects(switchWorkspace(p.dir, pair(), 'secondary', { updateAzureCliDefaults: true, env: {} }), /\.azure is a symbolic link leading outside the project/);
    assert.equal(JSON.parse(await read(p.dir, '.azureml/config.json')).workspace_name, 'ml-east', 'planned first: the config is not switched either');
    assert.equal(await read(outside.dir, 'config.json'), config('ml-east'));
    assert.equal(await read(outside.dir, 'config'), '[defaults]\ngroup = rg-east\n');
    assert.deepEqual((await fs.readdir(outside.dir)).sort(), ['config', 'config.json']);

    // Inside the project: followed, the links kept.
    await fs.rm(path.join(p.dir, '.azureml'), { recursive: true });
    await fs.rm(path.join(p.dir, '.azure'));
    await fs.symlink('shared/azureml', path.join(p.dir, '.azureml'));
    await fs.symlink('shared/azure', path.join(p.dir, '.azure'));
    await switchWorkspace(p.dir, pair(), 'secondary', { updateAzureCliDefaults: true, env: {} });
    assert.ok((await fs.lstat(path.join(p.dir, '.azureml'))).isSymbolicLink());
    assert.equal(JSON.parse(await read(p.dir, 'shared/azureml/config.json')).workspace_name, 'ml-west');
    assert.match(await read(p.dir, 'shared/azure/config'), /workspace = ml-west/);
  } finally {
    await p.cleanup();
    await outside.cleanup();
  }
});
