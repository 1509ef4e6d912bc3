// Pre-flight, the pure part: given what each job needs (needs.ts), what the target holds, how computes map and what
// can still be brought across (replicated from a source that answers, or restored from a backup), say per job what
// is there, what will be copied, and what is missing — before anything changes.
import { assetLabel, type AssetNeed, type JobNeeds } from './needs';

export type NeedKind = 'compute' | 'environment' | 'model' | 'data' | 'component' | 'datastore';

export type NeedStatus = 'present' | 'mapped' | 'will-copy' | 'missing' | 'unchecked';

export interface NeedCheck {
  kind: NeedKind;
  /** As the job names it (name or name:version). */
  name: string;
  status: NeedStatus;
  /** For `mapped`: the target's compute; for `missing`/`unchecked`: why; for `will-copy`: from where. */
  note?: string;
}

export interface TargetHoldings {
  /** Compute names (lower case) → type (AmlCompute, ComputeInstance, …). */
  computes: Map<string, string>;
  /** `name` and `name:version`, lower case. */
  environments: Set<string>;
  models: Set<string>;
  data: Set<string>;
  components: Set<string>;
  /** Datastore names (lower case) → storage account. */
  datastores: Map<string, string | undefined>;
}

export interface Copyable {
  /** Where copies come from, for the report: 'the source workspace' or 'backup 2026-…'. */
  from: string;
  environments: Set<string>;
  models: Set<string>;
  /** Named components whose definition comes with the job (the submit path creates them in the target). */
  components?: Set<string>;
}

export interface JobCheck {
  job: string;
  checks: NeedCheck[];
  /** True when something the job needs is neither there nor can be brought: it will not be submitted. */
  blocked: boolean;
}

export function emptyHoldings(): TargetHoldings {
  return { computes: new Map(), environments: new Set(), models: new Set(), data: new Set(), components: new Set(), datastores: new Map() };
}

/** Computes are mapped by name unless `computeMap` (the pair file's `resubmit: {compute: …}`) says otherwise. */
export function mapCompute(name: string, computeMap: Readonly<Record<string, string>>): string {
  const hit = Object.entries(computeMap).find(([from]) => from.toLowerCase() === name.toLowerCase());
  return hit ? hit[1] : name;
}

export function checkJob(job: string, needs: JobNeeds, target: TargetHoldings, computeMap: Readonly<Record<string, string>>, copyable?: Copyable): JobCheck {
  const checks: NeedCheck[] = [];
  for (const c of needs.computes) {
    const mapped = mapCompute(c, computeMap);
    const has = target.computes.has(mapped.toLowerCase());
    const differs = mapped.toLowerCase() !== c.toLowerCase();
    checks.push({
      kind: 'compute',
      name: c,
      status: has ? (differs ? 'mapped' : 'present') : 'missing',
      note: has ? (differs ? mapped : undefined) : differs ? `the pair file maps it to ${mapped}, which the target does not have` : 'the target has no compute of that name; map it in aml-failover.yaml (resubmit: {compute: {' + c + ': <target compute>}})',
    });
  }
  const asset = (kind: NeedKind, list: AssetNeed[], have: Set<string>, canCopy?: Set<string>) => {
    for (const a of list) {
      const label = assetLabel(a);
      if (have.has(label.toLowerCase())) checks.push({ kind, name: label, status: 'present' });
      else if (canCopy?.has(label.toLowerCase())) checks.push({ kind, name: label, status: 'will-copy', note: copyable!.from });
      else checks.push({ kind, name: label, status: 'missing', note: canCopy ? `not in the target and not in ${copyable!.from}` : 'not in the target' });
    }
  };
  asset('environment', needs.environments, target.environments, copyable?.environments);
  asset('model', needs.models, target.models, copyable?.models);
  asset('data', needs.data, target.data);
  asset('component', needs.components, target.components, copyable?.components);
  for (const d of needs.datastores) {
    checks.push(target.datastores.has(d.toLowerCase()) ? { kind: 'datastore', name: d, status: 'present' } : { kind: 'datastore', name: d, status: 'missing', note: 'the target has no datastore of that name' });
  }
  return { job, checks, blocked: checks.some((c) => c.status === 'missing') };
}

/** One line per job: `train_x: compute gpu-cluster → cpu-cluster, environment pytorch-env:1 (will copy), …`. */
export function describeCheck(c: JobCheck, blockedNote = ' — will not be submitted'): string {
  const parts = c.checks.map((n) => {
    const what = `${n.kind} ${n.name}`;
    if (n.status === 'present') return `${what} ✓`;
    if (n.status === 'mapped') return `${what} → ${n.note} ✓`;
    if (n.status === 'will-copy') return `${what} (will copy from ${n.note})`;
    if (n.status === 'unchecked') return `${what} (not checked: ${n.note})`;
    return `${what} MISSING (${n.note})`;
  });
  return `${c.job}: ${parts.join(', ') || 'needs nothing from the workspace'}${c.blocked ? blockedNote : ''}`;
}

/** Storage reachability: datastores whose account lives in the region that is down. */
export interface StorageFinding {
  datastore: string;
  account: string;
  /** The read-access secondary endpoint, when the account has one (RA-GRS / RA-GZRS). */
  readAccessSecondary?: string;
  /** ARM did not describe the account: it is known to be the source's only from the backup's record. */
  fromBackup?: boolean;
}

/** A storage account as ARM describes it (location, sku, `secondaryEndpoints.blob`). */
export interface StorageAccountFacts {
  location: string;
  sku: string;
  secondaryBlob?: string;
}

/** The facts of one `Microsoft.Storage/storageAccounts` resource as ARM lists it, keyed by its lower-case name. */
export function storageAccountFacts(account: Record<string, unknown>): [string, StorageAccountFacts] | undefined {
  const props = (account.properties ?? {}) as { secondaryEndpoints?: { blob?: string } };
  if (typeof account.name !== 'string' || typeof account.location !== 'string') return undefined;
  return [account.name.toLowerCase(), { location: account.location, sku: String((account.sku as { name?: string } | undefined)?.name ?? ''), secondaryBlob: props.secondaryEndpoints?.blob }];
}

const region = (s: string) => s.toLowerCase().replace(/\s/g, '');

/**
 * The datastores whose storage account lives in `downRegion`: by the account's location where ARM described it, else
 * (the account could not be read) when the backup recorded it as one of the source workspace's own. A read-access
 * account (RA-GRS, RA-GZRS) is named with its secondary blob endpoint, which stays readable while its region is down.
 */
export function storageFindings(datastores: { datastore: string; account?: string }[], accounts: ReadonlyMap<string, StorageAccountFacts>, downRegion: string, sourceAccounts: readonly string[] = []): StorageFinding[] {
  const recorded = new Set(sourceAccounts.map((a) => a.toLowerCase()));
  const out: StorageFinding[] = [];
  for (const { datastore, account } of datastores) {
    if (!account) continue;
    const facts = accounts.get(account.toLowerCase());
    const down = facts ? region(facts.location) === region(downRegion) : recorded.has(account.toLowerCase());
    if (!down) continue;
    const readAccess = facts && /_RA(G|GZ)RS$/i.test(facts.sku) ? facts.secondaryBlob : undefined;
    out.push({ datastore, account, ...(readAccess ? { readAccessSecondary: readAccess } : {}), ...(facts ? {} : { fromBackup: true }) });
  }
  return out;
}

export function describeStorage(f: StorageFinding, downRegion: string): string {
  const where = f.fromBackup ? `is the source workspace's (as its backup records; ARM did not describe it), in ${downRegion}` : `lives in ${downRegion}`;
  const secondary = f.readAccessSecondary ? `; read from its read-access secondary endpoint ${f.readAccessSecondary}` : f.fromBackup ? '; whether it has a read-access secondary endpoint is unknown' : '; it has no read-access secondary endpoint';
  return `datastore ${f.datastore}: its storage account ${f.account} ${where}, which is down${secondary}`;
}
