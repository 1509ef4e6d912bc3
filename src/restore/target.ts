// The workspace a restore writes to: its notebook share and default blob datastore (opened on first use, secrets
// dropped by dispose), and the one way a file gets there — decided against what is there, written verified.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import type { AzureConnection } from '../azure/connection';
import { Md5UnconfirmedError, openDatastore, type DatastoreStorage, type StoredFile } from '../azure/storage';
import type { RetryPolicy } from '../azure/retry';
import { datastoreReader, NOTEBOOKS_DATASTORE } from '../export/plan';
import { downloadVerified, hashFile } from '../export/transfer';
import type { DatastoreBinding } from '../export/uris';
import type { WorkspaceRef } from '../pair/pairFile';
import { PENDING_METADATA, SHA256_METADATA, decideFile, type FileDecision, type SourceFile } from './plan';

/** A file ready to be written: verified bytes on this machine and their hashes. */
export interface ReadyFile extends SourceFile {
  local: string;
  /** `md5` is the backup manifest's, not computed from the file (VerifiedFile). */
  md5FromRecord?: boolean;
}

export interface TargetWorkspace {
  readonly workspace: WorkspaceRef;
  readonly ml: AzureMachineLearningWorkspaces;
  /** The run's signal: every call made for it stops with it. */
  readonly signal: AbortSignal;
  /** The share behind `workspaceworkingdirectory`. */
  notebooks(): Promise<DatastoreStorage>;
  /**
   * Whether the notebook share holds a file at `sharePath` (case-insensitive, as Azure Files names are), from one
   * listing of the share taken on first use: a thousand new notebooks cost one listing, not a thousand look-ups.
   */
  notebookListed(sharePath: string): Promise<boolean>;
  /** The default blob datastore (`isDefault`, else `workspaceblobstore`). */
  blobs(): Promise<DatastoreStorage>;
  /** The workspace's datastores, for locating an existing asset's files. */
  bindings(): Promise<DatastoreBinding[]>;
  /** Opens any datastore of the workspace (an existing asset's files may live in another one). */
  datastore(name: string): Promise<DatastoreStorage>;
  /** What writing `file` to `store` at `remote` would do; reads the target's bytes only when nothing recorded tells. */
  decide(store: DatastoreStorage, remote: string, file: SourceFile): Promise<FileDecision>;
  /** Compares a stored file with `file`, reading its bytes when no record decides. */
  compare(store: DatastoreStorage, stored: StoredFile, file: SourceFile): Promise<FileDecision>;
  /** Writes `file` verified (transactional MD5s, whole-file MD5, sha256 metadata). */
  write(store: DatastoreStorage, remote: string, file: ReadyFile): Promise<void>;
  dispose(): Promise<void>;
}

export async function openTarget(conn: AzureConnection, workspace: WorkspaceRef, signal: AbortSignal, policy?: RetryPolicy): Promise<TargetWorkspace> {
  const ml = await conn.ml(workspace.subscription_id);
  const stores = new Map<string, Promise<DatastoreStorage>>();
  const open = (name: string) => {
    let s = stores.get(name);
    if (!s) {
      s = openDatastore(conn, workspace, name, signal);
      s.catch(() => stores.delete(name));
      stores.set(name, s);
    }
    return s;
  };
  let listed: Promise<(DatastoreBinding & { isDefault: boolean; blob: boolean })[]> | undefined;
  const list = () =>
    (listed ??= (async () => {
      const out: (DatastoreBinding & { isDefault: boolean; blob: boolean })[] = [];
      for await (const d of ml.datastores.list(workspace.resource_group, workspace.workspace_name, { abortSignal: signal })) {
        const p = d.properties as { accountName?: string; containerName?: string; fileShareName?: string; isDefault?: boolean; datastoreType?: string };
        out.push({ name: d.name ?? '', account: p.accountName, container: p.containerName ?? p.fileShareName, isDefault: Boolean(p.isDefault), blob: p.datastoreType === 'AzureBlob' });
      }
      return out;
    })());
  let listing: Promise<Set<string>> | undefined;
  const notebookListing = () =>
    (listing ??= (async () => {
      const names = new Set<string>();
      for await (const f of (await open(NOTEBOOKS_DATASTORE)).list('', signal)) names.add(f.path.toLowerCase());
      return names;
    })());
  let scratch: Promise<string> | undefined;
  const scratchDir = () => (scratch ??= fs.mkdtemp(path.join(os.tmpdir(), 'aml-failover-restore-')));

  const compare = async (store: DatastoreStorage, stored: StoredFile, file: SourceFile): Promise<FileDecision> => {
    const decision = decideFile(file, stored);
    if (decision.action !== 'compare') return decision;
    const local = path.join(await scratchDir(), `${Math.random().toString(36).slice(2)}.compare`);
    try {
      const got = await downloadVerified(datastoreReader(store, stored.path), stored, local, { signal, policy });
      return got.sha256 === file.sha256 ? { action: 'unchanged' } : { action: 'conflict', reason: 'the target holds other content there' };
    } finally {
      await fs.rm(local, { force: true });
    }
  };

  return {
    workspace,
    ml,
    signal,
    notebooks: () => open(NOTEBOOKS_DATASTORE),
    notebookListed: async (sharePath) => (await notebookListing()).has(sharePath.toLowerCase()),
    async blobs() {
      const all = await list();
      return open(all.find((d) => d.isDefault && d.blob)?.name ?? 'workspaceblobstore');
    },
    bindings: list,
    datastore: open,
    compare,
    async decide(store, remote, file) {
      const stored = await store.stat(remote, signal);
      return stored ? compare(store, stored, file) : { action: 'create' };
    },
    async write(store, remote, file) {
      const options = { metadata: { [SHA256_METADATA]: file.sha256 }, pending: { [PENDING_METADATA]: file.sha256 } };
      try {
        await store.write(remote, { path: file.local, size: file.size, md5: file.md5, md5FromRecord: file.md5FromRecord }, signal, options);
      } catch (err) {
        if (!(err instanceof Md5UnconfirmedError)) throw err;
        // The manifest's MD5 was not the file's: hash the file (it must still be the verified one) and send that.
        const h = await hashFile(file.local, signal);
        if (h.size !== file.size || h.sha256 !== file.sha256) throw new Error(`${file.local} changed after it was verified against the backup's manifest.`);
        await store.write(remote, { path: file.local, size: file.size, md5: h.md5 }, signal, options);
      }
    },
    async dispose() {
      for (const s of stores.values()) void s.then((x) => x.dispose(), () => undefined);
      if (scratch) await fs.rm(await scratch, { recursive: true, force: true });
    },
  };
}
