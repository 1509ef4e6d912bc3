// Replication into the other workspace: each model version's files are copied to the target's default blob
// datastore — server to server where the storage allows it (serverCopy.ts: the source's Content-MD5 and any known
// sha256 carried over, the source version recorded), else through this machine (verified download, read once and
// hashed on the way; upload with Content-MD5 and the sha256 in the blob's metadata) — and the same name and version
// is registered there; environments are registered with the same definition (and build context, copied the same way).
// Idempotent: a version already on the other side with the same content is left alone, known from the sha256s and
// the source ETag recorded when it was copied, so a re-run reads no file. A version there with other content is a
// conflict: reported, never overwritten. A version whose files carry hostile names is refused.
import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DataVersionBase, EnvironmentVersion, ModelVersion } from '@azure/arm-machinelearning';
import type { AzureConnection } from '../azure/connection';
import { unlessNotFound } from '../azure/notFound';
import { openDatastore, type DatastoreStorage, type StoredFile } from '../azure/storage';
import { UserError, errorMessage } from '../common/errors';
import type { Logger } from '../common/logger';
import { datastoreReader, type NameFilter } from '../export/plan';
import { runPool } from '../export/pool';
import { throwIfAborted, withRetry, type RetryPolicy } from '../azure/retry';
import { describeReason, printable, safeRelativePath } from '../export/safePaths';
import { bareETag, downloadVerified } from '../export/transfer';
import { jobOutputsOf, locateAsset } from '../export/jobOutputs';
import { datastoreUri, leafName, type DatastoreBinding } from '../export/uris';
import type { WorkspaceRef } from '../pair/pairFile';

export const REPLICATE_KINDS = ['models', 'environments', 'data'] as const;
export type ReplicateKind = (typeof REPLICATE_KINDS)[number];

/** Where replicated files go in the target's default blob datastore. */
export const TARGET_DATASTORE = 'workspaceblobstore';
export const TARGET_PREFIX = 'aml-failover/replicated';
import { SHA256_METADATA, SOURCE_ETAG_METADATA } from './metadata';
import { serverCopier, sha256FromManifest, type ServerCopySettings, type ThroughClient } from './serverCopy';
import { readManifest } from '../export/manifest';
export { SHA256_METADATA, SOURCE_ETAG_METADATA };

export interface ReplicateRequest {
  kinds: ReplicateKind[];
  source: WorkspaceRef;
  target: WorkspaceRef;
  names?: NameFilter[];
  signal: AbortSignal;
  logger: Logger;
  policy?: RetryPolicy;
  onProgress?: (done: number, total: number, last: string) => void;
  /** Blob-to-blob copies on the service side (serverCopy.ts); on unless `enabled: false`. */
  serverCopy?: ServerCopySettings;
  /**
   * An export folder of the source (e.g. the project's aml-export/<from>) whose manifest.json gives the sha256 of
   * the versions it exported: server-side copies of them carry it (unless serverCopy.knownSha256 is given). Absent or
   * without a manifest: nothing.
   */
  hashesFrom?: string;
}

export type Outcome =
  | { status: 'replicated'; files: number; bytes: number; serverSide?: number }
  | { status: 'unchanged' }
  | { status: 'conflict'; reason: string }
  | { status: 'refused'; reason: string }
  | { status: 'failed'; reason: string };

export interface AssetOutcome {
  kind: 'model' | 'environment' | 'data';
  name: string;
  version: string;
  outcome: Outcome;
}

export interface ReplicateResult {
  assets: AssetOutcome[];
  cancelled: boolean;
  /** Files copied through this machine although server to server was tried, and why. */
  throughClient?: ThroughClient[];
  /** Files copied server to server whose source records no whole-file hash (their copies carry no sha256). */
  unhashed?: number;
}

export async function replicate(conn: AzureConnection, req: ReplicateRequest): Promise<ReplicateResult> {
  const { signal, logger, source, target } = req;
  setMaxListeners(0, signal);
  const from = await conn.ml(source.subscription_id);
  const to = await conn.ml(target.subscription_id);
  const stores = new Map<string, Promise<DatastoreStorage>>();
  const store = (ws: WorkspaceRef, name: string) => {
    const k = `${ws.subscription_id}/${ws.resource_group}/${ws.workspace_name}/${name}`;
    let s = stores.get(k);
    if (!s) {
      s = openDatastore(conn, ws, name, signal);
      stores.set(k, s);
    }
    return s;
  };
  const bindingCache = new Map<WorkspaceRef, Promise<DatastoreBinding[]>>();
  const bindings = (ws: WorkspaceRef) => {
    let b = bindingCache.get(ws);
    if (!b) {
      b = (async () => {
        const ml = ws === source ? from : to;
        const out: DatastoreBinding[] = [];
        for await (const d of ml.datastores.list(ws.resource_group, ws.workspace_name, { abortSignal: signal })) {
          const p = d.properties as { accountName?: string; containerName?: string; fileShareName?: string };
          out.push({ name: d.name ?? '', account: p.accountName, container: p.containerName ?? p.fileShareName });
        }
        return out;
      })();
      bindingCache.set(ws, b);
    }
    return b;
  };
  const manifest = req.hashesFrom !== undefined && !req.serverCopy?.knownSha256 ? await readManifest(req.hashesFrom) : undefined;
  const servers = serverCopier({ ...req.serverCopy, ...(manifest ? { knownSha256: sha256FromManifest(manifest, source) } : {}) }, logger);
  const sourceJobs = jobOutputsOf(from, source, signal);
  const targetJobs = jobOutputsOf(to, target, signal);
  const staging = await fs.mkdtemp(path.join(os.tmpdir(), 'aml-failover-replicate-'));
  const found = new Set<string>();
  const wanted = (name: string, version: string) => {
    if (!req.names?.length) return true;
    const hit = req.names.find((f) => f.name === name && (f.version === undefined || f.version === version));
    if (hit) found.add(`${hit.name}:${hit.version ?? ''}`);
    return hit !== undefined;
  };

  /** Files of an asset at a datastore URI, relative to its folder; refuses hostile names. */
  const filesAt = async (ws: WorkspaceRef, uri: string): Promise<{ store: DatastoreStorage; single: boolean; base: string; files: (StoredFile & { relative: string })[] }> => {
    const location = await locateAsset(uri, () => bindings(ws), ws, ws === source ? sourceJobs : targetJobs);
    if (!location) throw new Error(`its files are at ${uri}, which is not a datastore of workspace ${ws.workspace_name}`);
    const s = await store(ws, location.datastore);
    const single = location.path !== '' && !location.path.endsWith('/') ? await s.stat(location.path, signal) : undefined;
    if (single) return { store: s, single: true, base: location.path, files: [{ ...single, relative: leafName(location.path) }] };
    const prefix = location.path === '' || location.path.endsWith('/') ? location.path : `${location.path}/`;
    const files: (StoredFile & { relative: string })[] = [];
    for await (const f of s.list(prefix, signal)) {
      const relative = f.path.startsWith(prefix) ? f.path.slice(prefix.length) : `../${f.path}`;
      files.push({ ...f, relative });
    }
    return { store: s, single: false, base: prefix, files };
  };

  const hostile = (files: { relative: string }[]): string | undefined => {
    for (const f of files) {
      const r = safeRelativePath(f.relative);
      if (!r.ok) return `file name ${JSON.stringify(printable(f.relative))} ${describeReason(r.reason)}`;
      if (r.renamed) return `file name ${JSON.stringify(printable(f.relative))} ${r.renamed.map(describeReason).join('; ')}`;
    }
    const lower = new Map<string, string>();
    for (const f of files) {
      const other = lower.get(f.relative.toLowerCase());
      if (other !== undefined && other !== f.relative) return `file names ${JSON.stringify(other)} and ${JSON.stringify(f.relative)} ${describeReason('case-collision')}`;
      lower.set(f.relative.toLowerCase(), f.relative);
    }
    return undefined;
  };

  /** Downloads one stored file (verified, read once) into the staging folder; `use` gets the local copy and its hashes. */
  const fetchOnce = async <T>(s: DatastoreStorage, f: StoredFile, use: (local: string, got: Awaited<ReturnType<typeof downloadVerified>>) => Promise<T>): Promise<T> => {
    const local = path.join(staging, createHash('sha256').update(`${s.account}/${s.container}/${f.path}`).digest('hex'));
    try {
      return await use(local, await downloadVerified(datastoreReader(s, f.path), f, local, { signal, policy: req.policy }));
    } finally {
      await fs.rm(local, { force: true });
    }
  };

  /** sha256 of a stored file: recorded by an earlier replication, or read once (verified) to compute it. */
  const sha256Of = async (s: DatastoreStorage, f: StoredFile): Promise<string> =>
    f.metadata?.[SHA256_METADATA] ?? fetchOnce(s, f, async (_local, got) => got.sha256);

  /** Same relative names, sizes and content on both sides; reads a file only when no recorded hash answers. */
  const sameFiles = async (a: Awaited<ReturnType<typeof filesAt>>, b: Awaited<ReturnType<typeof filesAt>>): Promise<string | undefined> => {
    if (a.files.length !== b.files.length) return `${b.files.length} file(s) there, ${a.files.length} here`;
    const byName = new Map(b.files.map((f) => [f.relative, f]));
    for (const f of a.files) {
      const other = byName.get(f.relative);
      if (!other) return `${f.relative} is missing there`;
      if (other.size !== f.size) return `${f.relative} differs in size`;
      const known = knownSame(f, other);
      const same = known ?? (await sha256Of(a.store, f)) === (await sha256Of(b.store, other));
      if (!same) return `${f.relative} differs in content`;
    }
    return undefined;
  };

  /** Copies files to the target's blob datastore under `prefix`, skipping those already copied from the same version. */
  const copyFiles = async (src: Awaited<ReturnType<typeof filesAt>>, prefix: string): Promise<{ files: number; bytes: number; serverSide: number }> => {
    const dest = await store(target, TARGET_DATASTORE);
    let files = 0;
    let bytes = 0;
    let serverSide = 0;
    await runPool(
      src.files,
      4,
      async (f) => {
        const destPath = `${prefix}${f.relative}`;
        const existing = await dest.stat(destPath, signal);
        if (existing && knownSame(f, existing)) return;
        if (await servers.copy(src.store, f, dest, destPath, signal)) {
          files++;
          serverSide++;
          bytes += f.size;
          return;
        }
        // Read once: the download verifies (If-Match, range MD5s, Content-MD5 when listed) and hashes on the way.
        await fetchOnce(src.store, f, async (local, got) => {
          const metadata = { [SHA256_METADATA]: got.sha256, ...(got.remote.etag ? { [SOURCE_ETAG_METADATA]: bareETag(got.remote.etag) } : {}) };
          await withRetry(() => dest.upload(destPath, local, got.size, Buffer.from(got.md5, 'base64'), signal, metadata), { signal, policy: req.policy });
          files++;
          bytes += got.size;
        });
      },
      signal,
    );
    return { files, bytes, serverSide };
  };

  const replicateModel = async (name: string, version: string, model: ModelVersion): Promise<Outcome> => {
    const uri = model.properties.modelUri;
    if (!uri) return { status: 'failed', reason: 'the model version has no modelUri' };
    const src = await filesAt(source, uri);
    const refusal = hostile(src.files);
    if (refusal) return { status: 'refused', reason: refusal };
    const existing = await unlessNotFound(to.modelVersions.get(target.resource_group, target.workspace_name, name, version, { abortSignal: signal }));
    if (existing) {
      if (!existing.properties.modelUri) return { status: 'conflict', reason: 'the version there has no files' };
      const there = await filesAt(target, existing.properties.modelUri);
      const difference = await sameFiles(src, there);
      return difference ? { status: 'conflict', reason: `version ${version} exists there with different files: ${difference}` } : { status: 'unchanged' };
    }
    // Keep the source's folder name, so an export from either side lays the files out the same way.
    const versionFolder = `${TARGET_PREFIX}/models/${encodeURIComponent(name)}/${encodeURIComponent(version)}/`;
    const folder = src.single ? versionFolder : `${versionFolder}${leafName(src.base)}/`;
    const copied = await copyFiles(src, folder);
    const p = model.properties;
    await withRetry(
      () =>
        to.modelVersions.createOrUpdate(
          target.resource_group,
          target.workspace_name,
          name,
          version,
          {
            properties: {
              description: p.description,
              tags: p.tags,
              properties: p.properties,
              flavors: p.flavors,
              modelType: p.modelType,
              modelUri: datastoreUri(target, TARGET_DATASTORE, src.single ? `${folder}${src.files[0].relative}` : folder),
            },
          },
          { abortSignal: signal },
        ),
      { signal, policy: req.policy },
    );
    return { status: 'replicated', ...copied };
  };

  const replicateEnvironment = async (name: string, version: string, env: EnvironmentVersion): Promise<Outcome> => {
    const existing = await unlessNotFound(to.environmentVersions.get(target.resource_group, target.workspace_name, name, version, { abortSignal: signal }));
    if (existing) {
      const difference = sameEnvironment(env.properties, existing.properties);
      return difference ? { status: 'conflict', reason: `version ${version} exists there with ${difference}` } : { status: 'unchanged' };
    }
    const p = env.properties;
    let build = p.build;
    let copied = { files: 0, bytes: 0, serverSide: 0 };
    if (p.build?.contextUri) {
      const src = await filesAt(source, p.build.contextUri.endsWith('/') ? p.build.contextUri : `${p.build.contextUri}/`);
      const refusal = hostile(src.files);
      if (refusal) return { status: 'refused', reason: refusal };
      const folder = `${TARGET_PREFIX}/environments/${encodeURIComponent(name)}/${encodeURIComponent(version)}/context/`;
      copied = await copyFiles(src, folder);
      build = { ...p.build, contextUri: datastoreUri(target, TARGET_DATASTORE, folder) };
    }
    await withRetry(
      () =>
        to.environmentVersions.createOrUpdate(
          target.resource_group,
          target.workspace_name,
          name,
          version,
          { properties: { description: p.description, tags: p.tags, properties: p.properties, image: p.image, condaFile: p.condaFile, build, osType: p.osType, inferenceConfig: p.inferenceConfig } },
          { abortSignal: signal },
        ),
      { signal, policy: req.policy },
    );
    return { status: 'replicated', ...copied };
  };

  /**
   * A data asset: its files copied like a model's when they live in the source's datastores, and the version
   * registered with the same type; data outside the workspace is registered with the same reference.
   */
  const replicateData = async (name: string, version: string, data: DataVersionBase): Promise<Outcome> => {
    const p = data.properties;
    const inside = await locateAsset(p.dataUri, () => bindings(source), source, sourceJobs);
    const src = inside ? await filesAt(source, p.dataUri) : undefined;
    const refusal = src && hostile(src.files);
    if (refusal) return { status: 'refused', reason: refusal };
    const existing = await unlessNotFound(to.dataVersions.get(target.resource_group, target.workspace_name, name, version, { abortSignal: signal }));
    if (existing) {
      if (existing.properties.dataType !== p.dataType) return { status: 'conflict', reason: `version ${version} exists there as ${existing.properties.dataType}, here as ${p.dataType}` };
      if (!src) return existing.properties.dataUri === p.dataUri ? { status: 'unchanged' } : { status: 'conflict', reason: `version ${version} exists there with another path` };
      const difference = await sameFiles(src, await filesAt(target, existing.properties.dataUri));
      return difference ? { status: 'conflict', reason: `version ${version} exists there with different files: ${difference}` } : { status: 'unchanged' };
    }
    let dataUri = p.dataUri;
    let copied = { files: 0, bytes: 0 };
    if (src) {
      const versionFolder = `${TARGET_PREFIX}/data/${encodeURIComponent(name)}/${encodeURIComponent(version)}/`;
      const folder = src.single ? versionFolder : `${versionFolder}${leafName(src.base)}/`;
      copied = await copyFiles(src, folder);
      dataUri = datastoreUri(target, TARGET_DATASTORE, src.single ? `${folder}${src.files[0].relative}` : folder);
    }
    await withRetry(
      () =>
        to.dataVersions.createOrUpdate(
          target.resource_group,
          target.workspace_name,
          name,
          version,
          { properties: { dataType: p.dataType, dataUri, description: p.description, tags: p.tags, properties: p.properties } },
          { abortSignal: signal },
        ),
      { signal, policy: req.policy },
    );
    return { status: 'replicated', ...copied };
  };

  const result: ReplicateResult = { assets: [], cancelled: false };
  try {
    const work: { kind: AssetOutcome['kind']; name: string; version: string; run: () => Promise<Outcome> }[] = [];
    const rg = source.resource_group;
    const ws = source.workspace_name;
    const names = req.names?.length ? new Set(req.names.map((n) => n.name)) : undefined;
    /** Queues every wanted version of one kind. */
    const queue = async <V extends { name?: string }>(kind: AssetOutcome['kind'], containers: AsyncIterable<{ name?: string }>, versionsOf: (name: string) => AsyncIterable<V>, run: (name: string, version: string, v: V) => Promise<Outcome>) => {
      for await (const c of containers) {
        const name = c.name ?? '';
        if (names && !names.has(name)) continue;
        for await (const v of versionsOf(name)) {
          const version = v.name ?? '';
          if (wanted(name, version)) work.push({ kind, name, version, run: () => run(name, version, v) });
        }
      }
    };
    const listing = { abortSignal: signal };
    if (req.kinds.includes('models')) await queue('model', from.modelContainers.list(rg, ws, listing), (n) => from.modelVersions.list(rg, ws, n, listing), replicateModel);
    if (req.kinds.includes('environments')) await queue('environment', from.environmentContainers.list(rg, ws, listing), (n) => from.environmentVersions.list(rg, ws, n, listing), replicateEnvironment);
    if (req.kinds.includes('data')) await queue('data', from.dataContainers.list(rg, ws, listing), (n) => from.dataVersions.list(rg, ws, n, listing), replicateData);
    const missing = (req.names ?? []).filter((f) => !found.has(`${f.name}:${f.version ?? ''}`));
    if (missing.length) throw new UserError(`Not found in ${source.workspace_name}: ${missing.map((f) => (f.version ? `${f.name}:${f.version}` : f.name)).join(', ')}.`, 'usage');
    let done = 0;
    for (const item of work) {
      throwIfAborted(signal);
      let outcome: Outcome;
      try {
        outcome = await item.run();
      } catch (err) {
        if (signal.aborted) throw err;
        logger.error(`${item.kind} ${item.name}:${item.version}: ${errorMessage(err)}`);
        outcome = { status: 'failed', reason: errorMessage(err) };
      }
      result.assets.push({ kind: item.kind, name: item.name, version: item.version, outcome });
      req.onProgress?.(++done, work.length, `${item.kind} ${item.name}:${item.version}`);
    }
  } catch (err) {
    if (!signal.aborted) throw err;
    result.cancelled = true;
  } finally {
    for (const s of stores.values()) void s.then((x) => x.dispose(), () => undefined);
    await fs.rm(staging, { recursive: true, force: true });
  }
  if (servers.throughClient.length) result.throughClient = servers.throughClient;
  if (servers.unhashed) result.unhashed = servers.unhashed;
  return result;
}

/** How two environment definitions differ in what a version fixes (image, conda file, build), or undefined. */
export function sameEnvironment(a: EnvironmentVersion['properties'], b: EnvironmentVersion['properties']): string | undefined {
  if ((a.image ?? '') !== (b.image ?? '')) return 'a different image';
  if ((a.condaFile ?? '').trim() !== (b.condaFile ?? '').trim()) return 'a different conda file';
  if (Boolean(a.build) !== Boolean(b.build) || (a.build?.dockerfilePath ?? '') !== (b.build?.dockerfilePath ?? '')) return 'a different build';
  return undefined;
}

export function summarizeReplication(r: ReplicateResult): string[] {
  const count = (s: Outcome['status']) => r.assets.filter((a) => a.outcome.status === s).length;
  const lines = [
    `${r.cancelled ? 'Cancelled' : 'Replicated'}: ${count('replicated')} registered, ${count('unchanged')} already there, ${count('conflict')} conflict(s), ${count('refused')} refused, ${count('failed')} failed.`,
  ];
  for (const a of r.assets) {
    const o = a.outcome;
    const what = `${a.kind} ${a.name}:${a.version}`;
    if (o.status === 'replicated') lines.push(`  replicated ${what} (${o.files} file(s) copied${o.serverSide ? `, ${o.serverSide} server to server` : ''})`);
    else if (o.status === 'conflict') lines.push(`  conflict: ${what}: ${o.reason}; not overwritten.`);
    else if (o.status === 'refused') lines.push(`  refused: ${what}: ${o.reason}.`);
    else if (o.status === 'failed') lines.push(`  failed: ${what}: ${o.reason}`);
  }
  for (const t of r.throughClient ?? []) lines.push(`  ${t.files} file(s) copied through this machine: ${t.reason}.`);
  if (r.unhashed) {
    lines.push(`  ${r.unhashed} file(s) copied server to server without a sha256 (their source records no whole-file hash): each copy records the source version it came from, which re-runs compare.`);
  }
  return lines;
}

/**
 * Whether a target file holds the source's content, from what is recorded without reading either: true or false
 * when the records decide, undefined when only reading can tell. sha256s recorded on both sides decide. A target
 * replicate wrote records the source version it was copied from (its ETag): the very same version is the same
 * content, with or without a sha256 (a server-to-server copy of a source with no whole-file hash records none, and
 * is verified by the service's answers instead). Content-MD5s count only where both are the service's word about
 * the bytes: never against a target on which replicate recorded a sha256 after hashing it itself.
 */
export function knownSame(source: StoredFile, target: StoredFile): boolean | undefined {
  if (source.size !== target.size) return false;
  const targetSha = target.metadata?.[SHA256_METADATA];
  const sourceSha = source.metadata?.[SHA256_METADATA];
  if (targetSha && sourceSha) return sourceSha === targetSha;
  const copiedFrom = target.metadata?.[SOURCE_ETAG_METADATA];
  if (copiedFrom && source.etag && bareETag(source.etag) === copiedFrom) return true;
  if (targetSha) return undefined;
  if (source.contentMD5 && target.contentMD5) return source.contentMD5 === target.contentMD5;
  return undefined;
}
