import type { Logger } from '../common/logger';
import type { Role } from '../pair/pairFile';
import { sleep } from './deadline';
import { probeWorkspace, type ProbePolicy, type WorkspaceEndpoints } from './probe';
import { RateLimiter } from './rateLimit';
import { initialHealth, nextHealth, type WorkspaceHealth } from './state';
import { DEFAULT_VERDICT_OPTIONS, type VerdictOptions } from './verdict';

export interface HealthSettings {
  /** A new probe of each workspace starts this often. */
  intervalMs: number;
  /** Associated resources are probed at most this often (and again on recovery). */
  associatedEveryMs: number;
  /** Hard cap of calls per rolling minute per workspace, whatever its state. */
  perMinute: number;
  /** Retries while a workspace is not known to be down; while down, one attempt per probe. */
  policy: ProbePolicy;
  verdict: VerdictOptions;
}

/**
 * Defaults, and what bounds detection: a region that goes down is seen by the next probe (≤ intervalMs later),
 * which takes at most policy.budgetMs → at most 5 s + 4.5 s. A region that is down gets one workspace GET per
 * interval (12 a minute). perMinute is the hard cap whatever happens (refresh spam, flapping regions): sized so
 * that normal operation (12 GETs, their retries, associated checks once a minute and on recovery) never meets it,
 * since a probe the cap skips leaves the verdict stale.
 */
export const DEFAULT_HEALTH_SETTINGS: HealthSettings = {
  intervalMs: 5_000,
  associatedEveryMs: 60_000,
  perMinute: 60,
  // A call that got no answer in 4 s is not retried (less than minAttemptMs would be left): fast failures are, as
  // often as the budget allows — on a link that cuts 30 % of answers a probe still sees the region healthy.
  policy: { maxAttempts: 8, callTimeoutMs: 4_000, budgetMs: 4_500, baseDelayMs: 100, maxDelayMs: 2_000, minAttemptMs: 1_000 },
  verdict: DEFAULT_VERDICT_OPTIONS,
};

export interface MonitoredWorkspace {
  role: Role;
  region: string;
  endpoints: WorkspaceEndpoints;
}

export interface HealthChange {
  role: Role;
  previous: WorkspaceHealth;
  current: WorkspaceHealth;
}

interface Watched {
  target: MonitoredWorkspace;
  state: WorkspaceHealth;
  limiter: RateLimiter;
  inFlight?: Promise<WorkspaceHealth>;
  lastAssociatedAt?: number;
  calls: number;
}

/**
 * Probes both workspaces on a schedule, keeps the last known state of each, and tells listeners after every probe.
 * Pure Node: the extension and `status --watch` are thin adapters over it.
 */
export class HealthMonitor {
  private readonly watched = new Map<Role, Watched>();
  private readonly listeners = new Set<(change: HealthChange) => void>();
  private loop?: AbortController;

  constructor(
    targets: MonitoredWorkspace[],
    private settings: HealthSettings,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    for (const target of targets) {
      this.watched.set(target.role, { target, state: initialHealth(target.role, target.region), limiter: new RateLimiter(settings.perMinute, now), calls: 0 });
    }
  }

  get(role: Role): WorkspaceHealth | undefined {
    return this.watched.get(role)?.state;
  }

  all(): WorkspaceHealth[] {
    return [...this.watched.values()].map((w) => w.state);
  }

  /** Calls sent to a workspace since the monitor was made (for the bench and the log). */
  callsSent(role: Role): number {
    return this.watched.get(role)?.calls ?? 0;
  }

  onDidChange(listener: (change: HealthChange) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  get running(): boolean {
    return this.loop !== undefined;
  }

  /** Starts probing every workspace on the interval; the first probe runs at once. */
  start(): void {
    if (this.loop) return;
    const loop = new AbortController();
    this.loop = loop;
    for (const role of this.watched.keys()) void this.run(role, loop.signal);
  }

  stop(): void {
    this.loop?.abort(new Error('Health monitor stopped'));
    this.loop = undefined;
  }

  /** New settings take effect from the next probe; the rate limit is rebuilt when it changes. */
  updateSettings(settings: HealthSettings): void {
    if (settings.perMinute !== this.settings.perMinute) {
      for (const w of this.watched.values()) w.limiter = new RateLimiter(settings.perMinute, this.now);
    }
    this.settings = settings;
  }

  /** Probes now (joins a probe already running); the rate limit still applies. */
  refresh(role: Role, signal?: AbortSignal): Promise<WorkspaceHealth> {
    const w = this.watched.get(role);
    if (!w) return Promise.reject(new Error(`No ${role} workspace is monitored.`));
    w.inFlight ??= this.probe(w, signal).finally(() => (w.inFlight = undefined));
    return w.inFlight;
  }

  refreshAll(signal?: AbortSignal): Promise<WorkspaceHealth[]> {
    return Promise.all([...this.watched.keys()].map((role) => this.refresh(role, signal)));
  }

  private async run(role: Role, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const started = this.now();
      try {
        await this.refresh(role, signal);
      } catch (err) {
        if (signal.aborted) return;
        this.logger.error(err instanceof Error ? err : String(err));
      }
      try {
        await sleep(Math.max(0, started + this.settings.intervalMs - this.now()), signal);
      } catch {
        return;
      }
    }
  }

  private async probe(w: Watched, signal?: AbortSignal): Promise<WorkspaceHealth> {
    const previous = w.state;
    const down = previous.health === 'down';
    const dueAssociated = previous.health !== 'healthy' && previous.health !== 'degraded' ? true : w.lastAssociatedAt === undefined || this.now() - w.lastAssociatedAt >= this.settings.associatedEveryMs;
    const result = await probeWorkspace(w.target.endpoints, {
      policy: down ? { ...this.settings.policy, maxAttempts: 1 } : this.settings.policy,
      includeAssociated: dueAssociated,
      limiter: w.limiter,
      now: this.now,
      signal,
    });
    w.calls += result.calls;
    if (result.associated) w.lastAssociatedAt = result.checkedAt;
    if (result.rateLimited) this.logger.debug(`health: ${w.target.role} probe skipped by the rate limit (${this.settings.perMinute}/min).`);
    const current = nextHealth(previous, result, this.settings.verdict);
    w.state = current;
    if (current.health !== previous.health) this.logger.info(`health: ${w.target.role} (${w.target.region}) is ${current.health}: ${current.reason}`);
    for (const listener of [...this.listeners]) {
      try {
        listener({ role: w.target.role, previous, current });
      } catch (err) {
        this.logger.error(err instanceof Error ? err : String(err));
      }
    }
    return current;
  }
}
