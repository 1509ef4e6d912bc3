import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { UserError } from './errors';

/**
 * Flags for creating a temporary file: a new file only (O_EXCL), and never through a symbolic link at its name
 * (O_NOFOLLOW, where the platform has it; O_EXCL alone already refuses an existing link).
 */
export const CREATE_NEW_NO_FOLLOW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

/** What a rewritten file keeps of the file it replaces, and whether the folder is flushed after the rename. */
export interface KeepOwnership {
  mode?: number;
  uid?: number;
  gid?: number;
  /** Default true. False when the caller flushes the folder itself, once for many files. */
  syncFolder?: boolean;
}

/**
 * Writes `data` to `file` so that readers only ever see the old or the new bytes: a temporary file in the same
 * folder, flushed, renamed over the target, then the folder flushed too (else a power loss can undo the rename).
 * A crash part-way leaves at most a stray `.tmp-*` file.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, keep?: number | KeepOwnership): Promise<void> {
  const { mode, uid, gid, syncFolder = true } = typeof keep === 'number' ? { mode: keep } : (keep ?? {});
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const handle = await fs.open(tmp, CREATE_NEW_NO_FOLLOW, 0o666);
  try {
    await handle.writeFile(data);
    // The umask applies at creation; the mode asked for is the mode kept.
    if (mode !== undefined) await handle.chmod(mode & 0o7777);
    // Only root (or a member of the group) may hand the file back to its owner; otherwise it stays the writer's.
    if (uid !== undefined && gid !== undefined && process.platform !== 'win32') await handle.chown(uid, gid).catch(() => undefined);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  if (syncFolder) await syncDir(dir);
}

/**
 * Creates `file` with `data` only if no file of that name exists, and so that it appears whole or not at all: the
 * bytes go to a flushed temporary file first, which is then hard-linked into place (the link fails if the name is
 * taken, even by a link, and never replaces anything). Rejects with code EEXIST when the name is taken.
 */
export async function createFileExclusive(file: string, data: string | Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const handle = await fs.open(tmp, CREATE_NEW_NO_FOLLOW, 0o666);
  try {
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    await fs.link(tmp, file).catch(async (err: NodeJS.ErrnoException) => {
      // File systems without hard links (FAT, exFAT, some network shares): still exclusive, though not all-or-nothing.
      if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(err.code ?? '')) throw err;
      await writeNew(file, data);
    });
  } finally {
    await handle.close().catch(() => undefined);
    await fs.rm(tmp, { force: true });
  }
  await syncDir(dir);
}

async function writeNew(file: string, data: string | Uint8Array): Promise<void> {
  const handle = await fs.open(file, CREATE_NEW_NO_FOLLOW, 0o666);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Flushes a folder's entries (renames, new files) to disk. Windows cannot open a folder for this and orders its
 * metadata itself; some file systems refuse it (EINVAL), which leaves nothing better to do.
 */
export async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await fs.open(dir, constants.O_RDONLY | (constants.O_DIRECTORY ?? 0));
  try {
    await handle.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EPERM') throw err;
  } finally {
    await handle.close();
  }
}

/**
 * Rewrites a file in place as far as a user can tell: its mode (and owner, where allowed) kept, and a symbolic link
 * edited through to its target rather than replaced by a plain file. Links are followed only while they stay inside
 * `root` (`rootName` names it in the message): a repository's link must never make a fix write elsewhere.
 */
export async function rewriteFileWithin(root: string, file: string, data: string | Uint8Array, rootName = 'the project'): Promise<{ written: string }> {
  const target = await realTargetWithin(root, file, rootName);
  const before = await fs.stat(target);
  await writeFileAtomic(target, data, { mode: before.mode, uid: before.uid, gid: before.gid });
  return { written: target };
}

/**
 * Where a write to `file` really lands, refused (UserError, nothing written) when a symbolic link on the way (the
 * file itself or any folder above it) leads out of `root`, or dangles. The file need not exist yet: then the part of
 * its path that exists decides. Links that stay inside `root` are fine; the caller writes to the answer, so a linked
 * file is edited through its link rather than replaced.
 */
export async function realTargetWithin(root: string, file: string, rootName = 'the project'): Promise<string> {
  const realRoot = await fs.realpath(root);
  const target = await realPathOfNew(file);
  if (!isInside(path.relative(realRoot, target))) {
    const link = await firstLink(path.resolve(root), path.resolve(file));
    throw new UserError(
      link === path.resolve(file)
        ? `${file} is a symbolic link to ${target}, outside ${rootName} (${realRoot}); not written.`
        : `${file} is not written: ${link ?? 'a folder on its path'} is a symbolic link leading outside ${rootName} (${realRoot}), to ${target}.`,
    );
  }
  return target;
}

/** The real path of `file`, or, when it does not exist, of its nearest existing folder joined with the rest. */
async function realPathOfNew(file: string): Promise<string> {
  const absolute = path.resolve(file);
  try {
    return await fs.realpath(absolute);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const stat = await fs.lstat(absolute).catch(() => undefined);
  if (stat?.isSymbolicLink()) throw new UserError(`${absolute} is a symbolic link to ${await fs.readlink(absolute)}, which does not exist; not written.`);
  const parent = path.dirname(absolute);
  if (parent === absolute) return absolute;
  return path.join(await realPathOfNew(parent), path.basename(absolute));
}

/** The first symbolic link on the way from `root` down to `file` (a path under it), if any. */
async function firstLink(root: string, file: string): Promise<string | undefined> {
  const rel = path.relative(root, file);
  if (!isInside(rel)) return undefined;
  let at = root;
  for (const part of rel.split(path.sep)) {
    at = path.join(at, part);
    if ((await fs.lstat(at).catch(() => undefined))?.isSymbolicLink()) return at;
  }
  return undefined;
}

/** Whether a path relative to a folder (path.relative's answer) names something strictly inside it. */
export function isInside(relative: string): boolean {
  return relative !== '' && relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}
