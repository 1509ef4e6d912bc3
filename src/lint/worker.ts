// The lint worker thread (see run.ts): lints the targets it claims from the shared counter and posts the results.
import { parentPort, workerData } from 'node:worker_threads';
import type { FileFindings } from './report';
import { lintClaimed, type WorkerInput } from './run';

const input = workerData as WorkerInput;
const done = new Map<number, FileFindings>();
lintClaimed(input.targets, input.settings, input.next, done);
parentPort?.postMessage([...done.entries()]);
