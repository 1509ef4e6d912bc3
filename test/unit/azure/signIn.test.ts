// The CLI's sign-in chain (src/azure/defaultChain.ts) and the one shared credential (src/azure/credentials.ts):
// @azure/identity's real AzureCliCredential runs a stand-in `az` first on PATH; AZURE_TOKEN_CREDENTIALS keeps every
// other way out, so no credential can reach beyond loopback.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KNOWN_CLOUDS } from '../../../src/azure/cloud';
import { sharedCredential, SignInChain } from '../../../src/azure/credentials';
import { chainNames, defaultChainCredentials } from '../../../src/azure/defaultChain';
import { fakeAz, type FakeAz } from '../../support/fakeAz';
import { loopbackCredentialEnv } from '../../support/credentialEnv';

const ARM = KNOWN_CLOUDS.AzureCloud.armScope;
const STORAGE = KNOWN_CLOUDS.AzureCloud.storageScope;

describe('AZURE_TOKEN_CREDENTIALS narrows the chain as @azure/identity does', () => {
  it('unset: all seven ways in DefaultAzureCredential order; prod; dev; one name in any case', () => {
    assert.deepEqual(chainNames({}), ['EnvironmentCredential', 'WorkloadIdentityCredential', 'ManagedIdentityCredential', 'VisualStudioCodeCredential', 'AzureCliCredential', 'AzurePowerShellCredential', 'AzureDeveloperCliCredential']);
    assert.deepEqual(chainNames({ AZURE_TOKEN_CREDENTIALS: 'prod' }), ['EnvironmentCredential', 'WorkloadIdentityCredential', 'ManagedIdentityCredential']);
    assert.deepEqual(chainNames({ AZURE_TOKEN_CREDENTIALS: ' DEV ' }), ['VisualStudioCodeCredential', 'AzureCliCredential', 'AzurePowerShellCredential', 'AzureDeveloperCliCredential']);
    assert.deepEqual(chainNames({ AZURE_TOKEN_CREDENTIALS: 'azureclicredential' }), ['AzureCliCredential']);
  });
  it('any other value is refused with the values it takes', () => {
    assert.throws(() => chainNames({ AZURE_TOKEN_CREDENTIALS: 'AzureCli' }), /Invalid value for AZURE_TOKEN_CREDENTIALS = AzureCli\. Valid values are 'prod' or 'dev' or any of these credentials - EnvironmentCredential, .*AzureDeveloperCliCredential\./);
  });
});

describe('the chain with a stand-in az', () => {
  let az: FakeAz;
  const saved = { ...process.env };
  before(async () => {
    az = await fakeAz();
    // AzureCliCredential runs `az` from this process's PATH.
    process.env = loopbackCredentialEnv(process.env, { PATH: az.path });
  });
  after(() => {
    process.env = saved;
  });
  const env = (tokenCredentials: string) => ({ ...process.env, AZURE_TOKEN_CREDENTIALS: tokenCredentials });

  it('signs in once per scope, however many clients ask at once and later', async () => {
    await az.set({ token: 'token-from-az' });
    const credential = defaultChainCredentials({ env: env('AzureCliCredential') }).credentialFor(KNOWN_CLOUDS.AzureCloud);
    const tokens = await Promise.all(Array.from({ length: 8 }, () => credential.getToken(ARM)));
    assert.deepEqual(new Set(tokens.map((t) => t?.token)), new Set(['token-from-az']));
    await credential.getToken(ARM);
    await credential.getToken(STORAGE);
    const calls = await az.calls();
    assert.equal(calls.length, 2, calls.join('\n'));
    assert.match(calls[0]!, /account get-access-token --output json --resource https:\/\/management\.azure\.com/);
    assert.match(calls[1]!, /--resource https:\/\/storage\.azure\.com/);
  });

  it('the same provider gives every capability the same credential for the same cloud', () => {
    const provider = defaultChainCredentials({ env: env('AzureCliCredential') });
    assert.equal(provider.credentialFor(KNOWN_CLOUDS.AzureCloud), provider.credentialFor({ ...KNOWN_CLOUDS.AzureCloud }));
    assert.notEqual(provider.credentialFor(KNOWN_CLOUDS.AzureCloud), provider.credentialFor(KNOWN_CLOUDS.AzureUSGovernment));
  });

  it('an az that never answers is given up at its deadline, and the message says so', async () => {
    await az.set('hang');
    const credential = defaultChainCredentials({ env: env('AzureCliCredential'), deadlines: { tool: 1500 } }).credentialFor(KNOWN_CLOUDS.AzureCloud);
    await assert.rejects(credential.getToken(ARM), (err: Error) => {
      assert.equal(err.name, 'CredentialUnavailableError');
      assert.match(err.message, /^Could not sign in to Azure \(AzureCloud\)\. Tried \(AZURE_TOKEN_CREDENTIALS=AzureCliCredential\): AzureCliCredential: no answer within 1\.5 s\. Sign in with/);
      return true;
    });
  });

  it('dev: every developer tool is tried, each named with its reason, then what to do', async () => {
    await az.set('login');
    const credential = defaultChainCredentials({ env: env('dev') }).credentialFor(KNOWN_CLOUDS.AzureCloud);
    await assert.rejects(credential.getToken(ARM), (err: Error) => {
      const m = /^Could not sign in to Azure \(AzureCloud\)\. Tried \(AZURE_TOKEN_CREDENTIALS=dev\): (.*)\. (Sign in with .*)$/.exec(err.message);
      assert.ok(m, err.message);
      const each = m[1]!.split('; ');
      assert.deepEqual(each.map((l) => l.split(':')[0]), ['VisualStudioCodeCredential', 'AzureCliCredential', 'AzurePowerShellCredential', 'AzureDeveloperCliCredential']);
      assert.match(each[1]!, /Please run 'az login'/);
      assert.match(m[2]!, /^Sign in with `az login` or `azd auth login`, or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET/);
      return true;
    });
  });

  it('a sovereign cloud says which cloud to select in az', async () => {
    await az.set('login');
    const credential = defaultChainCredentials({ env: env('AzureCliCredential') }).credentialFor(KNOWN_CLOUDS.AzureChinaCloud);
    await assert.rejects(credential.getToken(KNOWN_CLOUDS.AzureChinaCloud.armScope), /Could not sign in to Azure \(AzureChinaCloud\)[\s\S]*az cloud set --name AzureChinaCloud/);
  });
});

describe('SignInChain and sharedCredential', () => {
  const unavailable = (why: string) => ({ getToken: () => Promise.reject(Object.assign(new Error(why), { name: 'CredentialUnavailableError' })) });
  const token = (value: string, expiresInMs = 3_600_000) => ({ token: value, expiresOnTimestamp: Date.now() + expiresInMs });

  it('passes unavailable ways, stops at an authentication failure, keeps the way that worked', async () => {
    let used = 0;
    const chain = new SignInChain(
      [
        { name: 'A', deadlineMs: 1000, create: () => { throw new Error('not configured'); } },
        { name: 'B', deadlineMs: 1000, create: () => unavailable('B is not there') },
        { name: 'C', deadlineMs: 1000, create: () => ({ getToken: async () => (used++, token('c')) }) },
      ],
      (tried) => tried.map((t) => `${t.name}=${t.reason}`).join(';'),
    );
    assert.equal((await chain.getToken(ARM))?.token, 'c');
    assert.equal((await chain.getToken(ARM))?.token, 'c');
    assert.equal(used, 2);
    const stops = new SignInChain(
      [
        { name: 'A', deadlineMs: 1000, create: () => ({ getToken: () => Promise.reject(Object.assign(new Error('AADSTS7000215: Invalid client secret'), { name: 'AuthenticationError' })) }) },
        { name: 'B', deadlineMs: 1000, create: () => ({ getToken: async () => token('b') }) },
      ],
      (tried) => tried.map((t) => `${t.name}=${t.reason}`).join(';'),
    );
    await assert.rejects(stops.getToken(ARM), { message: 'A=AADSTS7000215: Invalid client secret' });
  });

  it('one sign-in for callers at the same time; a token near its expiry is fetched again; forget() drops them', async () => {
    let signIns = 0;
    const shared = sharedCredential({ getToken: async () => token(`t${++signIns}`, signIns === 1 ? 3_600_000 : 60_000) });
    const first = await Promise.all([shared.getToken(ARM), shared.getToken([ARM]), shared.getToken(ARM)]);
    assert.deepEqual(first.map((t) => t?.token), ['t1', 't1', 't1']);
    shared.forget();
    assert.equal((await shared.getToken(ARM))?.token, 't2');
    // t2 expires within the 5-minute margin: the next caller signs in again.
    assert.equal((await shared.getToken(ARM))?.token, 't3');
    assert.equal((await shared.getToken(ARM, { tenantId: 'other' }))?.token, 't4');
  });

  it('one caller giving up does not cancel the sign-in the others wait for', async () => {
    let release!: () => void;
    const shared = sharedCredential({ getToken: () => new Promise((resolve) => (release = () => resolve(token('late')))) });
    const abort = new AbortController();
    const gaveUp = shared.getToken(ARM, { abortSignal: abort.signal });
    const waits = shared.getToken(ARM);
    abort.abort();
    await assert.rejects(gaveUp, { name: 'AbortError' });
    release();
    assert.equal((await waits)?.token, 'late');
  });
});
