import { connect } from '../azure/connection';
import type { CloudTrust } from '../azure/trust';
import type { Logger } from '../common/logger';
import type { PairConfig } from '../pair/pairFile';
import { runChecks } from './checks';
import { gatherFacts, type BackupSource } from './gather';
import type { ReadinessCheck } from './types';

/** The first workspace GET of each side: a few quick tries, so that a region that is down is known in seconds. */
const GATE_RETRY = { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 1_000 };

export interface ReadinessOptions {
  logger: Logger;
  trust?: CloudTrust;
  backups?: BackupSource;
  backupMaxAgeHours?: number;
  signal?: AbortSignal;
}

/** Reads the pair from ARM and checks it against the failover guidance. */
export async function checkReadiness(pair: PairConfig, options: ReadinessOptions): Promise<ReadinessCheck[]> {
  const [gate, connection] = await Promise.all([
    connect(pair.cloud, { logger: options.logger, trust: options.trust, retry: GATE_RETRY }),
    connect(pair.cloud, { logger: options.logger, trust: options.trust }),
  ]);
  const facts = await gatherFacts(pair, { gate, connection, backups: options.backups, backupMaxAgeHours: options.backupMaxAgeHours, signal: options.signal });
  return runChecks(facts);
}
