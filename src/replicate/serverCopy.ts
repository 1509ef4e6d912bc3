// Replicate's blob-to-blob copies on the service side (src/azure/blobCopy.ts): a model's 20 GB file goes from the
// source account to the target account without passing through this machine. A file is copied through this machine
// instead (replicate.ts, read once and hashed on the way) only when the service-side copy is impossible for its
// datastore (a file share, a SAS the source refuses, a network rule, no permission to delegate — said once per
// datastore, then that datastore's files go the other way without asking again).
// A file whose source records no whole-file hash (no Content-MD5, no sha256 in its metadata or an export manifest —
// the usual large block-uploaded job output) is copied server to server too: no sha256 is made up for it, and the
// copy records the source version it was copied from (its ETag; the size is the blob's own), which is what re-runs
// compare. Reading it here only to hash it would be the very 20 GB trip this module exists to avoid (README.md).
import type { StoredFile, DatastoreStorage } from '../azure/storage';
import { ServerCopyRefused, copyBlobServerSide } from '../azure/blobCopy';
import { bareETag } from '../export/transfer';
import type { Manifest } from '../export/manifest';
import type { Logger } from '../common/logger';
import type { WorkspaceRef } from '../pair/pairFile';
import { workspaceArmId } from '../pair/pairFile';
import { SHA256_METADATA, SOURCE_ETAG_METADATA } from './metadata';


export interface ServerCopySettings {
  /** False copies every file through this machine (`--no-server-copy`). Default true. */
  enabled?: boolean;
  /** Bytes per block and blocks at once (blobCopy.ts defaults: 32 MiB, 8). */
  blockBytes?: number;
  concurrency?: number;
  /** A sha256 known for this version of a source file (from an export manifest), when its metadata records none. */
  knownSha256?: (file: StoredFile, datastore: string) => string | undefined;
  /** Hears the bytes of each block the service copied (progress). */
  onBytes?: (n: number) => void;
}

/** Files copied through this machine instead, by reason. */
export interface ThroughClient {
  reason: string;
  files: number;
}

export interface ServerCopier {
  /**
   * Copies `file` of `source` to `targetPath` of `target` on the service side; false when it must be copied through
   * this machine instead (the reason is logged once and counted in `throughClient`).
   */
  copy(source: DatastoreStorage, file: StoredFile, target: DatastoreStorage, targetPath: string, signal: AbortSignal): Promise<boolean>;
  readonly throughClient: ThroughClient[];
  /** Files copied server to server whose source records no whole-file hash: their copies carry provenance only. */
  readonly unhashed: number;
}

export function serverCopier(settings: ServerCopySettings, logger: Logger): ServerCopier {
  const refused = new Map<string, string>();
  const throughClient: ThroughClient[] = [];
  let unhashed = 0;
  const noteClient = (reason: string) => {
    let entry = throughClient.find((t) => t.reason === reason);
    if (!entry) {
      entry = { reason, files: 0 };
      throughClient.push(entry);
      logger.warn(`Copying through this machine instead of server to server: ${reason}.`);
    }
    entry.files++;
    return false;
  };
  return {
    throughClient,
    get unhashed() {
      return unhashed;
    },
    async copy(source, file, target, targetPath, signal) {
      if (settings.enabled === false) return false;
      const storeKey = `${source.account}/${source.container}`;
      const known = refused.get(storeKey);
      if (known) return noteClient(known);
      if (!source.copy) return noteClient(`datastore ${source.datastore} is a file share, not blob storage`);
      const sha256 = file.metadata?.[SHA256_METADATA] ?? settings.knownSha256?.(file, source.datastore);
      const metadata: Record<string, string> = {};
      if (sha256) metadata[SHA256_METADATA] = sha256;
      if (file.etag) metadata[SOURCE_ETAG_METADATA] = bareETag(file.etag);
      try {
        await copyBlobServerSide(source, file, target, targetPath, { signal, metadata, blockBytes: settings.blockBytes, concurrency: settings.concurrency, onBytes: settings.onBytes });
        if (!sha256 && !file.contentMD5) unhashed++;
        return true;
      } catch (err) {
        if (!(err instanceof ServerCopyRefused)) throw err;
        const reason = `datastore ${source.datastore} (account ${source.account}): ${err.reason}`;
        refused.set(storeKey, reason);
        return noteClient(reason);
      }
    },
  };
}

/**
 * sha256s an export recorded (OUT/manifest.json) for files of `workspace`, by datastore, path and the ETag of the
 * version exported: a file counts only while it is still that version and size. A manifest names hashes, never
 * where anything goes, so one from an untrusted folder can at worst record a wrong sha256 for a version it names.
 */
export function sha256FromManifest(manifest: Manifest, workspace: WorkspaceRef): (file: StoredFile, datastore: string) => string | undefined {
  const id = workspaceArmId(workspace).toLowerCase();
  const byKey = new Map<string, { sha256: string; size: number }>();
  for (const e of manifest.files) {
    if (!e.etag || !e.source.datastore || e.source.workspace.toLowerCase() !== id || !/^[0-9a-f]{64}$/.test(e.sha256)) continue;
    byKey.set(`${e.source.datastore}\n${e.source.path}\n${bareETag(e.etag)}`, { sha256: e.sha256, size: e.size });
  }
  return (file, datastore) => {
    if (!file.etag) return undefined;
    const hit = byKey.get(`${datastore}\n${file.path}\n${bareETag(file.etag)}`);
    return hit && hit.size === file.size ? hit.sha256 : undefined;
  };
}
