// Where exports land and how to recognise one, for the linter (which must not lint its own output) and for the
// export's own .gitignore line. Synchronous and cheap: the linter asks once per folder it walks.
import { closeSync, openSync, readSync } from 'node:fs';
import * as path from 'node:path';
import { MANIFEST_FILE } from './manifest';

/** The default export folder, relative to the project folder (`<project>/aml-export/<role>`). */
export const DEFAULT_EXPORT_FOLDER = 'aml-export';

/** How far into manifest.json the marker is looked for: it is the second key of the object. */
const HEAD_BYTES = 1024;
const MARKER = /^\s*\{[^]*?"tool"\s*:\s*"aml-failover"/;

/** True when `dir` holds a manifest.json written by an aml-failover export (its `"tool": "aml-failover"` marker). */
export function isExportFolder(dir: string): boolean {
  let fd: number;
  try {
    fd = openSync(path.join(dir, MANIFEST_FILE), 'r');
  } catch {
    return false;
  }
  try {
    const head = Buffer.alloc(HEAD_BYTES);
    const n = readSync(fd, head, 0, HEAD_BYTES, 0);
    return MARKER.test(head.toString('utf8', 0, n));
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

/** The export folder holding `dir` (itself or one of its parents, up to `stopAt` or the root), if any. */
export function exportFolderHolding(dir: string, stopAt?: string): string | undefined {
  for (let d = dir; ; d = path.dirname(d)) {
    if (isExportFolder(d)) return d;
    if (path.dirname(d) === d || (stopAt !== undefined && d === stopAt)) return undefined;
  }
}

/** True when `file` lies inside an export folder: one of its folders, up to `stopAt` (or the root), is one. */
export function insideExportFolder(file: string, stopAt?: string): boolean {
  return exportFolderHolding(path.dirname(file), stopAt) !== undefined;
}
