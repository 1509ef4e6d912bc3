// One scrubber for everything the product writes for people to read: the log (CLI stderr with --verbose, the VS Code
// output channel), error messages, and command output. Secrets are never put there on purpose; this catches what an
// SDK error or a request dump would carry along: bearer tokens (and any JWT), Authorization headers, storage account
// keys, SAS signatures and client secrets in connection strings. No telemetry is sent anywhere.
import type { Logger } from './logger';

export const REDACTED = '[redacted]';

const RULES: [RegExp, string][] = [
  // Authorization: Bearer …, SharedKey account:signature, Basic … — as a header line, a JSON member or an object dump.
  [/(\bauthorization["']?\s*[:=]\s*["']?)[^"'\r\n,}]+/gi, `$1${REDACTED}`],
  [/\b(Bearer|SharedKey|SharedKeyLite|Basic)\s+[A-Za-z0-9._~+/:=-]{8,}/g, `$1 ${REDACTED}`],
  // A JWT anywhere (access tokens, client assertions).
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, REDACTED],
  // SAS signatures in a URL or query string; connection-string secrets.
  [/([?&;\s"']sig=)[^&\s"'#]+/gi, `$1${REDACTED}`],
  [/\b(AccountKey|SharedAccessSignature|SharedAccessKey|ClientSecret|client_secret|access_token|refresh_token|accessToken|password)(["']?\s*[=:]\s*["']?)[^;&\s"',}]+/gi, `$1$2${REDACTED}`],
  // Storage account keys: 64 random bytes in base64 (88 characters ending in ==), with or without a name beside them.
  [/(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{86}==(?![A-Za-z0-9+/=])/g, REDACTED],
];

/** `text` with every secret it carries replaced by [redacted]. */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  return out;
}

/** An error as text for a log (its stack when it has one), scrubbed. */
export function scrubError(err: Error): string {
  return scrubSecrets(err.stack ?? `${err.name}: ${err.message}`);
}

/** `logger` behind the scrubber: what reaches it never carries a secret. */
export function scrubbingLogger(logger: Logger): Logger {
  return {
    trace: (m) => logger.trace(scrubSecrets(m)),
    debug: (m) => logger.debug(scrubSecrets(m)),
    info: (m) => logger.info(scrubSecrets(m)),
    warn: (m) => logger.warn(scrubSecrets(m)),
    error: (m) => logger.error(m instanceof Error ? scrubError(m) : scrubSecrets(m)),
  };
}
