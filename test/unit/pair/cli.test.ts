// `aml-failover init` as a user runs it: a child process, its output, its exit code and the file it writes.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parsePairFile } from '../../../src/pair/pairFile';
import { cliNodeArgs } from '../../support/cli';

const SUB = '00000000-0000-0000-0000-000000000001';
const id = (rg: string, ws: string) => `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.MachineLearningServices/workspaces/${ws}`;

function run(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, cliNodeArgs(args), { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('init takes the current config as primary and the paired region for the secondary', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'init-'));
  try {
    await fs.mkdir(path.join(dir, '.azureml'));
    await fs.writeFile(path.join(dir, '.azureml/config.json'), JSON.stringify({ subscription_id: SUB, resource_group: 'rg-east', workspace_name: 'ml-east' }));
    const r = run(['init', '--primary-region', 'eastus', '--secondary', `https://ml.azure.com/?wsid=/subscriptions/${SUB}/resourcegroups/rg-west/workspaces/ml-west`], dir);
    assert.equal(r.code, 0, r.err);
    const parsed = parsePairFile(await fs.readFile(path.join(dir, 'aml-failover.yaml'), 'utf8'), dir);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.config.workspaces, {
      primary: { subscription_id: SUB, resource_group: 'rg-east', workspace_name: 'ml-east', region: 'eastus' },
      secondary: { subscription_id: SUB, resource_group: 'rg-west', workspace_name: 'ml-west', region: 'westus' },
    });
    const again = run(['init', '--primary-region', 'eastus', '--secondary', id('rg-west', 'ml-west')], dir);
    assert.equal(again.code, 2, 'an existing pair file is not overwritten without --force');
    assert.match(again.err, /already exists/);
    assert.equal(run(['init', '--force', '--primary', id('rg-a', 'ml-a'), '--primary-region', 'eastus', '--secondary', id('rg-b', 'ml-b')], dir).code, 0);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('init refuses bad input with exit 2 and writes nothing', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'init-'));
  try {
    const cases = [
      ['init', '--primary-region', 'eastus', '--secondary', id('rg-b', 'ml-b')], // no config to take the primary from
      ['init', '--primary', 'ml-a', '--primary-region', 'eastus', '--secondary', id('rg-b', 'ml-b')],
      ['init', '--primary', id('rg-a', 'ml-a'), '--primary-region', 'East US', '--secondary', id('rg-b', 'ml-b')],
      ['init', '--primary', id('rg-a', 'ml-a'), '--primary-region', 'qatarcentral', '--secondary', id('rg-b', 'ml-b')],
      ['init', '--primary', id('rg-a', 'ml-a'), '--primary-region', 'eastus', '--secondary', id('rg-a', 'ml-a')],
      ['init', '--primary', id('rg-a', 'ml-a'), '--primary-region', 'eastus'],
    ];
    for (const args of cases) {
      const r = run(args, dir);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    }
    assert.deepEqual(await fs.readdir(dir), []);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
