// @sandbox {"largeModelMb":1}
// @testExtension test/fixtures/vscode/fake-auth
// @settings {"amlFailover.health.intervalSeconds": 2}
// Signing in through VS Code's accounts: a fake Microsoft authentication is registered under the real ids `microsoft`
// and `microsoft-sovereign-cloud` (test/fixtures/vscode/fake-auth), handing out the sandbox's token. The window runs
// without VS Code's own Microsoft authentication (the runner leaves it out of the built-in extensions of a suite that
// lends authentication providers: code-server refuses `--disable-extension`), so every request lands on the fake —
// which records them all, as the tests check. The pair file names the sandbox as an AzureCloud (then
// AzureUSGovernment, AzureChinaCloud) with its own endpoints (trusted in the user settings) and no token file, so the
// extension signs in exactly as it would to Azure. What a test run can check: signed out, both regions say so and the
// status bar offers Sign in, after the extension asked the cloud's provider silently for the cloud's ARM scope. Past
// that, VS Code asks the user to let the extension use the account (a dialog, refused to test runs), so the
// signed-in path (consent, tenant choice, expiry, sign-out) is the UI test's (test/ui/cloudTrust.test.ts).
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { FakeMicrosoftAuthentication } from '../../fixtures/vscode/fake-auth/provider';
import { loadPairFile } from '../../../src/pair/pairFile';
import { activateExtension, sandbox, waitFor } from '../support';

interface Api {
  statusBarText(): string | undefined;
}
interface Inspect {
  health: Record<'primary' | 'secondary', { health: string; reason: string }>;
}

const ARM_SCOPE = 'https://management.azure.com/.default';
const US_GOV_ARM_SCOPE = 'https://management.usgovcloudapi.net/.default';
const inspect = () => vscode.commands.executeCommand<Inspect>('amlFailover.health.inspect');
const verdicts = async () => {
  const h = (await inspect()).health;
  return [h.primary.health, h.secondary.health];
};

describe('sign in through VS Code accounts', function () {
  this.timeout(180_000);
  let microsoft: FakeMicrosoftAuthentication;
  let sovereign: FakeMicrosoftAuthentication;
  let api: Api;
  let writePair: (cloudName: string) => Promise<void>;

  before(async () => {
    const sb = sandbox();
    const token = (await fs.readFile(path.join(sb.projectDir, '.aml-failover', 'sandbox-token'), 'utf8')).trim();
    const storageToken = (await fs.readFile(path.join(sb.projectDir, '.aml-failover', 'sandbox-storage-token'), 'utf8')).trim();
    const tokenFor = (scopes: readonly string[]) => (scopes.some((s) => s.startsWith('https://storage.azure.com')) ? storageToken : token);
    microsoft = new FakeMicrosoftAuthentication('microsoft', tokenFor);
    sovereign = new FakeMicrosoftAuthentication('microsoft-sovereign-cloud', tokenFor);
    const pair = await loadPairFile(sb.projectDir);
    const storage = pair.cloud.storage;
    const origins = [sb.armUrl, ...Object.values(storage).flatMap((s) => [s.blob, s.file])].map((u) => new URL(u).origin);
    await vscode.workspace.getConfiguration('amlFailover').update('trustedClouds', [...new Set(origins)], vscode.ConfigurationTarget.Global);
    const ws = (r: typeof pair.workspaces.primary) => JSON.stringify(r);
    writePair = (cloudName) =>
      fs.writeFile(
        path.join(sb.projectDir, 'aml-failover.yaml'),
        `workspaces:\n  primary: ${ws(pair.workspaces.primary)}\n  secondary: ${ws(pair.workspaces.secondary)}\n` +
          `cloud:\n  name: ${cloudName}\n  resourceManager: ${sb.armUrl}\n  caFile: ${pair.cloud.caFile}\n  storage: ${JSON.stringify(storage)}\n`,
      );
    await writePair('AzureCloud');
    api = (await activateExtension<Api>()).exports;
  });

  after(() => {
    microsoft?.dispose();
    sovereign?.dispose();
  });

  it('signed out: both regions say sign in, and the status bar offers Sign in to Azure', async () => {
    await waitFor(async () => (await verdicts()).every((v) => v === 'unauthorized'), 'both regions unauthorized while signed out', 30_000);
    const h = (await inspect()).health;
    assert.match(h.primary.reason, /not signed in to AzureCloud in VS Code: use "Sign in to Azure"/);
    await waitFor(() => api.statusBarText()?.includes('$(account) Sign in to Azure'), 'the Sign in item in the status bar');
    assert.ok(microsoft.asked.some((s) => s.includes(ARM_SCOPE)), 'asked silently for an ARM session');
    assert.equal(microsoft.created.length, 0, 'never signed in without being asked');
  });

  it('AzureUSGovernment: the microsoft-sovereign-cloud provider is asked, for that cloud\'s ARM scope', async () => {
    await writePair('AzureUSGovernment');
    await waitFor(async () => /not signed in to AzureUSGovernment in VS Code/.test((await inspect()).health.primary.reason), 'the primary says it is not signed in to AzureUSGovernment', 30_000);
    assert.ok(sovereign.asked.some((s) => s[0] === US_GOV_ARM_SCOPE), `asked microsoft-sovereign-cloud for the US Government ARM scope: ${JSON.stringify(sovereign.asked)}`);
    assert.ok(!microsoft.asked.some((s) => s.includes(US_GOV_ARM_SCOPE)), 'never asked the public cloud\'s provider for it');
    assert.ok(!sovereign.asked.some((s) => s.includes(ARM_SCOPE)), 'never asked the sovereign provider for the public cloud\'s scope');
    assert.ok(api.statusBarText()?.includes('Sign in to Azure'));
  });

  it('a sovereign cloud whose provider is not registered yet (its environment setting unset) is signed out, offering Sign in', async () => {
    // VS Code's own sovereign provider registers only once microsoft-sovereign-cloud.environment is set.
    sovereign.dispose();
    await writePair('AzureChinaCloud');
    await waitFor(async () => (await verdicts()).every((v) => v === 'unauthorized') && /AzureChinaCloud/.test((await inspect()).health.primary.reason), 'both regions unauthorized for AzureChinaCloud', 60_000);
    assert.match((await inspect()).health.primary.reason, /not signed in to AzureChinaCloud in VS Code: use "Sign in to Azure"/);
    await waitFor(() => api.statusBarText()?.includes('$(account) Sign in to Azure'), 'the Sign in item in the status bar');
  });
});
