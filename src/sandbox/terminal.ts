// The process "Start Sandbox Cloud" runs in its terminal: the configured CLI (by default the project's installed
// `aml-failover`, never fetched: `npx --no`) running the sandbox for one folder. It is started as a process with
// separate arguments — never a command line typed into the user's shell, where a folder named `C:\p$(calc)` would
// run code in PowerShell.
import { UserError } from '../common/errors';

export const DEFAULT_SANDBOX_COMMAND = 'npx --no aml-failover';

export interface SandboxProcess {
  executable: string;
  args: string[];
}

/**
 * The words of the `amlFailover.sandbox.command` setting (a machine-scoped setting the user wrote): split on white
 * space, with "double" or 'single' quotes grouping a word that holds spaces. Nothing is expanded.
 */
export function commandWords(command: string): string[] {
  const words: string[] = [];
  for (const m of command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) words.push(m[1] ?? m[2] ?? m[3]!);
  return words;
}

/** Characters cmd.exe interprets even inside an argument, when Windows starts a batch file (npx is npx.cmd). */
const CMD_SPECIAL = /[%!^&|<>"]/;

export function sandboxProcess(cli: string, projectDir: string, platform: NodeJS.Platform): SandboxProcess {
  const [executable, ...rest] = commandWords(cli.trim() || DEFAULT_SANDBOX_COMMAND);
  if (!executable) throw new UserError('The setting amlFailover.sandbox.command is empty.');
  // Windows runs a .cmd/.bat through cmd.exe, which would read such characters in the folder: only an .exe is safe.
  const isExe = /(^|[\\/])node$|\.exe$/i.test(executable);
  if (platform === 'win32' && !isExe && CMD_SPECIAL.test(projectDir)) {
    throw new UserError(
      `The folder ${projectDir} holds characters cmd.exe would interpret (${CMD_SPECIAL.source}); set amlFailover.sandbox.command to an .exe, e.g. node C:\\path\\to\\aml-failover\\dist\\cli.js, or use another folder.`,
    );
  }
  return { executable, args: [...rest, 'sandbox', '--project', projectDir] };
}
