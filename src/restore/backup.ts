// A backup as restore reads it: an aml-failover manifest.json (src/export/manifest.ts) whose paths are checked before
// any file is opened, every listed file verified against it (size, sha256, no symbolic link on the way), and the files
// grouped into what can be restored — notebooks, models, environments and data assets with their CLI v2 YAML, and
// schedules (`schedules/<name>.json`, src/schedules).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { UserError, errorMessage } from '../common/errors';
import { MANIFEST_FILE, MANIFEST_VERSION, type Manifest, type ManifestEntry } from '../export/manifest';
import { runPool } from '../export/pool';
import { foldName, printable, safeRelativePath } from '../export/safePaths';
import { hashFile, sha256File } from '../export/transfer';
import { SINGLE_BLOCK_MAX } from '../azure/storage';
import { parseScheduleFile, type ScheduleRecord } from '../schedules/handover';

export const RESTORE_KINDS = ['notebooks', 'models', 'environments', 'data', 'schedules'] as const;
export type RestoreKind = (typeof RESTORE_KINDS)[number];

/** What an entry of the restore report is about, in the user's words. */
export type ItemKind = 'notebook' | 'model' | 'environment' | 'data' | 'schedule';

/** A file of the backup that matched the manifest, with the MD5 computed while checking it. */
export interface VerifiedFile {
  /** Relative to the backup folder, "/" separated (the manifest's path). */
  path: string;
  /** Absolute path on this machine. */
  local: string;
  size: number;
  sha256: string;
  /** Base64 MD5 of the whole file. */
  md5: string;
  /** The MD5 is the manifest's (see recordedMd5), confirmed only by the service as it takes the bytes. */
  md5FromRecord?: boolean;
  entry: ManifestEntry;
}

export interface Verification {
  verified: Map<string, VerifiedFile>;
  /** Files that did not verify, with why. */
  problems: { path: string; problem: string }[];
  /** The manifest says the export did not finish, or lists failures. */
  incomplete?: string;
}

/**
 * What is wrong with a manifest's shape and paths, or an empty list. A path must be a plain relative path inside the
 * folder: no "..", no absolute path, no control characters, no "." or empty segments, listed once (also folded for
 * letter case and Unicode form, which one file system takes for the same file).
 */
export function manifestProblems(manifest: unknown): string[] {
  const m = manifest as Partial<Manifest> | null;
  if (!m || typeof m !== 'object' || m.tool !== 'aml-failover') return ['it is not an aml-failover manifest ("tool": "aml-failover")'];
  if (m.version !== MANIFEST_VERSION) return [`it has version ${JSON.stringify(m.version)}; this aml-failover reads version ${MANIFEST_VERSION}`];
  if (!Array.isArray(m.files)) return ['it has no "files" list'];
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const [i, e] of m.files.entries()) {
    const where = `files[${i}]`;
    if (!e || typeof e !== 'object' || typeof e.path !== 'string') {
      problems.push(`${where} has no path`);
      continue;
    }
    const shown = JSON.stringify(printable(e.path));
    const safe = safeRelativePath(e.path);
    if (!safe.ok) problems.push(`${where} names ${shown}, a path outside the backup folder or not a file name (${safe.reason})`);
    else if (safe.relative !== e.path || e.path.includes('\\')) problems.push(`${where} names ${shown}, which is not a plain relative path`);
    else if (e.path === MANIFEST_FILE) problems.push(`${where} names the manifest itself`);
    if (!Number.isSafeInteger(e.size) || e.size < 0) problems.push(`${where} (${shown}) has no valid size`);
    if (typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.sha256)) problems.push(`${where} (${shown}) has no valid sha256`);
    if (!e.asset || typeof e.asset !== 'object' || typeof e.asset.kind !== 'string' || typeof e.asset.name !== 'string') problems.push(`${where} (${shown}) names no asset`);
    const key = foldName(e.path);
    const other = seen.get(key);
    if (other !== undefined) problems.push(`${where} names ${shown}, listed already as ${JSON.stringify(printable(other))}`);
    seen.set(key, e.path);
  }
  return problems;
}

/** Reads BACKUP/manifest.json; a missing, unreadable or unsafe manifest is bad input (UserError 'usage'). */
export async function readBackupManifest(backupDir: string): Promise<Manifest> {
  const file = path.join(backupDir, MANIFEST_FILE);
  let text: string;
  try {
    const stat = await fs.lstat(file);
    if (!stat.isFile()) throw new Error('not a regular file');
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new UserError(`${backupDir} is not a backup: cannot read ${MANIFEST_FILE} (${errorMessage(err)}).`, 'usage');
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file} is not valid JSON: ${errorMessage(err)}.`, 'usage');
  }
  const problems = manifestProblems(manifest);
  if (problems.length) throw new UserError(`Refused ${file}: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}. Nothing was restored.`, 'usage');
  return manifest as Manifest;
}

/**
 * Checks each of `entries` in the backup folder: a regular file reached without a symbolic link, of the listed size
 * and sha256. Reads each file once (its MD5 is kept for the upload, or the manifest's taken: recordedMd5).
 */
export async function verifyBackup(backupDir: string, manifest: Manifest, entries: readonly ManifestEntry[], signal: AbortSignal): Promise<Verification> {
  const root = await fs.realpath(backupDir);
  const verified = new Map<string, VerifiedFile>();
  const problems: Verification['problems'] = [];
  await runPool(
    entries,
    8,
    async (entry) => {
      try {
        const local = await regularFileWithin(root, entry.path);
        const stat = await fs.stat(local);
        if (stat.size !== entry.size) throw new Error(`${stat.size} bytes, the manifest says ${entry.size}`);
        const recorded = recordedMd5(entry);
        const h = recorded ? { ...(await sha256File(local, signal)), md5: recorded } : await hashFile(local, signal);
        if (h.size !== entry.size) throw new Error(`${h.size} bytes, the manifest says ${entry.size}`);
        if (h.sha256 !== entry.sha256) throw new Error('its content differs from the manifest (sha256)');
        verified.set(entry.path, { path: entry.path, local, size: h.size, sha256: h.sha256, md5: h.md5, md5FromRecord: Boolean(recorded), entry });
      } catch (err) {
        if (signal.aborted) throw err;
        problems.push({ path: entry.path, problem: errorMessage(err) });
      }
    },
    signal,
  );
  problems.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const incomplete = !manifest.complete
    ? 'the export that wrote it did not finish ("complete": false)'
    : manifest.failed?.length
      ? `the export that wrote it failed for ${manifest.failed.length} file(s)`
      : undefined;
  return { verified, problems, incomplete };
}

/**
 * The Content-MD5 the manifest recorded for a file that goes to a blob as one block (an asset's file up to
 * SINGLE_BLOCK_MAX): the export checked the bytes it fetched against it, and the Put Block carrying it is checked by
 * the service, so hashing the file's MD5 here again would only repeat that work (a large model's MD5 costs more than
 * its sha256). Notebooks and larger files are hashed here, as their whole-file MD5 is stored unchecked.
 */
function recordedMd5(entry: ManifestEntry): string | undefined {
  const toBlob = KIND_OF_ASSET[entry.asset.kind] !== undefined && KIND_OF_ASSET[entry.asset.kind] !== 'notebook';
  return toBlob && entry.size > 0 && entry.size <= SINGLE_BLOCK_MAX && typeof entry.contentMD5 === 'string' && /^[A-Za-z0-9+/]{22}==$/.test(entry.contentMD5) ? entry.contentMD5 : undefined;
}

/** `relative` below `root`, each folder on the way and the file itself checked with lstat: no link is followed. */
async function regularFileWithin(root: string, relative: string): Promise<string> {
  const parts = relative.split('/');
  let at = root;
  for (const [i, part] of parts.entries()) {
    at = path.join(at, part);
    const stat = await fs.lstat(at).catch(() => undefined);
    if (!stat) throw new Error('it is missing');
    if (stat.isSymbolicLink()) throw new Error(`${parts.slice(0, i + 1).join('/')} is a symbolic link; a backup is read without following links`);
    if (i < parts.length - 1 ? !stat.isDirectory() : !stat.isFile()) throw new Error(`${parts.slice(0, i + 1).join('/')} is not a ${i < parts.length - 1 ? 'folder' : 'regular file'}`);
  }
  return at;
}

// ---- what the backup holds ----

/** A notebook-share file of the backup and where it goes in the target's share. */
export interface NotebookItem {
  kind: 'notebook';
  file: ManifestEntry;
  /** Path in the share ("Users/alice/x.ipynb"). */
  sharePath: string;
}

/** One file an asset uploads, relative to the asset's upload folder (its first segment is the exported folder or file name). */
export interface AssetUpload {
  file: ManifestEntry;
  relative: string;
}

export interface ModelSpec {
  type: string;
  description?: string;
  tags?: Record<string, string>;
  properties?: Record<string, string>;
}

export interface EnvironmentSpec {
  image?: string;
  condaFile?: string;
  dockerfilePath?: string;
  osType?: string;
  inferenceConfig?: { livenessRoute?: Route; readinessRoute?: Route; scoringRoute?: Route };
  description?: string;
  tags?: Record<string, string>;
}

interface Route {
  path: string;
  port: number;
}

export interface DataSpec {
  type: string;
  /** A URI the asset points at instead of files of the backup (registered as written). */
  uri?: string;
  description?: string;
  tags?: Record<string, string>;
}

export type AssetItem = {
  name: string;
  version: string;
  /** Every file of the asset in the backup (the YAML included), for the report. */
  files: ManifestEntry[];
  /** The files to upload; empty for an environment without a build context or data at a URI. */
  uploads: AssetUpload[];
  /** The uploaded path is one file (its name), not a folder. */
  single: boolean;
} & ({ kind: 'model'; spec: ModelSpec } | { kind: 'environment'; spec: EnvironmentSpec } | { kind: 'data'; spec: DataSpec });

/** A group of backup files that cannot be restored, with why (reported as failed, one entry per file). */
export interface UnusableItem {
  kind: ItemKind;
  name?: string;
  version?: string;
  files: ManifestEntry[];
  error: string;
}

/** A schedule of the backup, as its workspace held it (enabled or not, its ids still that workspace's). */
export interface ScheduleItem extends ScheduleRecord {
  file: ManifestEntry;
}

export interface BackupContents {
  notebooks: NotebookItem[];
  assets: AssetItem[];
  schedules: ScheduleItem[];
  unusable: UnusableItem[];
}

const YAML_OF: Record<'model' | 'environment' | 'data', string> = { model: 'model.yml', environment: 'environment.yml', data: 'data.yml' };
/** The report's kind of a manifest entry's asset kind; undefined for what restore does not restore (jobs). */
export const KIND_OF_ASSET: Record<string, ItemKind | undefined> = { notebooks: 'notebook', model: 'model', environment: 'environment', data: 'data', schedule: 'schedule' };
export const KINDS_OF: Record<RestoreKind, ItemKind> = { notebooks: 'notebook', models: 'model', environments: 'environment', data: 'data', schedules: 'schedule' };

/**
 * Groups the manifest's files into notebooks and assets of the wanted kinds. `readText` gives a (verified) file's
 * text, for the YAML and the conda file. Files of other kinds (jobs) are left out.
 */
export async function backupContents(entries: readonly ManifestEntry[], kinds: readonly ItemKind[], readText: (p: string) => Promise<string>): Promise<BackupContents> {
  const out: BackupContents = { notebooks: [], assets: [], schedules: [], unusable: [] };
  const groups = new Map<string, ManifestEntry[]>();
  for (const e of entries) {
    const kind = KIND_OF_ASSET[e.asset.kind];
    if (!kind || !kinds.includes(kind)) continue;
    if (kind === 'notebook') {
      out.notebooks.push({ kind, file: e, sharePath: sharePathOf(e) });
      continue;
    }
    if (kind === 'schedule') {
      try {
        out.schedules.push({ ...parseScheduleFile(await readText(e.path)), file: e });
      } catch (err) {
        out.unusable.push({ kind, name: e.asset.name, files: [e], error: `${e.path}: ${errorMessage(err)}` });
      }
      continue;
    }
    const key = `${kind}\u0000${e.asset.name}\u0000${e.asset.version ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  for (const files of groups.values()) {
    const kind = KIND_OF_ASSET[files[0].asset.kind] as 'model' | 'environment' | 'data';
    try {
      out.assets.push(await assetOf(kind, files, readText));
    } catch (err) {
      out.unusable.push({ kind, name: files[0].asset.name, version: files[0].asset.version, files, error: errorMessage(err) });
    }
  }
  out.notebooks.sort((a, b) => (a.sharePath < b.sharePath ? -1 : a.sharePath > b.sharePath ? 1 : 0));
  out.assets.sort((a, b) => (a.kind + a.name + a.version < b.kind + b.name + b.version ? -1 : 1));
  return out;
}

/** Where a backed-up notebook goes: the share path it came from when that is a safe path, else its place below notebooks/. */
function sharePathOf(e: ManifestEntry): string {
  const source = e.source?.path;
  if (typeof source === 'string') {
    const safe = safeRelativePath(source);
    if (safe.ok && !safe.renamed) return safe.relative;
  }
  return e.path.replace(/^notebooks\//, '');
}

async function assetOf(kind: 'model' | 'environment' | 'data', files: ManifestEntry[], readText: (p: string) => Promise<string>): Promise<AssetItem> {
  const yamlName = YAML_OF[kind];
  const yamlFile = files.filter((f) => f.path.endsWith(`/${yamlName}`)).sort((a, b) => a.path.length - b.path.length)[0];
  if (!yamlFile) throw new Error(`the backup holds no ${yamlName} for it`);
  const dir = path.posix.dirname(yamlFile.path);
  let doc: Record<string, unknown>;
  try {
    doc = parse(await readText(yamlFile.path)) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`${yamlFile.path} is not valid YAML: ${errorMessage(err)}`);
  }
  if (!doc || typeof doc !== 'object') throw new Error(`${yamlFile.path} is not a ${kind} definition`);
  const name = doc.name;
  const version = doc.version;
  if (typeof name !== 'string' || !name) throw new Error(`${yamlFile.path} names no ${kind}`);
  if (typeof version !== 'string' && typeof version !== 'number') throw new Error(`${yamlFile.path} gives no version`);
  const base = { name, version: String(version), files };
  const text = (k: string) => (typeof doc[k] === 'string' ? (doc[k] as string) : undefined);
  const record = (k: string) => stringRecord(doc[k], `${yamlFile.path}: ${k}`);
  if (kind === 'model') {
    const local = text('path');
    if (!local) throw new Error(`${yamlFile.path} gives no path`);
    return { ...base, kind, ...uploadsAt(files, dir, local, yamlFile.path), spec: { type: text('type') ?? 'custom_model', description: text('description'), tags: record('tags'), properties: record('properties') } };
  }
  if (kind === 'data') {
    const local = text('path');
    if (!local) throw new Error(`${yamlFile.path} gives no path`);
    const spec: DataSpec = { type: text('type') ?? 'uri_folder', description: text('description'), tags: record('tags') };
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(local)) return { ...base, kind, uploads: [], single: false, spec: { ...spec, uri: local } };
    return { ...base, kind, ...uploadsAt(files, dir, local, yamlFile.path), spec };
  }
  const build = doc.build as { path?: unknown; dockerfile_path?: unknown } | undefined;
  const condaName = text('conda_file');
  let condaFile: string | undefined;
  if (condaName) {
    const condaPath = inside(dir, condaName, yamlFile.path);
    if (!files.some((f) => f.path === condaPath)) throw new Error(`${yamlFile.path} names the conda file ${condaName}, which the backup does not hold`);
    condaFile = await readText(condaPath);
  }
  const spec: EnvironmentSpec = {
    image: text('image'),
    condaFile,
    osType: text('os_type') && text('os_type')!.charAt(0).toUpperCase() + text('os_type')!.slice(1).toLowerCase(),
    inferenceConfig: inferenceConfigOf(doc.inference_config),
    description: text('description'),
    tags: record('tags'),
  };
  if (build && typeof build === 'object' && typeof build.path === 'string') {
    if (build.dockerfile_path !== undefined) spec.dockerfilePath = String(build.dockerfile_path);
    const context = uploadsAt(files, dir, build.path, yamlFile.path);
    if (context.single) throw new Error(`${yamlFile.path}: the build path ${build.path} is a file, not a folder`);
    return { ...base, kind, ...context, spec };
  }
  if (!spec.image) throw new Error(`${yamlFile.path} gives neither an image nor a build`);
  return { ...base, kind, uploads: [], single: false, spec };
}

/** `local` (relative to the YAML's folder) as a path of the backup; refuses one leading out of the asset's folder. */
function inside(dir: string, local: string, yamlPath: string): string {
  const joined = path.posix.normalize(path.posix.join(dir, local)).replace(/\/+$/, '');
  if (path.posix.isAbsolute(local) || !(joined === dir || joined.startsWith(`${dir}/`))) throw new Error(`${yamlPath} names ${JSON.stringify(local)}, outside its own folder`);
  return joined;
}

/** The asset's files at `local`: one file, or every file below that folder, named relative to the folder's parent. */
function uploadsAt(files: ManifestEntry[], dir: string, local: string, yamlPath: string): { uploads: AssetUpload[]; single: boolean } {
  const at = inside(dir, local, yamlPath);
  if (at === dir) throw new Error(`${yamlPath} names its own folder as the files`);
  const leaf = path.posix.basename(at);
  const one = files.find((f) => f.path === at);
  if (one) return { uploads: [{ file: one, relative: leaf }], single: true };
  const below = files.filter((f) => f.path.startsWith(`${at}/`)).map((f) => ({ file: f, relative: `${leaf}/${f.path.slice(at.length + 1)}` }));
  if (!below.length) throw new Error(`${yamlPath} names ${local}, which holds no file of the backup`);
  below.sort((a, b) => (a.relative < b.relative ? -1 : 1));
  return { uploads: below, single: false };
}

function stringRecord(x: unknown, what: string): Record<string, string> | undefined {
  if (x === undefined || x === null) return undefined;
  if (typeof x !== 'object' || Array.isArray(x)) throw new Error(`${what} is not a mapping`);
  return Object.fromEntries(Object.entries(x as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}

function inferenceConfigOf(x: unknown): EnvironmentSpec['inferenceConfig'] {
  if (!x || typeof x !== 'object') return undefined;
  const route = (r: unknown): Route | undefined => {
    const o = r as { path?: unknown; port?: unknown } | undefined;
    return o && typeof o.path === 'string' ? { path: o.path, port: Number(o.port) } : undefined;
  };
  const c = x as Record<string, unknown>;
  return { livenessRoute: route(c.liveness_route), readinessRoute: route(c.readiness_route), scoringRoute: route(c.scoring_route) };
}
