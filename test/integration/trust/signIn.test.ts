// Signing in from the CLI as a user does, against the sandbox or nothing: @azure/identity's real chain runs a stand-in
// `az` first on PATH, and AZURE_TOKEN_CREDENTIALS keeps every other way out, so no credential can reach beyond loopback.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect } from '../../../src/azure/connection';
import { defaultChainCredentials } from '../../../src/azure/defaultChain';
import { QUICK_RETRY } from '../../../src/azure/retry';
import { fixedTrust, parseTrustedClouds } from '../../../src/azure/trust';
import { silentLogger } from '../../../src/common/logger';
import { exportWorkspace } from '../../../src/export/exportWorkspace';
import { connectForProbes, monitorPair } from '../../../src/health/session';
import { listWorkspaceInventory } from '../../../src/inventory/pairInventory';
import { startSandbox, type RunningSandbox } from '../../support/sandbox';
import { fakeAz, type FakeAz } from '../../support/fakeAz';
import { loopbackCredentialEnv } from '../../support/credentialEnv';
import { runCli } from '../../support/cli';
import { scratchDir } from '../../support/scratch';
import { parse, stringify } from 'yaml';

describe('the CLI, as a whole cold process', () => {
  let az: FakeAz;
  const project = path.resolve(import.meta.dirname, '../../fixtures/projects/foundation');
  before(async () => {
    az = await fakeAz();
    await az.set('login');
  });
  const run = (args: string[], tokenCredentials: string) => runCli(['--project', project, ...args], { env: loopbackCredentialEnv(process.env, { AZURE_TOKEN_CREDENTIALS: tokenCredentials, PATH: az.path }) });

  it('nobody signed in: one message naming what was tried and what to do; status says sign in, for each region', async () => {
    const out = await scratchDir('aml-failover-signin-');
    const exported = await run(['export', 'models', '--from', 'primary', '--out', out], 'AzureCliCredential');
    assert.equal(exported.code, 1);
    assert.equal(
      exported.stderr.trim(),
      "aml-failover: Could not sign in to Azure (AzureCloud). Tried (AZURE_TOKEN_CREDENTIALS=AzureCliCredential): AzureCliCredential: Please run 'az login' from a command prompt to authenticate before using this credential. " +
        'Sign in with `az login` or `azd auth login`, or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET for a service principal.',
    );
    const status = await run(['status'], 'AzureCliCredential');
    assert.equal(status.code, 1);
    assert.equal(status.stdout.match(/unauthorized/g)?.length, 2, status.stdout);
    assert.equal(status.stdout.match(/Sign in to Azure: Could not sign in to Azure \(AzureCloud\)\. Tried \(AZURE_TOKEN_CREDENTIALS=AzureCliCredential\): AzureCliCredential: Please run 'az login'/g)?.length, 2, status.stdout);
    // One sign-in for the export, one for both regions of status.
    assert.equal((await az.calls()).length, 2);
  });

  it('an AZURE_TOKEN_CREDENTIALS @azure/identity would refuse is bad usage (exit 2), nothing tried', async () => {
    const before = (await az.calls()).length;
    const r = await run(['drift'], 'AzureCli');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^aml-failover: Invalid value for AZURE_TOKEN_CREDENTIALS = AzureCli\. Valid values are 'prod' or 'dev'/);
    assert.equal((await az.calls()).length, before);
  });
});


describe('one credential per project, shared by every capability (sandbox)', () => {
  let sb: RunningSandbox;
  let az: FakeAz;
  const saved = { ...process.env };
  before(async () => {
    sb = await startSandbox({ largeModelMb: 1 });
    az = await fakeAz();
    // The stand-in az hands out the sandbox's token: the sandbox is the only place it can go.
    await az.set({ token: sb.token, byResource: { 'https://storage.azure.com': sb.storageToken } });
    process.env = loopbackCredentialEnv(process.env, { AZURE_TOKEN_CREDENTIALS: 'AzureCliCredential', PATH: az.path });
  });
  after(async () => {
    process.env = saved;
    await sb?.stop();
  });

  it('health, inventory and an export at the same time sign in once', async () => {
    // The sandbox's cloud without its token file: signed in like a real cloud, the endpoints trusted by the user.
    const cloud = { ...sb.pair.cloud, tokenFile: undefined };
    const pair = { ...sb.pair, cloud };
    const access = { trust: fixedTrust([...parseTrustedClouds([sb.armUrl, ...Object.values(cloud.storage).flatMap((s) => [s.blob, s.file])].map((u) => new URL(u).origin), 'test')]), credentials: defaultChainCredentials() };
    const [probes, listing, exporting] = await Promise.all([connectForProbes(pair, silentLogger, access), connect(cloud, { logger: silentLogger, ...access, retry: QUICK_RETRY }), connect(cloud, { logger: silentLogger, ...access })]);
    const out = await scratchDir('aml-failover-shared-');
    const [health, inventory, exported] = await Promise.all([
      monitorPair(pair, probes, silentLogger).refreshAll(),
      listWorkspaceInventory(listing, pair, 'primary', { logger: silentLogger }),
      exportWorkspace({ projectDir: sb.projectDir, from: 'primary', kinds: ['models'], outDir: out, signal: new AbortController().signal, logger: silentLogger, connection: exporting }),
    ]);
    assert.deepEqual(health.map((h) => h.health), ['healthy', 'healthy']);
    assert.ok(inventory.models.length > 0 && Object.keys(inventory.problems).length === 0, JSON.stringify(inventory.problems));
    assert.equal(exported.complete, true);
    const calls = await az.calls();
    // One sign-in per scope: ARM, and storage for the datastore whose account refuses its key (securestore).
    assert.deepEqual(calls.filter((c) => c.endsWith(new URL(cloud.armScope).origin)), [`account get-access-token --output json --resource ${new URL(cloud.armScope).origin}`]);
    assert.equal(new Set(calls).size, calls.length, `each scope signed in once: ${calls.join(' | ')}`);
  });

  it('status with a backup present signs in once per scope: the comparison with the backup shares the credential', async () => {
    // The sandbox's pair file without its token files, in a folder of its own: signed in through the stand-in az, the
    // sandbox's endpoints trusted by the user on the command line.
    const doc = parse(await fs.readFile(sb.pairFile, 'utf8')) as { cloud: Record<string, unknown> };
    const cloud: Record<string, unknown> = { ...doc.cloud, caFile: path.resolve(sb.projectDir, String(doc.cloud.caFile)) };
    delete cloud.tokenFile;
    delete cloud.storageTokenFile;
    const dir = await scratchDir('aml-failover-status-signin-');
    await fs.writeFile(path.join(dir, 'aml-failover.yaml'), stringify({ ...doc, cloud }));
    await fs.cp(path.join(sb.projectDir, '.azureml'), path.join(dir, '.azureml'), { recursive: true });
    const origins = new Set([sb.armUrl, ...Object.values(sb.pair.cloud.storage).flatMap((s) => [s.blob, s.file])].map((u) => new URL(u).origin));
    const run = (...args: string[]) => runCli(['--project', dir, ...[...origins].flatMap((o) => ['--trust-cloud', o]), ...args], { env: process.env });
    const backedUp = await run('backup', '--from', 'primary');
    assert.equal(backedUp.code, 0, backedUp.stdout + backedUp.stderr);
    const before = (await az.calls()).length;
    const status = await run('status', '--json');
    assert.equal(status.code, 0, status.stdout + status.stderr);
    assert.ok((JSON.parse(status.stdout) as { workspaces: { primary: { backup: { changedSince: unknown } } } }).workspaces.primary.backup.changedSince, 'status compared the workspace with its backup');
    const calls = (await az.calls()).slice(before);
    assert.deepEqual(calls.filter((c) => c.endsWith(new URL(sb.pair.cloud.armScope).origin)), [`account get-access-token --output json --resource ${new URL(sb.pair.cloud.armScope).origin}`]);
    assert.equal(new Set(calls).size, calls.length, `each scope signed in once: ${calls.join(' | ')}`);
  });

  it('a full run of the commands with -v: no file, log or output holds the sandbox token or a storage key', async () => {
    // The secrets to look for: the token, and every key and SAS the datastores of both workspaces hand out.
    const conn = await connect(sb.pair.cloud, { logger: silentLogger });
    const secrets = [sb.token, sb.storageToken];
    for (const ws of [sb.primary, sb.secondary]) {
      const ml = await conn.ml(ws.subscription_id);
      for await (const ds of ml.datastores.list(ws.resource_group, ws.workspace_name)) {
        const secret = (await ml.datastores.listSecrets(ws.resource_group, ws.workspace_name, ds.name!)) as { key?: string; sasToken?: string };
        for (const value of [secret.key, secret.sasToken]) if (value) secrets.push(value);
      }
    }
    assert.ok(secrets.length >= 3, 'the token and at least one key per workspace');
    const env = loopbackCredentialEnv(saved);
    const outputs: string[] = [];
    for (const command of [['export', 'all', '--from', 'primary'], ['replicate', 'all', '--from', 'primary', '--to', 'secondary'], ['status'], ['drift'], ['switch', 'secondary'], ['lint', '--remote']]) {
      const r = await runCli(['-v', '--project', sb.projectDir, ...command], { env });
      assert.ok(r.code !== null && r.code <= 1, `${command.join(' ')}: exit ${r.code}\n${r.stderr}`);
      outputs.push(r.stdout, r.stderr);
    }
    // Then a drill, as a user rehearses one (the secondary has no GPU cluster: the team maps it), and its cleanup.
    await fs.appendFile(sb.pairFile, '\nresubmit:\n  compute: {gpu-cluster: cpu-cluster}\n');
    const drill = await runCli(['-v', '--project', sb.projectDir, 'drill', '--yes', '--simulate-outage', '--json', '--report', path.join(sb.projectDir, 'drill-report.md')], { env });
    assert.equal(drill.code, 0, drill.stderr);
    const cleanup = await runCli(['-v', '--project', sb.projectDir, 'drill', '--cleanup', (JSON.parse(drill.stdout) as { drillId: string }).drillId], { env });
    assert.equal(cleanup.code, 0, cleanup.stderr);
    outputs.push(drill.stdout, drill.stderr, cleanup.stdout, cleanup.stderr);
    assert.match(outputs.join('\n'), /^\[info\] Exporting/m, 'logged with -v');
    // Every file the commands wrote in the project (the export, the config, .gitignore, the drill's report and its
    // records in .aml-failover/) — all but the sandbox's own token files, which hold the token by design.
    const tokenFiles = new Set([sb.pair.cloud.tokenFile, sb.pair.cloud.storageTokenFile].map((f) => path.resolve(sb.projectDir, f!)));
    const files = (await fs.readdir(sb.projectDir, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => path.join(e.parentPath, e.name))
      .filter((f) => !tokenFiles.has(f));
    assert.equal(tokenFiles.size, 2);
    assert.ok(files.some((f) => f.includes(`.aml-failover${path.sep}`)), 'the project state folder is searched');
    assert.ok(files.some((f) => f.includes(`aml-export${path.sep}primary`)), 'the export wrote its files');
    const haystacks = [...outputs.map((text, i) => ({ where: `output ${i}`, text })), ...(await Promise.all(files.map(async (f) => ({ where: f, text: (await fs.readFile(f)).toString('latin1') }))))];
    const hits = haystacks.flatMap(({ where, text }) => secrets.filter((secret) => [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')].some((form) => text.includes(form))).map(() => where));
    assert.deepEqual(hits, []);
  });
});
