import type { JobNeeds } from '../failover/needs';
import type { Role, WorkspaceRef } from '../pair/pairFile';

/** ARM JSON as the REST specs show it (`properties` not flattened). */
export type Json = Record<string, unknown>;

/**
 * One ARM read: its body, or why it could not be read. `forbidden` (401/403) and `down` (the region did not answer:
 * 5xx, refused, no answer in time) make the checks that need it `unknown`; `missing` (404) is an answer.
 */
export type Read<T> = { ok: true; value: T } | { ok: false; kind: 'forbidden' | 'down' | 'missing' | 'failed'; reason: string };

/** Everything the checks read about one workspace, as ARM answered. */
export interface SideFacts {
  role: Role;
  ref: WorkspaceRef;
  workspace: Read<Json>;
  /** The workspace's default storage account (`properties.storageAccount`). */
  storage: Read<Json>;
  keyVault: Read<Json>;
  registry: Read<Json>;
  /** The registry's replications (Microsoft.ContainerRegistry/registries/replications). */
  replications: Read<Json[]>;
  appInsights: Read<Json>;
  datastores: Read<Json[]>;
  computes: Read<Json[]>;
  /** This workspace's region: VM sizes offered, usages and quotas (Microsoft.MachineLearningServices/locations/…). */
  vmSizes: Read<Json[]>;
  usages: Read<Json[]>;
  quotas: Read<Json[]>;
  onlineEndpoints: Read<Json[]>;
  /** Online deployments per endpoint name. */
  onlineDeployments: Read<Record<string, Json[]>>;
  models: Read<Json[]>;
  /** The signed-in identity's effective permissions on the workspace (Microsoft.Authorization/permissions). */
  permissions: Read<Json[]>;
  privateEndpointConnections: Read<Json[]>;
  /**
   * The environments, models, data assets and components the project's job YAMLs name, each looked up in this
   * workspace: its path under the workspace (`environments/sklearn-env/versions/2`, `models/churn` for a latest
   * reference; lower case) → its ARM id, or null when ARM answered 404.
   */
  jobAssets: Read<Record<string, string | null>>;
}

/** The project's job YAMLs (projectJobs.ts), each with what it names (src/failover/needs.ts). */
export type ProjectJobs =
  | { state: 'unavailable'; reason: string }
  | { state: 'read'; jobs: { file: string; needs: JobNeeds }[]; unreadable: string[] };

/** A workspace's recovery point as src/backup finds it: its newest verified snapshot, else its newest complete one. */
export interface RecoveryPointFacts {
  /** The snapshot folder, relative to the project when inside it. */
  place: string;
  takenAt: string;
  verified: boolean;
  /**
   * The primary's newest copy outside its region (`backup --to-storage secondary`, in the secondary's blob store):
   * read when there is a connection; absent when not read.
   */
  offRegion?: { state: 'copied'; takenAt: string; location: string } | { state: 'none' } | { state: 'unknown'; reason: string };
}

/** The project's backups (its backup folder: `backup: {dir}` of the pair file, else aml-backup/), per workspace. */
export type BackupFacts =
  | { state: 'unavailable'; reason: string }
  | { state: 'read'; dir: string; points: Record<Role, RecoveryPointFacts | undefined> };

export interface ReadinessFacts {
  primary: SideFacts;
  secondary: SideFacts;
  /** Per workload, from the pair file: `{inference: 'hot/hot', training: 'hot/cold'}`. */
  availability: Record<string, string>;
  projectJobs: ProjectJobs;
  /** The pair file's `resubmit.compute`: primary compute name → secondary compute name. */
  computeMap: Record<string, string>;
  /** Subscription locations with their metadata (pairedRegion). */
  locations: Read<Json[]>;
  /** Storage accounts of the subscription(s), to find where each datastore's account lives. */
  storageAccounts: Read<Json[]>;
  backup: BackupFacts;
  /** `amlFailover.backup.maxAgeHours` (the CLI: `--backup-max-age-hours`). */
  backupMaxAgeHours: number;
  /** ms since epoch, for the backup's age. */
  now: number;
}

export const CHECK_IDS = [
  'region-pair',
  'default-storage',
  'storage-redundancy',
  'datastore-region',
  'key-vault',
  'container-registry',
  'app-insights',
  'compute',
  'compute-instance',
  'quota',
  'assets',
  'access',
  'network',
  'backup',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

export type CheckVerdict = 'pass' | 'warn' | 'fail' | 'unknown';

/** One finding, as `readiness --json` prints it. A kind of check may appear once per resource. */
export interface ReadinessCheck {
  id: CheckId;
  verdict: CheckVerdict;
  /** Names the resources concerned; for `unknown`, says why. */
  message: string;
  /** What to do, ending with the link to the check's section of docs/readiness.md. */
  fix: string;
  /** ARM ids of the resources concerned. */
  resources: string[];
}

/** The documentation of every check (a `## <id>` section each), shipped in the .vsix. */
export const READINESS_DOC = 'docs/readiness.md';

export function docLink(id: CheckId): string {
  return `${READINESS_DOC}#${id}`;
}
