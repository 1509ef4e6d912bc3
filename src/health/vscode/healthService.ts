import * as vscode from 'vscode';
import type { AzureAccess, AzureConnection } from '../../azure/connection';
import { errorMessage } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { ROLES, type PairConfig, type Role } from '../../pair/pairFile';
import type { FailoverProject } from '../../vscode/project';
import { getSetting, onDidChangeSetting } from '../../vscode/settings';
import { DEFAULT_HEALTH_SETTINGS, type HealthChange, type HealthMonitor, type HealthSettings } from '../monitor';
import { connectForProbes, monitorPair, pairIdentity } from '../session';
import { initialHealth, type WorkspaceHealth } from '../state';
import { RESTRICTED_REASON, isTrusted, onDidGrantTrust } from '../../vscode/workspaceTrust';

/** The health settings as the user set them (interval and rate limit), the rest as designed. */
export function healthSettings(): HealthSettings {
  const intervalSeconds = Math.max(2, getSetting('health.intervalSeconds'));
  return { ...DEFAULT_HEALTH_SETTINGS, intervalMs: intervalSeconds * 1000, perMinute: Math.max(4, Math.round(getSetting('health.maxRequestsPerMinute'))) };
}

/**
 * Keeps one background monitor for the project's pair: built when the pair file is valid, rebuilt when the pair
 * changes, stopped when monitoring is switched off. Everything it learns is told through {@link onDidChange}.
 */
export class HealthService implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<HealthChange | undefined>();
  /** Fires after every probe (with the change) and when the monitor is rebuilt (undefined). */
  readonly onDidChange = this.changed.event;
  private monitor?: HealthMonitor;
  private monitorSubscription?: { dispose(): void };
  private pairKey?: string;
  private pair?: PairConfig;
  private connection?: AzureConnection;
  private setupError?: string;
  private generation = 0;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly project: FailoverProject,
    private readonly logger: Logger,
    private readonly access: AzureAccess,
  ) {
    this.disposables.push(
      this.changed,
      project.onDidChange(() => void this.follow()),
      // A newly trusted endpoint: try again (follow() retries while the last set-up failed).
      onDidChangeSetting('trustedClouds', () => void this.follow()),
      // Probes wait in Restricted Mode; trusted now, they start.
      onDidGrantTrust(() => void this.follow()),
      onDidChangeSetting(['health.enabled', 'health.intervalSeconds', 'health.maxRequestsPerMinute'], () => {
        if (this.monitor && getSetting('health.enabled')) this.monitor.updateSettings(healthSettings());
        void this.follow();
      }),
    );
    void this.follow();
  }

  /** The active workspace's role, when the SDK config names one of the pair. */
  get activeRole(): Role | null {
    return this.project.snapshot.active?.role ?? null;
  }

  get enabled(): boolean {
    return getSetting('health.enabled');
  }

  /** Last known health; `unknown` with the reason when there is no monitor (no pair, monitoring off, setup failed). */
  state(role: Role): WorkspaceHealth | undefined {
    const fromMonitor = this.monitor?.get(role);
    if (fromMonitor) return fromMonitor;
    if (!this.pair) return undefined;
    const s = initialHealth(role, this.pair.workspaces[role].region);
    if (this.setupError) return { ...s, reason: this.setupError };
    if (!this.enabled) return { ...s, reason: 'Health monitoring is off (setting amlFailover.health.enabled).' };
    return s;
  }

  get pairConfig(): PairConfig | undefined {
    return this.pair;
  }

  /** Probes both workspaces now (within the rate limit) and resolves with their state. */
  async refresh(): Promise<void> {
    await this.follow();
    await this.monitor?.refreshAll();
  }

  /** The connection the probes use (CA, token), for other health commands such as diagnose. */
  async getConnection(): Promise<AzureConnection> {
    await this.follow();
    if (!this.connection || !this.pair) throw new Error(this.setupError ?? 'No valid aml-failover.yaml in this folder.');
    return this.connection;
  }

  /** Requests sent to a workspace by the monitor so far. */
  callsSent(role: Role): number {
    return this.monitor?.callsSent(role) ?? 0;
  }

  private async follow(): Promise<void> {
    const snapshot = this.project.snapshot;
    const pair = snapshot.pair.state === 'valid' ? snapshot.pair.config : undefined;
    const key = pair ? pairIdentity(pair) : undefined;
    const wanted = pair && this.enabled;
    if (key === this.pairKey && Boolean(this.monitor) === Boolean(wanted) && !this.setupError) return;
    const generation = ++this.generation;
    this.stopMonitor();
    this.pair = pair;
    this.pairKey = key;
    this.setupError = undefined;
    this.connection = undefined;
    if (!pair) {
      this.changed.fire(undefined);
      return;
    }
    if (!isTrusted()) {
      this.setupError = RESTRICTED_REASON;
      this.changed.fire(undefined);
      return;
    }
    try {
      const connection = await connectForProbes(pair, this.logger, this.access);
      if (generation !== this.generation) return;
      this.connection = connection;
      if (!this.enabled) {
        this.changed.fire(undefined);
        return;
      }
      const monitor = monitorPair(pair, connection, this.logger, healthSettings());
      this.monitor = monitor;
      this.monitorSubscription = monitor.onDidChange((change) => this.changed.fire(change));
      monitor.start();
      this.logger.info(`health: watching ${ROLES.map((r) => `${r} ${pair.workspaces[r].workspace_name} (${pair.workspaces[r].region})`).join(' and ')}.`);
    } catch (err) {
      if (generation !== this.generation) return;
      this.setupError = `Cannot reach Azure: ${errorMessage(err)}`;
      this.logger.warn(`health: ${this.setupError}`);
    }
    this.changed.fire(undefined);
  }

  private stopMonitor(): void {
    this.monitorSubscription?.dispose();
    this.monitor?.stop();
    this.monitor = undefined;
  }

  dispose(): void {
    this.stopMonitor();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
