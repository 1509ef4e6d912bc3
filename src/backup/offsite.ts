// Off-region copies: a snapshot uploaded into the other workspace's default blob store (or a blob container the
// user names by URL), and fetched back from there — verified against its manifest — for restore. A backup on a
// laptop or in the primary's own region is out of reach exactly when it is needed.
//   <store>/aml-failover/backups/<role>/<snapshot>/…   the snapshot's files; manifest.json uploaded last
//   <store>/aml-failover/backups/<role>/latest         the newest snapshot uploaded complete
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ServerCopyRefused, copyBlobServerSide } from '../azure/blobCopy';
import type { AzureConnection } from '../azure/connection';
import { withRetry } from '../azure/retry';
import { openContainerUrl, openDatastore, type DatastoreStorage, type StoredFile } from '../azure/storage';
import { UserError, errorMessage } from '../common/errors';
import type { Logger } from '../common/logger';
import { MANIFEST_FILE, type Manifest, type ManifestEntry } from '../export/manifest';
import { datastoreReader } from '../export/plan';
import { OutFolder, safeRelativePath } from '../export/safePaths';
import { bareETag, downloadVerified, hashFile } from '../export/transfer';
import { workspaceArmId, type PairConfig, type Role, type WorkspaceRef } from '../pair/pairFile';
import { BACKUP_RECORD_FILE, LATEST_FILE, VERIFIED_FILE, parseSnapshotName } from './snapshots';

export const OFFSITE_PREFIX = 'aml-failover/backups';
/** The datastore every workspace has: its default blob store. */
export const DEFAULT_BLOB_DATASTORE = 'workspaceblobstore';
const SHA256_METADATA = 'amlfailover_sha256';

/** Where an off-region copy goes: a workspace of the pair (its default blob store) or a container URL. */
export type StorageLocation = { kind: 'workspace'; role: Role } | { kind: 'url'; url: string };

/** `secondary`, `primary`, or `https://<account>.blob…/<container>[?SAS]`. */
export function parseStorageLocation(text: string): StorageLocation {
  if (text === 'primary' || text === 'secondary') return { kind: 'workspace', role: text };
  if (/^https:\/\//i.test(text)) {
    try {
      new URL(text);
      return { kind: 'url', url: text };
    } catch {
      // fall through to the message
    }
  }
  throw new UserError(`--to-storage must be primary, secondary or a blob container URL (https://…), not "${redact(text)}".`, 'usage');
}

/** A URL for messages and logs: its query (a SAS) is never shown. */
export function redact(url: string): string {
  return url.replace(/\?.*$/, '?…');
}

export function describeLocation(location: StorageLocation, pair: PairConfig): string {
  return location.kind === 'workspace' ? `the ${location.role} workspace's ${DEFAULT_BLOB_DATASTORE} (${pair.workspaces[location.role].workspace_name})` : redact(location.url);
}

export async function openLocation(conn: AzureConnection, pair: PairConfig, location: StorageLocation, signal: AbortSignal): Promise<DatastoreStorage> {
  return location.kind === 'workspace' ? openDatastore(conn, pair.workspaces[location.role], DEFAULT_BLOB_DATASTORE, signal) : openContainerUrl(conn, location.url);
}

export interface UploadResult {
  /** Blob path of the snapshot's folder in the store. */
  prefix: string;
  uploaded: number;
  /** Files already there with the same sha256 (a re-run after an interruption). */
  skipped: number;
  /** Files copied inside the store from the copy before (same sha256): nothing sent. */
  copied: number;
  /** Files copied server to server from the workspace they were backed up from (still that version): nothing sent. */
  serverSide: number;
  bytesUploaded: number;
}

/**
 * Uploads the complete snapshot at `snapshot` (of `role`) into `store`: every file its manifest lists, backup.json
 * and verified.json, each with its Content-MD5 and sha256; manifest.json last, then `latest`. Files already there
 * with the same sha256 are not sent again. With `source` (the workspace backed up), a file whose blob there is still
 * the version the snapshot holds (datastore, path, ETag, size) is copied server to server from it; it is uploaded
 * from the snapshot only when the service cannot copy it (ServerCopyRefused) or the source cannot be reached — the
 * source's region being down is what an off-region copy is for.
 */
export async function uploadSnapshot(
  store: DatastoreStorage,
  snapshot: string,
  role: Role,
  options: { signal: AbortSignal; logger: Logger; conn: AzureConnection; source?: WorkspaceRef; onFile?: (done: number, total: number) => void },
): Promise<UploadResult> {
  const { signal } = options;
  const manifest = JSON.parse(await fs.readFile(path.join(snapshot, MANIFEST_FILE), 'utf8')) as Manifest;
  if (!manifest.complete) throw new UserError(`${snapshot} is not complete; only a complete snapshot is copied off-region.`);
  const name = path.basename(snapshot);
  const prefix = `${OFFSITE_PREFIX}/${role}/${name}`;
  const there = new Map<string, StoredFile>();
  for await (const f of store.list(`${prefix}/`, signal)) there.set(f.path, f);
  // The copy before this one (its `latest`): a file with the same sha256 is copied inside the service, not sent again.
  const previous = await previousCopy(store, role, name, signal);
  const extras = [BACKUP_RECORD_FILE, VERIFIED_FILE].filter((f) => !manifest.files.some((e) => e.path === f));
  const locals = [...manifest.files.map((e) => e.path), ...extras, MANIFEST_FILE];
  const result: UploadResult = { prefix, uploaded: 0, skipped: 0, copied: 0, serverSide: 0, bytesUploaded: 0 };
  const entries = new Map(manifest.files.map((e) => [e.path, e]));
  const fromSource = options.source ? sourceCopier(options.source, store, options) : undefined;
  let done = 0;
  const retrying = <T>(what: string, call: () => Promise<T>) =>
    withRetry(call, { signal, policy: options.conn.retry, onRetry: (err, n, ms) => options.conn.onRetry(err, n, ms, `${what}`) });
  const send = async (local: string, blob: string) => {
    const file = path.join(snapshot, ...local.split('/'));
    const stat = await fs.lstat(file).catch(() => undefined);
    if (!stat?.isFile()) return;
    const hash = await hashFile(file, signal);
    if (there.get(blob)?.metadata?.[SHA256_METADATA] === hash.sha256) {
      result.skipped++;
      return;
    }
    const earlier = previous?.get(local);
    if (earlier?.metadata?.[SHA256_METADATA] === hash.sha256 && earlier.contentMD5 === hash.md5 && (store.copy || store.copyWithin)) {
      try {
        // The service's blob-to-blob copy (a short read-only SAS for the source) where the store has one.
        const copyEnd = store.copy;
        if (copyEnd) await copyEnd.copyFromUrl(blob, (s) => copyEnd.readUrl(earlier.path, s), { size: hash.size, contentMD5: hash.md5 }, { signal, metadata: { [SHA256_METADATA]: hash.sha256 } });
        else await retrying(`copy ${blob}`, () => store.copyWithin!(blob, earlier.path, signal));
        const copied = await store.stat(blob, signal);
        if (copied?.metadata?.[SHA256_METADATA] === hash.sha256 && copied.contentMD5 === hash.md5) {
          result.copied++;
          return;
        }
      } catch (err) {
        if (signal.aborted) throw err;
        options.logger.warn(`Could not copy ${earlier.path} inside the store (${(err as Error).message}); uploading it.`);
      }
    }
    if (await fromSource?.copy(entries.get(local), blob, hash)) {
      result.serverSide++;
      return;
    }
    await retrying(`upload ${blob}`, () => store.upload(blob, file, hash.size, Buffer.from(hash.md5, 'base64'), signal, { [SHA256_METADATA]: hash.sha256 }));
    result.uploaded++;
    result.bytesUploaded += hash.size;
  };
  try {
    for (const local of locals) {
      await send(local, `${prefix}/${local}`);
      options.onFile?.(++done, locals.length);
    }
  } finally {
    await fromSource?.dispose();
  }
  // `latest` names it only now that all of it is there.
  const latest = path.join(snapshot, '..', `.${LATEST_FILE}.upload-${process.pid}`);
  await fs.writeFile(latest, `${name}\n`);
  try {
    await send(path.relative(snapshot, latest).split(path.sep).join('/'), `${OFFSITE_PREFIX}/${role}/${LATEST_FILE}`);
  } finally {
    await fs.rm(latest, { force: true });
  }
  return result;
}

/**
 * Server-to-server copies of a snapshot's files from the workspace they were backed up from: only while the blob
 * there is still the version the manifest records (and the snapshot's file has its sha256). A datastore the service
 * cannot copy from, or cannot reach, is said once; its files are uploaded from the snapshot.
 */
function sourceCopier(workspace: WorkspaceRef, target: DatastoreStorage, options: { signal: AbortSignal; logger: Logger; conn: AzureConnection }) {
  const { signal } = options;
  const id = workspaceArmId(workspace).toLowerCase();
  const opened = new Map<string, Promise<DatastoreStorage>>();
  const refused = new Set<string>();
  return {
    async copy(entry: ManifestEntry | undefined, blob: string, hash: { sha256: string; md5: string; size: number }): Promise<boolean> {
      const datastore = entry?.source.datastore;
      if (!entry || !datastore || !entry.etag || !target.copy || refused.has(datastore) || entry.source.workspace.toLowerCase() !== id || entry.sha256 !== hash.sha256 || entry.size !== hash.size) return false;
      try {
        let source = opened.get(datastore);
        if (!source) opened.set(datastore, (source = openDatastore(options.conn, workspace, datastore, signal)));
        // A file share's files have no blob to copy from: uploaded, as they always were.
        if (!(await source).copy) {
          refused.add(datastore);
          return false;
        }
        const live = await (await source).stat(entry.source.path, signal);
        if (!live || live.size !== entry.size || bareETag(live.etag ?? '') !== bareETag(entry.etag)) return false;
        await copyBlobServerSide(await source, { ...live, contentMD5: hash.md5 }, target, blob, { signal, metadata: { [SHA256_METADATA]: hash.sha256 } });
        return true;
      } catch (err) {
        if (signal.aborted) throw err;
        refused.add(datastore);
        const why = err instanceof ServerCopyRefused ? err.reason : `the source did not answer: ${errorMessage(err)}`;
        options.logger.warn(`Uploading the files of datastore ${datastore} from the snapshot instead of copying them server to server: ${why}.`);
        return false;
      }
    },
    async dispose() {
      for (const source of await Promise.allSettled(opened.values())) if (source.status === 'fulfilled') source.value.dispose();
    },
  };
}

/** The files of the copy `latest` names (when it is another snapshot than `name`), by path relative to it. */
async function previousCopy(store: DatastoreStorage, role: Role, name: string, signal: AbortSignal): Promise<Map<string, StoredFile> | undefined> {
  const latestBlob = `${OFFSITE_PREFIX}/${role}/${LATEST_FILE}`;
  if (!(await store.stat(latestBlob, signal))) return undefined;
  const latest = await readLatestBlob(store, latestBlob, signal);
  if (!parseSnapshotName(latest) || latest === name) return undefined;
  const prefix = `${OFFSITE_PREFIX}/${role}/${latest}/`;
  const files = new Map<string, StoredFile>();
  for await (const f of store.list(prefix, signal)) files.set(f.path.slice(prefix.length), f);
  return files;
}

export interface FetchedSnapshot {
  /** The local folder holding the snapshot, verified against its manifest. */
  dir: string;
  /** The snapshot's folder in the store. */
  prefix: string;
  files: number;
  bytes: number;
}

/**
 * Downloads the snapshot at `prefix` of `store` (a snapshot folder, or a role folder whose `latest` names one) into
 * `into` (a new, empty folder): manifest.json first, then every file it lists — each verified on the way (the
 * service's MD5s) and against the manifest's sha256. Names from the store are checked like an export's: nothing
 * lands outside `into`.
 */
export async function fetchSnapshot(store: DatastoreStorage, folder: string, into: string, signal: AbortSignal): Promise<FetchedSnapshot> {
  let prefix = folder.replace(/^\/+|\/+$/g, '');
  if (!(await store.stat(`${prefix}/${MANIFEST_FILE}`, signal))) {
    const latest = await readLatestBlob(store, `${prefix}/${LATEST_FILE}`, signal);
    if (!parseSnapshotName(latest)) throw new UserError(`${store.container}/${prefix}/${LATEST_FILE} does not name a snapshot.`);
    prefix = `${prefix}/${latest}`;
  }
  const out = await OutFolder.open(into);
  const fetch = async (local: string) => {
    const remote = await store.stat(`${prefix}/${local}`, signal);
    if (!remote) throw new UserError(`${store.container}/${prefix}/${local} is missing: the copy there is not complete.`);
    return downloadVerified(datastoreReader(store, remote.path), remote, await out.prepare(local), { signal });
  };
  let bytes = (await fetch(MANIFEST_FILE)).size;
  const manifest = JSON.parse(await fs.readFile(out.abs(MANIFEST_FILE), 'utf8')) as Manifest;
  if (!manifest.complete || !Array.isArray(manifest.files)) throw new UserError(`The manifest of ${prefix} does not say complete.`);
  for (const entry of manifest.files) {
    const safe = safeRelativePath(entry.path);
    if (!safe.ok || safe.relative !== entry.path) throw new UserError(`The manifest of ${prefix} lists an unsafe path ${JSON.stringify(entry.path)}; nothing restored.`);
    const got = await fetch(entry.path);
    if (got.sha256 !== entry.sha256) throw new UserError(`${entry.path} from ${prefix} does not match its sha256 in the manifest.`);
    bytes += got.size;
  }
  // The record of jobs and when it was taken travels with it, when there.
  if (await store.stat(`${prefix}/${BACKUP_RECORD_FILE}`, signal)) bytes += (await fetch(BACKUP_RECORD_FILE)).size;
  return { dir: out.root, prefix, files: manifest.files.length, bytes };
}

async function readLatestBlob(store: DatastoreStorage, blob: string, signal: AbortSignal): Promise<string> {
  const stat = await store.stat(blob, signal);
  if (!stat) throw new UserError(`${store.container}/${path.posix.dirname(blob)} holds no snapshot (no ${MANIFEST_FILE}, no ${LATEST_FILE}).`);
  const r = await store.read(blob, 0, Math.min(stat.size, 200), signal);
  const chunks: Buffer[] = [];
  for await (const c of r.body as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8').trim();
}

/** A backup kept in storage: a datastore path of a workspace of the pair, or a folder of a container named by URL. */
export type RemoteBackup = { kind: 'datastore'; workspace?: { subscription: string; resourceGroup: string; name: string }; datastore: string; path: string } | { kind: 'url'; containerUrl: string; path: string };

const DATASTORE_URI = /^azureml:\/\/(?:subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/workspaces\/([^/]+)\/)?datastores\/([^/]+)\/paths\/(.*)$/i;

/**
 * `azureml://[subscriptions/<s>/resourcegroups/<rg>/workspaces/<w>/]datastores/<d>/paths/<folder>` (without a
 * workspace: the one restored into) or `https://<account>.blob…/<container>/<folder>[?SAS]`; undefined for anything
 * else (a local folder).
 */
export function parseRemoteBackup(text: string): RemoteBackup | undefined {
  const m = DATASTORE_URI.exec(text);
  if (m) return { kind: 'datastore', workspace: m[3] ? { subscription: m[1]!, resourceGroup: m[2]!, name: m[3] } : undefined, datastore: m[4]!, path: decodeURIComponent(m[5]!) };
  if (!/^https:\/\//i.test(text)) return undefined;
  const url = new URL(text);
  const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  // Path-style hosts (an IP address, localhost: emulators, the sandbox) carry the account as the first segment.
  const accountInPath = /^(localhost|\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:]+\])$/i.test(url.hostname) ? 1 : 0;
  const container = segments.slice(0, accountInPath + 1);
  if (container.length < accountInPath + 1) throw new UserError(`${redact(text)} names no blob container.`, 'usage');
  return { kind: 'url', containerUrl: `${url.origin}/${container.map(encodeURIComponent).join('/')}${url.search}`, path: segments.slice(accountInPath + 1).join('/') };
}

/** Where `aml-failover restore` finds a snapshot copied with `--to-storage`, as backup prints it. */
export function remoteBackupLocation(location: StorageLocation, pair: PairConfig, prefix: string): string {
  if (location.kind === 'url') {
    const url = new URL(location.url);
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}/${prefix}${url.search ? '?<SAS>' : ''}`;
  }
  const ws = pair.workspaces[location.role];
  return `azureml://subscriptions/${ws.subscription_id}/resourcegroups/${ws.resource_group}/workspaces/${ws.workspace_name}/datastores/${DEFAULT_BLOB_DATASTORE}/paths/${prefix}`;
}

/**
 * Fetches a backup kept in storage into a new temporary folder, verified against its manifest, for restore to read
 * like a local one. `into` is the target workspace of the restore: a datastore URI without a workspace is its.
 * The caller removes `dir` when done (`dispose`).
 */
export async function fetchRemoteBackup(
  remote: RemoteBackup,
  options: { conn: AzureConnection; pair: PairConfig; into: Role; tempDir: string; signal: AbortSignal },
): Promise<FetchedSnapshot> {
  const { conn, pair, signal } = options;
  let store: DatastoreStorage;
  if (remote.kind === 'url') store = await openContainerUrl(conn, remote.containerUrl);
  else {
    const w = remote.workspace;
    const role = w ? (['primary', 'secondary'] as const).find((r) => pair.workspaces[r].workspace_name.toLowerCase() === w.name.toLowerCase() && pair.workspaces[r].resource_group.toLowerCase() === w.resourceGroup.toLowerCase() && pair.workspaces[r].subscription_id.toLowerCase() === w.subscription.toLowerCase()) : options.into;
    if (!role) throw new UserError(`${w!.name} is not a workspace of the pair in aml-failover.yaml.`, 'usage');
    store = await openDatastore(conn, pair.workspaces[role], remote.datastore, signal);
  }
  try {
    return await fetchSnapshot(store, remote.path, options.tempDir, signal);
  } finally {
    store.dispose();
  }
}

/**
 * Copies a complete snapshot off-region (a library call: backup --to-storage). Returns where restore finds it.
 */
export async function copySnapshotOffsite(
  conn: AzureConnection,
  pair: PairConfig,
  snapshot: string,
  role: Role,
  location: StorageLocation,
  options: { signal: AbortSignal; logger: Logger; onFile?: (done: number, total: number) => void },
): Promise<UploadResult & { location: string }> {
  const store = await openLocation(conn, pair, location, options.signal);
  try {
    const result = await uploadSnapshot(store, snapshot, role, { ...options, conn, source: pair.workspaces[role] });
    return { ...result, location: remoteBackupLocation(location, pair, result.prefix) };
  } finally {
    store.dispose();
  }
}

/**
 * Runs `use` on a local folder holding the backup at `location`: the folder itself (relative to the current
 * folder), or — for a copy in storage (`azureml://…/datastores/…/paths/…`, a container URL) — a temporary folder it
 * is fetched into, verified against its manifest, and removed afterwards.
 */
export async function withLocalBackup<T>(
  location: string,
  options: { conn: AzureConnection; pair: PairConfig; into: Role; signal: AbortSignal; logger: Logger },
  use: (dir: string) => Promise<T>,
): Promise<T> {
  const remote = parseRemoteBackup(location);
  if (!remote) return use(path.resolve(location));
  const tempDir = await fs.mkdtemp(path.join(os.tmpdir(), 'aml-failover-backup-'));
  try {
    const fetched = await fetchRemoteBackup(remote, { ...options, tempDir });
    options.logger.info(`Fetched ${fetched.files} file(s) (${fetched.bytes} bytes) of ${fetched.prefix}, each matching the manifest.`);
    return await use(fetched.dir);
  } finally {
    await fs.rm(tempDir, { recursive: true, force: true });
  }
}

/** The newest snapshot of a workspace kept off-region (what `backup --to-storage` leaves in the other workspace's store). */
export interface OffRegionCopy {
  /** The snapshot's name: its UTC timestamp (`20261207T030000Z`). */
  name: string;
  /** Where restore finds it (`azureml://…/datastores/workspaceblobstore/paths/aml-failover/backups/<role>/<name>`). */
  location: string;
}

/**
 * The newest copy of `role`'s snapshots in the other workspace's default blob store (its `latest`), or undefined when
 * none was copied there. Reads the other region only.
 */
export async function offRegionCopy(conn: AzureConnection, pair: PairConfig, role: Role, signal: AbortSignal): Promise<OffRegionCopy | undefined> {
  const other: StorageLocation = { kind: 'workspace', role: role === 'primary' ? 'secondary' : 'primary' };
  const store = await openLocation(conn, pair, other, signal);
  try {
    const latestBlob = `${OFFSITE_PREFIX}/${role}/${LATEST_FILE}`;
    if (!(await store.stat(latestBlob, signal))) return undefined;
    const name = await readLatestBlob(store, latestBlob, signal);
    if (!parseSnapshotName(name)) return undefined;
    return { name, location: remoteBackupLocation(other, pair, `${OFFSITE_PREFIX}/${role}/${name}`) };
  } finally {
    store.dispose();
  }
}
