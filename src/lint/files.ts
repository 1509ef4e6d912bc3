import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';
import { fileKind } from './lint';

/** Folders never walked. */
const SKIPPED_DIRS = new Set(['node_modules', '.git']);

export interface LintTarget {
  /** Absolute path. */
  absolute: string;
  /** As the user would recognise it: relative to the current folder when given relative, else absolute. */
  display: string;
  /** Named explicitly (a file argument): linted even if ignored, and a failure to read it is a finding. */
  explicit: boolean;
}

export interface ExpandResult {
  targets: LintTarget[];
  /** Arguments that named nothing that exists (files are findings; these are notes). */
  unmatchedGlobs: string[];
  missing: LintTarget[];
}

/**
 * Expands the CLI's arguments: files, folders (walked for *.yml, *.yaml, *.json, *.py, *.ipynb, skipping
 * node_modules and .git), and globs (`jobs/**\/*.yml`). `isIgnored` gets project-relative paths.
 */
export async function expandTargets(args: readonly string[], cwd: string, isIgnored: (absolute: string) => boolean): Promise<ExpandResult> {
  const seen = new Set<string>();
  const result: ExpandResult = { targets: [], unmatchedGlobs: [], missing: [] };
  const add = (absolute: string, display: string, explicit: boolean) => {
    if (seen.has(absolute)) return;
    seen.add(absolute);
    result.targets.push({ absolute, display, explicit });
  };
  for (const arg of args.length ? args : ['.']) {
    const absolute = path.resolve(cwd, arg);
    const display = (p: string) => (path.isAbsolute(arg) ? p : path.relative(cwd, p) || '.');
    const stat = await fs.stat(absolute).catch(() => undefined);
    if (stat?.isFile()) {
      add(absolute, display(absolute), true);
      continue;
    }
    if (stat?.isDirectory()) {
      for (const file of await walk(absolute, isIgnored)) add(file, display(file), false);
      continue;
    }
    if (picomatch.scan(arg).isGlob) {
      const { base, glob } = picomatch.scan(arg.split(path.sep).join('/'));
      const root = path.resolve(cwd, base || '.');
      const match = picomatch(glob, { dot: true });
      const files = (await walk(root, isIgnored)).filter((f) => match(path.relative(root, f).split(path.sep).join('/')));
      if (!files.length) result.unmatchedGlobs.push(arg);
      for (const file of files) add(file, display(file), false);
      continue;
    }
    result.missing.push({ absolute, display: arg, explicit: true });
  }
  return result;
}

async function walk(root: string, isIgnored: (absolute: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  const queue = [root];
  while (queue.length) {
    const dir = queue.shift()!;
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIPPED_DIRS.has(e.name) && !isIgnored(p)) queue.push(p);
      } else if (e.isFile() && fileKind(e.name) && !isIgnored(p)) {
        out.push(p);
      }
    }
  }
  return out.sort();
}
