import { connect, type AzureAccess, type AzureConnection } from '../azure/connection';
import type { Logger } from '../common/logger';
import { listInventory } from '../inventory/listInventory';
import type { PairConfig } from '../pair/pairFile';
import { holdingsOf, type FetchHoldings } from './remote';
import { QUICK_RETRY, type RetryPolicy } from '../azure/retry';

/** How long one workspace's listing may take before the remote check gives up on it for this round. */
const LIST_DEADLINE_MS = 30_000;

/**
 * Lists what each workspace of the pair holds through the one Azure layer (ml client list calls). The editor keeps
 * the quick default (its cache refreshes in the background); a CLI run answers once, so it passes the full budget.
 */
export function azureHoldings(config: PairConfig, logger: Logger, access: AzureAccess = {}, retry: RetryPolicy = QUICK_RETRY): FetchHoldings {
  let connection: Promise<AzureConnection> | undefined;
  return async (role, signal) => {
    connection ??= connect(config.cloud, { logger, ...access, credentialTimeoutMs: 10_000, retry });
    let conn: AzureConnection;
    try {
      conn = await connection;
    } catch (err) {
      connection = undefined;
      throw err;
    }
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(LIST_DEADLINE_MS)]);
    const sections = ['models', 'environments', 'computes', 'datastores'] as const;
    const inventory = await listInventory(conn, role, config.workspaces[role], { sections: [...sections], signal: deadline });
    // Nothing could be listed: the workspace is unreachable, and the cache keeps its last known answer.
    const problems = sections.map((s) => inventory.problems[s]);
    if (problems.every(Boolean)) throw new Error(problems[0]);
    return holdingsOf(inventory);
  };
}
