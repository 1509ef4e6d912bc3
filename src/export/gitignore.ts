// The default export folder holds downloaded copies of workspace assets (model files can be gigabytes): when an
// export creates it inside a git repository, one line in the project's .gitignore keeps it out of commits. Git itself
// is not run (a repository's own git config may run programs); its ignore files are read as text.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';

export interface GitignoreChange {
  /** The .gitignore that got the line (created when there was none). */
  file: string;
  line: string;
}

/**
 * Called before an export writes into `folder` (a folder directly in `projectDir`) that does not exist yet: when
 * `projectDir` is inside a git work tree and nothing ignores `folder` already, appends `/<folder>/` to
 * `<projectDir>/.gitignore`, keeping every existing byte. Returns what it changed, or undefined.
 */
export async function ignoreNewFolder(projectDir: string, folder: string): Promise<GitignoreChange | undefined> {
  const root = await gitRoot(projectDir);
  if (!root) return undefined;
  const target = path.join(projectDir, folder);
  if (await isIgnored(root, target)) return undefined;
  const file = path.join(projectDir, '.gitignore');
  const line = `/${folder}/`;
  let current: Buffer | undefined;
  try {
    const stat = await fs.lstat(file);
    // Never written through a link (it may lead out of the project); a .gitignore that is not a file is left alone.
    if (!stat.isFile()) return undefined;
    current = await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const text = current?.toString('utf8') ?? '';
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const separator = text.length && !text.endsWith('\n') ? eol : '';
  await fs.appendFile(file, `${separator}${line}${eol}`, { flag: current ? 'a' : 'wx' });
  return { file, line };
}

/** The work tree holding `dir`: the nearest folder up with a `.git` folder or file (a worktree or submodule). */
async function gitRoot(dir: string): Promise<string | undefined> {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (await exists(path.join(d, '.git'))) return d;
    if (path.dirname(d) === d) return undefined;
  }
}

/**
 * Whether git would ignore the folder `target`, by the .gitignore files from the work tree's root down to the
 * folder's parent and .git/info/exclude: last matching line wins, `!` re-includes, a pattern without a slash
 * matches a name at any depth, and an ignored parent ignores everything below it.
 */
async function isIgnored(root: string, target: string): Promise<boolean> {
  const rel = path.relative(root, target).split(path.sep);
  // Each folder from the root down to the target itself: git stops at the first ignored one.
  for (let depth = 1; depth <= rel.length; depth++) {
    const candidate = rel.slice(0, depth);
    let ignored = false;
    const sources: { base: string[]; file: string }[] = [{ base: [], file: path.join(root, '.git', 'info', 'exclude') }];
    for (let i = 0; i < depth; i++) sources.push({ base: candidate.slice(0, i), file: path.join(root, ...candidate.slice(0, i), '.gitignore') });
    for (const { base, file } of sources) {
      const text = await fs.readFile(file, 'utf8').catch(() => '');
      const relToBase = candidate.slice(base.length).join('/');
      for (const raw of text.split(/\r?\n/)) {
        const result = matchLine(raw, relToBase);
        if (result !== undefined) ignored = result;
      }
    }
    if (ignored) return true;
  }
  return false;
}

/** true: the line ignores the folder `rel`; false: it re-includes it; undefined: it does not speak of it. */
function matchLine(raw: string, rel: string): boolean | undefined {
  let pattern = raw.replace(/(?<!\\)\s+$/, '');
  if (!pattern || pattern.startsWith('#')) return undefined;
  const negated = pattern.startsWith('!');
  if (negated) pattern = pattern.slice(1);
  pattern = pattern.replace(/\/+$/, '');
  if (!pattern) return undefined;
  const anchored = pattern.includes('/');
  pattern = pattern.replace(/^\//, '');
  // `dir/**` and `dir/*` ignore everything inside dir: for a folder the export fills, that is the folder.
  const matches = anchored ? [pattern, pattern.replace(/\/\*\*?$/, '')].some((p) => picomatch(p, { dot: true })(rel)) : picomatch(pattern, { dot: true })(rel.split('/').pop()!);
  return matches ? !negated : undefined;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}
