// Model, environment and data versions made in a workspace after a moment (systemData.createdAt), for fail back.
import type { AzureConnection } from '../azure/connection';
import type { WorkspaceRef } from '../pair/pairFile';
import type { NewVersion } from './failback';

export async function newVersionsSince(conn: AzureConnection, ws: WorkspaceRef, since: string, signal: AbortSignal): Promise<NewVersion[]> {
  const ml = await conn.ml(ws.subscription_id);
  const after = Date.parse(since);
  const out: NewVersion[] = [];
  const newer = (createdAt: Date | undefined) => createdAt !== undefined && createdAt.getTime() > after;
  const o = { abortSignal: signal };
  for await (const c of ml.modelContainers.list(ws.resource_group, ws.workspace_name, o)) {
    for await (const v of ml.modelVersions.list(ws.resource_group, ws.workspace_name, c.name!, o)) {
      if (newer(v.systemData?.createdAt)) out.push({ kind: 'model', name: c.name!, version: v.name!, createdAt: v.systemData!.createdAt!.toISOString() });
    }
  }
  for await (const c of ml.environmentContainers.list(ws.resource_group, ws.workspace_name, o)) {
    for await (const v of ml.environmentVersions.list(ws.resource_group, ws.workspace_name, c.name!, o)) {
      if (newer(v.systemData?.createdAt)) out.push({ kind: 'environment', name: c.name!, version: v.name!, createdAt: v.systemData!.createdAt!.toISOString() });
    }
  }
  for await (const c of ml.dataContainers.list(ws.resource_group, ws.workspace_name, o)) {
    for await (const v of ml.dataVersions.list(ws.resource_group, ws.workspace_name, c.name!, o)) {
      if (newer(v.systemData?.createdAt)) out.push({ kind: 'data', name: c.name!, version: v.name!, createdAt: v.systemData!.createdAt!.toISOString() });
    }
  }
  return out;
}
