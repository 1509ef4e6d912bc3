// Maps names that come from the service (blob names, file-share paths, asset names) to paths under the export
// folder. Names are hostile until proven otherwise: nothing may land outside OUT, overwrite a sibling that differs
// only in case, or trip Windows over a reserved device name. Every refusal and rewrite is reported.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isInside } from '../common/atomicWrite';

/** Why a remote name was not exported. */
export type RefusalReason = 'parent-segment' | 'absolute-path' | 'control-character' | 'empty-name' | 'too-long';

/** Why a remote name was exported under a different local name. */
export type RenameReason = 'case-collision' | 'normalization-collision' | 'windows-reserved-name' | 'windows-invalid-character' | 'trailing-dot-or-space' | 'reserved-by-export';

export type SafePathResult =
  | { ok: true; relative: string; renamed?: RenameReason[] }
  | { ok: false; reason: RefusalReason };

const REASON_TEXT: Record<RefusalReason | RenameReason, string> = {
  'parent-segment': 'contains a ".." segment that would climb out of the export folder',
  'absolute-path': 'is an absolute path',
  'control-character': 'contains control characters',
  'empty-name': 'is empty',
  'too-long': 'has a segment longer than 255 characters',
  'case-collision': 'differs from another name only in letter case',
  'normalization-collision': 'is another name written in a different Unicode form (one name on macOS)',
  'windows-reserved-name': 'is a reserved device name on Windows',
  'windows-invalid-character': 'contains characters Windows does not allow in file names',
  'trailing-dot-or-space': 'ends with a dot or space, which Windows strips',
  'reserved-by-export': 'collides with a file or folder name the export uses itself',
};

export function describeReason(reason: RefusalReason | RenameReason): string {
  return REASON_TEXT[reason];
}

/** Suffix of files being written; a name from the service ending like this is renamed so sweeps never touch it. */
export const PARTIAL_SUFFIX = '.amlf-partial';

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
const WINDOWS_INVALID = /[<>:"|?*\\]/g;

/**
 * Turns one remote path (segments separated by "/") into a safe relative path, or refuses it.
 * Refused: ".." segments, absolute paths (leading "/" or "\", drive letters, UNC), control characters, empty names.
 * Rewritten: Windows-invalid characters and trailing dots/spaces are percent-encoded; reserved device names get "_".
 * Case-only collisions are not seen here (they need the whole set); see SafePathMapper.
 */
export function safeRelativePath(remote: string): SafePathResult {
  if (remote.length === 0) return { ok: false, reason: 'empty-name' };
  if (CONTROL.test(remote)) return { ok: false, reason: 'control-character' };
  if (remote.startsWith('/') || remote.startsWith('\\') || /^[A-Za-z]:/.test(remote)) return { ok: false, reason: 'absolute-path' };
  const segments = remote.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.length === 0) return { ok: false, reason: 'empty-name' };
  const renamed = new Set<RenameReason>();
  const out: string[] = [];
  for (const segment of segments) {
    // A backslash is a separator on Windows, so "..\\x" climbs too.
    if (segment === '..' || segment.split('\\').includes('..')) return { ok: false, reason: 'parent-segment' };
    if (segment.length > 255) return { ok: false, reason: 'too-long' };
    let s = segment;
    if (WINDOWS_INVALID.test(s)) {
      renamed.add('windows-invalid-character');
      s = s.replace(WINDOWS_INVALID, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
    }
    WINDOWS_INVALID.lastIndex = 0;
    const trailing = /[. ]+$/.exec(s);
    if (trailing) {
      renamed.add('trailing-dot-or-space');
      s = s.slice(0, trailing.index) + [...trailing[0]].map((c) => (c === '.' ? '%2E' : '%20')).join('');
    }
    if (WINDOWS_RESERVED.test(s)) {
      renamed.add('windows-reserved-name');
      const dot = s.indexOf('.');
      s = dot < 0 ? `${s}_` : `${s.slice(0, dot)}_${s.slice(dot)}`;
    }
    out.push(s);
  }
  let relative = out.join('/');
  if (relative.endsWith(PARTIAL_SUFFIX)) {
    renamed.add('reserved-by-export');
    relative = `${relative}_`;
  }
  return renamed.size ? { ok: true, relative, renamed: [...renamed] } : { ok: true, relative };
}

export interface PathReport {
  /** The name as the service gave it (control characters shown escaped). */
  remote: string;
  /** Where it went, relative to OUT; absent when refused. */
  local?: string;
  reasons: (RefusalReason | RenameReason)[];
}

/**
 * The key under which file systems compare names: letter case folded (Windows, macOS) and one Unicode
 * normalisation (macOS treats NFC and NFD spellings of a name as one file).
 */
export function foldName(name: string): string {
  return name.normalize('NFC').toLowerCase().normalize('NFC');
}

/**
 * Assigns local paths for a whole set of remote names so that no two land on the same file or folder on a
 * case-insensitive, normalisation-insensitive file system. Callers map names in a stable (sorted) order — see
 * `inStableOrder` — so the same listing, in whatever order the service gives it, always maps the same way and a
 * re-run finds its files again.
 */
export class SafePathMapper {
  /** Folded path → the path that claimed it; folders are keyed with a trailing "/". */
  private readonly taken = new Map<string, string>();
  /** Folders handed out by folder(): folded "under/name" → the name it was given for, and where it went. */
  private readonly folders = new Map<string, { name: string; local: string; reasons: (RefusalReason | RenameReason)[]; pending: boolean }[]>();
  private readonly reports: PathReport[] = [];

  /** Paths the export writes itself (model.yml, manifest.json): a remote name never gets them, nor their folders. */
  reserve(relative: string): void {
    this.claim(relative);
  }

  /** Maps `remote` (below `prefix`, which is already safe) to a unique local path, or undefined when refused. */
  map(remote: string, prefix = ''): string | undefined {
    const result = safeRelativePath(remote);
    if (!result.ok) {
      this.reports.push({ remote: printable(remote), reasons: [result.reason] });
      return undefined;
    }
    const reasons: (RefusalReason | RenameReason)[] = [...(result.renamed ?? [])];
    let local = prefix ? `${prefix}/${result.relative}` : result.relative;
    if (this.collides(local)) {
      const holder = this.taken.get(foldName(local)) ?? this.taken.get(`${foldName(local)}/`);
      reasons.push(holder === local ? 'reserved-by-export' : collisionReason(holder, local));
      local = this.nextFree(local);
    }
    this.claim(local);
    if (reasons.length) this.reports.push({ remote: printable(remote), local, reasons });
    return local;
  }

  /**
   * A folder for one name from the service (a model name, a version): "/" in it is encoded, so it stays one
   * segment. The same name always gets the same folder (its files share it); another name that the file system
   * would take for the same folder (`Credit` and `credit`, NFC and NFD spellings) gets one of its own. Refusals and
   * renames are reported (with `report: false`, the folder is only reserved, and reported when first used).
   */
  folder(name: string, under: string, options: { report?: boolean } = {}): string | undefined {
    const report = options.report ?? true;
    const result = safeRelativePath(name.replace(/\//g, '%2F'));
    if (!result.ok) {
      if (report) this.reports.push({ remote: printable(name), reasons: [result.reason] });
      return undefined;
    }
    const wanted = `${under}/${result.relative}`;
    const key = foldName(wanted);
    const given = this.folders.get(key) ?? [];
    const same = given.find((g) => g.name === name);
    if (same) {
      // Reserved quietly before; its renames are reported once the name is really used.
      if (report && same.pending) {
        same.pending = false;
        if (same.reasons.length) this.reports.push({ remote: printable(name), local: same.local, reasons: same.reasons });
      }
      return same.local;
    }
    const reasons: (RefusalReason | RenameReason)[] = [...(result.renamed ?? [])];
    let local = wanted;
    // Taken by another name's folder, by a file, or by a folder the export made for files of its own.
    const holder = given.length ? given[0]!.name : (this.taken.get(key) ?? this.taken.get(`${key}/`));
    if (holder !== undefined) {
      reasons.push(given.length ? collisionReason(holder, name) : holder === wanted ? 'reserved-by-export' : collisionReason(holder, wanted));
      local = this.nextFree(wanted, true);
    }
    this.claim(`${local}/`);
    given.push({ name, local, reasons, pending: !report });
    this.folders.set(key, given);
    if (report && reasons.length) this.reports.push({ remote: printable(name), local, reasons });
    return local;
  }

  /** Records a name that was refused for a reason found outside the mapper (e.g. outside the listed prefix). */
  refuse(remote: string, reason: RefusalReason): void {
    this.reports.push({ remote: printable(remote), reasons: [reason] });
  }

  /** Refusals and renames so far, in the order met. */
  report(): PathReport[] {
    return [...this.reports];
  }

  /** True when `local` cannot be a file: its name is taken (any case or form), it is a folder already, or a parent is a file. */
  private collides(local: string): boolean {
    return this.firstClash(local) !== undefined;
  }

  /** Index of the first segment of `local` that clashes with what is taken, or undefined. */
  private firstClash(local: string, asFolder = false): number | undefined {
    const parts = foldName(local).split('/');
    for (let i = 0; i < parts.length - 1; i++) {
      // A parent folder may be shared with other files, but may not be a file itself.
      if (this.taken.has(parts.slice(0, i + 1).join('/'))) return i;
    }
    const folded = parts.join('/');
    if (this.taken.has(folded) || this.taken.has(`${folded}/`) || (asFolder && this.folders.has(folded))) return parts.length - 1;
    return undefined;
  }

  /** Claims a file path (or a folder, given with a trailing "/") and the folders above it. */
  private claim(local: string): void {
    const isFolder = local.endsWith('/');
    const exact = isFolder ? local.slice(0, -1) : local;
    const parts = exact.split('/');
    for (let i = 1; i < parts.length; i++) {
      const folder = parts.slice(0, i).join('/');
      const key = `${foldName(folder)}/`;
      if (!this.taken.has(key)) this.taken.set(key, folder);
    }
    this.taken.set(isFolder ? `${foldName(exact)}/` : foldName(exact), exact);
  }

  /** Renames the first clashing segment ("name~2.ext", "name~3.ext", …) until the whole path is free. */
  private nextFree(local: string, asFolder = false): string {
    let parts = local.split('/');
    for (let clash = this.firstClash(local, asFolder); clash !== undefined; clash = this.firstClash(parts.join('/'), asFolder)) {
      const original = parts[clash]!;
      const dot = clash === parts.length - 1 && !asFolder ? original.lastIndexOf('.') : -1;
      const [stem, ext] = dot > 0 ? [original.slice(0, dot), original.slice(dot)] : [original, ''];
      for (let n = 2; ; n++) {
        const candidate = [...parts.slice(0, clash), `${stem}~${n}${ext}`];
        const probe = foldName(candidate.join('/'));
        // The renamed segment must be free at its own level (as a file or folder name).
        if (!this.taken.has(probe) && !this.taken.has(`${probe}/`) && !this.folders.has(probe)) {
          parts = [...candidate, ...parts.slice(clash + 1)];
          break;
        }
      }
    }
    return parts.join('/');
  }
}

/** Why two names that are not the same string are one name to the file system. */
function collisionReason(holder: string | undefined, name: string): RenameReason {
  return holder !== undefined && holder.normalize('NFC') === name.normalize('NFC') ? 'normalization-collision' : 'case-collision';
}

/**
 * Items sorted by a key, by UTF-16 code units (never by locale), so that the names in a listing are mapped in the
 * same order whatever order the service listed them in.
 */
export async function inStableOrder<T>(items: AsyncIterable<T> | Iterable<T>, key: (item: T) => string): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all.sort((a, b) => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** A name safe to print in a report or log line: control characters become \u escapes. */
export function printable(name: string): string {
  return name.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A write the export refused because it would have gone through a symbolic link or out of the export folder. */
export class UnsafeTargetError extends Error {
  constructor(
    /** Relative to OUT. */
    readonly local: string,
    message: string,
  ) {
    super(message);
    this.name = 'UnsafeTargetError';
  }
}

/**
 * The export folder, resolved once (so a symlinked home or /tmp works), below which no symbolic link is followed:
 * every folder on the way to a file is created or checked with lstat, and a link (to a folder or a file) in the
 * way is refused, naming it. A repository may commit `aml-export/primary/notebooks -> ~/.ssh`; the export must
 * not write there.
 */
export class OutFolder {
  /** Folders (relative, "" for the root) checked to be real folders inside the root during this run. */
  private readonly checked = new Map<string, Promise<void>>([['', Promise.resolve()]]);

  private constructor(readonly root: string) {}

  /**
   * Creates `outDir` if needed and resolves it: links in a path the user gave are theirs to have. When OUT lies in
   * `projectDir` (the default `aml-export/<role>` does), the folders between the two belong to the repository, so
   * from the project down no link is followed either: a committed `aml-export -> ~/.ssh` is refused like one below.
   */
  static async open(outDir: string, projectDir?: string): Promise<OutFolder> {
    const rel = projectDir === undefined ? '' : path.relative(path.resolve(projectDir), path.resolve(outDir));
    if (projectDir !== undefined && isInside(rel)) {
      const project = new OutFolder(await fs.realpath(projectDir));
      const local = rel.split(path.sep).join('/');
      await project.folder(local);
      return new OutFolder(project.abs(local));
    }
    await fs.mkdir(outDir, { recursive: true });
    return new OutFolder(await fs.realpath(outDir));
  }

  abs(local: string): string {
    return path.join(this.root, ...local.split('/'));
  }

  /**
   * Makes sure `local` can be written without leaving the folder: its parent folders exist and are real folders
   * (created one by one, checked with lstat), and the file itself, if present, is a regular file. Throws
   * UnsafeTargetError otherwise.
   */
  async prepare(local: string): Promise<string> {
    const parts = local.split('/');
    if (parts.length > 1) await this.folder(parts.slice(0, -1).join('/'));
    const target = this.abs(local);
    const stat = await fs.lstat(target).catch(() => undefined);
    if (stat?.isSymbolicLink()) throw this.refusal(local, await fs.readlink(target).catch(() => '?'));
    if (stat && !stat.isFile()) throw new UnsafeTargetError(local, `${target} is in the way (not a regular file).`);
    return target;
  }

  /** Each folder from the root down to `rel`, created or checked (once per run). */
  private async folder(rel: string): Promise<void> {
    const parts = rel.split('/');
    for (let i = 1; i <= parts.length; i++) await this.checkedFolder(parts.slice(0, i).join('/'));
  }

  private checkedFolder(rel: string): Promise<void> {
    let p = this.checked.get(rel);
    if (!p) {
      p = this.checkFolder(rel);
      this.checked.set(rel, p);
    }
    return p;
  }

  private async checkFolder(rel: string): Promise<void> {
    const abs = this.abs(rel);
    let stat = await fs.lstat(abs).catch(() => undefined);
    if (!stat) {
      await fs.mkdir(abs).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
      stat = await fs.lstat(abs);
    }
    if (stat.isSymbolicLink()) throw this.refusal(rel, await fs.readlink(abs).catch(() => '?'));
    if (!stat.isDirectory()) throw new UnsafeTargetError(rel, `${abs} is a file where the export needs a folder.`);
  }

  private refusal(local: string, to: string): UnsafeTargetError {
    return new UnsafeTargetError(local, `${this.abs(local)} is a symbolic link (to ${to}); the export never writes through links. Remove the link or export to another folder.`);
  }
}
