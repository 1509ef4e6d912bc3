// Before a new snapshot downloads anything: files the previous snapshot holds in the same version are hard-linked
// into the new one (copied locally where a link is impossible), and the new folder's manifest lists them, so the
// export engine finds them complete — it hashes them against the service's MD5 or the recorded sha256 — and
// downloads only what changed. Nothing of the previous snapshot is ever written: the engine replaces a file by
// renaming a new one over its name, which leaves the shared inode as it was.
import { createHash } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../common/atomicWrite';
import type { ExportPlan } from '../export/engine';
import { emptyManifest, serializeManifest, MANIFEST_FILE, type Manifest, type ManifestEntry } from '../export/manifest';
import { OutFolder } from '../export/safePaths';
import { bareETag } from '../export/transfer';

export interface LinkResult {
  linkedFiles: number;
  linkedBytes: number;
  copiedFiles: number;
  /** The entries seeded into the new manifest. */
  entries: ManifestEntry[];
}

/** `fs.link`, replaceable in tests (a file system without hard links). */
export type LinkFile = (existing: string, newPath: string) => Promise<void>;

/** Errors that mean "no hard link here" (another device, a file system without links, too many links). */
const NO_LINK = new Set(['EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EACCES']);

/**
 * Links into `next` every planned file whose previous entry has the same ETag (downloads) or the same sha256
 * (generated YAML), then writes `next`'s manifest listing them (not complete). `previousDir` is only read; a file
 * there is used only when it is a regular file reached without any symbolic link.
 */
export async function linkUnchanged(plan: ExportPlan, previousDir: string, previous: Manifest, next: OutFolder, link: LinkFile = fs.link): Promise<LinkResult> {
  const byPath = new Map(previous.files.map((e) => [e.path, e]));
  const realPrevious = await fs.realpath(previousDir);
  const result: LinkResult = { linkedFiles: 0, linkedBytes: 0, copiedFiles: 0, entries: [] };
  const candidates: { local: string; entry: ManifestEntry }[] = [];
  for (const d of plan.downloads) {
    const e = byPath.get(d.local);
    if (e && e.etag && d.remote.etag && bareETag(e.etag) === bareETag(d.remote.etag) && e.size === d.remote.size) {
      candidates.push({ local: d.local, entry: { ...e, source: d.source, asset: d.asset } });
    }
  }
  for (const w of plan.writes) {
    const e = byPath.get(w.local);
    if (e && e.sha256 === createHash('sha256').update(w.content, 'utf8').digest('hex')) candidates.push({ local: w.local, entry: { ...e, source: w.source, asset: w.asset } });
  }
  for (const { local, entry } of candidates) {
    const from = await regularFileWithin(realPrevious, local);
    if (!from || from.size !== entry.size) continue;
    const target = await next.prepare(local);
    try {
      await link(from.path, target);
      result.linkedFiles++;
      result.linkedBytes += entry.size;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (!NO_LINK.has(code)) throw err;
      await fs.copyFile(from.path, target, constants.COPYFILE_EXCL);
      result.copiedFiles++;
    }
    result.entries.push(entry);
  }
  if (result.entries.length) {
    const manifest: Manifest = { ...emptyManifest(), complete: false, files: result.entries };
    await writeFileAtomic(path.join(next.root, MANIFEST_FILE), serializeManifest(manifest));
  }
  return result;
}

/** `root/local` when it is a regular file and no folder or link on the way leads elsewhere; else undefined. */
async function regularFileWithin(realRoot: string, local: string): Promise<{ path: string; size: number } | undefined> {
  const abs = path.join(realRoot, ...local.split('/'));
  const real = await fs.realpath(abs).catch(() => undefined);
  if (real !== abs) return undefined;
  const stat = await fs.lstat(abs).catch(() => undefined);
  return stat?.isFile() ? { path: abs, size: stat.size } : undefined;
}
