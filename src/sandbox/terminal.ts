// The command line the VS Code command types into its terminal: the configured CLI (by default the project's
// installed `aml-failover`, never fetched: `npx --no`) running the sandbox for one folder, quoted for the shell.

export const DEFAULT_SANDBOX_COMMAND = 'npx --no aml-failover';

/** Quotes one argument for a POSIX shell, or for PowerShell/cmd on Windows. */
export function shellQuote(arg: string, platform: NodeJS.Platform): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  if (platform === 'win32') return `"${arg.replace(/"/g, '""')}"`;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function sandboxCommandLine(cli: string, projectDir: string, platform: NodeJS.Platform): string {
  const command = cli.trim() || DEFAULT_SANDBOX_COMMAND;
  return `${command} sandbox --project ${shellQuote(projectDir, platform)}`;
}
