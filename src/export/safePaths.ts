// Maps names that come from the service (blob names, file-share paths, asset names) to paths under the export
// folder. Names are hostile until proven otherwise: nothing may land outside OUT, overwrite a sibling that differs
// only in case, or trip Windows over a reserved device name. Every refusal and rewrite is reported.

/** Why a remote name was not exported. */
export type RefusalReason = 'parent-segment' | 'absolute-path' | 'control-character' | 'empty-name' | 'too-long';

/** Why a remote name was exported under a different local name. */
export type RenameReason = 'case-collision' | 'windows-reserved-name' | 'windows-invalid-character' | 'trailing-dot-or-space' | 'reserved-by-export';

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
  'windows-reserved-name': 'is a reserved device name on Windows',
  'windows-invalid-character': 'contains characters Windows does not allow in file names',
  'trailing-dot-or-space': 'ends with a dot or space, which Windows strips',
  'reserved-by-export': 'collides with a file the export writes itself',
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
 * Assigns local paths for a whole set of remote names so that no two land on the same file on a case-insensitive
 * file system. Names are processed in a stable (sorted) order, so the same listing always maps the same way and a
 * re-run finds its files again.
 */
export class SafePathMapper {
  private readonly taken = new Map<string, string>();
  private readonly reports: PathReport[] = [];

  /** Paths the export writes itself (model.yml, manifest.json): a remote name never gets them. */
  reserve(relative: string): void {
    this.taken.set(relative.toLowerCase(), relative);
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
      reasons.push(this.taken.get(local.toLowerCase()) === local ? 'reserved-by-export' : 'case-collision');
      local = this.nextFree(local);
    }
    this.claim(local);
    if (reasons.length) this.reports.push({ remote: printable(remote), local, reasons });
    return local;
  }

  /**
   * A folder for one name from the service (a model name, a version): "/" in it is encoded, so it stays one
   * segment. Folders are shared by the files below them, so nothing is claimed; refusals are reported.
   */
  folder(name: string, under: string): string | undefined {
    const result = safeRelativePath(name.replace(/\//g, '%2F'));
    if (!result.ok) {
      this.reports.push({ remote: printable(name), reasons: [result.reason] });
      return undefined;
    }
    const local = `${under}/${result.relative}`;
    if (result.renamed) this.reports.push({ remote: printable(name), local, reasons: [...result.renamed] });
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

  /** True when `local` cannot be a file: its name is taken (any case), it is a folder already, or a parent is a file. */
  private collides(local: string): boolean {
    return this.firstClash(local) !== undefined;
  }

  /** Index of the first segment of `local` that clashes with what is taken, or undefined. */
  private firstClash(local: string): number | undefined {
    const parts = local.toLowerCase().split('/');
    for (let i = 0; i < parts.length - 1; i++) {
      // A parent folder may be shared with other files, but may not be a file itself.
      if (this.taken.has(parts.slice(0, i + 1).join('/'))) return i;
    }
    const lower = parts.join('/');
    if (this.taken.has(lower) || this.taken.has(`${lower}/`)) return parts.length - 1;
    return undefined;
  }

  private claim(local: string): void {
    this.taken.set(local.toLowerCase(), local);
    const parts = local.toLowerCase().split('/');
    for (let i = 1; i < parts.length; i++) this.taken.set(`${parts.slice(0, i).join('/')}/`, parts.slice(0, i).join('/'));
  }

  /** Renames the first clashing segment ("name~2.ext", "name~3.ext", …) until the whole path is free. */
  private nextFree(local: string): string {
    let parts = local.split('/');
    for (let clash = this.firstClash(local); clash !== undefined; clash = this.firstClash(parts.join('/'))) {
      const original = parts[clash];
      const dot = clash === parts.length - 1 ? original.lastIndexOf('.') : -1;
      const [stem, ext] = dot > 0 ? [original.slice(0, dot), original.slice(dot)] : [original, ''];
      for (let n = 2; ; n++) {
        const candidate = [...parts.slice(0, clash), `${stem}~${n}${ext}`];
        const probe = candidate.join('/');
        // The renamed segment must be free at its own level (as a file or folder name).
        if (!this.taken.has(probe.toLowerCase()) && !this.taken.has(`${probe.toLowerCase()}/`)) {
          parts = [...candidate, ...parts.slice(clash + 1)];
          break;
        }
      }
    }
    return parts.join('/');
  }
}

/** A name safe to print in a report or log line: control characters become \u escapes. */
export function printable(name: string): string {
  return name.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
