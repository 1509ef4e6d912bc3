// Where the user's Azure sign-in goes, in the real VS Code (code-server + Chromium, the .vsix installed).
//
// A cloned repository's pair file names an endpoint of its own (127.0.0.1, its own CA, recording every Authorization
// header) and even "trusts" it in the workspace's .vscode/settings.json. The user is signed in (a fake `az` first on
// PATH prints a token, so the extension's real DefaultAzureCredential gets one without leaving loopback). Opening the
// folder in the real VS Code sends nothing there: a notification asks, and only the user's click on "Trust …" lets
// the token go — remembered, so a reload does not ask again.
//
// Then the same VS Code signs in through its accounts, as users of the Azure extensions expect. code-server runs a
// fake Microsoft authentication (test/fixtures/vscode/fake-auth) in place of its own microsoft-authentication, under
// the real ids `microsoft` and `microsoft-sovereign-cloud`, handing out the sandbox's token and logging every request.
// The sandbox project's pair file names the sandbox as AzureCloud (its endpoints trusted in the user settings, no
// token file), so the extension signs in exactly as it would to Azure: the user clicks Sign in in the view, allows
// it in VS Code's consent dialog, picks one of the account's two tenants, and the view lists the workspaces. A token
// that stops working or is renewed, a sign-out in the Accounts menu, and signing in again (the project's tenant is
// not asked again) all show in the same window, never reloaded. With `cloud: AzureUSGovernment` the sign-in goes to
// `microsoft-sovereign-cloud`, for that cloud's ARM scope.
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
import { buildFakeAuth, fakeAuthOptions, fakeAuthRequests } from '../support/fakeAuth';
import { startSandbox, type RunningSandbox } from '../support/sandbox';

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
let sandbox: RunningSandbox | undefined;
let fakeAuthLog: string;

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

  // The sandbox the sign-in tests use, and the fake Microsoft authentication handing out its token.
  sandbox = await startSandbox({ largeModelMb: 1 });
  fakeAuthLog = path.join(scratch, 'fake-auth-requests.jsonl');
  const fakeAuth = fakeAuthOptions(await buildFakeAuth(scratch), path.join(sandbox.projectDir, '.aml-failover', 'sandbox-token'), fakeAuthLog);

  // The user prefers the Azure CLI's login (amlFailover.signIn.useAzureCli) over VS Code's Microsoft accounts.
  codeServer = await startCodeServer({
    env: { AZURE_TOKEN_CREDENTIALS: 'AzureCliCredential', PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`, ...fakeAuth.env },
    settings: { 'amlFailover.signIn.useAzureCli': true },
    builtinExtensions: fakeAuth.builtinExtensions,
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
  await sandbox?.stop();
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

// ── Signing in through VS Code's accounts ──

const ARM_SCOPE = 'https://management.azure.com/.default';
const US_GOV_ARM_SCOPE = 'https://management.usgovcloudapi.net/.default';
const row = (label: string) => page.locator('.pane-body .monaco-list-row', { hasText: label }).first();
const statusItem = (text: string) => page.locator('.part.statusbar .statusbar-item', { hasText: text });
const dialog = (text: RegExp) => page.locator('.monaco-dialog-box', { hasText: text });
const quickPickRow = (text: string) => page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: text }).first();
/** The view's own Sign in action (in its title bar). */
const viewSignIn = () => page.locator('.part.sidebar .actions-container a.action-label[aria-label="Sign in to Azure"]').first();
const menuItem = (text: string | RegExp) => page.locator('.context-view .monaco-menu .action-item', { hasText: text }).first();
let guestTenant: string;

/** Runs a command from the Command Palette, as a person does. */
async function runCommand(title: string): Promise<void> {
  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget input').fill(`>${title}`);
  await quickPickRow(title).waitFor();
  await page.keyboard.press('Enter');
}

/** Clicks an entry of the open menu. A click that lands while the menu is still settling (a busy machine) is ignored
 * and the menu stays open; the entry is focused by the hover then, and Enter runs it. The menu closes once it runs. */
async function clickMenuItem(text: RegExp): Promise<void> {
  const entry = menuItem(text);
  await entry.hover();
  await entry.click();
  const menu = page.locator('.context-view .monaco-menu').first();
  if (await menu.waitFor({ state: 'hidden', timeout: 3_000 }).then(() => false, () => true)) {
    await page.keyboard.press('Enter');
    await menu.waitFor({ state: 'hidden' });
  }
}

/** Clicks `button` in VS Code's modal dialog whose text matches `text`. */
async function answerDialog(text: RegExp, button: string): Promise<void> {
  const box = dialog(text);
  await box.waitFor({ timeout: 60_000 });
  await box.locator('.monaco-button', { hasText: new RegExp(`^${button}$`) }).click();
  await box.waitFor({ state: 'hidden' });
}

const settingsFile = () => path.join(codeServer!.scratch, 'udd', 'User', 'settings.json');
const userSettings = async () => JSON.parse(await fs.readFile(settingsFile(), 'utf8')) as Record<string, unknown>;

/** True while the page was not reloaded since the sign-in tests opened it. */
const sameWindow = () => page.evaluate(() => (globalThis as unknown as { amlFailoverSameWindow?: boolean }).amlFailoverSameWindow === true);

/** The sandbox project's pair file naming the sandbox as a public cloud: its endpoints, no token file. */
async function writePair(cloudName: string): Promise<void> {
  const sb = sandbox!;
  const ws = (r: typeof sb.primary) => JSON.stringify(r);
  await fs.writeFile(
    sb.pairFile,
    `workspaces:\n  primary: ${ws(sb.primary)}\n  secondary: ${ws(sb.secondary)}\n` +
      `cloud:\n  name: ${cloudName}\n  resourceManager: ${sb.armUrl}\n  caFile: ${sb.pair.cloud.caFile}\n  storage: ${JSON.stringify(sb.pair.cloud.storage)}\n`,
  );
}

test('signed out, the view and the status bar offer Sign in; Allow in VS Code\'s dialog, a tenant, and the view lists the workspaces', { timeout: 240_000 }, async () => {
  const sb = sandbox!;
  const origins = [...new Set([sb.armUrl, ...Object.values(sb.pair.cloud.storage).flatMap((s) => [s.blob, s.file])].map((u) => new URL(u).origin))];
  await writePair('AzureCloud');
  // The user trusts the sandbox's endpoints and signs in with VS Code's accounts (no longer the Azure CLI's login).
  await page.goto('about:blank');
  await fs.writeFile(settingsFile(), JSON.stringify({ ...(await userSettings()), 'amlFailover.signIn.useAzureCli': false, 'amlFailover.trustedClouds': origins }, null, 2));

  await page.goto(codeServer!.workbenchUrl(sb.projectDir));
  await page.evaluate(() => ((globalThis as unknown as { amlFailoverSameWindow?: boolean }).amlFailoverSameWindow = true));
  await page.locator('.part.activitybar .action-item a[aria-label^="Failover"]').click({ timeout: 90_000 });
  await row('Primary').filter({ hasText: 'sign in / no access' }).waitFor({ timeout: 90_000 });
  await statusItem('Sign in to Azure').waitFor({ timeout: 30_000 });
  assert.deepEqual((await fakeAuthRequests(fakeAuthLog)).filter((r) => r.kind === 'createSession'), [], 'never signed in unasked');

  await viewSignIn().click();
  await answerDialog(/wants to sign in using Microsoft/, 'Allow');
  const guest = quickPickRow('Sandbox Guest');
  await guest.waitFor({ timeout: 60_000 });
  guestTenant = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/.exec(await guest.innerText())?.[0] ?? '';
  assert.ok(guestTenant, 'the tenant\'s id shows in the pick');
  await quickPickRow('Sandbox').waitFor(); // the account's own tenant is offered too
  await guest.click();

  await row('Primary').filter({ hasText: 'healthy' }).waitFor({ timeout: 90_000 });
  await row('Secondary').filter({ hasText: 'healthy' }).waitFor({ timeout: 60_000 });
  await statusItem('Sign in to Azure').waitFor({ state: 'hidden', timeout: 30_000 });
  await row('Primary').click();
  await row('Models').waitFor({ timeout: 60_000 });
  const requests = await fakeAuthRequests(fakeAuthLog);
  assert.deepEqual(requests.filter((r) => r.kind === 'createSession').map((r) => [r.provider, r.scopes]), [['microsoft', [ARM_SCOPE]]], 'one sign-in, for ARM');
  assert.ok(requests.some((r) => r.provider === 'microsoft' && r.kind === 'getSessions' && r.scopes[0] === ARM_SCOPE && r.scopes.includes(`VSCODE_TENANT:${guestTenant}`)), 'ARM tokens are asked for in the chosen tenant');
});

test('the session\'s token stops working, then is renewed: the view follows each change without a reload', { timeout: 180_000 }, async () => {
  await runCommand("Fake Microsoft Account: Revoke the Session's Token");
  await row('Primary').filter({ hasText: 'sign in / no access' }).waitFor({ timeout: 90_000 });
  await runCommand("Fake Microsoft Account: Renew the Session's Token");
  await row('Primary').filter({ hasText: 'healthy' }).waitFor({ timeout: 90_000 });
  assert.ok(await sameWindow(), 'the window was not reloaded');
});

test('signing out in the Accounts menu: the view and the status bar say so at once; signing in again keeps the project\'s tenant', { timeout: 240_000 }, async () => {
  await page.locator('.part.activitybar a.action-label[aria-label^="Accounts"]').click();
  await menuItem(/user@contoso\.example \(Microsoft\)/).hover();
  await clickMenuItem(/^Sign Out$/);
  await answerDialog(/user@contoso\.example/, 'Sign Out');
  await statusItem('Sign in to Azure').waitFor({ timeout: 60_000 });
  await row('Primary').filter({ hasText: 'sign in / no access' }).waitFor({ timeout: 90_000 });
  await viewSignIn().waitFor();

  const before = (await fakeAuthRequests(fakeAuthLog)).length;
  await statusItem('Sign in to Azure').click();
  await answerDialog(/wants to sign in using Microsoft/, 'Allow');
  await row('Primary').filter({ hasText: 'healthy' }).waitFor({ timeout: 90_000 });
  assert.equal(await page.locator('.quick-input-widget').isVisible(), false, 'the tenant was not asked again');
  const since = (await fakeAuthRequests(fakeAuthLog)).slice(before);
  assert.equal(since.filter((r) => r.kind === 'createSession').length, 1, 'signed in once more');
  assert.ok(since.some((r) => r.kind === 'getSessions' && r.scopes[0] === ARM_SCOPE && r.scopes.includes(`VSCODE_TENANT:${guestTenant}`)), 'in the tenant chosen for the project');
  assert.ok(await sameWindow(), 'the window was not reloaded');
});

test('AzureUSGovernment: Sign in goes to the microsoft-sovereign-cloud provider, for that cloud\'s ARM scope, pointed at that cloud', { timeout: 240_000 }, async () => {
  const before = (await fakeAuthRequests(fakeAuthLog)).length;
  await writePair('AzureUSGovernment');
  await row('Primary').filter({ hasText: 'sign in / no access' }).waitFor({ timeout: 90_000 });
  await statusItem('Sign in to Azure').click({ timeout: 30_000 });
  await answerDialog(/wants to sign in using Microsoft Sovereign Cloud/, 'Allow');
  await row('Primary').filter({ hasText: 'healthy' }).waitFor({ timeout: 90_000 });
  const since = (await fakeAuthRequests(fakeAuthLog)).slice(before);
  assert.deepEqual(since.filter((r) => r.kind === 'createSession').map((r) => [r.provider, r.scopes]), [['microsoft-sovereign-cloud', [US_GOV_ARM_SCOPE]]]);
  assert.ok(since.some((r) => r.provider === 'microsoft-sovereign-cloud' && r.kind === 'getSessions' && r.scopes[0] === US_GOV_ARM_SCOPE && r.scopes.includes(`VSCODE_TENANT:${guestTenant}`)), 'US Government ARM tokens from the sovereign provider, in the project\'s tenant');
  assert.ok(!since.some((r) => r.provider === 'microsoft' && r.scopes.includes(US_GOV_ARM_SCOPE)), 'the public cloud\'s provider is never asked for it');
  assert.equal((await userSettings())['microsoft-sovereign-cloud.environment'], 'USGovernment', 'the sovereign provider is pointed at the pair file\'s cloud');
});
