import { parseDocument, isMap, isScalar } from 'yaml';
import { KNOWN_CLOUDS } from '../azure/cloud';
import { COMMON_REGIONS, pairedRegion } from './pairTemplate';

export interface ValueCompletion {
  label: string;
  detail?: string;
  /** Offered first. */
  preferred?: boolean;
}

/**
 * Values to offer in aml-failover.yaml at a cursor placed after `key:` on `line` (0-based) — regions (the paired
 * region of the other workspace first), availability levels, cloud names. Pure, so it is tested under Node.
 */
export function pairValueCompletions(text: string, line: number): ValueCompletion[] {
  const lines = text.split(/\r?\n/);
  const current = lines[line] ?? '';
  const m = /^(\s*)([\w-]+)\s*:\s*[^\s#]*$/.exec(current);
  if (!m) return [];
  const [, indent, key] = m;
  if (key === 'region' && indent.length > 0) {
    const role = enclosingKey(lines, line, indent.length);
    const other = role === 'primary' ? 'secondary' : role === 'secondary' ? 'primary' : undefined;
    const otherRegion = other ? regionOf(text, other) : undefined;
    const suggested = otherRegion ? pairedRegion(otherRegion) : undefined;
    return COMMON_REGIONS.filter((r) => r !== otherRegion).map((r) => ({
      label: r,
      detail: r === suggested ? `paired with ${otherRegion}` : undefined,
      preferred: r === suggested,
    }));
  }
  if (indent.length > 0 && enclosingKey(lines, line, indent.length) === 'availability') {
    return [
      { label: 'hot/hot', detail: 'both regions serve at all times (e.g. inference)' },
      { label: 'hot/warm', detail: 'the secondary is ready to scale up' },
      { label: 'hot/cold', detail: 'the secondary is recreated on failover (e.g. training)' },
    ];
  }
  if (key === 'cloud' && indent.length === 0) return Object.keys(KNOWN_CLOUDS).map((label) => ({ label }));
  return [];
}

/** The key of the mapping that holds `line` (the nearest line above with less indentation). */
function enclosingKey(lines: string[], line: number, indent: number): string | undefined {
  for (let i = line - 1; i >= 0; i--) {
    const m = /^(\s*)([\w-]+)\s*:/.exec(lines[i]);
    if (m && m[1].length < indent) return m[2];
  }
  return undefined;
}

function regionOf(text: string, role: string): string | undefined {
  const doc = parseDocument(text);
  const ws = isMap(doc.contents) ? doc.contents.getIn(['workspaces', role], true) : undefined;
  const region = isMap(ws) ? ws.get('region', true) : undefined;
  return isScalar(region) && typeof region.value === 'string' ? region.value : undefined;
}
