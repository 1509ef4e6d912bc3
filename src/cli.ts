import * as path from 'node:path';
import { Command, CommanderError } from 'commander';
import { UserError, errorMessage } from './common/errors';
import type { Logger } from './common/logger';
import { scrubbingLogger, scrubSecrets } from './common/secrets';
import { fixedTrust, parseTrustedClouds, trustedCloudsFromEnv, TRUST_CLOUD_FLAG } from './azure/trust';
import type { CliContext, RegisterCli } from './cli/context';
import type { CredentialProvider } from './azure/credentials';
import { chainNames, defaultChainCredentials } from './azure/defaultChain';
import { registerSwitchCli } from './switch/cli';
import { registerPairCli } from './pair/cli';
import { registerHealthCli } from './health/cli';
import { registerDriftCli } from './drift/cli';
import { registerSandboxCli } from './sandbox/cli';
import { registerLintCli } from './lint/cli';
import { registerExportCli } from './export/cli';
import { registerReplicateCli } from './replicate/cli';
import { registerBackupCli } from './backup/cli';
import { registerReadinessCli } from './readiness/cli';
import { registerSchedulesCli } from './schedules/cli';
import { registerFailoverCli } from './failover/cli';
import { registerRestoreCli } from './restore/cli';

/** Exit codes: 0 success, 1 the operation failed, 2 bad usage or bad input. Commands may set others (status: 3). */
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

// Each capability registers its own subcommands; add a line here to add a capability.
const capabilities: RegisterCli[] = [
  registerPairCli,
  registerSwitchCli,
  registerHealthCli,
  registerDriftCli,
  registerSandboxCli,
  registerLintCli,
  registerExportCli,
  registerReplicateCli,
  registerBackupCli,
  registerSchedulesCli,
  registerReadinessCli,
  registerFailoverCli,
  registerRestoreCli,
];

declare const PACKAGE_VERSION: string | undefined;

/** Every command, option and argument description: sentence case, upper-case first letter, no final period. */
export function buildProgram(ctx: CliContext, options: { version?: string } = {}): Command {
  const program = new Command('aml-failover')
    .description('Disaster-recovery tooling for a primary/secondary Azure Machine Learning workspace pair')
    .version(options.version ?? version(), '-V, --version', 'Print the version')
    // Before the capabilities register: subcommands inherit the help option and the help command.
    .helpOption('-h, --help', 'Show help')
    .helpCommand('help [command]', 'Show help for a command')
    .option('--project <dir>', 'Folder holding aml-failover.yaml (default: the current folder)')
    .option(`${TRUST_CLOUD_FLAG} <url>`, 'Send your Azure token to this endpoint of a custom cloud (repeatable; also AML_FAILOVER_TRUSTED_CLOUDS)', (v: string, all: string[] | undefined) => [...(all ?? []), v])
    .option('-v, --verbose', 'Log details to stderr')
    .addHelpText('after', '\nPaths on the command line (and --out) are relative to the current folder; --project only chooses the project.\n')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });
  for (const register of capabilities) register(program, ctx);
  for (const cmd of program.commands) cmd.exitOverride().showHelpAfterError();
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const abort = new AbortController();
  let exitCode = 0;
  // The closures below read `program` only once it exists (after buildProgram).
  const verbose = () => Boolean(program.opts().verbose);
  const log = (level: string) => (m: string | Error) => {
    if (verbose()) process.stderr.write(`[${level}] ${m instanceof Error ? (m.stack ?? m.message) : m}\n`);
  };
  // Everything the CLI writes for people goes through the one scrubber (src/common/secrets.ts).
  const logger: Logger = scrubbingLogger({ trace: log('trace'), debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') });
  // One credential per process: every command's clients sign in through it once per scope.
  let credentials: CredentialProvider | undefined;
  const ctx: CliContext = {
    out: (t) => process.stdout.write(line(t)),
    err: (t) => process.stderr.write(line(t)),
    logger,
    projectDir: () => path.resolve(String(program.opts().project ?? '.')),
    cloudTrust: () => fixedTrust([...parseTrustedClouds((program.opts().trustCloud as string[] | undefined) ?? [], TRUST_CLOUD_FLAG), ...trustedCloudsFromEnv()]),
    azureAccess: () => {
      // An AZURE_TOKEN_CREDENTIALS @azure/identity would refuse is bad usage, told before anything is tried.
      chainNames();
      return { trust: ctx.cloudTrust(), credentials: (credentials ??= defaultChainCredentials()) };
    },
    isTTY: Boolean(process.stdout.isTTY),
    signal: abort.signal,
    setExitCode: (code) => {
      exitCode = code;
    },
  };
  const program = buildProgram(ctx);
  if (onlyGlobalOptions(argv)) {
    // `aml-failover` alone asks what it can do: the help is the answer (stdout, exit 0), not an error.
    program.outputHelp();
    return 0;
  }

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

/** One line of output, scrubbed, newline-terminated. */
function line(text: string): string {
  const t = scrubSecrets(text);
  return t.endsWith('\n') ? t : `${t}\n`;
}

/** True when argv names no command: nothing, or only --project DIR and --verbose. */
function onlyGlobalOptions(argv: readonly string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--project') i++;
    else if (!a.startsWith('--project=') && a !== '-v' && a !== '--verbose') return false;
  }
  return true;
}

function version(): string {
  return typeof PACKAGE_VERSION === 'string' ? PACKAGE_VERSION : '0.0.0-dev';
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
