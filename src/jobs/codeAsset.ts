// A local code folder as a code asset of the target workspace, the way `az ml job create` makes one (azure-ai-ml
// 1.4.0): its files uploaded to the default datastore under `LocalUpload/<hash>/<folder name>/…`
// (_artifacts/_blob_storage_helper.py `upload`, _utils/_asset_utils.py `generate_asset_id`), each blob carrying the
// upload confirmation and the asset's name and version (`_build_metadata_dict`), then a code version named by a
// GUID, version "1", `isAnonymous`, `codeUri` the folder's blob URL (operations/_code_operations.py). The hash is
// azure-ai-ml's `get_object_hash`, so the same folder lands in the same place and an upload already confirmed there
// is reused instead of sent again.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { AzureConnection } from '../azure/connection';
import { storageEndpoints } from '../azure/cloud';
import { unlessNotFound } from '../azure/notFound';
import { withRetry } from '../azure/retry';
import type { DatastoreStorage } from '../azure/storage';
import { UserError } from '../common/errors';
import type { WorkspaceRef } from '../pair/pairFile';
import { assetArmId } from './ids';

/** A file of a code folder: its path inside the folder ("/" separated) and on disk. */
export interface CodeFile {
  rel: string;
  abs: string;
  size: number;
}

/**
 * Every file below `dir`, in azure-ai-ml's hashing order (each folder's entries sorted by lower-cased path). A link
 * is refused, not followed: a code folder from a repository must not upload what lies outside it.
 */
export async function codeFiles(dir: string): Promise<CodeFile[]> {
  const out: CodeFile[] = [];
  const walk = async (abs: string, rel: string) => {
    const entries = await fs.readdir(abs, { withFileTypes: true });
    entries.sort((a, b) => cmp(path.join(abs, a.name).toLowerCase(), path.join(abs, b.name).toLowerCase()));
    for (const e of entries) {
      const childAbs = path.join(abs, e.name);
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      if (e.isSymbolicLink()) throw new UserError(`The code folder ${dir} holds a symbolic link (${childRel}); links are not uploaded. Replace it with the file it points to.`, 'usage');
      if (e.isDirectory()) await walk(childAbs, childRel);
      else if (e.isFile()) out.push({ rel: childRel, abs: childAbs, size: (await fs.stat(childAbs)).size });
    }
  };
  await walk(dir, '');
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * azure-ai-ml's `get_object_hash` of a folder: MD5 seeded with its fixed text, then for each entry in order its
 * name and, for a file, its bytes (folders recursed in place).
 */
export async function codeHash(dir: string): Promise<string> {
  const hash = createHash('md5').update('Initialize for october 2021 AML CLI version');
  const walk = async (abs: string) => {
    const entries = await fs.readdir(abs, { withFileTypes: true });
    entries.sort((a, b) => cmp(path.join(abs, a.name).toLowerCase(), path.join(abs, b.name).toLowerCase()));
    for (const e of entries) {
      hash.update(e.name);
      const child = path.join(abs, e.name);
      if (e.isFile()) for await (const chunk of createReadStream(child)) hash.update(chunk as Buffer);
      else if (e.isDirectory()) await walk(child);
    }
  };
  await walk(dir);
  return hash.digest('hex');
}

async function md5Of(file: string): Promise<Buffer> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest();
}

export interface CodeAsset {
  /** ARM id of the code version. */
  id: string;
  name: string;
  version: string;
  /** Whether the files were uploaded now (false: an earlier upload of the same folder was reused). */
  uploaded: boolean;
}

/** Uploads `dir` to `store` (the target's default blob datastore) and registers it as a code version (with `tags`, when it is new). */
export async function createCodeAsset(conn: AzureConnection, target: WorkspaceRef, store: DatastoreStorage, dir: string, signal: AbortSignal, tags?: Record<string, string>): Promise<CodeAsset> {
  if (store.kind !== 'blob') throw new UserError(`The default datastore ${store.datastore} of ${target.workspace_name} is not a blob container; code can only be uploaded to one.`);
  const files = await codeFiles(dir);
  if (!files.length) throw new UserError(`The code folder ${dir} is empty; the service refuses an empty code asset.`, 'usage');
  const hash = await codeHash(dir);
  const folder = `LocalUpload/${hash}/${path.basename(dir)}`;
  const ml = await conn.ml(target.subscription_id);
  const { resource_group: rg, workspace_name: ws } = target;

  // An upload of the same folder confirmed earlier names its code asset in its metadata: reuse it.
  const first = await store.stat(`${folder}/${files[0].rel}`, signal);
  const meta = first?.metadata;
  if (meta?.upload_status === 'completed' && meta.name && meta.version) {
    const existing = await unlessNotFound(ml.codeVersions.get(rg, ws, meta.name, meta.version, { abortSignal: signal }));
    if (existing) return { id: assetArmId(target, 'codes', meta.name, meta.version), name: meta.name, version: meta.version, uploaded: false };
  }

  const name = randomUUID();
  const version = '1';
  const metadata = { upload_status: 'completed', name, version };
  for (const f of files) {
    const md5 = await md5Of(f.abs);
    await withRetry(() => store.upload(`${folder}/${f.rel}`, f.abs, f.size, md5, signal, metadata), { signal, policy: conn.retry });
  }
  const blob = storageEndpoints(conn.cloud, store.account).blob.replace(/\/+$/, '');
  const codeUri = `${blob}/${store.container}/${folder}`;
  await ml.codeVersions.createOrUpdate(rg, ws, name, version, { properties: { codeUri, isAnonymous: true, ...(tags ? { tags } : {}) } }, { abortSignal: signal });
  return { id: assetArmId(target, 'codes', name, version), name, version, uploaded: true };
}
