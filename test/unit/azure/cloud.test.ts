// The one table of public clouds (src/azure/cloud.ts): each cloud's endpoints, authority, scopes and VS Code provider.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { KNOWN_CLOUDS, parseCloud, signInCloud, storageEndpoints, vscodeSessionRequest, type CloudSetting } from '../../../src/azure/cloud';
import { TokenFileCredential } from '../../../src/azure/connection';

function cloud(value: unknown): CloudSetting {
  const r = parseCloud(value, '/project');
  assert.ok(r.ok, JSON.stringify(r));
  return r.cloud;
}

test('each public cloud by name: ARM endpoint, authority, ARM and storage scopes, storage suffix, VS Code provider', () => {
  const row = (c: CloudSetting) => [c.resourceManager, c.authorityHost, c.armScope, c.storageScope, storageEndpoints(c, 'acct').blob, signInCloud(c)?.vscodeAuthProvider];
  assert.deepEqual(row(cloud('AzureCloud')), ['https://management.azure.com', 'https://login.microsoftonline.com', 'https://management.azure.com/.default', 'https://storage.azure.com/.default', 'https://acct.blob.core.windows.net', 'microsoft']);
  assert.deepEqual(row(cloud('AzureChinaCloud')), ['https://management.chinacloudapi.cn', 'https://login.chinacloudapi.cn', 'https://management.chinacloudapi.cn/.default', 'https://storage.azure.com/.default', 'https://acct.blob.core.chinacloudapi.cn', 'microsoft-sovereign-cloud']);
  assert.deepEqual(row(cloud('AzureUSGovernment')), ['https://management.usgovcloudapi.net', 'https://login.microsoftonline.us', 'https://management.usgovcloudapi.net/.default', 'https://storage.azure.com/.default', 'https://acct.blob.core.usgovcloudapi.net', 'microsoft-sovereign-cloud']);
  assert.equal(cloud(undefined), KNOWN_CLOUDS.AzureCloud, 'no cloud: key is AzureCloud');
  assert.equal(KNOWN_CLOUDS.AzureChinaCloud.sovereignEnvironment, 'ChinaCloud');
  assert.equal(KNOWN_CLOUDS.AzureUSGovernment.sovereignEnvironment, 'USGovernment');
});

test('a mapping starting from a public cloud takes its scopes; one with its own authority or a token file is no public sign-in', () => {
  const china = cloud({ name: 'AzureChinaCloud', caFile: 'ca.pem' });
  assert.equal(china.armScope, KNOWN_CLOUDS.AzureChinaCloud.armScope);
  assert.equal(china.storageScope, KNOWN_CLOUDS.AzureChinaCloud.storageScope);
  assert.equal(signInCloud(china), KNOWN_CLOUDS.AzureChinaCloud);
  assert.equal(signInCloud(cloud({ name: 'AzureCloud', authorityHost: 'https://login.example.test' })), undefined);
  assert.equal(signInCloud(cloud({ name: 'AzureCloud', tokenFile: 'token' })), undefined);
  assert.equal(signInCloud(cloud({ name: 'custom', resourceManager: 'https://arm.example.test', storageSuffix: 'x.test', storageScope: 'https://storage.example.test/.default' })), undefined);
  assert.equal(cloud({ name: 'custom', resourceManager: 'https://arm.example.test', storageSuffix: 'x.test', storageScope: 'https://storage.example.test/.default' }).storageScope, 'https://storage.example.test/.default');
  assert.equal(cloud({ name: 'toString' , resourceManager: 'https://arm.example.test', storageSuffix: 'x.test' }).armScope, KNOWN_CLOUDS.AzureCloud.armScope, 'an inherited property name is no cloud');
});

test('cloud.storageTokenFile: resolved against the project, and the token file credential hands it out for the storage scope only', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aml-failover-tokens-'));
  try {
    await fs.writeFile(path.join(dir, 'arm-token'), 'arm-token-value\n');
    await fs.writeFile(path.join(dir, 'storage-token'), 'storage-token-value\n');
    const parsed = parseCloud({ name: 'sandbox', resourceManager: 'https://127.0.0.1:1', storageSuffix: 'x.test', tokenFile: 'arm-token', storageTokenFile: 'storage-token' }, dir);
    assert.ok(parsed.ok, JSON.stringify(parsed));
    const c = parsed.cloud;
    assert.equal(c.storageTokenFile, path.join(dir, 'storage-token'));
    const credential = new TokenFileCredential(c.tokenFile!, { file: c.storageTokenFile!, scope: c.storageScope });
    assert.equal((await credential.getToken(c.armScope)).token, 'arm-token-value');
    assert.equal((await credential.getToken([c.storageScope])).token, 'storage-token-value');
    assert.equal((await new TokenFileCredential(c.tokenFile!).getToken(c.storageScope)).token, 'arm-token-value', 'without storageTokenFile: the one token, as before');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('VS Code is asked by the provider of the pair file\'s cloud, for that cloud\'s ARM or storage scope and the chosen tenant', () => {
  const ask = (name: string, scope: 'armScope' | 'storageScope', tenant?: string) => {
    const known = signInCloud(cloud(name))!;
    return vscodeSessionRequest(known, known[scope], tenant);
  };
  assert.deepEqual(ask('AzureCloud', 'armScope'), { provider: 'microsoft', scopes: ['https://management.azure.com/.default'] });
  assert.deepEqual(ask('AzureCloud', 'storageScope', 't-1'), { provider: 'microsoft', scopes: ['https://storage.azure.com/.default', 'VSCODE_TENANT:t-1'] });
  assert.deepEqual(ask('AzureUSGovernment', 'armScope', 't-2'), { provider: 'microsoft-sovereign-cloud', scopes: ['https://management.usgovcloudapi.net/.default', 'VSCODE_TENANT:t-2'] });
  assert.deepEqual(ask('AzureUSGovernment', 'storageScope'), { provider: 'microsoft-sovereign-cloud', scopes: ['https://storage.azure.com/.default'] });
  assert.deepEqual(ask('AzureChinaCloud', 'armScope'), { provider: 'microsoft-sovereign-cloud', scopes: ['https://management.chinacloudapi.cn/.default'] });
  // The SDK asks with a list of scopes: each is kept, in order.
  assert.deepEqual(vscodeSessionRequest(KNOWN_CLOUDS.AzureChinaCloud, ['a/.default', 'b/.default'], 't').scopes, ['a/.default', 'b/.default', 'VSCODE_TENANT:t']);
});
