import { promises as fs } from 'node:fs';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import type { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type { CloudSetting } from './cloud';
import { fixedTrust, requireTrusted, trustedCloudsFromEnv, verifiedSandboxOrigins, type CloudTrust, type Endpoint } from './trust';
import { UserError } from '../common/errors';
import type { Logger } from '../common/logger';
import type { CredentialProvider } from './credentials';
import { defaultChainCredentials } from './defaultChain';
import { DEFAULT_RETRY, retryReason, sdkRetryOptions, type RetryListener, type RetryPolicy } from './retry';

/**
 * The product's one Azure layer: an endpoint, a CA and a credential. The same code serves real Azure and the
 * sandbox; the CA (if any) is trusted by these clients only, never process-wide.
 */
export interface AzureConnection {
  readonly cloud: CloudSetting;
  readonly credential: TokenCredential;
  /** PEM text of the extra CA to trust, when the cloud names one. */
  readonly ca?: string;
  /** Client for Microsoft.MachineLearningServices in one subscription (cached per subscription). */
  ml(subscriptionId: string): Promise<AzureMachineLearningWorkspaces>;
  /** Pipeline options every client of this connection gets: trust, user agent. */
  readonly clientOptions: { tlsOptions?: { ca: string }; userAgentOptions: { userAgentPrefix: string } };
  /**
   * Throws UntrustedEndpointError unless `endpoint` may receive this connection's credential or a secret it hands
   * out (src/azure/trust.ts). Call before building a client for any endpoint other than resourceManager.
   */
  requireTrusted(endpoint: Endpoint): Promise<void>;
  /** How every call of this connection is retried: ARM calls by the SDK's retry policy, storage calls by ours. */
  readonly retry: RetryPolicy;
  /** Tell about a retry (logged, and counted in `retries`). Storage calls of this connection call it too. */
  readonly onRetry: RetryListener;
  /** Retries made so far by calls of this connection. */
  readonly retries: number;
  /** Where storage tells what it did on the user's behalf (a sign-in fallback). */
  readonly logger?: Logger;
}

/** Where a connection's token may go and where it comes from: what every capability hands to connect(). */
export interface AzureAccess {
  /**
   * What the user trusts outside the repository (default: AML_FAILOVER_TRUSTED_CLOUDS only); the pair file alone
   * never decides where a token goes.
   */
  trust?: CloudTrust;
  /**
   * The project's one credential per cloud (shared by every capability). Default: a provider of its own over
   * @azure/identity's chain (src/azure/defaultChain.ts) — callers with a project pass the project's.
   */
  credentials?: CredentialProvider;
}

export interface ConnectOptions extends AzureAccess {
  logger: Logger;
  /** Deadline for each credential call (a credential can hang for minutes when packets are dropped). */
  credentialTimeoutMs?: number;
  /** Extra pipeline policies (e.g. per-call deadlines) appended to every ARM client. */
  additionalPolicies?: { policy: PipelinePolicy; position: 'perCall' | 'perRetry' }[];
  /** Default DEFAULT_RETRY; NO_RETRY for callers that retry on their own terms (the health probe). */
  retry?: RetryPolicy;
}

export async function connect(cloud: CloudSetting, options: ConnectOptions): Promise<AzureConnection> {
  // Decided before anything is read or built: a repository's token file is read only for an endpoint allowed to get it.
  const sandboxOrigins = cloud.tokenFile ? await verifiedSandboxOrigins(cloud) : undefined;
  const trust = options.trust ?? fixedTrust(trustedCloudsFromEnv());
  const requireEndpoint = (endpoint: Endpoint) => requireTrusted(cloud, endpoint, trust, sandboxOrigins);
  await requireEndpoint({ kind: 'resourceManager', url: cloud.resourceManager });
  // The credential sends a client secret or a federated assertion to the authority host.
  if (!cloud.tokenFile && cloud.authorityHost) await requireEndpoint({ kind: 'authorityHost', url: cloud.authorityHost });
  let ca: string | undefined;
  if (cloud.caFile) {
    try {
      ca = await fs.readFile(cloud.caFile, 'utf8');
    } catch (err) {
      throw new UserError(`Cannot read the CA file ${cloud.caFile} named in cloud.caFile: ${(err as Error).message}. Is the sandbox running?`);
    }
  }
  const credential = withDeadline(
    cloud.tokenFile ? new TokenFileCredential(cloud.tokenFile, cloud.storageTokenFile ? { file: cloud.storageTokenFile, scope: cloud.storageScope } : undefined) : (options.credentials ?? defaultChainCredentials()).credentialFor(cloud),
    options.credentialTimeoutMs ?? 15_000,
  );
  const clientOptions = { ...(ca ? { tlsOptions: { ca } } : {}), userAgentOptions: { userAgentPrefix: 'aml-failover' } };
  const clients = new Map<string, Promise<AzureMachineLearningWorkspaces>>();
  const retry = options.retry ?? DEFAULT_RETRY;
  let retries = 0;
  const onRetry: RetryListener = (err, attempt, waitMs, what) => {
    retries++;
    options.logger.warn(`${what ? `${what}: ` : ''}${retryReason(err)} — retry ${attempt} in ${waitMs} ms.`);
  };
  return {
    cloud,
    credential,
    ca,
    clientOptions,
    requireTrusted: requireEndpoint,
    retry,
    onRetry,
    logger: options.logger,
    get retries() {
      return retries;
    },
    ml(subscriptionId) {
      let client = clients.get(subscriptionId);
      if (!client) {
        client = import('./azureSdk').then((sdk) => {
          // The SDK's own retry policy, with our strategy: the same decisions as storage calls and downloads, and an
          // answer cut part-way is retried too (the default strategies would give up on it).
          const withRetries = sdkRetryOptions(sdk.retryPolicy, retry, onRetry);
          return new sdk.AzureMachineLearningWorkspaces(credential, subscriptionId, {
            ...clientOptions,
            endpoint: cloud.resourceManager,
            credentialScopes: [cloud.armScope],
            retryOptions: withRetries.retryOptions,
            additionalPolicies: [...withRetries.additionalPolicies, ...(options.additionalPolicies ?? [])],
          });
        });
        clients.set(subscriptionId, client);
      }
      return client;
    },
  };
}

/**
 * A bearer token kept in a file (the sandbox writes one); read on each call so a restarted sandbox is picked up. With
 * `storage`, a token asked for the storage scope comes from that file instead (cloud.storageTokenFile).
 */
export class TokenFileCredential implements TokenCredential {
  constructor(
    private readonly file: string,
    private readonly storage?: { file: string; scope: string },
  ) {}
  async getToken(scopes: string | string[]): Promise<AccessToken> {
    const asked = typeof scopes === 'string' ? [scopes] : scopes;
    const file = this.storage && asked.includes(this.storage.scope) ? this.storage.file : this.file;
    let token: string;
    try {
      token = (await fs.readFile(file, 'utf8')).trim();
    } catch (err) {
      throw new UserError(`Cannot read the token file ${file}: ${(err as Error).message}. Is the sandbox running?`);
    }
    return { token, expiresOnTimestamp: Date.now() + 3_600_000 };
  }
}

/** Sign-in failures surface as errors with name CredentialTimeoutError / the credential's own error. */
function withDeadline(inner: TokenCredential, ms: number): TokenCredential {
  return {
    async getToken(scopes, opts) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const err = new Error(`Signing in to Azure took longer than ${ms / 1000} s.`);
          err.name = 'CredentialUnavailableError';
          reject(err);
        }, ms);
      });
      try {
        return await Promise.race([inner.getToken(scopes, opts), deadline]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
