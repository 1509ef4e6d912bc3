/**
 * The one logging interface the core uses. The extension backs it with its LogOutputChannel,
 * the CLI with stderr (only with --verbose). Core modules take a Logger as a parameter; they never print.
 */
export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string | Error): void;
}

export const silentLogger: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
