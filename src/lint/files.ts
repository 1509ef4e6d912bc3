import { readdirSync, statSync, type Dirent, type Stats } from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';
import { exportFolderHolding, isExportFolder } from '../export/exportFolder';
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
  /** Folders named on the command line that hold an aml-failover export: not linted (the linter's own output). */
  exportFolders: string[];
}

/** What the walk needs to know of the project: which paths `lint.ignore` and the default export folder exclude. */
export interface WalkFilter {
  isIgnoredPath(absolute: string): boolean;
}

/**
 * Expands the CLI's arguments, each relative to `cwd`: files, folders (walked for *.yml, *.yaml, *.json, *.py,
 * *.ipynb, skipping node_modules, .git, ignored paths and folders holding an export's manifest.json), and globs
 * (`jobs/**\/*.yml`). Synchronous inside: a CLI walking a project has nothing else to do meanwhile, and a series
 * of awaited readdirs leaves the process idle between them.
 */
export async function expandTargets(args: readonly string[], cwd: string, filter: WalkFilter): Promise<ExpandResult> {
  return expandTargetsSync(args, cwd, filter);
}

function expandTargetsSync(args: readonly string[], cwd: string, filter: WalkFilter): ExpandResult {
  const seen = new Set<string>();
  const result: ExpandResult = { targets: [], unmatchedGlobs: [], missing: [], exportFolders: [] };
  const add = (absolute: string, display: string, explicit: boolean) => {
    if (seen.has(absolute)) return;
    seen.add(absolute);
    result.targets.push({ absolute, display, explicit });
  };
  for (const arg of args.length ? args : ['.']) {
    const absolute = path.resolve(cwd, arg);
    const display = (p: string) => (path.isAbsolute(arg) ? p : path.relative(cwd, p) || '.');
    const stat = statOrUndefined(absolute);
    if (stat?.isFile()) {
      add(absolute, display(absolute), true);
      continue;
    }
    if (stat?.isDirectory()) {
      const exported = exportFolderHolding(absolute);
      if (exported) result.exportFolders.push(display(exported));
      else for (const file of walk(absolute, filter)) add(file, display(file), false);
      continue;
    }
    if (picomatch.scan(arg).isGlob) {
      const { base, glob } = picomatch.scan(arg.split(path.sep).join('/'));
      const root = path.resolve(cwd, base || '.');
      const exported = exportFolderHolding(root);
      if (exported) {
        result.exportFolders.push(display(exported));
        continue;
      }
      const match = picomatch(glob, { dot: true });
      const files = walk(root, filter).filter((f) => match(path.relative(root, f).split(path.sep).join('/')));
      if (!files.length) result.unmatchedGlobs.push(arg);
      for (const file of files) add(file, display(file), false);
      continue;
    }
    result.missing.push({ absolute, display: arg, explicit: true });
  }
  return result;
}

function statOrUndefined(p: string): Stats | undefined {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

function walk(root: string, filter: WalkFilter): string[] {
  const out: string[] = [];
  const queue = [root];
  while (queue.length) {
    const dir = queue.pop()!;
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    // The linter's own output: an export folder is recognised by its manifest, wherever it was written.
    if (dir !== root && entries.some((e) => e.name === 'manifest.json' && e.isFile()) && isExportFolder(dir)) continue;
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIPPED_DIRS.has(e.name) && !filter.isIgnoredPath(p)) queue.push(p);
      } else if (e.isFile() && fileKind(e.name) && !filter.isIgnoredPath(p)) {
        out.push(p);
      }
    }
  }
  return out.sort();
}
