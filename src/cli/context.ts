import type { Command } from 'commander';
import type { AzureAccess } from '../azure/connection';
import type { CloudTrust } from '../azure/trust';
import type { Logger } from '../common/logger';

/** What every capability's CLI adapter gets: where to print, how to log, and the selected project folder. */
export interface CliContext {
  /** Result lines, to stdout. */
  out(text: string): void;
  /** Messages for the user that are not the result (progress, warnings), to stderr. */
  err(text: string): void;
  /** Diagnostics; printed to stderr only with --verbose. */
  logger: Logger;
  /** Absolute path of --project (default: the current folder). */
  projectDir(): string;
  /** The endpoints the user trusts with a token: --trust-cloud URL (repeatable) and AML_FAILOVER_TRUSTED_CLOUDS. */
  cloudTrust(): CloudTrust;
  /** cloudTrust() and the process's one credential per cloud (src/azure/defaultChain.ts): hand it to connect(). */
  azureAccess(): AzureAccess;
  /** True when stdout is a terminal (progress bars, colours). */
  isTTY: boolean;
  /** Aborted on SIGINT/SIGTERM so long work stops cleanly. */
  signal: AbortSignal;
  /** Set the process exit code without exiting (for results such as "findings": exit 1). */
  setExitCode(code: number): void;
}

/** Each capability adds its subcommands with one of these. */
export type RegisterCli = (program: Command, ctx: CliContext) => void;
