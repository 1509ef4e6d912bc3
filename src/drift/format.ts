import { printableName } from '../inventory/inventory';
import { describeDrift, type DriftKind, type DriftReport } from './drift';

/** The `drift --json` document. */
export function driftJson(report: DriftReport) {
  return {
    primaryAsOf: new Date(report.primaryAsOf).toISOString(),
    secondaryAsOf: new Date(report.secondaryAsOf).toISOString(),
    differences: report.items,
    skipped: report.skipped,
  };
}

const HEADINGS: Record<DriftKind, string> = { model: 'Models', environment: 'Environments', compute: 'Computes', datastore: 'Datastores', notebook: 'Notebooks' };

/** Grouped by kind, one line per difference. */
export function formatDrift(report: DriftReport): string {
  const lines: string[] = [];
  for (const kind of Object.keys(HEADINGS) as DriftKind[]) {
    const items = report.items.filter((i) => i.kind === kind);
    if (items.length) {
      lines.push(`${HEADINGS[kind]} (${items.length})`);
      for (const item of items) lines.push(`  ${printableName(describeDrift(item).slice(kind.length + 1))}`);
    }
    if (report.skipped[kind]) lines.push(`${HEADINGS[kind]}: not compared (${report.skipped[kind]})`);
  }
  if (!lines.length) lines.push('No drift: both workspaces hold the same models, environments, computes, datastores and notebooks.');
  else lines.unshift(`${report.items.length} difference${report.items.length === 1 ? '' : 's'} between primary and secondary:`);
  return lines.join('\n');
}
