import * as vscode from 'vscode';
import { connect, type AzureAccess, type AzureConnection } from '../../azure/connection';
import { errorMessage } from '../../common/errors';
import type { Logger } from '../../common/logger';
import type { PairConfig, Role } from '../../pair/pairFile';
import type { FailoverProject } from '../../vscode/project';
import { getSetting, onDidChangeSetting } from '../../vscode/settings';
import type { WorkspaceInventory } from '../inventory';
import { listWorkspaceInventory } from '../pairInventory';
import { pairIdentity } from '../../health/session';
import { RESTRICTED_REASON, isTrusted, onDidGrantTrust } from '../../vscode/workspaceTrust';
import { QUICK_RETRY } from '../../azure/retry';

/** What the view knows of one workspace's assets: the last listing that worked, and why the latest one failed. */
export interface InventoryEntry {
  inventory?: WorkspaceInventory;
  /** Set when the latest listing failed; `inventory` is then the last known one (with its own "as of" time). */
  error?: string;
  loading: boolean;
}

/**
 * Lists a workspace's assets when the user first expands it, keeps the result with its time, and lists again on
 * refresh (explicit or every `inventory.refreshIntervalMinutes`). A failed listing keeps the last known one.
 */
export class InventoryService implements vscode.Disposable {
  private readonly entries = new Map<Role, InventoryEntry>();
  private readonly pending = new Map<Role, Promise<InventoryEntry>>();
  private readonly changed = new vscode.EventEmitter<Role>();
  readonly onDidChange = this.changed.event;
  private connection?: Promise<AzureConnection>;
  private pairKey?: string;
  private timer?: NodeJS.Timeout;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly project: FailoverProject,
    private readonly logger: Logger,
    private readonly access: AzureAccess,
  ) {
    this.disposables.push(
      this.changed,
      project.onDidChange(() => this.followPair()),
      onDidChangeSetting('inventory.refreshIntervalMinutes', () => this.schedule()),
      // Trusted now: what waited in Restricted Mode is listed.
      onDidGrantTrust(() => void this.refresh()),
      { dispose: () => clearInterval(this.timer) },
    );
    this.schedule();
  }

  get pair(): PairConfig | undefined {
    const s = this.project.snapshot.pair;
    return s.state === 'valid' ? s.config : undefined;
  }

  /** What is known now, without listing. */
  peek(role: Role): InventoryEntry | undefined {
    return this.entries.get(role);
  }

  /** The cached listing, or a new one when there is none yet. */
  load(role: Role): Promise<InventoryEntry> {
    const known = this.entries.get(role);
    // A listing that failed is not retried by merely looking again (that would loop with the tree); refresh does.
    if (known && !known.loading && (known.inventory || known.error)) return Promise.resolve(known);
    return this.list(role);
  }

  /** Lists again every workspace the user has looked at (of `roles`, when given). */
  async refresh(roles?: readonly Role[]): Promise<void> {
    await Promise.all([...this.entries.keys()].filter((role) => !roles || roles.includes(role)).map((role) => this.list(role)));
  }

  private list(role: Role): Promise<InventoryEntry> {
    const running = this.pending.get(role);
    if (running) return running;
    const pair = this.pair;
    if (!pair) return Promise.resolve({ loading: false, error: 'No valid aml-failover.yaml in this folder.' });
    if (!isTrusted()) {
      const entry = { loading: false, error: RESTRICTED_REASON };
      this.entries.set(role, entry);
      return Promise.resolve(entry);
    }
    const previous = this.entries.get(role);
    this.entries.set(role, { ...previous, loading: true });
    const job = (async (): Promise<InventoryEntry> => {
      let entry: InventoryEntry;
      try {
        const connection = await this.getConnection(pair);
        const inventory = await listWorkspaceInventory(connection, pair, role, { logger: this.logger });
        const sections = Object.keys(inventory.problems);
        if (sections.length === 6 && previous?.inventory) {
          // Nothing could be listed (the region is down): keep the last known listing and say why.
          entry = { inventory: previous.inventory, error: Object.values(inventory.problems)[0], loading: false };
        } else {
          entry = { inventory, loading: false };
        }
        for (const [section, problem] of Object.entries(inventory.problems)) this.logger.warn(`inventory: ${role} ${section}: ${problem}`);
      } catch (err) {
        entry = { inventory: previous?.inventory, error: errorMessage(err), loading: false };
        this.logger.warn(`inventory: listing the ${role} workspace failed: ${entry.error}`);
      }
      if (this.pairKey === pairIdentity(pair)) this.entries.set(role, entry);
      this.changed.fire(role);
      return entry;
    })().finally(() => this.pending.delete(role));
    this.pending.set(role, job);
    return job;
  }

  private getConnection(pair: PairConfig): Promise<AzureConnection> {
    if (!this.connection || this.pairKey !== pairIdentity(pair)) {
      this.pairKey = pairIdentity(pair);
      // One retry in the pipeline: listings are user-initiated and bounded by their own deadline.
      this.connection = connect(pair.cloud, { logger: this.logger, ...this.access, retry: QUICK_RETRY });
      this.connection.catch(() => (this.connection = undefined));
    }
    return this.connection;
  }

  private followPair(): void {
    const pair = this.pair;
    const key = pair ? pairIdentity(pair) : undefined;
    if (key !== this.pairKey) {
      this.entries.clear();
      this.connection = undefined;
      this.pairKey = key;
    }
  }

  private schedule(): void {
    clearInterval(this.timer);
    const minutes = getSetting('inventory.refreshIntervalMinutes');
    if (minutes > 0) this.timer = setInterval(() => void this.refresh(), Math.max(1, minutes) * 60_000);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
