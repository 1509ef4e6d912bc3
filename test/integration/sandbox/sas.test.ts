// Shared access signatures on the sandbox's file service, checked as Azure Files checks them, and the product's SAS
// path for file datastores: the notebooks' datastore is given SAS credentials (as `az ml datastore update` does), so
// listSecrets hands out a SAS; `aml-failover export notebooks` goes through it and gets what the account key gets.
// A tampered, expired, too narrow or other-share SAS is refused with Azure's 403 codes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import {
  AccountSASPermissions,
  generateAccountSASQueryParameters,
  generateFileSASQueryParameters,
  ShareSASPermissions,
  ShareServiceClient,
  StorageSharedKeyCredential,
} from '@azure/storage-file-share';
import { storageEndpoints } from '../../../src/azure/cloud';
import { loopbackCredentialEnv } from '../../support/credentialEnv';
import { startSandbox, type RunningSandbox } from '../../support/sandbox';
import { cliNodeArgs } from '../../support/cli';

const REPO = path.resolve(__dirname, '..', '..', '..');
const DATASTORE = 'workspaceworkingdirectory';
let sb: RunningSandbox;
let ml: AzureMachineLearningWorkspaces;
let account: string;
let share: string;
let key: string;
let scratch: string;

const hourFromNow = () => new Date(Date.now() + 3600_000);
const accountSas = (permissions: string, expiresOn = hourFromNow()) =>
  generateAccountSASQueryParameters({ permissions: AccountSASPermissions.parse(permissions), services: 'f', resourceTypes: 'sco', expiresOn }, new StorageSharedKeyCredential(account, key)).toString();
const shareSas = (shareName: string, permissions: string) =>
  generateFileSASQueryParameters({ shareName, permissions: ShareSASPermissions.parse(permissions), expiresOn: hourFromNow() }, new StorageSharedKeyCredential(account, key)).toString();
const tamper = (sas: string) => sas.replace(/sig=([^&])/, (_, c: string) => `sig=${c === 'A' ? 'B' : 'A'}`);

/** A share client signed with nothing but `sas`, through the real SDK. */
const clientOptions = () => ({ tlsOptions: { ca: sb.ca }, retryOptions: { maxTries: 1 } });
const viaSas = (sas: string) => new ShareServiceClient(`${storageEndpoints(sb.pair.cloud, account).file}?${sas}`, undefined, clientOptions()).getShareClient(share);

async function refusal(p: Promise<unknown>): Promise<{ statusCode?: number; code?: string }> {
  try {
    await p;
  } catch (err) {
    return err as { statusCode?: number; code?: string };
  }
  assert.fail('the request was accepted');
}

/** A file the sandbox seeds on the primary's notebook share. */
const SEEDED_FILE = 'Users/alice/train.py';

async function listRoot(sas: string): Promise<string[]> {
  const names: string[] = [];
  for await (const item of viaSas(sas).rootDirectoryClient.listFilesAndDirectories()) names.push(item.name);
  return names;
}

/** Gives the notebooks' datastore these credentials, as `az ml datastore update` would. */
async function setCredentials(credentials: object): Promise<void> {
  const ref = sb.primary;
  await ml.datastores.createOrUpdate(ref.resource_group, ref.workspace_name, DATASTORE, {
    properties: { datastoreType: 'AzureFile', accountName: account, fileShareName: share, credentials } as never,
  });
}

function exportNotebooks(out: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, cliNodeArgs(['export', 'notebooks', '--out', out, '--project', sb.projectDir]), { cwd: REPO, env: loopbackCredentialEnv() }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Every file under `dir` (but the manifest) with its bytes. */
async function tree(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name === 'manifest.json') continue;
    const full = path.join(entry.parentPath, entry.name);
    files.set(path.relative(dir, full), (await fs.readFile(full)).toString('base64'));
  }
  return files;
}

describe('SAS on the sandbox file service', () => {
  before(async () => {
    sb = await startSandbox({ largeModelMb: 1 });
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'aml-failover-sas-'));
    const ref = sb.primary;
    ml = new AzureMachineLearningWorkspaces(sb.credential, ref.subscription_id, { endpoint: sb.armUrl, credentialScopes: ['https://management.azure.com/.default'], tlsOptions: { ca: sb.ca } });
    const ds = await ml.datastores.get(ref.resource_group, ref.workspace_name, DATASTORE);
    ({ accountName: account, fileShareName: share } = ds.properties as { accountName: string; fileShareName: string });
    key = ((await ml.datastores.listSecrets(ref.resource_group, ref.workspace_name, DATASTORE)) as { key: string }).key;
  });
  after(async () => {
    await sb?.stop();
    if (scratch) await fs.rm(scratch, { recursive: true, force: true });
  });

  it('an export of notebooks through a SAS credential gets exactly what the account key gets', async () => {
    const withKey = await exportNotebooks(path.join(scratch, 'with-key'));
    assert.equal(withKey.code, 0, withKey.stderr);
    const sas = accountSas('rl');
    await setCredentials({ credentialsType: 'Sas', secrets: { secretsType: 'Sas', sasToken: sas } });
    const ref = sb.primary;
    assert.deepEqual(await ml.datastores.listSecrets(ref.resource_group, ref.workspace_name, DATASTORE), { secretsType: 'Sas', sasToken: sas });
    const withSas = await exportNotebooks(path.join(scratch, 'with-sas'));
    assert.equal(withSas.code, 0, withSas.stderr);
    const expected = await tree(path.join(scratch, 'with-key'));
    assert.ok(expected.size > 3, 'notebooks were exported');
    assert.deepEqual(await tree(path.join(scratch, 'with-sas')), expected);
  });

  it('a tampered signature is refused (403 AuthenticationFailed), and the export fails naming it', async () => {
    assert.ok((await listRoot(accountSas('rl'))).includes('Users'), 'the untampered SAS lists the share');
    const err = await refusal(listRoot(tamper(accountSas('rl'))));
    assert.equal(err.statusCode, 403);
    assert.equal(err.code, 'AuthenticationFailed');
    await setCredentials({ credentialsType: 'Sas', secrets: { secretsType: 'Sas', sasToken: tamper(accountSas('rl')) } });
    const r = await exportNotebooks(path.join(scratch, 'tampered'));
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /AuthenticationFailed|failed to authenticate/i);
  });

  it('an expired SAS, one without read permission, and one for another share are refused', async () => {
    const good = accountSas('rl');
    const read = (sas: string) => viaSas(sas).rootDirectoryClient.getFileClient(SEEDED_FILE).download(0, 16);
    assert.ok(await read(good), 'a valid SAS reads the file');
    const expired = await refusal(read(accountSas('rl', new Date(Date.now() - 60_000))));
    assert.deepEqual([expired.statusCode, expired.code], [403, 'AuthenticationFailed']);
    const listOnly = await refusal(read(accountSas('l')));
    assert.deepEqual([listOnly.statusCode, listOnly.code], [403, 'AuthorizationPermissionMismatch']);
    assert.ok(await read(shareSas(share, 'r')), 'a share SAS for this share reads it');
    const otherShare = await refusal(read(shareSas(`${share}-other`, 'rl')));
    assert.deepEqual([otherShare.statusCode, otherShare.code], [403, 'AuthenticationFailed']);
  });
});
