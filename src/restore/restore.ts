// restoreBackup: a backup (any folder with an aml-failover manifest.json) put back into a workspace. It reads only the
// backup and the target, so it works while the workspace the backup came from is down. See README.md here.
import { setMaxListeners } from 'node:events';
import { promises as fs } from 'node:fs';
import type { EnvironmentVersion } from '@azure/arm-machinelearning';
import type { AzureConnection } from '../azure/connection';
import { unlessNotFound } from '../azure/notFound';
import { isAbort, withRetry, type RetryPolicy } from '../azure/retry';
import type { DatastoreStorage } from '../azure/storage';
import { UserError, errorMessage } from '../common/errors';
import type { Logger } from '../common/logger';
import type { ManifestEntry } from '../export/manifest';
import type { NameFilter } from '../export/plan';
import { runPool } from '../export/pool';
import { datastoreUri, leafName, locateInDatastore } from '../export/uris';
import type { WorkspaceRef } from '../pair/pairFile';
import { sameEnvironment } from '../replicate/replicate';
import { placeSchedules } from '../schedules/schedules';
import { KINDS_OF, KIND_OF_ASSET, RESTORE_KINDS, backupContents, readBackupManifest, verifyBackup, type AssetItem, type ItemKind, type RestoreKind, type ScheduleItem, type VerifiedFile } from './backup';
import { emptyReport, renamedPath, sameNames, sortedReport, uploadFolder, type FileDecision, type ReportEntry, type RestoreReport } from './plan';
import { openTarget, type ReadyFile, type TargetWorkspace } from './target';

export type OnConflict = 'skip' | 'rename';

export interface RestoreOptions {
  /** The backup folder (holds manifest.json). */
  backupDir: string;
  /** The workspace to restore into. */
  target: WorkspaceRef;
  /** Default: all of RESTORE_KINDS. */
  kinds?: readonly RestoreKind[];
  /** Only these models, environments, data assets and schedules (NAME or NAME:VERSION). */
  names?: NameFilter[];
  /** Schedules' computes renamed in the target (the pair file's `resubmit: {compute}`), as `schedules copy` does. */
  computeMap?: Record<string, string>;
  /** A notebook whose path holds other content there: reported (skip, default) or written as `name (restored <date>).ext`. */
  onConflict?: OnConflict;
  /** Decide and report, write nothing. */
  plan?: boolean;
  /** Restore what verifies from a backup that does not verify as a whole (otherwise it is refused). */
  partial?: boolean;
  signal: AbortSignal;
  logger: Logger;
  /** Notebooks written at once (default 64). */
  concurrency?: number;
  /** For the date of renamed notebooks. */
  now?: () => Date;
  policy?: RetryPolicy;
  onProgress?: (p: RestoreProgress) => void;
}

export interface RestoreDeps {
  conn: AzureConnection;
}

export interface RestoreProgress {
  /** Files decided or written so far, of `total`. */
  done: number;
  total: number;
  /** The file or asset last finished, and what happened to it. */
  last: string;
}

export interface RestoreOutcome {
  report: RestoreReport;
  cancelled: boolean;
  plan: boolean;
}

/** A backup that does not verify, refused as a whole (without `partial`). */
export class BackupRefusedError extends UserError {
  constructor(
    message: string,
    readonly problems: { path: string; problem: string }[],
  ) {
    super(message, 'failed');
    this.name = 'BackupRefusedError';
  }
}

const DEFAULT_CONCURRENCY = 64;
const ASSETS_AT_ONCE = 4;

export async function restoreBackup(options: RestoreOptions, deps: RestoreDeps): Promise<RestoreOutcome> {
  const { signal } = options;
  setMaxListeners(0, signal);
  const kinds = (options.kinds?.length ? options.kinds : RESTORE_KINDS).map((k) => KINDS_OF[k]);
  const manifest = await readBackupManifest(options.backupDir);
  const wanted = manifest.files.filter((e) => inScope(e, kinds, options.names));
  checkNamesFound(manifest.files, options.names);
  const verification = await verifyBackup(options.backupDir, manifest, wanted, signal);
  if ((verification.problems.length || verification.incomplete) && !options.partial) throw refusal(options.backupDir, verification);

  const report = emptyReport();
  const bad = new Map(verification.problems.map((p) => [p.path, p.problem]));
  const readText = async (p: string) => {
    const v = verification.verified.get(p);
    if (!v) throw new Error(`${p} did not verify: ${bad.get(p) ?? 'not in the backup'}`);
    return fs.readFile(v.local, 'utf8');
  };
  const contents = await backupContents(wanted, kinds, readText);
  for (const u of contents.unusable) for (const f of u.files) report.failed.push({ kind: u.kind, path: f.path, name: u.name, version: u.version, error: u.error });

  const total = contents.notebooks.length + contents.assets.reduce((n, a) => n + a.files.length, 0) + contents.schedules.length;
  let done = 0;
  const progress = (n: number, last: string) => {
    done += n;
    options.onProgress?.({ done, total, last });
  };

  const target = await openTarget(deps.conn, options.target, signal, options.policy);
  let cancelled = false;
  try {
    const notebookWork = contents.notebooks.map((n) => ({ n, v: verification.verified.get(n.file.path) }));
    await runPool(
      notebookWork,
      options.concurrency ?? DEFAULT_CONCURRENCY,
      async ({ n, v }) => {
        const entry: ReportEntry = { kind: 'notebook', path: n.file.path };
        if (!v) {
          report.failed.push({ ...entry, error: `did not verify: ${bad.get(n.file.path)}` });
        } else {
          const { bucket, entry: done } = await restoreNotebook(target, n.sharePath, v, entry, options);
          report[bucket].push(done);
        }
        progress(1, `notebook ${n.sharePath}`);
      },
      signal,
    );
    // A few assets at once: each is mostly ARM round trips, and their files are few (a large one is sent in parallel blocks).
    await runPool(
      contents.assets,
      ASSETS_AT_ONCE,
      async (asset) => {
        const entries = await restoreAsset(target, asset, verification.verified, bad, options);
        for (const [bucket, e] of entries) report[bucket].push(e);
        progress(asset.files.length, `${asset.kind} ${asset.name}:${asset.version}`);
      },
      signal,
    );
    if (contents.schedules.length && !signal.aborted) {
      for (const [bucket, e] of await restoreSchedules(deps.conn, contents.schedules, options)) report[bucket].push(e);
      progress(contents.schedules.length, 'schedules');
    }
  } catch (err) {
    if (!signal.aborted) throw err;
    cancelled = true;
  } finally {
    await target.dispose();
  }
  return { report: sortedReport(report), cancelled, plan: Boolean(options.plan) };
}

type Bucket = keyof RestoreReport;

function inScope(e: ManifestEntry, kinds: readonly ItemKind[], names: readonly NameFilter[] | undefined): boolean {
  const kind = KIND_OF_ASSET[e.asset.kind];
  if (!kind || !kinds.includes(kind)) return false;
  if (!names?.length || kind === 'notebook') return true;
  return names.some((f) => f.name === e.asset.name && (f.version === undefined || f.version === e.asset.version));
}

function checkNamesFound(files: readonly ManifestEntry[], names: readonly NameFilter[] | undefined): void {
  const missing = (names ?? []).filter((f) => !files.some((e) => e.asset.kind !== 'notebooks' && e.asset.name === f.name && (f.version === undefined || f.version === e.asset.version)));
  if (missing.length) throw new UserError(`Not in the backup: ${missing.map((f) => (f.version ? `${f.name}:${f.version}` : f.name)).join(', ')}.`, 'usage');
}

function refusal(dir: string, v: Awaited<ReturnType<typeof verifyBackup>>): BackupRefusedError {
  const listed = v.problems.slice(0, 5).map((p) => `${p.path}: ${p.problem}`);
  const more = v.problems.length > 5 ? `; and ${v.problems.length - 5} more` : '';
  const why = [v.problems.length ? `${v.problems.length} file(s) do not match its manifest (${listed.join('; ')}${more})` : '', v.incomplete ?? ''].filter(Boolean).join(', and ');
  return new BackupRefusedError(`Refused the backup ${dir}: ${why}. Nothing was restored. With --partial, what verifies is restored.`, v.problems);
}

/**
 * One notebook into the target's share at `sharePath`: created when absent, left alone when it holds the same bytes, a
 * conflict when it holds others — or, with `rename`, written beside it as `name (restored <date>).ext` (a copy there
 * with the same bytes counts as unchanged). Shared with `replicate notebooks`.
 */
export async function restoreNotebook(
  target: TargetWorkspace,
  sharePath: string,
  file: ReadyFile,
  entry: ReportEntry,
  options: Pick<RestoreOptions, 'onConflict' | 'plan' | 'now' | 'logger' | 'signal'>,
): Promise<{ bucket: Bucket; entry: ReportEntry }> {
  try {
    const share = await target.notebooks();
    // Only a file the listing shows is looked at; one created since is found by the next run's listing.
    const decision: FileDecision = (await target.notebookListed(sharePath)) ? await target.decide(share, sharePath, file) : { action: 'create' };
    if (decision.action === 'unchanged') return { bucket: 'unchanged', entry };
    if (decision.action === 'create') {
      if (!options.plan) await target.write(share, sharePath, file);
      return { bucket: 'created', entry: decision.resume ? { ...entry, reason: 'finished what an interrupted restore began' } : entry };
    }
    const reason = decision.action === 'conflict' ? decision.reason : 'the target holds other content there';
    if (options.onConflict !== 'rename') return { bucket: 'conflicts', entry: { ...entry, reason: `${sharePath}: ${reason}` } };
    const renamed = renamedPath(sharePath, (options.now ?? (() => new Date()))());
    const second = await target.decide(share, renamed, file);
    if (second.action === 'unchanged') return { bucket: 'unchanged', entry: { ...entry, reason: `restored earlier as ${renamed}` } };
    if (second.action !== 'create') return { bucket: 'conflicts', entry: { ...entry, reason: `${sharePath}: ${reason}; ${renamed} is taken too` } };
    if (!options.plan) await target.write(share, renamed, file);
    return { bucket: 'created', entry: { ...entry, reason: `restored as ${renamed}: ${reason}` } };
  } catch (err) {
    if (options.signal.aborted || isAbort(err)) throw err;
    options.logger.error(`notebook ${sharePath}: ${errorMessage(err)}`);
    return { bucket: 'failed', entry: { ...entry, error: errorMessage(err) } };
  }
}

/** One model, environment or data asset: the same version there (unchanged), another (conflict), or files and registration. */
async function restoreAsset(
  target: TargetWorkspace,
  asset: AssetItem,
  verified: ReadonlyMap<string, VerifiedFile>,
  bad: ReadonlyMap<string, string>,
  options: RestoreOptions,
): Promise<[Bucket, ReportEntry][]> {
  const each = (bucket: Bucket, extra: Partial<ReportEntry> = {}): [Bucket, ReportEntry][] =>
    asset.files.map((f) => [bucket, { kind: asset.kind, path: f.path, name: asset.name, version: asset.version, ...extra }]);
  const unverified = asset.files.find((f) => !verified.has(f.path));
  if (unverified) {
    return asset.files.map((f) => [
      'failed',
      { kind: asset.kind, path: f.path, name: asset.name, version: asset.version, error: verified.has(f.path) ? `not restored: ${unverified.path} of this ${asset.kind} did not verify` : `did not verify: ${bad.get(f.path)}` },
    ]);
  }
  const uploads = asset.uploads.map((u) => ({ ...u, ready: verified.get(u.file.path)! }));
  try {
    const existing = await existingVersion(target, asset, options.signal);
    if (existing) {
      const difference = await differs(target, asset, existing, uploads);
      return difference ? each('conflicts', { reason: `version ${asset.version} exists there with ${difference}` }) : each('unchanged');
    }
    const store = await target.blobs();
    const folder = uploadFolder(uploads.map((u) => ({ relative: u.relative, sha256: u.ready.sha256 })));
    const decisions = await Promise.all(uploads.map(async (u) => ({ u, d: await target.decide(store, `${folder}${u.relative}`, u.ready) })));
    const taken = decisions.find((x) => x.d.action === 'conflict');
    if (taken) return each('conflicts', { reason: `${store.datastore}/${folder}${taken.u.relative} holds other content` });
    if (options.plan) return each('created');
    await runPool(
      decisions.filter((x) => x.d.action === 'create'),
      4,
      (x) => target.write(store, `${folder}${x.u.relative}`, x.u.ready),
      options.signal,
    );
    const at = asset.uploads.length === 0 ? undefined : asset.single ? `${folder}${asset.uploads[0].relative}` : `${folder}${asset.uploads[0].relative.split('/')[0]}/`;
    await register(target, asset, at && datastoreUri(target.workspace, store.datastore, at), options);
    return each('created');
  } catch (err) {
    if (options.signal.aborted || isAbort(err)) throw err;
    options.logger.error(`${asset.kind} ${asset.name}:${asset.version}: ${errorMessage(err)}`);
    return each('failed', { error: errorMessage(err) });
  }
}

const BUCKET_OF = { created: 'created', unchanged: 'unchanged', conflict: 'conflicts', failed: 'failed' } as const;

/**
 * The backup's schedules into the target as `schedules copy` puts them (src/schedules): disabled, ids pointing at the
 * target, tagged with whether they were enabled in the backed-up workspace (what a handover with that workspace down
 * enables); one there with other content is a conflict, never overwritten.
 */
async function restoreSchedules(conn: AzureConnection, schedules: ScheduleItem[], options: RestoreOptions): Promise<[Bucket, ReportEntry][]> {
  const entry = (s: ScheduleItem): ReportEntry => ({ kind: 'schedule', path: s.file.path, name: s.name });
  try {
    const outcomes = await placeSchedules(conn, schedules, options.target, { computeMap: options.computeMap, logger: options.logger, plan: options.plan });
    return outcomes.map((o, i) => {
      const e = entry(schedules[i]);
      if (o.status === 'failed') return ['failed', { ...e, error: o.reason }];
      return [BUCKET_OF[o.status], o.status === 'conflict' ? { ...e, reason: o.reason } : o.status === 'created' ? { ...e, reason: `disabled; ${schedules[i].enabled ? 'enabled' : 'disabled'} where it was backed up` } : e];
    });
  } catch (err) {
    if (options.signal.aborted || isAbort(err)) throw err;
    options.logger.error(`schedules: ${errorMessage(err)}`);
    return schedules.map((s) => ['failed', { ...entry(s), error: errorMessage(err) }]);
  }
}

interface ExistingVersion {
  /** Where its files are (model, data, an environment's build context). */
  uri?: string;
  environment?: EnvironmentVersion['properties'];
}

async function existingVersion(target: TargetWorkspace, asset: AssetItem, signal: AbortSignal): Promise<ExistingVersion | undefined> {
  const { ml, workspace: w } = target;
  const args = [w.resource_group, w.workspace_name, asset.name, asset.version, { abortSignal: signal }] as const;
  if (asset.kind === 'model') {
    const m = await unlessNotFound(ml.modelVersions.get(...args));
    return m && { uri: m.properties.modelUri };
  }
  if (asset.kind === 'environment') {
    const e = await unlessNotFound(ml.environmentVersions.get(...args));
    return e && { uri: e.properties.build?.contextUri, environment: e.properties };
  }
  const d = await unlessNotFound(ml.dataVersions.get(...args));
  return d && { uri: d.properties.dataUri };
}

/** How the version in the target differs from the backup's, or undefined when it holds the same definition and files. */
async function differs(target: TargetWorkspace, asset: AssetItem, existing: ExistingVersion, uploads: { relative: string; ready: ReadyFile }[]): Promise<string | undefined> {
  if (asset.kind === 'environment') {
    const difference = sameEnvironment(environmentProperties(asset.spec, uploads.length ? 'context' : undefined), existing.environment!);
    if (difference || !uploads.length) return difference;
  }
  if (asset.kind === 'data' && asset.spec.uri) return existing.uri === asset.spec.uri ? undefined : `another location (${existing.uri})`;
  if (!existing.uri) return 'no files';
  const location = locateInDatastore(existing.uri, await target.bindings(), target.workspace);
  if (!location) return `files elsewhere (${existing.uri}), which cannot be compared`;
  const store = await target.datastore(location.datastore);
  const single = !asset.single || location.path.endsWith('/') ? undefined : await store.stat(location.path, target.signal);
  const there = single ? [{ ...single, relative: leafName(location.path) }] : await listBelow(store, location.path, target.signal);
  const names = sameNames(
    uploads.map((u) => u.relative.split('/').slice(1).join('/') || u.relative),
    there.map((f) => f.relative),
  );
  if (names) return `other files: ${names}`;
  const byName = new Map(there.map((f) => [f.relative, f]));
  for (const u of uploads) {
    const stored = byName.get(u.relative.split('/').slice(1).join('/') || u.relative)!;
    const d: FileDecision = await target.compare(store, stored, u.ready);
    if (d.action !== 'unchanged') return `other content in ${stored.relative}`;
  }
  return undefined;
}

async function listBelow(store: DatastoreStorage, folder: string, signal: AbortSignal) {
  const prefix = folder === '' || folder.endsWith('/') ? folder : `${folder}/`;
  const out = [];
  for await (const f of store.list(prefix, signal)) out.push({ ...f, relative: f.path.slice(prefix.length) });
  return out;
}

function environmentProperties(spec: Extract<AssetItem, { kind: 'environment' }>['spec'], contextUri: string | undefined): EnvironmentVersion['properties'] {
  return {
    description: spec.description,
    tags: spec.tags,
    image: spec.image,
    condaFile: spec.condaFile,
    osType: spec.osType,
    build: contextUri ? { contextUri, dockerfilePath: spec.dockerfilePath } : undefined,
    inferenceConfig: spec.inferenceConfig,
  };
}

/** Registers the asset as its YAML says, its files at `uri` (retried; the service's 409 for another definition is a failure). */
async function register(target: TargetWorkspace, asset: AssetItem, uri: string | undefined, options: RestoreOptions): Promise<void> {
  const { ml, workspace: w } = target;
  const call = { abortSignal: options.signal };
  const retry = { signal: options.signal, policy: options.policy };
  if (asset.kind === 'model') {
    const s = asset.spec;
    await withRetry(
      () => ml.modelVersions.createOrUpdate(w.resource_group, w.workspace_name, asset.name, asset.version, { properties: { modelType: s.type, modelUri: uri, description: s.description, tags: s.tags, properties: s.properties } }, call),
      retry,
    );
  } else if (asset.kind === 'environment') {
    await withRetry(() => ml.environmentVersions.createOrUpdate(w.resource_group, w.workspace_name, asset.name, asset.version, { properties: environmentProperties(asset.spec, uri) }, call), retry);
  } else {
    const s = asset.spec;
    await withRetry(
      () => ml.dataVersions.createOrUpdate(w.resource_group, w.workspace_name, asset.name, asset.version, { properties: { dataType: s.type, dataUri: s.uri ?? uri ?? '', description: s.description, tags: s.tags } }, call),
      retry,
    );
  }
}
