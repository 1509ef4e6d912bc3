// A cloned repository must not decide where the user's Azure token goes. A hostile pair file names an HTTPS endpoint
// of its own (127.0.0.1, its own CA) that records every Authorization header; the user is "signed in" through the
// Azure CLI (a fake `az` first on PATH prints a token, so the real DefaultAzureCredential chain gets one without
// leaving loopback). `aml-failover status` sends nothing there unless the user trusts the endpoint outside the
// repository, and a repository's tokenFile is read only when it is the running sandbox's own.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeCertificates } from '../../../src/sandbox/certs';
import { loopbackCredentialEnv } from '../../support/credentialEnv';
import { cliNodeArgs } from '../../support/cli';

const REPO = path.resolve(__dirname, '..', '..', '..');
const USER_TOKEN = 'user-arm-token-from-az-login';
const SUB = '00000000-0000-0000-0000-0000000000aa';

let scratch: string;
let server: https.Server;
let origin: string;
/** A second endpoint, named by the pair file as the storage of the datastore's account. */
let storageServer: https.Server;
let storageOrigin: string;
const storageSeen: { url: string; authorization?: string }[] = [];
const ACCOUNT_KEY = Buffer.from('the-account-key-listSecrets-returns').toString('base64');
let ca: string;
const seen: { url: string; authorization?: string }[] = [];
/** TCP connections the fake endpoint accepted. */
let connections = 0;

function workspaceYaml(cloud: string): string {
  const ws = (rg: string, name: string, region: string) => `{subscription_id: ${SUB}, resource_group: ${rg}, workspace_name: ${name}, region: ${region}}`;
  return `workspaces:\n  primary: ${ws('rg-east', 'ml-east', 'eastus')}\n  secondary: ${ws('rg-west', 'ml-west', 'westus')}\n${cloud}`;
}

/** A fresh project holding `pairYaml` and the hostile CA. */
async function project(pairYaml: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(scratch, 'project-'));
  await fs.writeFile(path.join(dir, 'attacker-ca.pem'), ca);
  await fs.writeFile(path.join(dir, 'aml-failover.yaml'), pairYaml);
  return dir;
}

function hostileCloud(extra = ''): string {
  return `cloud:\n  name: AzureCloud\n  resourceManager: ${origin}\n  caFile: attacker-ca.pem\n  storageSuffix: core.windows.net\n${extra}`;
}

/** `aml-failover status` as a user runs it, signed in with the (fake) Azure CLI. */
function status(dir: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return cli(dir, ['status', ...args], env);
}

function cli(dir: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const fullEnv = loopbackCredentialEnv(process.env, {
    AZURE_TOKEN_CREDENTIALS: 'AzureCliCredential',
    PATH: `${path.join(scratch, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`,
    ...env,
  });
  return new Promise((resolve) => {
    execFile(process.execPath, cliNodeArgs([...args, '--project', dir]), { cwd: REPO, env: fullEnv, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const bearerSeen = () => seen.filter((r) => r.authorization).map((r) => r.authorization);

describe('a pair file never decides where the user token goes', () => {
  before(async () => {
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'aml-failover-trust-'));
    await fs.mkdir(path.join(scratch, 'bin'));
    // The user's Azure CLI, signed in: prints a token for any resource, and notes each call.
    await fs.writeFile(
      path.join(scratch, 'bin', 'az'),
      `#!/bin/sh\necho "$@" >> '${path.join(scratch, 'az-calls.log')}'\necho '{"accessToken": "${USER_TOKEN}", "expiresOn": "2099-01-01 00:00:00.000000", "expires_on": 4070908800, "tokenType": "Bearer"}'\n`,
      { mode: 0o755 },
    );
    const certs = await makeCertificates();
    ca = certs.caPem;
    server = https.createServer({ cert: certs.certPem, key: certs.keyPem }, (req, res) => {
      seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
      res.writeHead(200, { 'content-type': 'application/json' });
      // Enough of ARM for status (a workspace) and for export (the notebooks' file datastore and its key).
      const url = req.url ?? '';
      if (/\/listSecrets\b/i.test(url)) return res.end(JSON.stringify({ secretsType: 'AccountKey', key: ACCOUNT_KEY }));
      if (/\/datastores\//i.test(url)) return res.end(JSON.stringify({ id: url.split('?')[0], name: 'workspaceworkingdirectory', properties: { datastoreType: 'AzureFile', accountName: 'acct', fileShareName: 'code-share', credentials: { credentialsType: 'AccountKey' } } }));
      res.end(JSON.stringify({ id: url, name: 'ml-east', location: 'eastus', properties: { provisioningState: 'Succeeded' } }));
    });
    // Every connection, also one whose TLS handshake fails (a client that does not trust the CA never sends a request).
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    storageServer = https.createServer({ cert: certs.certPem, key: certs.keyPem }, (req, res) => {
      storageSeen.push({ url: req.url ?? '', authorization: req.headers.authorization });
      res.writeHead(503).end();
    });
    await new Promise<void>((resolve) => storageServer.listen(0, '127.0.0.1', resolve));
    storageOrigin = `https://127.0.0.1:${(storageServer.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const s of [server, storageServer]) {
      s?.closeAllConnections();
      await new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve()));
    }
    if (scratch) await fs.rm(scratch, { recursive: true, force: true });
  });

  it('sends nothing to an untrusted endpoint and says exactly how to trust it', async () => {
    seen.length = 0;
    const dir = await project(workspaceYaml(hostileCloud()));
    const r = await status(dir);
    assert.notEqual(r.code, 0);
    assert.deepEqual(seen, [], 'no request reached the endpoint the repository named');
    assert.ok(r.stderr.includes(`--trust-cloud ${origin}`), r.stderr);
    assert.ok(r.stderr.includes(`AML_FAILOVER_TRUSTED_CLOUDS=${origin}`), r.stderr);
    assert.ok(r.stderr.includes('amlFailover.trustedClouds'), r.stderr);
    await assert.rejects(fs.stat(path.join(scratch, 'az-calls.log')), 'no token was even asked for');
  });

  it('with --trust-cloud the user token goes there (trailing slash ignored)', async () => {
    seen.length = 0;
    const dir = await project(workspaceYaml(hostileCloud()));
    await status(dir, ['--trust-cloud', `${origin}/`]);
    assert.ok(bearerSeen().length > 0, 'the trusted endpoint was called');
    assert.deepEqual([...new Set(bearerSeen())], [`Bearer ${USER_TOKEN}`]);
  });

  it('AML_FAILOVER_TRUSTED_CLOUDS trusts it too; another port of the same host does not', async () => {
    seen.length = 0;
    const dir = await project(workspaceYaml(hostileCloud()));
    const otherPort = `https://127.0.0.1:${(server.address() as AddressInfo).port + 1}`;
    const untrusted = await status(dir, [], { AML_FAILOVER_TRUSTED_CLOUDS: `${otherPort},https://127.0.0.1` });
    assert.notEqual(untrusted.code, 0);
    assert.deepEqual(seen, []);
    await status(dir, [], { AML_FAILOVER_TRUSTED_CLOUDS: `https://example.invalid, ${origin}` });
    assert.deepEqual([...new Set(bearerSeen())], [`Bearer ${USER_TOKEN}`]);
  });

  it('an authorityHost from the repository is not trusted either', async () => {
    seen.length = 0;
    const dir = await project(workspaceYaml(`cloud:\n  name: AzureCloud\n  resourceManager: https://management.azure.com\n  storageSuffix: core.windows.net\n  authorityHost: ${origin}\n`));
    const r = await status(dir);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /cloud\.authorityHost/);
    assert.ok(r.stderr.includes(`--trust-cloud ${origin}`), r.stderr);
    assert.deepEqual(seen, []);
    // Signed in as a service principal, the credential would post its client secret to that authority: not a connection.
    const before = connections;
    const sp = await status(dir, [], { AZURE_TOKEN_CREDENTIALS: 'EnvironmentCredential', AZURE_TENANT_ID: '00000000-0000-0000-0000-0000000000aa', AZURE_CLIENT_ID: '00000000-0000-0000-0000-0000000000bb', AZURE_CLIENT_SECRET: 'service-principal-secret' });
    assert.notEqual(sp.code, 0);
    assert.match(sp.stderr, /would send your Azure sign-in \(client secret or assertion\) to /);
    assert.ok(sp.stderr.includes(`--trust-cloud ${origin}`), sp.stderr);
    assert.equal(connections, before, 'nothing connected to the authority host');
  });

  it('a storage endpoint the pair file names gets the account key only when trusted too', async () => {
    seen.length = 0;
    storageSeen.length = 0;
    const storage = `  storage:\n    acct: {blob: ${storageOrigin}/acct, file: ${storageOrigin}/acct}\n`;
    const dir = await project(workspaceYaml(`cloud:\n  name: AzureCloud\n  resourceManager: ${origin}\n  caFile: attacker-ca.pem\n${storage}`));
    const out = path.join(dir, 'out');
    const armOnly = await cli(dir, ['export', 'notebooks', '--out', out, '--trust-cloud', origin]);
    assert.notEqual(armOnly.code, 0);
    assert.ok((armOnly.stdout + armOnly.stderr).includes(`--trust-cloud ${storageOrigin}`), armOnly.stdout + armOnly.stderr);
    assert.equal(storageSeen.length, 0, 'nothing reached the untrusted storage endpoint');
    assert.ok(!seen.some((r) => /listSecrets/i.test(r.url)), 'the account key was not even asked for');
    await cli(dir, ['export', 'notebooks', '--out', out, '--trust-cloud', origin, '--trust-cloud', storageOrigin]);
    assert.ok(storageSeen.length > 0, 'with both trusted, the storage endpoint is called');
    assert.match(storageSeen[0]!.authorization ?? '', /^SharedKey acct:/);
  });

  describe('tokenFile', () => {
    const secret = 'contents-of-a-credential-cache';

    /** A project laid out as the sandbox lays it out, its record naming this test's server and process. */
    async function sandboxLike(opts: { tokenLink?: boolean; recordArm?: string; storageTokenFile?: string } = {}): Promise<string> {
      const storageToken = opts.storageTokenFile ? `  storageTokenFile: ${opts.storageTokenFile}\n` : '';
      const dir = await project(
        workspaceYaml(`cloud:\n  name: sandbox\n  resourceManager: ${origin}\n  caFile: .aml-failover/sandbox-ca.pem\n  tokenFile: .aml-failover/sandbox-token\n${storageToken}  storageSuffix: core.windows.net\n`),
      );
      const state = path.join(dir, '.aml-failover');
      await fs.mkdir(state);
      await fs.writeFile(path.join(state, 'sandbox-ca.pem'), ca);
      const tokenFile = path.join(state, 'sandbox-token');
      if (opts.tokenLink) {
        await fs.writeFile(path.join(scratch, 'credential-cache'), secret);
        await fs.symlink(path.join(scratch, 'credential-cache'), tokenFile);
      } else {
        await fs.writeFile(tokenFile, 'sandbox-issued-token\n', { mode: 0o600 });
      }
      const record = { pid: process.pid, armUrl: opts.recordArm ?? origin, controlUrl: `${opts.recordArm ?? origin}/_sandbox/fault`, caFile: path.join(state, 'sandbox-ca.pem'), tokenFile, storage: {} };
      await fs.writeFile(path.join(state, 'sandbox.json'), JSON.stringify(record));
      return dir;
    }

    it('the running sandbox own token file is used without trust', async () => {
      seen.length = 0;
      const r = await status(await sandboxLike());
      assert.ok(bearerSeen().length > 0, r.stderr);
      assert.deepEqual([...new Set(bearerSeen())], ['Bearer sandbox-issued-token']);
    });

    it('a token file outside .aml-failover is never read for an untrusted endpoint', async () => {
      seen.length = 0;
      await fs.writeFile(path.join(scratch, 'credential-cache'), secret);
      const dir = await project(workspaceYaml(hostileCloud(`  tokenFile: ${path.join(scratch, 'credential-cache')}\n`)));
      const r = await status(dir);
      assert.notEqual(r.code, 0);
      assert.deepEqual(seen, []);
      assert.ok(r.stderr.includes(`--trust-cloud ${origin}`), r.stderr);
    });

    it('a symlinked token file, a storage token file not its own, or a record naming another endpoint, is not the sandbox', async () => {
      seen.length = 0;
      await fs.writeFile(path.join(scratch, 'credential-cache'), secret);
      const foreignStorageToken = await sandboxLike({ storageTokenFile: path.join(scratch, 'credential-cache') });
      for (const dir of [await sandboxLike({ tokenLink: true }), foreignStorageToken, await sandboxLike({ recordArm: 'https://127.0.0.1:1' })]) {
        const r = await status(dir);
        assert.notEqual(r.code, 0);
        assert.ok(r.stderr.includes(`--trust-cloud ${origin}`), r.stderr);
      }
      assert.deepEqual(seen, []);
    });

    it('aml-failover fault sends the token only to the own sandbox it records, never a linked file', async () => {
      seen.length = 0;
      const hostile = await cli(await sandboxLike({ tokenLink: true }), ['fault', 'primary', 'outage']);
      assert.equal(hostile.code, 2, hostile.stderr);
      assert.match(hostile.stderr, /not the record of a sandbox running for this project/);
      assert.deepEqual(seen, []);
      const own = await cli(await sandboxLike(), ['fault', 'primary', 'outage']);
      assert.equal(own.code, 0, own.stderr);
      assert.deepEqual(bearerSeen(), ['Bearer sandbox-issued-token']);
    });

    it('a record of a sandbox that is no longer running is not trusted', async () => {
      seen.length = 0;
      const dir = await sandboxLike();
      const recordFile = path.join(dir, '.aml-failover', 'sandbox.json');
      const record = JSON.parse(await fs.readFile(recordFile, 'utf8'));
      await fs.writeFile(recordFile, JSON.stringify({ ...record, pid: 2 ** 22 + 17 }));
      const r = await status(dir);
      assert.notEqual(r.code, 0);
      assert.deepEqual(seen, []);
    });
  });
});
