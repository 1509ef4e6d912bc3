/** A call that gave no answer in time. Carries the deadline so the verdict can say "no answer within 4 s". */
export class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
  constructor(
    readonly ms: number,
    what: string,
  ) {
    super(`${what} gave no answer within ${formatDuration(ms)}`);
  }
}

/**
 * Runs `fn` with a signal that aborts after `ms` (or when `parent` aborts) and rejects at that moment even if `fn`
 * ignores its signal: a region that accepts connections and never answers must not keep anyone waiting.
 */
export async function withDeadline<T>(ms: number, what: string, fn: (signal: AbortSignal) => Promise<T>, parent?: AbortSignal): Promise<T> {
  const controller = new AbortController();
  if (parent?.aborted) throw parent.reason ?? new Error('Cancelled');
  let timer: NodeJS.Timeout | undefined;
  let onParentAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new DeadlineError(ms, what);
      controller.abort(err);
      reject(err);
    }, ms);
    onParentAbort = () => {
      const reason = parent?.reason ?? new Error('Cancelled');
      controller.abort(reason);
      reject(reason);
    };
    parent?.addEventListener('abort', onParentAbort, { once: true });
  });
  try {
    return await Promise.race([fn(controller.signal), stopped]);
  } finally {
    clearTimeout(timer);
    if (onParentAbort) parent?.removeEventListener('abort', onParentAbort);
  }
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? new Error('Cancelled'));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error('Cancelled'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}
