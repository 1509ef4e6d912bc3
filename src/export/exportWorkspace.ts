// One call for both adapters: read the pair, connect, plan, run, and drop the storage secrets afterwards.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { connect, type AzureConnection } from '../azure/connection';
import type { Logger } from '../common/logger';
import { loadPairFile, type Role } from '../pair/pairFile';
import { runExport, type ExportProgress, type ExportResult } from './engine';
import { MANIFEST_FILE } from './manifest';
import { describeReason } from './safePaths';
import { planExport, type ExportKind, type NameFilter } from './plan';

export interface ExportRequest {
  projectDir: string;
  from: Role;
  kinds: ExportKind[];
  /** Absolute, or relative to the project folder. Default: <project>/aml-export/<role>. */
  outDir?: string;
  names?: NameFilter[];
  notebooksFolder?: string;
  signal: AbortSignal;
  logger: Logger;
  onProgress?: (p: ExportProgress) => void;
  /** Reuse a connection (the extension keeps one); otherwise one is made from the pair file. */
  connection?: AzureConnection;
  concurrency?: number;
}

export function defaultOutDir(projectDir: string, from: Role): string {
  return path.join(projectDir, 'aml-export', from);
}

export async function exportWorkspace(req: ExportRequest): Promise<ExportResult> {
  const pair = await loadPairFile(req.projectDir);
  const workspace = pair.workspaces[req.from];
  const conn = req.connection ?? (await connect(pair.cloud, { logger: req.logger }));
  const outDir = path.resolve(req.projectDir, req.outDir ?? defaultOutDir(req.projectDir, req.from));
  req.logger.info(`Exporting ${req.kinds.join(', ')} from ${req.from} workspace ${workspace.workspace_name} to ${outDir}.`);
  const retriesBefore = conn.retries;
  let plan;
  try {
    plan = await planExport(conn, { kinds: req.kinds, workspace, names: req.names, notebooksFolder: req.notebooksFolder, signal: req.signal, logger: req.logger });
  } catch (err) {
    // Cancelled while listing: nothing was written, and that is what the user asked for — not an error.
    if (req.signal.aborted) return { ...emptyResult(outDir), cancelled: true };
    throw err;
  }
  try {
    const result = await runExport(plan, { outDir, signal: req.signal, logger: req.logger, onProgress: req.onProgress, concurrency: req.concurrency });
    // Downloads count their own retries; ARM calls and storage listings retried on the connection count too.
    return { ...result, retries: result.retries + conn.retries - retriesBefore };
  } finally {
    plan.dispose();
  }
}

function emptyResult(outDir: string): ExportResult {
  return { outDir, manifestPath: path.join(outDir, MANIFEST_FILE), fetched: 0, verified: 0, bytesFetched: 0, written: 0, unchanged: 0, retries: 0, failed: [], names: [], warnings: [], complete: false, cancelled: false };
}

/** The summary lines both adapters show. */
export function summarize(r: ExportResult): string[] {
  const lines: string[] = [];
  if (r.cancelled && r.fetched + r.verified + r.written + r.unchanged === 0 && !existsSync(r.manifestPath)) return ['Cancelled before any file was written.'];
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  lines.push(
    `${r.cancelled ? 'Cancelled' : r.complete ? 'Exported' : 'Exported with problems'}: ${r.fetched} file(s) downloaded (${mb(r.bytesFetched)}), ${r.verified} already complete, ${r.written} written, ${r.unchanged} unchanged${r.retries ? `, ${r.retries} retried` : ''}.`,
  );
  for (const n of r.names) lines.push(`  name ${JSON.stringify(n.remote)}: ${n.reasons.map(describeReason).join('; ')} — ${n.local ? `exported as ${n.local}` : 'refused'}.`);
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  for (const f of r.failed) lines.push(`  failed: ${f.asset.kind} ${f.asset.name}${f.asset.version ? `:${f.asset.version}` : ''} (${f.source.path}): ${f.error}`);
  if (r.failed.length && !r.cancelled) lines.push(`${r.failed.length} file(s) could not be exported; nothing of them was kept in OUT. Run the same export again to fetch only what is missing.`);
  lines.push(`Manifest: ${r.manifestPath}`);
  return lines;
}
