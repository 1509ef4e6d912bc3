// One credential per project, shared by every capability: health, inventory, the lint's remote check, export and
// replicate each build their own clients (each with its own retry policy), but all of them get their token from the
// same credential, which signs in once per scope and tenant and hands the token out until it is about to expire.
// The CLI backs it with @azure/identity's chain (src/azure/defaultChain.ts), VS Code with its accounts
// (src/azure/vscodeSignIn.ts).
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import type { CloudSetting } from './cloud';

/** What a GetTokenOptions' abortSignal is (@azure/abort-controller's AbortSignalLike). */
type AbortSignalLike = NonNullable<GetTokenOptions['abortSignal']>;

/** Where every connection of a project gets its credential. */
export interface CredentialProvider {
  /** The one credential for `cloud` (the same object for the same cloud), for every client of every capability. */
  credentialFor(cloud: CloudSetting): TokenCredential;
}

/** A token is fetched again this long before it expires (the SDK's bearer policy refreshes 2 min before). */
const REFRESH_MARGIN_MS = 5 * 60_000;

/** What identifies a sign-in: the cloud's authority (a custom cloud may have none: then its ARM endpoint). */
export function cloudKey(cloud: CloudSetting): string {
  return `${cloud.name}|${cloud.authorityHost ?? cloud.resourceManager}`;
}

/** A provider that builds one credential per cloud with `make`, shared from then on. */
export function credentialProvider(make: (cloud: CloudSetting) => TokenCredential): CredentialProvider & { forget(): void } {
  const byCloud = new Map<string, TokenCredential>();
  return {
    credentialFor(cloud) {
      const key = cloudKey(cloud);
      let credential = byCloud.get(key);
      if (!credential) {
        credential = make(cloud);
        byCloud.set(key, credential);
      }
      return credential;
    },
    forget: () => byCloud.clear(),
  };
}

/**
 * `inner` signed in once per scope set and tenant: the token is kept until 5 minutes before it expires, and
 * callers asking at the same time share one sign-in. `forget()` drops every kept token (a session changed).
 */
export function sharedCredential(inner: TokenCredential): TokenCredential & { forget(): void } {
  const kept = new Map<string, { token?: AccessToken; pending?: Promise<AccessToken | null> }>();
  let generation = 0;
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      // A claims challenge asks for a fresh token; never answer it from what is kept.
      if (options?.claims) return inner.getToken(scopes, options);
      const key = `${[scopes].flat().sort().join(' ')}|${options?.tenantId ?? ''}`;
      const entry = kept.get(key) ?? {};
      kept.set(key, entry);
      const now = Date.now();
      if (entry.token && now < (entry.token.refreshAfterTimestamp ?? entry.token.expiresOnTimestamp - REFRESH_MARGIN_MS)) return entry.token;
      if (!entry.pending) {
        const started = generation;
        // The shared sign-in is not cancelled by one caller's signal: the others still wait for it.
        entry.pending = inner.getToken(scopes, { ...options, abortSignal: undefined }).then(
          (token) => {
            if (started === generation) {
              entry.pending = undefined;
              if (token) entry.token = token;
            }
            return token;
          },
          (err: unknown) => {
            if (started === generation) entry.pending = undefined;
            throw err;
          },
        );
      }
      return abortable(entry.pending, options?.abortSignal);
    },
    forget() {
      generation++;
      kept.clear();
    },
  };
}

function abortable<T>(promise: Promise<T>, signal?: AbortSignalLike): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      const err = new Error('The sign-in was cancelled.');
      err.name = 'AbortError';
      reject(err);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** One way of signing in, by the name @azure/identity gives it. */
export interface SignInAttempt {
  name: string;
  /** How long it may take before the next one is tried. */
  deadlineMs: number;
  /** Builds the credential (it may throw when it is not configured: then it is skipped with that reason). */
  create(): TokenCredential;
}

/** None of the ways worked. Named like @azure/identity's own, so callers classify it as a sign-in failure. */
export class SignInError extends Error {
  constructor(
    message: string,
    readonly tried: { name: string; reason: string }[],
  ) {
    super(message);
    this.name = 'CredentialUnavailableError';
  }
}

/**
 * Tries each way in order, each under its own deadline, like @azure/identity's ChainedTokenCredential: a way that is
 * unavailable (or too slow) passes to the next; an authentication failure of a configured way stops there. The way
 * that worked is used from then on. `describe` turns the failures into the message (what was tried, what to do).
 */
export class SignInChain implements TokenCredential {
  private chosen: TokenCredential | undefined;
  private readonly built = new Map<string, TokenCredential>();

  constructor(
    private readonly attempts: readonly SignInAttempt[],
    private readonly describe: (tried: { name: string; reason: string }[]) => string,
  ) {}

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    if (this.chosen) return this.chosen.getToken(scopes, options);
    const tried: { name: string; reason: string }[] = [];
    for (const attempt of this.attempts) {
      let credential = this.built.get(attempt.name);
      try {
        if (!credential) {
          credential = attempt.create();
          this.built.set(attempt.name, credential);
        }
      } catch (err) {
        tried.push({ name: attempt.name, reason: firstLine(err) });
        continue;
      }
      try {
        const token = await withinDeadline(credential.getToken(scopes, options), attempt.deadlineMs, options?.abortSignal);
        if (token) {
          this.chosen = credential;
          return token;
        }
        tried.push({ name: attempt.name, reason: 'returned no token' });
      } catch (err) {
        const e = err as Error;
        if (e.name === 'AbortError' && options?.abortSignal?.aborted) throw err;
        tried.push({ name: attempt.name, reason: e.name === 'SignInDeadline' ? `no answer within ${attempt.deadlineMs / 1000} s` : firstLine(err) });
        if (!UNAVAILABLE.has(e.name)) break;
      }
    }
    throw new SignInError(this.describe(tried), tried);
  }
}

const UNAVAILABLE = new Set(['CredentialUnavailableError', 'SignInDeadline', 'AuthenticationRequiredError']);

function withinDeadline<T>(promise: Promise<T>, ms: number, signal?: AbortSignalLike): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${ms} ms`), { name: 'SignInDeadline' })), ms);
  });
  return Promise.race([abortable(promise, signal), deadline]).finally(() => clearTimeout(timer));
}

/** The first line of an error, without @azure/identity's troubleshooting links. */
function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split('\n').find((l) => l.trim()) ?? text)
    .replace(/\s*(To troubleshoot|Troubleshooting guide|For more information)[\s\S]*$/i, '')
    .trim();
}
