import type * as vscode from 'vscode';
import type { FailoverTreeApi, FailoverTreeNode } from '../../view/contributions';

export interface TreeRow {
  label: string;
  description?: string;
  depth: number;
}

/**
 * The rows the Failover tree gives VS Code, read through its TreeDataProvider: the root and one level below the
 * Primary/Secondary nodes that are already loaded. For the VS Code test suite and troubleshooting.
 */
export async function treeSnapshot(tree: FailoverTreeApi, depth = 1): Promise<TreeRow[]> {
  const provider = tree as unknown as Partial<vscode.TreeDataProvider<FailoverTreeNode>>;
  if (!provider.getChildren || !provider.getTreeItem) return [];
  const rows: TreeRow[] = [];
  const walk = async (parent: FailoverTreeNode | undefined, level: number) => {
    const children = (await provider.getChildren!(parent)) ?? [];
    for (const child of children) {
      const item = await provider.getTreeItem!(child);
      const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
      rows.push({ label, description: typeof item.description === 'string' ? item.description : undefined, depth: level });
      if (level < depth && child.kind === 'workspace') await walk(child, level + 1);
    }
  };
  await walk(undefined, 0);
  return rows;
}
