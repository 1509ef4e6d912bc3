// sha256 and MD5 of a stream computed on a worker thread, so hashing a large download overlaps with receiving it
// instead of taking turns with it on the main thread. Chunks are copied to the worker in order; at most
// MAX_PENDING bytes wait there, so a starved worker slows the download instead of growing memory.
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const sha256 = createHash('sha256');
const md5 = createHash('md5');
parentPort.on('message', (msg) => {
  if (msg === 'end') {
    parentPort.postMessage({ sha256: sha256.digest('hex'), md5: md5.digest('base64') });
    return;
  }
  sha256.update(msg);
  md5.update(msg);
  parentPort.postMessage(msg.byteLength);
});
`;

const MAX_PENDING = 32 * 1024 * 1024;

export class HashWorker {
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true });
  private pending = 0;
  private wake: (() => void) | undefined;
  private result: ((r: { sha256: string; md5: string }) => void) | undefined;
  private failure: Error | undefined;

  constructor() {
    this.worker.on('message', (m: number | { sha256: string; md5: string }) => {
      if (typeof m === 'number') {
        this.pending -= m;
        if (this.pending <= MAX_PENDING / 2) this.wakeUp();
      } else this.result?.(m);
    });
    this.worker.on('error', (err) => {
      this.failure = err;
      this.wakeUp();
    });
  }

  /** Queues a chunk (copied); resolves at once unless too much is waiting to be hashed. */
  async update(chunk: Uint8Array): Promise<void> {
    if (this.failure) throw this.failure;
    const copy = new Uint8Array(chunk);
    this.pending += copy.byteLength;
    this.worker.postMessage(copy, [copy.buffer]);
    while (this.pending > MAX_PENDING && !this.failure) await new Promise<void>((resolve) => (this.wake = resolve));
    if (this.failure) throw this.failure;
  }

  async digest(): Promise<{ sha256: string; md5: string }> {
    if (this.failure) throw this.failure;
    const done = new Promise<{ sha256: string; md5: string }>((resolve, reject) => {
      this.result = resolve;
      this.worker.once('error', reject);
    });
    this.worker.postMessage('end');
    return done;
  }

  async dispose(): Promise<void> {
    await this.worker.terminate();
  }

  private wakeUp(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}
