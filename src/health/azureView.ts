// What Azure itself says about the pair: Resource Health of each workspace's storage account and key vault
// (availabilityStatuses/current) and the subscription's active Service Health events affecting Machine Learning in
// the workspace's region. Both are global ARM reads: they answer during a regional outage and report it. Pure.
import type { AssociatedKind } from './verdict';

export interface ResourceHealthEntry {
  kind: Extract<AssociatedKind, 'storageAccount' | 'keyVault'>;
  id: string;
  /** Available | Unavailable | Degraded | Unknown, as Resource Health says. */
  availabilityState: string;
  summary?: string;
}

export interface ServiceHealthEvent {
  title: string;
  trackingId: string;
  lastUpdate: string;
  regions: string[];
}

export interface AzureView {
  checkedAt: number;
  resourceHealth: ResourceHealthEntry[];
  serviceHealth: ServiceHealthEvent[];
}

type Json = Record<string, unknown>;

const regionKey = (r: string) => r.toLowerCase().replace(/[^a-z0-9]/g, '');

/** A Resource Health `availabilityStatuses/current` body → one entry. */
export function resourceHealthEntry(kind: ResourceHealthEntry['kind'], id: string, body: unknown): ResourceHealthEntry {
  const props = ((body as Json | undefined)?.properties ?? {}) as Json;
  return { kind, id, availabilityState: typeof props.availabilityState === 'string' ? props.availabilityState : 'Unknown', ...(typeof props.summary === 'string' ? { summary: props.summary } : {}) };
}

/**
 * Active Service Health events (Events - List By Subscription Id) that affect Machine Learning in one of `regions`
 * (names such as `eastus` or display names such as `East US`).
 */
export function machineLearningEvents(events: unknown[], regions: string[]): ServiceHealthEvent[] {
  const wanted = new Set(regions.map(regionKey));
  const out: ServiceHealthEvent[] = [];
  for (const e of events) {
    const props = ((e as Json | undefined)?.properties ?? {}) as Json;
    if (String(props.status ?? '').toLowerCase() !== 'active') continue;
    const impacted = (Array.isArray(props.impact) ? props.impact : []) as Json[];
    const hit = impacted
      .filter((i) => /machine learning/i.test(String(i.impactedService ?? '')))
      .flatMap((i) => ((Array.isArray(i.impactedRegions) ? i.impactedRegions : []) as Json[]).map((r) => String(r.impactedRegion ?? '')))
      .filter((r) => wanted.has(regionKey(r)));
    if (!hit.length) continue;
    out.push({ title: String(props.title ?? ''), trackingId: String((e as Json).name ?? ''), lastUpdate: String(props.lastUpdateTime ?? ''), regions: [...new Set(hit)] });
  }
  return out;
}

/** The events of both workspaces' views, each once. */
export function mergeEvents(...lists: (ServiceHealthEvent[] | undefined)[]): ServiceHealthEvent[] {
  const byId = new Map<string, ServiceHealthEvent>();
  for (const e of lists.flatMap((l) => l ?? [])) {
    const known = byId.get(e.trackingId);
    byId.set(e.trackingId, known ? { ...known, regions: [...new Set([...known.regions, ...e.regions])] } : e);
  }
  return [...byId.values()];
}
