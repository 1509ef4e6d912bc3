import { connect, type AzureAccess, type AzureConnection } from '../azure/connection';
import type { Logger } from '../common/logger';
import { ROLES, type PairConfig } from '../pair/pairFile';
import { azureWorkspaceEndpoints, tokenKeeper } from './azureProbes';
import { DEFAULT_HEALTH_SETTINGS, HealthMonitor, type HealthSettings } from './monitor';
import { NO_RETRY } from '../azure/retry';

/**
 * A connection made for probing: no pipeline retries (the probe retries within its own budget, so a throttled or
 * failing region never holds a probe longer than its deadline).
 */
export function connectForProbes(pair: PairConfig, logger: Logger, access: AzureAccess = {}): Promise<AzureConnection> {
  return connect(pair.cloud, { logger, ...access, retry: NO_RETRY, credentialTimeoutMs: 15_000 });
}

/** A monitor of both workspaces of the pair through one connection. */
export function monitorPair(pair: PairConfig, connection: AzureConnection, logger: Logger, settings: HealthSettings = DEFAULT_HEALTH_SETTINGS): HealthMonitor {
  const signIn = tokenKeeper(connection);
  return new HealthMonitor(
    ROLES.map((role) => ({ role, region: pair.workspaces[role].region, endpoints: azureWorkspaceEndpoints(connection, pair.workspaces[role], signIn) })),
    settings,
    logger,
  );
}

/** Identifies what a connection and a monitor depend on (the workspaces and the cloud), to notice when it changes. */
export function pairIdentity(pair: PairConfig): string {
  return JSON.stringify({ w: pair.workspaces, c: pair.cloud });
}
