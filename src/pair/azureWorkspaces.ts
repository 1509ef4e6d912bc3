import type { AzureConnection } from '../azure/connection';
import type { WorkspaceRef } from './pairFile';

/**
 * The Azure ML workspaces of a subscription, as pair-file entries (the region comes from the workspace's
 * location), sorted by name. Hub/project kinds are listed too: they are workspaces the SDK can use.
 */
export async function listWorkspaces(connection: AzureConnection, subscriptionId: string, signal?: AbortSignal): Promise<WorkspaceRef[]> {
  const client = await connection.ml(subscriptionId);
  const out: WorkspaceRef[] = [];
  for await (const ws of client.workspaces.listBySubscription({ abortSignal: signal })) {
    signal?.throwIfAborted();
    const group = /\/resourceGroups\/([^/]+)\//i.exec(ws.id ?? '')?.[1];
    if (!ws.name || !group) continue;
    out.push({
      subscription_id: subscriptionId,
      resource_group: group,
      workspace_name: ws.name,
      region: (ws.location ?? '').toLowerCase().replace(/\s+/g, ''),
    });
  }
  return out.sort((a, b) => a.workspace_name.localeCompare(b.workspace_name) || a.resource_group.localeCompare(b.resource_group));
}
