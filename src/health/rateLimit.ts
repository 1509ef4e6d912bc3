/**
 * At most `perMinute` calls in any rolling 60 s window. One per workspace, shared by every probe of it, so a region
 * that is down (or a user pressing refresh) never turns into a request storm.
 */
export class RateLimiter {
  private readonly stamps: number[] = [];

  constructor(
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
    private readonly windowMs = 60_000,
  ) {
    if (!(perMinute >= 1)) throw new Error('perMinute must be at least 1');
  }

  /** Takes one call from the budget; false when the window is full. */
  tryAcquire(): boolean {
    const t = this.now();
    this.expire(t);
    if (this.stamps.length >= this.perMinute) return false;
    this.stamps.push(t);
    return true;
  }

  /** Calls left in the current window. */
  available(): number {
    this.expire(this.now());
    return this.perMinute - this.stamps.length;
  }

  /** Milliseconds until the next call is allowed (0 when one is available now). */
  waitMs(): number {
    const t = this.now();
    this.expire(t);
    if (this.stamps.length < this.perMinute) return 0;
    return this.stamps[0] + this.windowMs - t;
  }

  private expire(t: number): void {
    while (this.stamps.length && this.stamps[0] <= t - this.windowMs) this.stamps.shift();
  }
}
