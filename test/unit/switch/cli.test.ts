// The CLI as a user runs it: a child process, its output and its exit code.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { config, PAIR_YAML, project } from './helpers';
import { cliNodeArgs } from '../../support/cli';

// The loader by path: the child runs in the temp project, where a bare `tsx` would not resolve.

function run(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, cliNodeArgs(args), { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('switch, then which, from the project and from a subfolder', async () => {
  const p = await project({ 'aml-failover.yaml': PAIR_YAML, 'src/.azureml/config.json': config('ml-east'), '.azureml/config.json': config('ml-east', 'rg-east', { keep: 'me' }) });
  try {
    const s = run(['switch', 'secondary'], p.dir);
    assert.equal(s.code, 0, s.err);
    assert.match(s.out, /Switched to the secondary workspace ml-west \(westus\): \.azureml\/config\.json/);
    assert.match(s.err, /warning: src\/\.azureml\/config\.json shadows/);
    assert.equal(JSON.parse(await fs.readFile(path.join(p.dir, '.azureml/config.json'), 'utf8')).keep, 'me');

    const again = run(['switch', 'secondary'], p.dir);
    assert.equal(again.code, 0);
    assert.match(again.out, /Already on the secondary/);

    const w = run(['--project', p.dir, 'which'], '/');
    assert.equal(w.code, 0, w.err);
    assert.match(w.out, /workspace\s+ml-west/);
    assert.match(w.out, /pair role\s+secondary \(westus\)/);

    const sub = run(['which', 'src', '--json'], p.dir);
    assert.equal(sub.code, 0, sub.err);
    const json = JSON.parse(sub.out);
    assert.equal(json.hit.file, path.join(p.dir, 'src/.azureml/config.json'));
    assert.equal(json.role, 'primary');
    assert.match(sub.err, /not the active workspace ml-west/);
  } finally {
    await p.cleanup();
  }
});

test('bad usage and bad input exit 2, a failed operation exits 1, with one clear line', async () => {
  const p = await project({ 'aml-failover.yaml': PAIR_YAML.replace('region: westus', 'region: West US'), '.azureml/config.json': '{nope' });
  try {
    assert.equal(run(['switch', 'tertiary'], p.dir).code, 2);
    assert.equal(run(['frobnicate'], p.dir).code, 2);

    const badPair = run(['switch', 'primary'], p.dir);
    assert.equal(badPair.code, 2);
    assert.match(badPair.err, /aml-failover\.yaml is not valid; nothing was changed\.\n.*aml-failover\.yaml:3:\d+: workspaces\.secondary\.region/);
    assert.equal(await fs.readFile(path.join(p.dir, '.azureml/config.json'), 'utf8'), '{nope');

    await fs.writeFile(path.join(p.dir, 'aml-failover.yaml'), PAIR_YAML);
    const badJson = run(['switch', 'primary'], p.dir);
    assert.equal(badJson.code, 2);
    assert.match(badJson.err, /\.azureml\/config\.json is not valid JSON .*unchanged/);
    assert.equal(await fs.readFile(path.join(p.dir, '.azureml/config.json'), 'utf8'), '{nope');

    const whichBad = run(['which'], p.dir);
    assert.equal(whichBad.code, 2);

    const noPair = await project({});
    try {
      const r = run(['switch', 'primary'], noPair.dir);
      assert.equal(r.code, 2);
      assert.match(r.err, /No aml-failover\.yaml/);
      assert.equal(run(['which', 'does-not-exist'], noPair.dir).code, 2);
      const none = run(['which'], noPair.dir);
      assert.equal(none.code, 1);
      assert.match(none.err, /We could not find config\.json in: /);
    } finally {
      await noPair.cleanup();
    }
  } finally {
    await p.cleanup();
  }
});

test('which prints a hostile workspace name from a config file without its control characters', async () => {
  const p = await project({ '.azureml/config.json': JSON.stringify({ subscription_id: 's', resource_group: 'rg', workspace_name: 'ws\u001b]0;pwned\u0007' }) });
  try {
    const r = run(['which'], p.dir);
    assert.equal(r.code, 0, r.err);
    assert.ok(!/[\u0000-\u0009\u000b-\u001f]/.test(r.out), JSON.stringify(r.out));
    assert.match(r.out, /workspace\s+ws\ufffd\]0;pwned\ufffd/);
  } finally {
    await p.cleanup();
  }
});

test('--help and --version exit 0', () => {
  const help = run(['--help'], '/');
  assert.equal(help.code, 0);
  assert.match(help.out, /switch .*<role>/);
  assert.match(help.out, /which \[options\] \[dir\]/);
  assert.equal(run(['--version'], '/').code, 0);
});
