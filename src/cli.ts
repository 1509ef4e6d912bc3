import * as path from 'node:path';
import { Command, CommanderError } from 'commander';
import { UserError, errorMessage } from './common/errors';
import type { Logger } from './common/logger';
import { fixedTrust, parseTrustedClouds, trustedCloudsFromEnv, TRUST_CLOUD_FLAG } from './azure/trust';
import type { CliContext, RegisterCli } from './cli/context';
import { registerSwitchCli } from './switch/cli';
import { registerPairCli } from './pair/cli';
import { registerHealthCli } from './health/cli';
import { registerDriftCli } from './drift/cli';
import { registerSandboxCli } from './sandbox/cli';
import { registerLintCli } from './lint/cli';
import { registerExportCli } from './export/cli';
import { registerReplicateCli } from './replicate/cli';

/** Exit codes: 0 success, 1 the operation failed, 2 bad usage or bad input. Commands may set others (status: 3). */
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

// Each capability registers its own subcommands; add a line here to add a capability.
const capabilities: RegisterCli[] = [registerPairCli, registerSwitchCli, registerHealthCli, registerDriftCli, registerSandboxCli, registerLintCli, registerExportCli, registerReplicateCli];

declare const PACKAGE_VERSION: string | undefined;

export async function main(argv: string[]): Promise<number> {
  const abort = new AbortController();
  let exitCode = 0;
  const program = new Command('aml-failover')
    .description('Disaster-recovery tooling for a primary/secondary Azure Machine Learning workspace pair.')
    .version(version(), '-V, --version')
    .option('--project <dir>', 'folder holding aml-failover.yaml', process.cwd())
    .option(`${TRUST_CLOUD_FLAG} <url>`, 'send your Azure token to this endpoint of a custom cloud (repeatable; also AML_FAILOVER_TRUSTED_CLOUDS)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('-v, --verbose', 'log details to stderr')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });

  const verbose = () => Boolean(program.opts().verbose);
  const log = (level: string) => (m: string | Error) => {
    if (verbose()) process.stderr.write(`[${level}] ${m instanceof Error ? (m.stack ?? m.message) : m}\n`);
  };
  const logger: Logger = { trace: log('trace'), debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const ctx: CliContext = {
    out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
    logger,
    projectDir: () => path.resolve(String(program.opts().project)),
    cloudTrust: () => fixedTrust([...parseTrustedClouds(program.opts().trustCloud as string[], TRUST_CLOUD_FLAG), ...trustedCloudsFromEnv()]),
    isTTY: Boolean(process.stdout.isTTY),
    signal: abort.signal,
    setExitCode: (code) => {
      exitCode = code;
    },
  };
  for (const register of capabilities) register(program, ctx);
  for (const cmd of program.commands) cmd.exitOverride().showHelpAfterError();

  const onSignal = () => abort.abort(new Error('Interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return EXIT_USAGE;
    }
    if (err instanceof UserError) {
      ctx.err(`aml-failover: ${err.message}`);
      return err.kind === 'usage' ? EXIT_USAGE : EXIT_FAILED;
    }
    ctx.err(`aml-failover: ${errorMessage(err)}`);
    logger.error(err as Error);
    return EXIT_FAILED;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

function version(): string {
  return typeof PACKAGE_VERSION === 'string' ? PACKAGE_VERSION : '0.0.0-dev';
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
