// One call for both adapters: read the pair, connect, plan, run, and drop the storage secrets afterwards.
import { existsSync } from 'node:fs';
import { DEFAULT_EXPORT_FOLDER } from './exportFolder';
import { ignoreNewFolder, type GitignoreChange } from './gitignore';
import * as path from 'node:path';
import { connect, type AzureConnection } from '../azure/connection';
import type { CloudTrust } from '../azure/trust';
import type { CredentialProvider } from '../azure/credentials';
import type { Logger } from '../common/logger';
import { loadPairFile, type Role } from '../pair/pairFile';
import { runExport, type ExportProgress, type ExportResult } from './engine';
import { MANIFEST_FILE } from './manifest';
import { describeReason } from './safePaths';
import type { JobExportReport } from './jobs';
import { planExport, type BoundPlan, type ExportKind, type NameFilter } from './plan';

export interface ExportRequest {
  projectDir: string;
  from: Role;
  kinds: ExportKind[];
  /** Absolute (adapters resolve what the user typed). Default: <project>/aml-export/<role>. */
  outDir?: string;
  names?: NameFilter[];
  notebooksFolder?: string;
  /** Keep the studio's checkpoints and temp files. */
  includeCheckpoints?: boolean;
  signal: AbortSignal;
  logger: Logger;
  onProgress?: (p: ExportProgress) => void;
  /** What the user trusts (src/azure/trust.ts), when no connection is given. */
  trust?: CloudTrust;
  /** The project's credentials (src/azure/credentials.ts), when no connection is given. */
  credentials?: CredentialProvider;
  /** Reuse a connection (the extension keeps one); otherwise one is made from the pair file. */
  connection?: AzureConnection;
  concurrency?: number;
  /** Replace files in OUT that were edited since the last export (otherwise they are kept and reported). */
  force?: boolean;
  /** Runs once the workspace is listed, before anything is written to OUT (a backup links unchanged files in). */
  beforeRun?: (plan: BoundPlan, outDir: string) => Promise<void>;
}

export function defaultOutDir(projectDir: string, from: Role): string {
  return path.join(projectDir, DEFAULT_EXPORT_FOLDER, from);
}

export interface ExportOutcome extends ExportResult {
  /** Each job exported: its file and what still could not be made portable (empty when it travels as it is). */
  jobs?: JobExportReport[];
  /** The line added to .gitignore because this export created the default export folder in a git repository. */
  gitignore?: GitignoreChange;
}

export async function exportWorkspace(req: ExportRequest): Promise<ExportOutcome> {
  const pair = await loadPairFile(req.projectDir);
  const workspace = pair.workspaces[req.from];
  const conn = req.connection ?? (await connect(pair.cloud, { logger: req.logger, trust: req.trust, credentials: req.credentials }));
  const outDir = path.resolve(req.projectDir, req.outDir ?? defaultOutDir(req.projectDir, req.from));
  req.logger.info(`Exporting ${req.kinds.join(', ')} from ${req.from} workspace ${workspace.workspace_name} to ${outDir}.`);
  const retriesBefore = conn.retries;
  let plan;
  try {
    plan = await planExport(conn, { kinds: req.kinds, workspace, names: req.names, notebooksFolder: req.notebooksFolder, includeCheckpoints: req.includeCheckpoints, signal: req.signal, logger: req.logger });
  } catch (err) {
    // Cancelled while listing: nothing was written, and that is what the user asked for — not an error.
    if (req.signal.aborted) return { ...emptyResult(outDir), cancelled: true, jobs: [] };
    throw err;
  }
  try {
    const gitignore = await ignoreDefaultFolder(req.projectDir, outDir, req.logger);
    await req.beforeRun?.(plan, outDir);
    const result = await runExport(plan, { outDir, signal: req.signal, logger: req.logger, onProgress: req.onProgress, concurrency: req.concurrency, force: req.force, projectDir: req.projectDir });
    // Downloads count their own retries; ARM calls and storage listings retried on the connection count too.
    return { ...result, retries: result.retries + conn.retries - retriesBefore, gitignore, jobs: plan.jobs };
  } finally {
    plan.dispose();
  }
}

/** About to create the default export folder inside a git repository: keep it out of commits (never fatal). */
async function ignoreDefaultFolder(projectDir: string, outDir: string, logger: Logger): Promise<GitignoreChange | undefined> {
  const folder = path.join(projectDir, DEFAULT_EXPORT_FOLDER);
  const rel = path.relative(folder, outDir);
  if (rel.startsWith('..') || path.isAbsolute(rel) || existsSync(folder)) return undefined;
  try {
    return await ignoreNewFolder(projectDir, DEFAULT_EXPORT_FOLDER);
  } catch (err) {
    logger.warn(`Could not add ${DEFAULT_EXPORT_FOLDER}/ to .gitignore: ${(err as Error).message}`);
    return undefined;
  }
}

function emptyResult(outDir: string): ExportResult {
  return { outDir, manifestPath: path.join(outDir, MANIFEST_FILE), fetched: 0, verified: 0, bytesFetched: 0, written: 0, unchanged: 0, retries: 0, failed: [], names: [], warnings: [], localEdits: [], complete: false, cancelled: false };
}

/** The summary lines both adapters show. */
export function summarize(r: ExportOutcome): string[] {
  const lines: string[] = [];
  if (r.cancelled && r.fetched + r.verified + r.written + r.unchanged === 0 && !existsSync(r.manifestPath)) return ['Cancelled before any file was written.'];
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  lines.push(
    `${r.cancelled ? 'Cancelled' : r.complete ? 'Exported' : 'Exported with problems'}: ${r.fetched} file(s) downloaded (${mb(r.bytesFetched)}), ${r.verified} already complete, ${r.written} written, ${r.unchanged} unchanged${r.retries ? `, ${r.retries} retried` : ''}.`,
  );
  for (const n of r.names) lines.push(`  name ${JSON.stringify(n.remote)}: ${n.reasons.map(describeReason).join('; ')} — ${n.local ? `exported as ${n.local}` : 'refused'}.`);
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  for (const j of r.jobs ?? []) for (const l of j.leftovers) lines.push(`  job ${j.name}${j.file ? ` (${j.file})` : ''}: ${l}`);
  for (const local of r.localEdits) lines.push(`  kept: ${local} was edited here since the last export (it differs from what that export wrote); not replaced — export with --force to replace it.`);
  for (const f of r.failed) lines.push(`  failed: ${f.asset.kind} ${f.asset.name}${f.asset.version ? `:${f.asset.version}` : ''} (${f.source.path}): ${f.error}`);
  if (r.failed.length && !r.cancelled) lines.push(`${r.failed.length} file(s) could not be exported; nothing of them was kept in OUT. Run the same export again to fetch only what is missing.`);
  lines.push(`Manifest: ${r.manifestPath}`);
  if (r.gitignore) lines.push(`Added ${r.gitignore.line} to ${r.gitignore.file} so the export stays out of git.`);
  return lines;
}
