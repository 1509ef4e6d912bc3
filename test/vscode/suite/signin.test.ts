// @sandbox {"largeModelMb":1}
// @testExtension test/fixtures/vscode/fake-auth
// @settings {"amlFailover.health.intervalSeconds": 2}
// Signing in through VS Code's accounts: a fake Microsoft authentication is registered under the real id `microsoft`
// (test/fixtures/vscode/fake-auth), handing out the sandbox's token. code-server 4.100.3 refuses
// `--disable-extension` ("Unknown option"), so the built-in one stays installed; it activates only when sessions of
// `microsoft` are first asked for, and nothing asks before the fake is registered (the sandbox's own pair file names a
// token file), so every request lands on the fake — which records them all, as the tests check. The pair file names
// the sandbox as an AzureCloud with its own endpoints (trusted in the user settings) and no token file, so the
// extension signs in exactly as it would to Azure. What a test run can check: signed out, both regions say so and the
// status bar offers Sign in, after the extension asked the provider silently for the cloud's ARM scope. Past that,
// VS Code asks the user to let the extension use the account (a dialog, refused to test runs), so the signed-in
// path (tenant choice, expiry, sign-out) needs a UI test clicking Allow.
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
const inspect = () => vscode.commands.executeCommand<Inspect>('amlFailover.health.inspect');
const verdicts = async () => {
  const h = (await inspect()).health;
  return [h.primary.health, h.secondary.health];
};

describe('sign in through VS Code accounts', function () {
  this.timeout(180_000);
  let microsoft: FakeMicrosoftAuthentication;
  let api: Api;

  before(async () => {
    const sb = sandbox();
    const token = (await fs.readFile(path.join(sb.projectDir, '.aml-failover', 'sandbox-token'), 'utf8')).trim();
    const storageToken = (await fs.readFile(path.join(sb.projectDir, '.aml-failover', 'sandbox-storage-token'), 'utf8')).trim();
    microsoft = new FakeMicrosoftAuthentication('microsoft', (scopes) => (scopes.some((s) => s.startsWith('https://storage.azure.com')) ? storageToken : token));
    const pair = await loadPairFile(sb.projectDir);
    const storage = pair.cloud.storage;
    const origins = [sb.armUrl, ...Object.values(storage).flatMap((s) => [s.blob, s.file])].map((u) => new URL(u).origin);
    await vscode.workspace.getConfiguration('amlFailover').update('trustedClouds', [...new Set(origins)], vscode.ConfigurationTarget.Global);
    const ws = (r: typeof pair.workspaces.primary) => JSON.stringify(r);
    await fs.writeFile(
      path.join(sb.projectDir, 'aml-failover.yaml'),
      `workspaces:\n  primary: ${ws(pair.workspaces.primary)}\n  secondary: ${ws(pair.workspaces.secondary)}\n` +
        `cloud:\n  name: AzureCloud\n  resourceManager: ${sb.armUrl}\n  caFile: ${pair.cloud.caFile}\n  storage: ${JSON.stringify(storage)}\n`,
    );
    api = (await activateExtension<Api>()).exports;
  });

  after(() => microsoft?.dispose());

  it('signed out: both regions say sign in, and the status bar offers Sign in to Azure', async () => {
    await waitFor(async () => (await verdicts()).every((v) => v === 'unauthorized'), 'both regions unauthorized while signed out', 30_000);
    const h = (await inspect()).health;
    assert.match(h.primary.reason, /not signed in to AzureCloud in VS Code: use "Sign in to Azure"/);
    await waitFor(() => api.statusBarText()?.includes('$(account) Sign in to Azure'), 'the Sign in item in the status bar');
    assert.ok(microsoft.asked.some((s) => s.includes(ARM_SCOPE)), 'asked silently for an ARM session');
    assert.equal(microsoft.created.length, 0, 'never signed in without being asked');
  });
});
