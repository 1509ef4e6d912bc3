import type { DiagnoseResponseResultValue } from '@azure/arm-machinelearning';
import type { AzureConnection } from '../azure/connection';
import type { WorkspaceRef } from '../pair/pairFile';

/** The areas the workspace diagnose operation reports on, in the order users scan them. */
export const DIAGNOSE_AREAS: readonly { key: keyof DiagnoseResponseResultValue; label: string }[] = [
  { key: 'storageAccountResults', label: 'Storage account' },
  { key: 'keyVaultResults', label: 'Key vault' },
  { key: 'containerRegistryResults', label: 'Container registry' },
  { key: 'applicationInsightsResults', label: 'Application Insights' },
  { key: 'dnsResolutionResults', label: 'DNS resolution' },
  { key: 'networkSecurityRuleResults', label: 'Network security rules' },
  { key: 'userDefinedRouteResults', label: 'User-defined routes' },
  { key: 'resourceLockResults', label: 'Resource locks' },
  { key: 'otherResults', label: 'Other' },
];

export interface Finding {
  code: string;
  level: 'Error' | 'Warning' | 'Information';
  message: string;
}

export interface DiagnoseArea {
  label: string;
  findings: Finding[];
}

export interface DiagnoseReport {
  areas: DiagnoseArea[];
  errors: number;
  warnings: number;
  finishedAt: number;
}

/** Findings grouped per area; an area the service left out has no findings. Unknown levels count as Information. */
export function diagnoseReport(value: DiagnoseResponseResultValue | undefined, finishedAt = Date.now()): DiagnoseReport {
  const areas: DiagnoseArea[] = DIAGNOSE_AREAS.map(({ key, label }) => ({
    label,
    findings: (value?.[key] ?? []).map((r): Finding => ({
      code: r.code ?? 'Unknown',
      level: r.level === 'Error' || r.level === 'Warning' ? r.level : 'Information',
      message: (r.message ?? '').trim(),
    })),
  }));
  const all = areas.flatMap((a) => a.findings);
  return { areas, errors: all.filter((f) => f.level === 'Error').length, warnings: all.filter((f) => f.level === 'Warning').length, finishedAt };
}

export function summarizeDiagnose(report: DiagnoseReport): string {
  if (!report.errors && !report.warnings) return 'no problems found';
  const parts: string[] = [];
  if (report.errors) parts.push(`${report.errors} error${report.errors === 1 ? '' : 's'}`);
  if (report.warnings) parts.push(`${report.warnings} warning${report.warnings === 1 ? '' : 's'}`);
  return parts.join(', ');
}

/** Runs the diagnose long-running operation to completion (cancel with `signal`). */
export async function runDiagnose(connection: AzureConnection, ws: WorkspaceRef, options: { signal?: AbortSignal; pollMs?: number } = {}): Promise<DiagnoseReport> {
  const ml = await connection.ml(ws.subscription_id);
  const response = await ml.workspaces.beginDiagnoseAndWait(ws.resource_group, ws.workspace_name, {
    parameters: { value: {} },
    abortSignal: options.signal,
    updateIntervalInMs: options.pollMs ?? 1000,
  });
  return diagnoseReport(response.value);
}
