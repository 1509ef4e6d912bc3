// Which endpoints may receive a credential: decided per endpoint URL, never by cloud.name (src/azure/trust.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KNOWN_CLOUDS, parseCloud, type CloudSetting } from '../../../src/azure/cloud';
import { decideEndpoint, endpointOrigin, fixedTrust, parseTrustedClouds, trustedCloudsFromEnv, untrustedMessage, type Endpoint } from '../../../src/azure/trust';

const nobody = fixedTrust([]);
const arm = (url: string): Endpoint => ({ kind: 'resourceManager', url });
const storage = (url: string): Endpoint => ({ kind: 'storage', url });
const authority = (url: string): Endpoint => ({ kind: 'authorityHost', url });

function cloud(value: unknown): CloudSetting {
  const r = parseCloud(value, '/project');
  assert.ok(r.ok, JSON.stringify(r));
  return r.cloud;
}

test('origins are scheme://host:port, lower case, default port written out', () => {
  assert.equal(endpointOrigin('https://Management.Azure.com/'), 'https://management.azure.com:443');
  assert.equal(endpointOrigin('https://127.0.0.1:8443/some/path?x=1'), 'https://127.0.0.1:8443');
  assert.equal(endpointOrigin('not a url'), undefined);
});

test('trust entries: trailing slash ignored; paths, queries and non-URLs refused', () => {
  assert.deepEqual([...parseTrustedClouds(['https://127.0.0.1:8443/', ' https://EXAMPLE.test ', ''], 'x')], ['https://127.0.0.1:8443', 'https://example.test:443']);
  for (const bad of ['https://host/path', 'https://host/?q', '127.0.0.1:8443', 'https://user:pw@host']) {
    assert.throws(() => parseTrustedClouds([bad], '--trust-cloud'), /--trust-cloud: .* is not an endpoint; give scheme:\/\/host:port/, bad);
  }
  assert.deepEqual([...trustedCloudsFromEnv({ AML_FAILOVER_TRUSTED_CLOUDS: 'https://a.test:1,https://b.test:2/' })], ['https://a.test:1', 'https://b.test:2']);
  assert.equal(trustedCloudsFromEnv({}).size, 0);
});

test('each known cloud is trusted with its canonical endpoints', () => {
  for (const name of Object.keys(KNOWN_CLOUDS)) {
    const c = cloud(name);
    assert.deepEqual(decideEndpoint(c, arm(c.resourceManager), nobody), { trusted: true, why: 'canonical' }, name);
    assert.deepEqual(decideEndpoint(c, authority(c.authorityHost!), nobody), { trusted: true, why: 'canonical' }, name);
    assert.deepEqual(decideEndpoint(c, storage(`https://acct01.blob.${c.storageSuffix}`), nobody), { trusted: true, why: 'canonical' }, name);
    assert.deepEqual(decideEndpoint(c, storage(`https://acct01.file.${c.storageSuffix}`), nobody), { trusted: true, why: 'canonical' }, name);
  }
});

test('a known cloud name with a changed endpoint is a custom cloud: the changed endpoint needs the user', () => {
  const c = cloud({ name: 'AzureCloud', resourceManager: 'https://127.0.0.1:8443', storageSuffix: 'evil.test', authorityHost: 'https://login.evil.test' });
  assert.deepEqual(decideEndpoint(c, arm(c.resourceManager), nobody), { trusted: false, origin: 'https://127.0.0.1:8443' });
  assert.deepEqual(decideEndpoint(c, storage('https://acct.blob.evil.test'), nobody), { trusted: false, origin: 'https://acct.blob.evil.test:443' });
  assert.deepEqual(decideEndpoint(c, authority(c.authorityHost!), nobody), { trusted: false, origin: 'https://login.evil.test:443' });
  // Not by name: the same endpoints under another name decide the same.
  const renamed = cloud({ name: 'anything', resourceManager: 'https://127.0.0.1:8443', storageSuffix: 'evil.test' });
  assert.deepEqual(decideEndpoint(renamed, arm(renamed.resourceManager), nobody), { trusted: false, origin: 'https://127.0.0.1:8443' });
});

test('a repository CA or token file makes even canonical ARM and storage endpoints a custom cloud', () => {
  for (const extra of [{ caFile: 'ca.pem' }, { tokenFile: 'token' }]) {
    const c = cloud({ name: 'AzureCloud', resourceManager: 'https://management.azure.com', storageSuffix: 'core.windows.net', ...extra });
    assert.equal(decideEndpoint(c, arm(c.resourceManager), nobody).trusted, false, JSON.stringify(extra));
    assert.equal(decideEndpoint(c, storage('https://acct.blob.core.windows.net'), nobody).trusted, false);
  }
});

test('storage hosts must be <account>.blob|file.<canonical suffix> over https on 443', () => {
  const c = cloud('AzureCloud');
  for (const url of ['https://acct.blob.core.windows.net.evil.test', 'http://acct.blob.core.windows.net', 'https://acct.blob.core.windows.net:8443', 'https://a.b.blob.core.windows.net', 'https://acct.queue.core.windows.net']) {
    assert.equal(decideEndpoint(c, storage(url), nobody).trusted, false, url);
  }
});

test('the user trusts on scheme://host:port exactly; loopback is not exempt', () => {
  const c = cloud({ name: 'custom', resourceManager: 'https://127.0.0.1:8443/', storageSuffix: 'x.test' });
  assert.equal(decideEndpoint(c, arm(c.resourceManager), nobody).trusted, false, 'loopback needs trust too');
  assert.deepEqual(decideEndpoint(c, arm(c.resourceManager), fixedTrust(parseTrustedClouds(['https://127.0.0.1:8443/'], 't'))), { trusted: true, why: 'user' });
  assert.equal(decideEndpoint(c, arm(c.resourceManager), fixedTrust(parseTrustedClouds(['https://127.0.0.1:8444'], 't'))).trusted, false);
  assert.equal(decideEndpoint(c, arm(c.resourceManager), fixedTrust(parseTrustedClouds(['http://127.0.0.1:8443'], 't'))).trusted, false);
  assert.equal(decideEndpoint(c, arm(c.resourceManager), fixedTrust(parseTrustedClouds(['https://localhost:8443'], 't'))).trusted, false);
});

test('the verified sandbox endpoints are trusted for ARM and storage, never as an authority host', () => {
  const c = cloud({ name: 'sandbox', resourceManager: 'https://127.0.0.1:9000', caFile: '.aml-failover/ca.pem', tokenFile: '.aml-failover/token', storage: { acct: { blob: 'https://127.0.0.1:9001', file: 'https://127.0.0.1:9001' } } });
  const sandbox = new Set(['https://127.0.0.1:9000', 'https://127.0.0.1:9001']);
  assert.deepEqual(decideEndpoint(c, arm(c.resourceManager), nobody, sandbox), { trusted: true, why: 'sandbox' });
  assert.deepEqual(decideEndpoint(c, storage('https://127.0.0.1:9001'), nobody, sandbox), { trusted: true, why: 'sandbox' });
  assert.equal(decideEndpoint(c, storage('https://127.0.0.1:9002'), nobody, sandbox).trusted, false);
  assert.equal(decideEndpoint(c, authority('https://127.0.0.1:9000'), nobody, sandbox).trusted, false);
});

test('the message names the endpoint and every way to trust it', () => {
  const c = cloud({ name: 'custom', resourceManager: 'https://127.0.0.1:8443', storageSuffix: 'x.test' });
  const m = untrustedMessage(arm(c.resourceManager), 'https://127.0.0.1:8443', c);
  assert.ok(m.includes('--trust-cloud https://127.0.0.1:8443'));
  assert.ok(m.includes('AML_FAILOVER_TRUSTED_CLOUDS=https://127.0.0.1:8443'));
  assert.ok(m.includes('amlFailover.trustedClouds'));
  assert.ok(m.includes('nothing was sent'));
});
