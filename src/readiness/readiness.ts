import { connect } from '../azure/connection';
import type { CloudTrust } from '../azure/trust';
import type { CredentialProvider } from '../azure/credentials';
import type { Logger } from '../common/logger';
import type { PairConfig } from '../pair/pairFile';
import { runChecks } from './checks';
import { projectRecoveryPoints } from './backups';
import { gatherFacts, type RecoveryPointSource } from './gather';
import { readProjectJobs } from './projectJobs';
import type { ReadinessCheck } from './types';

/** The first workspace GET of each side: a few quick tries, so that a region that is down is known in seconds. */
const GATE_RETRY = { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 1_000 };

export interface ReadinessOptions {
  logger: Logger;
  trust?: CloudTrust;
  /** The project's credentials (src/azure/credentials.ts): both connections sign in through them. */
  credentials?: CredentialProvider;
  /** The project folder: its job YAMLs name the assets the assets check looks up; its backup folder holds the recovery points the backup check reads. */
  projectDir?: string;
  /** Overrides where the recovery points come from (default: the project's backup folder). */
  backups?: RecoveryPointSource;
  /** `amlFailover.backup.maxAgeHours` (default 24). */
  backupMaxAgeHours?: number;
  signal?: AbortSignal;
}

/** Reads the pair from ARM and checks it against the failover guidance. */
export async function checkReadiness(pair: PairConfig, options: ReadinessOptions): Promise<ReadinessCheck[]> {
  const [gate, connection] = await Promise.all([
    connect(pair.cloud, { logger: options.logger, trust: options.trust, credentials: options.credentials, retry: GATE_RETRY }),
    connect(pair.cloud, { logger: options.logger, trust: options.trust, credentials: options.credentials }),
  ]);
  const projectJobs = options.projectDir ? await readProjectJobs(options.projectDir, pair) : undefined;
  const facts = await gatherFacts(pair, { gate, connection, projectJobs, backups: options.backups ?? (options.projectDir ? projectRecoveryPoints(options.projectDir, gate) : undefined), backupMaxAgeHours: options.backupMaxAgeHours, signal: options.signal });
  return runChecks(facts);
}
