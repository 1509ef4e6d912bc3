// Reading and linting the CLI's targets, on the main thread and — for many files — in one worker thread beside it.
// Both take files from one shared counter, so a slow start of the worker or a busy core costs nothing: whoever is
// free lints the next file. Results come back in the targets' order.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { severityOf, type LintConfig } from './config';
import type { PairNames, RawFinding } from './findings';
import type { LintTarget } from './files';
import { fixAll, lintText } from './lint';
import type { FileFindings } from './report';
import type { Finding, PortableReference, RuleCode } from './types';

/** What linting a file needs to know of the project: plain data, so a worker thread can get a copy. */
export interface LintSettings {
  config: LintConfig;
  pair?: PairNames;
}

/** Below this many files a worker's start-up costs more than it saves. */
export const WORKER_MIN_FILES = 64;

export interface ReadResult {
  text?: string;
  /** A finding instead of the text: unreadable or far too large. */
  result?: FileFindings;
}

/** Reads a target; a file far over the size limit is not read at all (a `skipped-file` finding says so). */
export function readTarget(target: LintTarget, settings: LintSettings): ReadResult {
  const limit = settings.config.maxFileSizeKb * 1024 * (target.absolute.toLowerCase().endsWith('.ipynb') ? 16 : 1);
  try {
    const size = statSync(target.absolute).size;
    if (size > limit * 4) {
      return { result: single(target, 'skipped-file', `Not checked: the file is ${Math.round(size / 1024)} KB, over the lint limit (lint.maxFileSizeKb).`, `not checked: ${Math.round(size / 1024)} KB, over lint.maxFileSizeKb`, settings) };
    }
    return { text: readFileSync(target.absolute, 'utf8') };
  } catch (err) {
    return { result: unreadable(target, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message, settings) };
  }
}

export function lintTarget(target: LintTarget, settings: LintSettings, remote?: (portable: PortableReference[]) => RawFinding[]): FileFindings {
  const read = readTarget(target, settings);
  if (read.result) return read.result;
  return { file: target.display, absolute: target.absolute, findings: lintText(read.text!, { fileName: target.absolute, config: settings.config, pair: settings.pair, remote }).findings };
}

/** `--fix`: applies every preferred fix, hands the new text to `write`, and lints what is left. */
export async function fixTarget(
  target: LintTarget,
  settings: LintSettings,
  write: (file: string, text: string) => Promise<void>,
  remote?: (portable: PortableReference[]) => RawFinding[],
): Promise<{ result: FileFindings; fixed: number }> {
  const read = readTarget(target, settings);
  if (read.result) return { result: read.result, fixed: 0 };
  const options = { fileName: target.absolute, config: settings.config, pair: settings.pair, remote };
  const fixed = fixAll(read.text!, options);
  if (fixed.applied) await write(target.absolute, fixed.text);
  return { result: { file: target.display, absolute: target.absolute, findings: lintText(fixed.text, options).findings }, fixed: fixed.applied };
}

export function unreadable(target: LintTarget, reason: string, settings: LintSettings): FileFindings {
  return single(target, 'unreadable-file', `Cannot read ${target.display}: ${reason}.`, `cannot read: ${reason}`, settings);
}

function single(target: LintTarget, rule: RuleCode, message: string, short: string, settings: LintSettings): FileFindings {
  const severity = severityOf(settings.config, rule);
  const findings: Finding[] =
    severity === 'off'
      ? []
      : [{ rule, severity, message, short, start: 0, end: 0, range: { startLine: 0, startCol: 0, endLine: 0, endCol: 0 }, anchorLine: 0, fixes: [] }];
  return { file: target.display, absolute: target.absolute, findings };
}

/**
 * Lints the targets whose index it claims from `next` (shared with the other thread) until none are left, or until
 * `until` (a `performance.now()` time) has passed. True when it stopped with targets left.
 */
export function lintClaimed(targets: readonly LintTarget[], settings: LintSettings, next: Int32Array, into: Map<number, FileFindings>, until = Infinity): boolean {
  for (let i = Atomics.add(next, 0, 1); i < targets.length; i = Atomics.add(next, 0, 1)) {
    into.set(i, lintTarget(targets[i]!, settings));
    if (performance.now() > until) return Atomics.load(next, 0) < targets.length;
  }
  return false;
}

/** How long the main thread lints before it lets the event loop run (a Ctrl-C is heard between slices). */
const SLICE_MS = 50;

export interface WorkerInput {
  targets: LintTarget[];
  settings: LintSettings;
  next: Int32Array;
}

/**
 * Lints every target, with a worker thread beside the main one when it is likely to pay: many files and a core
 * that is idle now (a second JavaScript heap warms up its own compiled code, so on a busy machine it only adds
 * work). `worker` forces the choice. A worker that cannot start or fails leaves its files to the main thread.
 */
export async function lintAll(
  targets: readonly LintTarget[],
  settings: LintSettings,
  options: { signal?: AbortSignal; worker?: boolean; workerScript?: string; /** False: the main thread only waits (tests of the worker). */ mainThreadLints?: boolean } = {},
): Promise<{ results: FileFindings[]; byWorker: number }> {
  const next = new Int32Array(new SharedArrayBuffer(4));
  const done = new Map<number, FileFindings>();
  const script = options.workerScript ?? workerScript();
  const useWorker = options.worker ?? (targets.length >= WORKER_MIN_FILES && hasIdleCore());
  const worker = script && useWorker ? startWorker(script, { targets: [...targets], settings, next }) : undefined;
  if (options.mainThreadLints !== false || !worker) {
    while (!options.signal?.aborted && lintClaimed(targets, settings, next, done, performance.now() + SLICE_MS)) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  if (options.signal?.aborted) worker?.stop();
  const fromWorker = worker ? await worker.results : new Map<number, FileFindings>();
  for (const [i, r] of fromWorker) done.set(i, r);
  // Whatever a failed worker had claimed is linted here.
  for (let i = 0; i < targets.length; i++) if (!done.has(i) && !options.signal?.aborted) done.set(i, lintTarget(targets[i]!, settings));
  return { results: [...done.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r), byWorker: fromWorker.size };
}

/** A second core with nothing to do: fewer runnable processes, averaged over the last minute, than cores less one. */
function hasIdleCore(): boolean {
  const cores = availableParallelism();
  return cores > 1 && loadavg()[0] <= cores - 1;
}

function startWorker(script: string, input: WorkerInput): { results: Promise<Map<number, FileFindings>>; stop: () => void } {
  let worker: Worker | undefined;
  const results = new Promise<Map<number, FileFindings>>((resolve) => {
    try {
      // From the sources (tests, `node --import tsx src/cli.ts`) the worker compiles TypeScript through tsx's require hook.
      worker = script.endsWith('.ts')
        ? new Worker(`require('tsx/cjs'); require(${JSON.stringify(script)});`, { eval: true, workerData: input, stderr: true })
        : new Worker(script, { workerData: input, stderr: true });
    } catch {
      return resolve(new Map());
    }
    worker.once('message', (entries: [number, FileFindings][]) => resolve(new Map(entries)));
    worker.once('error', () => resolve(new Map()));
    worker.once('exit', () => resolve(new Map()));
  });
  return { results, stop: () => void worker?.terminate() };
}

/** The worker's entry: `dist/lint-worker.js` next to the CLI bundle, or `worker.ts` when run from the sources. */
function workerScript(): string | undefined {
  return [path.join(__dirname, 'lint-worker.js'), path.join(__dirname, 'worker.ts')].find((candidate) => existsSync(candidate));
}
