import type { Role, WorkspaceRef } from '../pair/pairFile';

/** What one workspace holds, as listed from ARM and its file share. Plain data: the tree, drift and the CLI read it. */
export interface ModelAsset {
  name: string;
  /** Version strings, newest first (numeric when they are numbers). */
  versions: string[];
}

export interface EnvironmentAsset {
  name: string;
  versions: string[];
}

export interface ComputeAsset {
  name: string;
  /** AmlCompute, ComputeInstance, Kubernetes, … */
  type: string;
  /** provisioningState, or the instance state when the service reports one (Running, Stopped, …). */
  state: string;
  vmSize?: string;
}

export interface DatastoreAsset {
  name: string;
  /** AzureBlob, AzureFile, … */
  type: string;
  accountName?: string;
  /** Container (blob) or share (file). */
  location?: string;
  isDefault?: boolean;
}

export interface JobAsset {
  name: string;
  displayName?: string;
  status: string;
  type: string;
  experimentName?: string;
  /** ms since epoch, when the service says. */
  createdAt?: number;
}

export interface NotebookFile {
  /** Path in the share, '/'-separated, e.g. Users/alice/train.ipynb */
  path: string;
  size: number;
}

export type InventorySection = 'models' | 'environments' | 'computes' | 'datastores' | 'jobs' | 'notebooks';
export const INVENTORY_SECTIONS: readonly InventorySection[] = ['models', 'environments', 'computes', 'datastores', 'jobs', 'notebooks'];

export interface WorkspaceInventory {
  role: Role;
  workspace: WorkspaceRef;
  /** When the listing finished (ms since epoch): the "as of" time. */
  fetchedAt: number;
  models: ModelAsset[];
  environments: EnvironmentAsset[];
  computes: ComputeAsset[];
  datastores: DatastoreAsset[];
  jobs: JobAsset[];
  notebooks: NotebookFile[];
  /** Sections that could not be listed, with why; their arrays are empty and drift skips them. */
  problems: Partial<Record<InventorySection, string>>;
}

const TERMINAL_JOB_STATES = new Set(['Completed', 'Failed', 'Canceled', 'NotResponding', 'Paused']);

export function isJobRunning(job: JobAsset): boolean {
  return !TERMINAL_JOB_STATES.has(job.status);
}

/** Running jobs first, then the newest; at most `limit`. */
export function recentJobs(jobs: readonly JobAsset[], limit = 20): JobAsset[] {
  return [...jobs]
    .sort((a, b) => Number(isJobRunning(b)) - Number(isJobRunning(a)) || (b.createdAt ?? 0) - (a.createdAt ?? 0) || a.name.localeCompare(b.name))
    .slice(0, limit);
}

/** Sorts version strings newest first: numbers numerically, others after them by text. */
export function sortVersions(versions: Iterable<string>): string[] {
  return [...new Set(versions)].sort((a, b) => {
    const na = Number(a);
    const nb = Number(b);
    const an = a.trim() !== '' && Number.isFinite(na);
    const bn = b.trim() !== '' && Number.isFinite(nb);
    if (an && bn) return nb - na;
    if (an !== bn) return an ? -1 : 1;
    return b.localeCompare(a, undefined, { numeric: true });
  });
}

/**
 * A name from the service made safe to print: control characters (which could garble a tree row or drive a
 * terminal) become U+FFFD. Everything else is kept as the service spelled it.
 */
export function printableName(name: string): string {
  return name.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\uFFFD');
}
