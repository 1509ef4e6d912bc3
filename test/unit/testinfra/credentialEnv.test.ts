// The test environment keeps DefaultAzureCredential on loopback (test/support/credentialEnv.ts), and every launcher
// of the product in tests, benches and the demo applies it. The integration check that nothing is tried is
// test/integration/trust/loopbackOnly.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { DefaultAzureCredential, EnvironmentCredential } from '@azure/identity';
import { CREDENTIAL_VARIABLES, loopbackCredentialEnv } from '../../support/credentialEnv';

const REPO = path.resolve(import.meta.dirname, '../../..');

test('the test environment drops every credential variable and restricts the chain', () => {
  const base = Object.fromEntries(CREDENTIAL_VARIABLES.map((v) => [v, 'x']));
  const env = loopbackCredentialEnv({ ...base, PATH: '/bin' });
  assert.deepEqual(env, { PATH: '/bin', AZURE_TOKEN_CREDENTIALS: 'EnvironmentCredential' });
});

test('@azure/identity builds a chain of the EnvironmentCredential alone under it (AZURE_TOKEN_CREDENTIALS semantics)', () => {
  const saved = { ...process.env };
  try {
    for (const k of Object.keys(process.env)) delete process.env[k];
    Object.assign(process.env, loopbackCredentialEnv(saved));
    const chain = (new DefaultAzureCredential() as unknown as { _sources: object[] })._sources;
    assert.equal(chain.length, 1);
    assert.ok(chain[0] instanceof EnvironmentCredential);
  } finally {
    for (const k of Object.keys(process.env)) delete process.env[k];
    Object.assign(process.env, saved);
  }
});

test('every launcher of the product in tests, benches and the demo applies it', () => {
  const uses = (file: string, pattern: RegExp) => assert.match(readFileSync(path.join(REPO, file), 'utf8'), pattern, file);
  uses('test/support/sandbox.ts', /restrictCredentialsInProcess\(\);[\s\S]*env: loopbackCredentialEnv\(\)/);
  uses('test/support/codeServer.ts', /\.\.\.loopbackCredentialEnv\(\)/);
  uses('bench/run.ts', /restrictCredentialsInProcess\(\)/);
  uses('scripts/test.mjs', /env: \{ \.\.\.testEnv\(\)/);
  uses('scripts/demo.ts', /from '\.\.\/test\/support\/(sandbox|codeServer)'/);
});
