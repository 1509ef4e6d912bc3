// The environment every test, bench and demo process runs the product with: DefaultAzureCredential restricted so
// that no credential can reach beyond loopback. @azure/identity 4.13 reads AZURE_TOKEN_CREDENTIALS when the
// credential is built: a single credential name keeps only that one in the chain. EnvironmentCredential with its
// variables removed is unavailable without a request: no managed-identity probe of 169.254.169.254, no Azure CLI,
// PowerShell or azd process, no sign-in endpoint. A test that needs a real token sets a chain of its own on top
// (e.g. AzureCliCredential with a fake `az` first on PATH). The lists live in credentialEnv.json, which
// scripts/test.mjs applies to every test stage as well.
import settings from './credentialEnv.json';

/** Variables through which a credential could sign in somewhere or find a machine identity, or trust an endpoint. */
export const CREDENTIAL_VARIABLES: readonly string[] = settings.remove;

/** The one credential left in DefaultAzureCredential's chain for tests. */
export const TEST_TOKEN_CREDENTIALS: string = settings.tokenCredentials;

/** `base` without credential variables, DefaultAzureCredential restricted, then `extra` on top. */
export function loopbackCredentialEnv(base: NodeJS.ProcessEnv = process.env, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const name of CREDENTIAL_VARIABLES) delete env[name];
  env.AZURE_TOKEN_CREDENTIALS = TEST_TOKEN_CREDENTIALS;
  return { ...env, ...extra };
}

/** Restricts this process's own DefaultAzureCredential (tests that build product connections in process). */
export function restrictCredentialsInProcess(): void {
  for (const name of CREDENTIAL_VARIABLES) delete process.env[name];
  process.env.AZURE_TOKEN_CREDENTIALS = TEST_TOKEN_CREDENTIALS;
}
