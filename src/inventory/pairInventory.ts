import type { AzureConnection } from '../azure/connection';
import type { Logger } from '../common/logger';
import { withDeadline } from '../health/deadline';
import type { PairConfig, Role } from '../pair/pairFile';
import type { InventorySection, WorkspaceInventory } from './inventory';
import { listInventory } from './listInventory';
import { shareNotebookLister } from './notebooks';

export interface PairListOptions {
  signal?: AbortSignal;
  logger: Logger;
  /** A region that accepts connections and never answers must not keep the listing waiting forever. */
  timeoutMs?: number;
  sections?: readonly InventorySection[];
  /** List the studio's notebook checkpoints and temp files too (skipped by default). */
  includeCheckpoints?: boolean;
}

export const DEFAULT_LIST_TIMEOUT_MS = 30_000;

/** One workspace's inventory under a deadline; notebooks from its file share. */
export function listWorkspaceInventory(connection: AzureConnection, pair: PairConfig, role: Role, options: PairListOptions): Promise<WorkspaceInventory> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_LIST_TIMEOUT_MS;
  return withDeadline(
    timeoutMs,
    `Listing the ${role} workspace`,
    (signal) => listInventory(connection, role, pair.workspaces[role], { signal, sections: options.sections, listNotebooks: shareNotebookLister(connection, pair.workspaces[role], options.logger, { includeCheckpoints: options.includeCheckpoints }) }),
    options.signal,
  );
}

/** Both inventories, listed at the same time. */
export async function listPairInventories(connection: AzureConnection, pair: PairConfig, options: PairListOptions): Promise<Record<Role, WorkspaceInventory>> {
  const [primary, secondary] = await Promise.all([listWorkspaceInventory(connection, pair, 'primary', options), listWorkspaceInventory(connection, pair, 'secondary', options)]);
  return { primary, secondary };
}
