import { abortError } from '../azure/retry';

/**
 * Runs `worker` over `items` with at most `concurrency` in flight. Stops taking new items once `signal` aborts or
 * a worker throws; waits for those in flight to settle, then rethrows the first error (an abort wins).
 */
export async function runPool<T>(items: readonly T[], concurrency: number, worker: (item: T, index: number) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const lane = async () => {
    while (!failure && !signal?.aborted && next < items.length) {
      const index = next++;
      try {
        await worker(items[index], index);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane));
  if (signal?.aborted) throw abortError(signal);
  if (failure) throw failure.err;
}

/**
 * A budget of bytes held in memory at once, granted first come first served (so a file waiting for its next range
 * never starves behind its own later ranges). A request larger than the whole budget is granted when it is alone.
 */
export class ByteBudget {
  private available: number;
  private readonly waiting: { bytes: number; grant: () => void }[] = [];

  constructor(private readonly total: number) {
    this.available = total;
  }

  async acquire(bytes: number): Promise<void> {
    const need = Math.min(bytes, this.total);
    if (this.waiting.length === 0 && this.available >= need) {
      this.available -= need;
      return;
    }
    await new Promise<void>((grant) => this.waiting.push({ bytes: need, grant }));
  }

  release(bytes: number): void {
    this.available += Math.min(bytes, this.total);
    while (this.waiting.length && this.available >= this.waiting[0].bytes) {
      const next = this.waiting.shift()!;
      this.available -= next.bytes;
      next.grant();
    }
  }
}
