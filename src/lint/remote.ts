import type { Logger } from '../common/logger';
import { errorMessage } from '../common/errors';
import type { WorkspaceInventory } from '../inventory/inventory';
import type { Role } from '../pair/pairFile';
import type { RawFinding } from './findings';
import { SHORT_MESSAGE_MAX } from './report';
import type { PortableReference } from './types';

/**
 * The remote check: portable references that will not survive a failover because what they name exists in the
 * active workspace but not in the other one. Pure over what each workspace holds; {@link RemoteHoldings} keeps that
 * fresh in the background so linting never waits for the network.
 */

type Section = 'models' | 'environments' | 'computes' | 'datastores';
export const SECTIONS: readonly Section[] = ['models', 'environments', 'computes', 'datastores'];

/** A datastore and the storage it points at (blob container or file share). */
export interface StoreOf {
  datastore: string;
  account: string;
  container?: string;
}

export interface Holdings {
  workspace: string;
  /** Sections listed successfully; the others are unknown and never produce a finding. */
  known: Set<Section>;
  models: Map<string, Set<string>>;
  environments: Map<string, Set<string>>;
  computes: Set<string>;
  datastores: StoreOf[];
  /** When this listing was made. */
  fetchedAt: number;
  /** Set when the latest listing failed (why): these holdings are the last known ones, from `fetchedAt`. */
  unreachable?: string;
}

export function holdingsOf(inventory: WorkspaceInventory): Holdings {
  const versions = (assets: { name: string; versions: string[] }[]) => new Map(assets.map((a) => [a.name.toLowerCase(), new Set(a.versions)]));
  return {
    workspace: inventory.workspace.workspace_name,
    known: new Set(SECTIONS.filter((s) => !inventory.problems[s])),
    models: versions(inventory.models),
    environments: versions(inventory.environments),
    computes: new Set(inventory.computes.map((c) => c.name.toLowerCase())),
    datastores: inventory.datastores.filter((d) => d.accountName).map((d) => ({ datastore: d.name, account: d.accountName!.toLowerCase(), container: d.location })),
    fetchedAt: inventory.fetchedAt,
  };
}

function has(h: Holdings, ref: PortableReference): boolean | undefined {
  if (ref.kind === 'compute') return h.known.has('computes') ? h.computes.has(ref.name.toLowerCase()) : undefined;
  const section = ref.assetType === 'models' ? 'models' : ref.assetType === 'environments' ? 'environments' : undefined;
  if (!section || !h.known.has(section)) return undefined;
  const versions = h[section].get(ref.name.toLowerCase());
  if (!versions) return false;
  return ref.version === undefined || versions.has(ref.version);
}

const WHAT = { models: 'model', environments: 'environment' } as const;

/**
 * Findings for references to what one workspace of the pair holds and the other lacks: from the active side it will
 * not resolve after a failover; from the other side (after a switch) it does not resolve now. Silent when unknown.
 * A side whose latest listing failed answers from its last known listing, and the message says so.
 */
export function remoteFindings(
  portable: readonly PortableReference[],
  active: Role,
  holdings: Partial<Record<Role, Holdings>>,
  timeOf: (ms: number) => string = (ms) => new Date(ms).toLocaleTimeString(),
): RawFinding[] {
  const otherRole: Role = active === 'primary' ? 'secondary' : 'primary';
  const here = holdings[active];
  const there = holdings[otherRole];
  if (!here || !there) return [];
  const both = { [active]: here, [otherRole]: there } as Record<Role, Holdings>;
  const lastKnown = lastKnownNote([here, there], timeOf);
  const out: RawFinding[] = [];
  for (const ref of portable) {
    if (ref.kind === 'storage-url') {
      const hit = storageFinding(ref, both);
      if (hit) out.push(hit);
      continue;
    }
    const inActive = has(here, ref);
    const inOther = has(there, ref);
    const holder: Role | undefined = inActive === true && inOther === false ? active : inActive === false && inOther === true ? otherRole : undefined;
    if (!holder) continue;
    const lacker: Role = holder === 'primary' ? 'secondary' : 'primary';
    const what =
      ref.kind === 'compute'
        ? `Compute ${ref.name}`
        : `${WHAT[ref.assetType as 'models' | 'environments']} ${ref.name}${ref.version ? ` version ${ref.version}` : ''}`;
    const fix = ref.kind === 'compute' ? `create a compute named ${ref.name} there` : 'replicate it there (AML Failover: Replicate)';
    const effect = holder === active ? 'this reference will not resolve after a failover' : `the ${lacker} is the active workspace, so this reference does not resolve now`;
    out.push({
      rule: 'not-in-other-workspace',
      message: `${what.charAt(0).toUpperCase()}${what.slice(1)} exists in the ${holder} workspace '${both[holder].workspace}' but not in the ${lacker} '${both[lacker].workspace}': ${effect}; ${fix}.${lastKnown}`,
      short: missingShort(what, holder === active ? 'other' : 'active', lacker, both[lacker].workspace, ref.kind === 'compute' ? 'create it there' : 'replicate it there', lastKnown !== ''),
      start: ref.start,
      end: ref.end,
      anchorLine: ref.anchorLine,
      fixes: [],
    });
  }
  return out;
}

/** Keeps the one-line form within the text output's 100 characters: the longest of the spellings that fit. */
function fitting(...forms: string[]): string {
  return forms.find((s) => s.length <= SHORT_MESSAGE_MAX) ?? forms[forms.length - 1]!;
}

/** "model churn version 2 is not in the secondary 'ml-west'; replicate it there", shortened until it fits. */
function missingShort(what: string, side: 'other' | 'active', lacker: Role, lackerName: string, fix: string, lastKnown: boolean): string {
  const stale = lastKnown ? ' (last known)' : '';
  what = what.charAt(0).toLowerCase() + what.slice(1);
  const where = side === 'active' ? `the active ${lacker}` : `the ${lacker}`;
  return fitting(
    `${what} is not in ${where} '${lackerName}'; ${fix}${stale}`,
    `${what} is not in ${where}; ${fix}${stale}`,
    `${what} is not in ${where}${stale}`,
    `${what.split(' ')[0]} is not in ${where}${stale}`,
  );
}

/** " (last known, 14:02:11; mlw-eastus unreachable)" when an answer rests on a listing that could not be renewed. */
function lastKnownNote(sides: Holdings[], timeOf: (ms: number) => string): string {
  const stale = sides.filter((h) => h.unreachable !== undefined);
  if (!stale.length) return '';
  const since = Math.min(...stale.map((h) => h.fetchedAt));
  return ` (last known, ${timeOf(since)}; ${stale.map((h) => h.workspace).join(' and ')} unreachable)`;
}

/** A URL into a workspace's own storage account: pinned to that workspace's region. */
function storageFinding(ref: PortableReference, holdings: Record<Role, Holdings>): RawFinding | undefined {
  for (const role of ['primary', 'secondary'] as const) {
    const h = holdings[role];
    if (!h.known.has('datastores')) continue;
    const stores = h.datastores.filter((d) => d.account === ref.account);
    if (!stores.length) continue;
    const store = stores.find((d) => d.container?.toLowerCase() === ref.container?.toLowerCase());
    const portable = store ? `azureml://datastores/${store.datastore}/paths/${ref.path ?? ''}` : undefined;
    return {
      rule: 'workspace-storage-url',
      message: `This URL points into the storage account ${ref.account} of the ${role} workspace '${h.workspace}', which is not failed over with it${portable ? `; write ${portable} to follow the active workspace` : '; register a datastore for it and use azureml://datastores/<name>/paths/…'}.`,
      short: fitting(
        ...(portable ? [`storage of the ${role} workspace '${h.workspace}'; write ${portable}`, `storage of the ${role} workspace; write ${portable}`, `${role}'s storage; write ${portable}`] : []),
        `storage account ${ref.account} of the ${role} workspace '${h.workspace}'; use a datastore`,
        `storage account of the ${role} workspace; use a datastore`,
      ),
      start: ref.start,
      end: ref.end,
      anchorLine: ref.anchorLine,
      fixes: portable ? [{ title: `Use ${portable}`, edits: [{ start: ref.start, end: ref.end, newText: portable }], isPreferred: true }] : [],
    };
  }
  return undefined;
}

export type FetchHoldings = (role: Role, signal: AbortSignal) => Promise<Holdings>;

/**
 * What both workspaces hold, refreshed in the background: {@link snapshot} answers at once from the cache;
 * {@link ensureFresh} starts a refresh when the cache is older than `maxAgeMs` (one at a time). A failed refresh
 * keeps what was known, marked `unreachable` (findings then say "last known"), and is logged: offline is not a lint
 * finding, and it does not make one vanish either.
 */
export class RemoteHoldings {
  private current: Partial<Record<Role, Holdings>> = {};
  private refreshedAt = 0;
  private inFlight: Promise<void> | undefined;
  private readonly abort = new AbortController();

  constructor(
    private readonly fetch: FetchHoldings,
    private readonly options: { logger: Logger; maxAgeMs?: number; onDidChange?: () => void; now?: () => number },
  ) {}

  snapshot(): Partial<Record<Role, Holdings>> {
    return this.current;
  }

  ensureFresh(): void {
    const now = (this.options.now ?? Date.now)();
    if (this.inFlight || this.abort.signal.aborted || now - this.refreshedAt < (this.options.maxAgeMs ?? 5 * 60_000)) return;
    void this.refresh();
  }

  /** Fetches both workspaces now (shared by concurrent callers). */
  refresh(): Promise<void> {
    this.inFlight ??= (async () => {
      try {
        const roles: Role[] = ['primary', 'secondary'];
        const results = await Promise.allSettled(roles.map((role) => this.fetch(role, this.abort.signal)));
        const next = { ...this.current };
        let changed = false;
        results.forEach((r, i) => {
          const role = roles[i]!;
          if (r.status === 'fulfilled') {
            next[role] = r.value;
            changed = true;
            return;
          }
          this.options.logger.debug(`Lint remote check: could not list the ${role} workspace: ${errorMessage(r.reason)}`);
          // Keep the last known answer, marked, rather than dropping what it found.
          const known = next[role];
          if (known && known.unreachable === undefined) {
            next[role] = { ...known, unreachable: errorMessage(r.reason) };
            changed = true;
          }
        });
        this.refreshedAt = (this.options.now ?? Date.now)();
        this.current = next;
        if (changed && !this.abort.signal.aborted) this.options.onDidChange?.();
      } finally {
        this.inFlight = undefined;
      }
    })();
    return this.inFlight;
  }

  dispose(): void {
    this.abort.abort();
  }
}
