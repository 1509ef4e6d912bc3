// The CLI's and CI's sign-in: @azure/identity's DefaultAzureCredential chain (environment, workload identity, managed
// identity, Visual Studio Code, Azure CLI, Azure PowerShell, Azure Developer CLI), narrowed by AZURE_TOKEN_CREDENTIALS
// exactly as @azure/identity narrows it, but each way under a deadline of its own (a managed-identity probe or a
// stuck `az` never holds the others up) and, when none works, one message naming each way and why it failed.
// The broker credential of DefaultAzureCredential needs a plugin this product does not ship: it is not tried.
import type { TokenCredential } from '@azure/core-auth';
import { UserError } from '../common/errors';
import type { CloudSetting } from './cloud';
import { credentialProvider, sharedCredential, SignInChain, type CredentialProvider, type SignInAttempt } from './credentials';

type Sdk = typeof import('./azureSdk');

const PROD = ['EnvironmentCredential', 'WorkloadIdentityCredential', 'ManagedIdentityCredential'] as const;
const DEV = ['VisualStudioCodeCredential', 'AzureCliCredential', 'AzurePowerShellCredential', 'AzureDeveloperCliCredential'] as const;
export type ChainCredentialName = (typeof PROD)[number] | (typeof DEV)[number];
const ALL: readonly ChainCredentialName[] = [...PROD, ...DEV];

/**
 * The ways DefaultAzureCredential tries under AZURE_TOKEN_CREDENTIALS: unset → all; `prod`, `dev`, or one
 * credential's name (case-insensitive, trimmed). Anything else is refused, as @azure/identity refuses it.
 */
export function chainNames(env: NodeJS.ProcessEnv = process.env): readonly ChainCredentialName[] {
  const raw = env.AZURE_TOKEN_CREDENTIALS?.trim();
  if (!raw) return ALL;
  const value = raw.toLowerCase();
  if (value === 'prod') return PROD;
  if (value === 'dev') return DEV;
  const one = ALL.find((n) => n.toLowerCase() === value);
  if (one) return [one];
  throw new UserError(`Invalid value for AZURE_TOKEN_CREDENTIALS = ${env.AZURE_TOKEN_CREDENTIALS}. Valid values are 'prod' or 'dev' or any of these credentials - ${ALL.join(', ')}.`, 'usage');
}

/** Deadlines per way: a token endpoint over the network, a local process, or the managed-identity probe. */
export interface ChainDeadlines {
  /** Environment and workload identity (a request to the authority). Default 20 s. */
  network: number;
  /** Managed identity (a probe of the instance metadata endpoint, then its answer). Default 5 s. */
  managedIdentity: number;
  /** Developer tools run as processes (az, azd, pwsh). Default 15 s. */
  tool: number;
}

export const DEFAULT_CHAIN_DEADLINES: ChainDeadlines = { network: 20_000, managedIdentity: 5_000, tool: 15_000 };

/** The ways to try for `cloud`, in DefaultAzureCredential's order, built from the loaded SDK. */
export function chainAttempts(sdk: Sdk, cloud: CloudSetting, env: NodeJS.ProcessEnv, deadlines: ChainDeadlines): SignInAttempt[] {
  const common = { authorityHost: cloud.authorityHost };
  const clientId = env.AZURE_CLIENT_ID;
  const tenantId = env.AZURE_TENANT_ID;
  const build: Record<ChainCredentialName, () => TokenCredential> = {
    EnvironmentCredential: () => new sdk.EnvironmentCredential(common),
    WorkloadIdentityCredential: () => {
      if (!env.AZURE_FEDERATED_TOKEN_FILE || !clientId || !tenantId) throw new Error('not configured (AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID and AZURE_TENANT_ID are not all set)');
      return new sdk.WorkloadIdentityCredential({ ...common, tenantId, clientId, tokenFilePath: env.AZURE_FEDERATED_TOKEN_FILE });
    },
    ManagedIdentityCredential: () =>
      clientId ? new sdk.ManagedIdentityCredential({ ...common, clientId, retryOptions: { maxRetries: 1 } }) : new sdk.ManagedIdentityCredential({ ...common, retryOptions: { maxRetries: 1 } }),
    VisualStudioCodeCredential: () => new sdk.VisualStudioCodeCredential(common),
    AzureCliCredential: () => new sdk.AzureCliCredential({ processTimeoutInMs: deadlines.tool }),
    AzurePowerShellCredential: () => new sdk.AzurePowerShellCredential({ processTimeoutInMs: deadlines.tool }),
    AzureDeveloperCliCredential: () => new sdk.AzureDeveloperCliCredential({ processTimeoutInMs: deadlines.tool }),
  };
  const deadline = (name: ChainCredentialName) =>
    name === 'ManagedIdentityCredential' ? deadlines.managedIdentity : (PROD as readonly string[]).includes(name) ? deadlines.network : deadlines.tool;
  return chainNames(env).map((name) => ({ name, deadlineMs: deadline(name), create: build[name] }));
}

/**
 * The message when no way worked, on one line (status and drift show it as a reason): each way with its reason,
 * then what the user can do.
 */
export function noSignInMessage(cloud: CloudSetting, tried: { name: string; reason: string }[], env: NodeJS.ProcessEnv = process.env): string {
  const restricted = env.AZURE_TOKEN_CREDENTIALS?.trim() ? ` (AZURE_TOKEN_CREDENTIALS=${env.AZURE_TOKEN_CREDENTIALS.trim()})` : '';
  const each = tried.map((t) => `${t.name}: ${t.reason.replace(/\s*\n\s*/g, ' ').replace(/\.$/, '')}`);
  const azCloud = cloud.name !== 'AzureCloud' && cloud.authorityHost ? ` (after \`az cloud set --name ${cloud.name}\`)` : '';
  return (
    `Could not sign in to Azure (${cloud.name}). Tried${restricted}: ${each.join('; ')}. ` +
    `Sign in with \`az login\`${azCloud} or \`azd auth login\`, or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET for a service principal.`
  );
}

/** The chain for one cloud, loading @azure/identity on its first sign-in. */
function chainFor(cloud: CloudSetting, env: NodeJS.ProcessEnv, deadlines: ChainDeadlines): TokenCredential {
  let chain: Promise<SignInChain> | undefined;
  return {
    async getToken(scopes, options) {
      chain ??= import('./azureSdk').then((sdk) => new SignInChain(chainAttempts(sdk, cloud, env, deadlines), (tried) => noSignInMessage(cloud, tried, env)));
      return (await chain).getToken(scopes, options);
    },
  };
}

/** The CLI's one credential per cloud: the chain above, signed in once per scope and shared by every command's client. */
export function defaultChainCredentials(options: { env?: NodeJS.ProcessEnv; deadlines?: Partial<ChainDeadlines> } = {}): CredentialProvider {
  const env = options.env ?? process.env;
  const deadlines = { ...DEFAULT_CHAIN_DEADLINES, ...options.deadlines };
  return credentialProvider((cloud) => sharedCredential(chainFor(cloud, env, deadlines)));
}
