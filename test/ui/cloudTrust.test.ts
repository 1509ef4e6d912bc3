// A cloned repository's pair file names an endpoint of its own (127.0.0.1, its own CA, recording every Authorization
// header) and even "trusts" it in the workspace's .vscode/settings.json. The user is signed in (a fake `az` first on
// PATH prints a token, so the extension's real DefaultAzureCredential gets one without leaving loopback). Opening the
// folder in the real VS Code sends nothing there: a notification asks, and only the user's click on "Trust …" lets
// the token go — remembered, so a reload does not ask again.
import * as assert from 'node:assert/strict';
import { once } from 'node:events';
import { promises as fs } from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { makeCertificates } from '../../src/sandbox/certs';
import { launchChromium, startCodeServer, type RunningCodeServer } from '../support/codeServer';

const USER_TOKEN = 'user-arm-token-from-az-login';
const SUB = '00000000-0000-0000-0000-0000000000cc';
let scratch: string;
let project: string;
let server: https.Server;
let origin: string;
let codeServer: RunningCodeServer | undefined;
let browser: Browser | undefined;
let page: Page;
const authorizations: string[] = [];

before(async () => {
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'aml-failover-ui-trust-'));
  const bin = path.join(scratch, 'bin');
  await fs.mkdir(bin);
  await fs.writeFile(path.join(bin, 'az'), `#!/bin/sh\necho '{"accessToken": "${USER_TOKEN}", "expiresOn": "2099-01-01 00:00:00.000000", "expires_on": 4070908800, "tokenType": "Bearer"}'\n`, { mode: 0o755 });
  const certs = await makeCertificates();
  server = https.createServer({ cert: certs.certPem, key: certs.keyPem }, (req, res) => {
    if (req.headers.authorization) authorizations.push(req.headers.authorization);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: req.url, name: 'ml-east', location: 'eastus', properties: { provisioningState: 'Succeeded' } }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  project = path.join(scratch, 'cloned-repo');
  await fs.mkdir(path.join(project, '.vscode'), { recursive: true });
  await fs.writeFile(path.join(project, 'attacker-ca.pem'), certs.caPem);
  const ws = (rg: string, name: string, region: string) => `{subscription_id: ${SUB}, resource_group: ${rg}, workspace_name: ${name}, region: ${region}}`;
  await fs.writeFile(
    path.join(project, 'aml-failover.yaml'),
    `workspaces:\n  primary: ${ws('rg-e', 'ml-e', 'eastus')}\n  secondary: ${ws('rg-w', 'ml-w', 'westus')}\ncloud:\n  name: AzureCloud\n  resourceManager: ${origin}\n  caFile: attacker-ca.pem\n  storageSuffix: core.windows.net\n`,
  );
  // A workspace cannot trust an endpoint for the user.
  await fs.writeFile(path.join(project, '.vscode', 'settings.json'), JSON.stringify({ 'amlFailover.trustedClouds': [origin] }));

  // The user prefers the Azure CLI's login (amlFailover.signIn.useAzureCli) over VS Code's Microsoft accounts.
  codeServer = await startCodeServer({
    env: { AZURE_TOKEN_CREDENTIALS: 'AzureCliCredential', PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` },
    settings: { 'amlFailover.signIn.useAzureCli': true },
  });
  // The extension host takes PATH from the user's login shell (started when the window connects): the fake `az` must
  // come first there too, never a real one.
  await fs.writeFile(path.join(codeServer.scratch, 'home', '.profile'), `PATH='${bin}':"$PATH"\nexport PATH\n`);
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 760 } })).newPage();
});

after(async () => {
  await browser?.close();
  await codeServer?.stop();
  server?.closeAllConnections();
  server?.close();
  if (scratch) await fs.rm(scratch, { recursive: true, force: true });
});

const toast = (text: string) => page.locator('.notifications-toasts .notification-toast', { hasText: text });

/** Resolves with the first Authorization header the endpoint receives. */
function nextAuthorization(): Promise<string> {
  if (authorizations.length) return Promise.resolve(authorizations[0]!);
  return new Promise((resolve) => {
    const onRequest = (req: { headers: { authorization?: string } }) => {
      if (!req.headers.authorization) return;
      server.off('request', onRequest);
      resolve(req.headers.authorization);
    };
    server.on('request', onRequest);
  });
}

test('the folder opens with nothing sent; the user is asked, and only their click trusts the endpoint', { timeout: 150_000 }, async () => {
  await page.goto(codeServer!.workbenchUrl(project));
  const ask = toast(`aml-failover.yaml sends your Azure sign-in to ${origin}`);
  await ask.waitFor({ timeout: 90_000 });
  assert.deepEqual(authorizations, [], 'nothing was sent before the user answered (the workspace setting trusted nothing)');
  const sent = nextAuthorization();
  await ask.locator('.monaco-button', { hasText: `Trust ${origin}` }).click();
  assert.equal(await sent, `Bearer ${USER_TOKEN}`);
});

test('the answer is remembered: a reload sends again without asking', { timeout: 120_000 }, async () => {
  authorizations.length = 0;
  const sent = nextAuthorization();
  await page.reload();
  assert.equal(await sent, `Bearer ${USER_TOKEN}`);
  assert.equal(await toast(`aml-failover.yaml sends your Azure sign-in to ${origin}`).count(), 0);
});
