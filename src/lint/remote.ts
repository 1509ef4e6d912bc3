import type { Logger } from '../common/logger';
import { errorMessage } from '../common/errors';
import type { WorkspaceInventory } from '../inventory/inventory';
import type { Role } from '../pair/pairFile';
import type { RawFinding } from './findings';
import type { PortableReference } from './types';

/**
 * The remote check: portable references that will not survive a failover because what they name exists in the
 * active workspace but not in the other one. Pure over what each workspace holds; {@link RemoteHoldings} keeps that
 * fresh in the background so linting never waits for the network.
 */

type Section = 'models' | 'environments' | 'computes' | 'datastores';
const SECTIONS: readonly Section[] = ['models', 'environments', 'computes', 'datastores'];

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
  fetchedAt: number;
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

/** Findings for references present in the active workspace and missing from the other; silent when unknown. */
export function remoteFindings(portable: readonly PortableReference[], active: Role, holdings: Partial<Record<Role, Holdings>>): RawFinding[] {
  const otherRole: Role = active === 'primary' ? 'secondary' : 'primary';
  const here = holdings[active];
  const there = holdings[otherRole];
  if (!here || !there) return [];
  const out: RawFinding[] = [];
  for (const ref of portable) {
    if (ref.kind === 'storage-url') {
      const hit = storageFinding(ref, { [active]: here, [otherRole]: there } as Record<Role, Holdings>);
      if (hit) out.push(hit);
      continue;
    }
    if (has(here, ref) !== true || has(there, ref) !== false) continue;
    const what =
      ref.kind === 'compute'
        ? `Compute ${ref.name}`
        : `${WHAT[ref.assetType as 'models' | 'environments']} ${ref.name}${ref.version ? ` version ${ref.version}` : ''}`;
    const fix = ref.kind === 'compute' ? `create a compute named ${ref.name} there` : 'replicate it there (AML Failover: Replicate)';
    out.push({
      rule: 'not-in-other-workspace',
      message: `${what.charAt(0).toUpperCase()}${what.slice(1)} exists in the ${active} workspace '${here.workspace}' but not in the ${otherRole} '${there.workspace}': this reference will not resolve after a failover; ${fix}.`,
      start: ref.start,
      end: ref.end,
      anchorLine: ref.anchorLine,
      fixes: [],
    });
  }
  return out;
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
 * keeps what was known and is only logged: offline is not a lint finding.
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
        results.forEach((r, i) => {
          if (r.status === 'fulfilled') next[roles[i]!] = r.value;
          else this.options.logger.debug(`Lint remote check: could not list the ${roles[i]} workspace: ${errorMessage(r.reason)}`);
        });
        this.refreshedAt = (this.options.now ?? Date.now)();
        const changed = results.some((r) => r.status === 'fulfilled');
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
