// What the studio leaves on the notebook share besides notebooks: checkpoints (`.ipynb_aml_checkpoints/`, Jupyter's
// `.ipynb_checkpoints/`) and editor temp files (`*.amltmp`, `*.amltemp`). The studio writes an `.amlignore` listing
// them into users' folders; export, inventory and drift skip what it and these defaults name, unless asked to keep
// everything (`--include-checkpoints`). Patterns follow .gitignore's common subset: `#` comments, `!` re-includes,
// a trailing `/` for folders only, a `/` inside anchors to the .amlignore's folder, `*`, `?` and `**`.

/** The studio's own list (what its generated .amlignore holds). */
export const STUDIO_CLUTTER = ['.ipynb_aml_checkpoints/', '.ipynb_checkpoints/', '*.amltmp', '*.amltemp'];

export const AMLIGNORE = '.amlignore';

export interface IgnoreFile {
  /** Folder holding the .amlignore ("" for the share's root). */
  folder: string;
  text: string;
}

interface Rule {
  folder: string;
  negate: boolean;
  dirOnly: boolean;
  anchored: boolean;
  regex: RegExp;
}

/** Whether a share path is clutter to skip; `includeCheckpoints` keeps everything. */
export function clutterMatcher(ignoreFiles: readonly IgnoreFile[], includeCheckpoints = false): (path: string) => boolean {
  if (includeCheckpoints) return () => false;
  const rules: Rule[] = STUDIO_CLUTTER.map((p) => rule('', p)!);
  for (const f of [...ignoreFiles].sort((a, b) => a.folder.length - b.folder.length)) {
    for (const line of f.text.split(/\r?\n/)) {
      const r = rule(f.folder.replace(/^\/+|\/+$/g, ''), line);
      if (r) rules.push(r);
    }
  }
  return (path) => {
    let ignored = false;
    for (const r of rules) if (r.negate === ignored && matches(r, path)) ignored = !r.negate;
    return ignored;
  };
}

function rule(folder: string, line: string): Rule | undefined {
  let p = line.trim();
  if (!p || p.startsWith('#')) return undefined;
  const negate = p.startsWith('!');
  if (negate) p = p.slice(1);
  const dirOnly = p.endsWith('/');
  p = p.replace(/\/+$/, '');
  const anchored = p.includes('/');
  p = p.replace(/^\/+/, '');
  if (!p) return undefined;
  return { folder, negate, dirOnly, anchored, regex: new RegExp(`^${globToRegex(p)}$`, 'i') };
}

function globToRegex(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      out += '.*';
      i++;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return out;
}

function matches(r: Rule, path: string): boolean {
  const prefix = r.folder ? `${r.folder}/` : '';
  if (prefix && !path.startsWith(prefix)) return false;
  const segments = path.slice(prefix.length).split('/');
  // Folders are every segment but the last; the last is the file itself.
  const candidates = r.dirOnly ? segments.length - 1 : segments.length;
  if (r.anchored) {
    for (let n = 1; n <= candidates; n++) if (r.regex.test(segments.slice(0, n).join('/'))) return true;
    return false;
  }
  for (let i = 0; i < candidates; i++) if (r.regex.test(segments[i])) return true;
  return false;
}

/** The .amlignore files among a listing (their folder and path). */
export function ignoreFilesIn(paths: readonly string[]): { folder: string; path: string }[] {
  return paths.filter((p) => p === AMLIGNORE || p.endsWith(`/${AMLIGNORE}`)).map((p) => ({ folder: p.slice(0, Math.max(0, p.length - AMLIGNORE.length - 1)), path: p }));
}
