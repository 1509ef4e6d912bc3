// `aml-failover verify <SNAPSHOT>`: every file the manifest lists is read again and its size and sha256 compared;
// the result is kept in the snapshot (verified.json) so the recovery point can say "verified".
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { throwIfAborted } from '../azure/retry';
import { writeFileAtomic } from '../common/atomicWrite';
import { UserError } from '../common/errors';
import { MANIFEST_FILE, type Manifest } from '../export/manifest';
import { safeRelativePath } from '../export/safePaths';
import { hashFile } from '../export/transfer';
import { BACKUP_RECORD_FILE, LATEST_FILE, RECORD_VERSION, VERIFIED_FILE, readLatest, sha256, type BackupRecord, type VerifiedRecord } from './snapshots';

export interface VerifyResult extends VerifiedRecord {
  snapshot: string;
}

/**
 * Re-hashes the snapshot at `dir` against its manifest and writes verified.json. `dir` may also be DIR/<role>
 * (its `latest` snapshot is verified). Never throws for a damaged snapshot: that is `ok: false` with problems.
 */
export async function verifySnapshot(dir: string, options: { signal?: AbortSignal; onFile?: (done: number, total: number) => void } = {}): Promise<VerifyResult> {
  const snapshot = await resolveSnapshot(dir);
  const manifestText = await fs.readFile(path.join(snapshot, MANIFEST_FILE)).catch(() => undefined);
  if (!manifestText) throw new UserError(`${snapshot} holds no ${MANIFEST_FILE}: not a snapshot.`, 'usage');
  let manifest: Manifest;
  try {
    manifest = JSON.parse(manifestText.toString('utf8')) as Manifest;
    if (!Array.isArray(manifest.files)) throw new Error('no files');
  } catch {
    throw new UserError(`${path.join(snapshot, MANIFEST_FILE)} is not a manifest an aml-failover export wrote.`);
  }
  const problems: string[] = [];
  if (!manifest.complete) problems.push('the manifest is not complete (the export did not finish)');
  const record = await fs.readFile(path.join(snapshot, BACKUP_RECORD_FILE), 'utf8').then((t) => JSON.parse(t) as BackupRecord, () => undefined);
  if (!record?.complete) problems.push(`${BACKUP_RECORD_FILE} is missing or does not say complete`);
  const realRoot = await fs.realpath(snapshot);
  let bytes = 0;
  let done = 0;
  for (const entry of manifest.files) {
    throwIfAborted(options.signal);
    const problem = await checkEntry(realRoot, entry.path, entry.size, entry.sha256, options.signal);
    if (problem) problems.push(problem);
    else bytes += entry.size;
    options.onFile?.(++done, manifest.files.length);
  }
  const result: VerifiedRecord = {
    version: RECORD_VERSION,
    tool: 'aml-failover',
    verifiedAt: new Date().toISOString(),
    ok: problems.length === 0,
    manifestSha256: sha256(manifestText),
    files: manifest.files.length,
    bytes,
    problems,
  };
  await writeFileAtomic(path.join(snapshot, VERIFIED_FILE), `${JSON.stringify(result, null, 2)}\n`);
  return { ...result, snapshot };
}

/** One manifest entry: a regular file inside the snapshot (no link on the way) with the recorded size and sha256. */
async function checkEntry(realRoot: string, local: string, size: number, expected: string, signal?: AbortSignal): Promise<string | undefined> {
  const safe = safeRelativePath(local);
  if (!safe.ok || safe.relative !== local) return `${JSON.stringify(local)}: not a safe path inside the snapshot`;
  const abs = path.join(realRoot, ...local.split('/'));
  const real = await fs.realpath(abs).catch(() => undefined);
  if (real === undefined) return `${local}: missing`;
  if (real !== abs) return `${local}: reached through a symbolic link`;
  const stat = await fs.lstat(abs);
  if (!stat.isFile()) return `${local}: not a regular file`;
  if (stat.size !== size) return `${local}: ${stat.size} bytes, the manifest says ${size}`;
  const got = await hashFile(abs, signal);
  return got.sha256 === expected ? undefined : `${local}: sha256 ${got.sha256} differs from the manifest's ${expected}`;
}

/** The snapshot folder itself, or the one DIR/<role>/latest names. */
async function resolveSnapshot(dir: string): Promise<string> {
  const abs = path.resolve(dir);
  const stat = await fs.stat(abs).catch(() => undefined);
  if (!stat?.isDirectory()) throw new UserError(`${abs} is not a folder.`, 'usage');
  try {
    await fs.access(path.join(abs, MANIFEST_FILE));
    return abs;
  } catch {
    const latest = await readLatest(abs);
    if (latest) return path.join(abs, latest);
    throw new UserError(`${abs} is neither a snapshot (no ${MANIFEST_FILE}) nor a backup folder with a ${LATEST_FILE} file.`, 'usage');
  }
}

export function summarizeVerify(r: VerifyResult): string[] {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  if (r.ok) return [`Verified: ${r.snapshot} — ${r.files} file(s), ${mb(r.bytes)}, each matches its sha256 in the manifest.`];
  return [`Not verified: ${r.snapshot} — ${r.problems.length} problem(s):`, ...r.problems.map((p) => `  ${p}`)];
}
