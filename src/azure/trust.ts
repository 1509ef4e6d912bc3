// Which endpoints may receive the user's Azure token, a storage key or a client secret. A pair file comes with the
// repository, so it never decides this on its own: an endpoint is trusted when it is a canonical endpoint of a public
// Azure cloud (and no repository CA or token file is involved), when the user trusted it outside the repository
// (--trust-cloud, AML_FAILOVER_TRUSTED_CLOUDS, the user setting amlFailover.trustedClouds, a remembered prompt), or
// when it belongs to the sandbox running for this very project and the credential is that sandbox's own token file.
// Decided per endpoint URL (scheme://host:port), never by cloud.name.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../common/errors';
import { KNOWN_CLOUDS, type CloudSetting } from './cloud';

export const TRUSTED_CLOUDS_ENV = 'AML_FAILOVER_TRUSTED_CLOUDS';
export const TRUSTED_CLOUDS_SETTING = 'amlFailover.trustedClouds';
export const TRUST_CLOUD_FLAG = '--trust-cloud';

export type EndpointKind = 'resourceManager' | 'storage' | 'authorityHost';

export interface Endpoint {
  kind: EndpointKind;
  url: string;
}

const KIND_LABEL: Record<EndpointKind, string> = {
  resourceManager: 'cloud.resourceManager',
  storage: 'a storage endpoint of cloud:',
  authorityHost: 'cloud.authorityHost',
};

/** What the user trusts, outside the repository. */
export interface CloudTrust {
  /** True when the user trusts this origin (scheme://host:port). */
  isTrusted(origin: string): boolean;
  /** Asked for an endpoint that is not trusted (VS Code prompts, remembered per endpoint); resolves whether it now is. */
  ask?(endpoint: Endpoint, origin: string): Promise<boolean>;
}

/** scheme://host:port of a URL: lower case, the default port written out. Undefined when `url` is not a URL. */
export function endpointOrigin(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (!u.host) return undefined;
  const port = u.port || (u.protocol === 'https:' ? '443' : u.protocol === 'http:' ? '80' : '');
  return `${u.protocol}//${u.hostname.toLowerCase()}${port ? `:${port}` : ''}`;
}

/**
 * The origins named by trust entries (flag values, the environment variable, the setting). An entry is a URL with
 * nothing after host and port but an optional trailing slash; anything else is refused so that a typo never trusts
 * more (or less) than the user meant.
 */
export function parseTrustedClouds(entries: readonly string[], source: string): Set<string> {
  const origins = new Set<string>();
  for (const raw of entries) {
    const entry = raw.trim();
    if (!entry) continue;
    const origin = endpointOrigin(entry);
    let u: URL | undefined;
    try {
      u = new URL(entry);
    } catch {
      // reported below
    }
    if (!origin || !u || u.pathname.replace(/\/+$/, '') !== '' || u.search || u.hash || u.username || u.password) {
      throw new UserError(`${source}: "${entry}" is not an endpoint; give scheme://host:port, e.g. https://127.0.0.1:8443.`, 'usage');
    }
    origins.add(origin);
  }
  return origins;
}

/** The comma-separated list in AML_FAILOVER_TRUSTED_CLOUDS. */
export function trustedCloudsFromEnv(env: NodeJS.ProcessEnv = process.env): Set<string> {
  return parseTrustedClouds((env[TRUSTED_CLOUDS_ENV] ?? '').split(','), TRUSTED_CLOUDS_ENV);
}

/** Trust from a fixed set of origins (the CLI: --trust-cloud and the environment variable). */
export function fixedTrust(origins: Iterable<string>): CloudTrust {
  const set = new Set(origins);
  return { isTrusted: (origin) => set.has(origin) };
}

const CANONICAL_ARM = new Set(Object.values(KNOWN_CLOUDS).map((c) => endpointOrigin(c.resourceManager)!));
const CANONICAL_AUTHORITY = new Set(Object.values(KNOWN_CLOUDS).map((c) => endpointOrigin(c.authorityHost)!));
const CANONICAL_STORAGE = Object.values(KNOWN_CLOUDS).map((c) => c.storageSuffix);

/** True when `url` is an endpoint every public Azure cloud user reaches anyway (management, login, storage). */
export function isCanonicalEndpoint(endpoint: Endpoint): boolean {
  const origin = endpointOrigin(endpoint.url);
  if (!origin) return false;
  switch (endpoint.kind) {
    case 'resourceManager':
      return CANONICAL_ARM.has(origin);
    case 'authorityHost':
      return CANONICAL_AUTHORITY.has(origin);
    case 'storage': {
      const m = /^https:\/\/([a-z0-9]{3,24})\.(?:blob|file)\.(.+):443$/.exec(origin);
      return Boolean(m && CANONICAL_STORAGE.includes(m[2]!));
    }
  }
}

export type TrustDecision =
  | { trusted: true; why: 'canonical' | 'user' | 'sandbox' }
  | { trusted: false; origin: string };

/**
 * Whether `endpoint` of `cloud` may receive a credential. Pure: `sandboxOrigins` are the endpoints of the sandbox
 * verified to run for this project with the cloud's own token file and CA (see verifiedSandboxOrigins).
 */
export function decideEndpoint(cloud: CloudSetting, endpoint: Endpoint, trust: CloudTrust, sandboxOrigins?: ReadonlySet<string>): TrustDecision {
  const origin = endpointOrigin(endpoint.url) ?? endpoint.url;
  // A repository CA could vouch for any host name, and a token file is no Azure sign-in: neither is a public cloud.
  const repositoryMaterial = endpoint.kind !== 'authorityHost' && Boolean(cloud.caFile || cloud.tokenFile || cloud.storageTokenFile);
  if (!repositoryMaterial && isCanonicalEndpoint(endpoint)) return { trusted: true, why: 'canonical' };
  if (trust.isTrusted(origin)) return { trusted: true, why: 'user' };
  if (sandboxOrigins?.has(origin) && endpoint.kind !== 'authorityHost') return { trusted: true, why: 'sandbox' };
  return { trusted: false, origin };
}

/** The message for an endpoint the user has not trusted: what would be sent where, and exactly how to trust it. */
export function untrustedMessage(endpoint: Endpoint, origin: string, cloud: CloudSetting): string {
  const what = endpoint.kind === 'authorityHost' ? 'your Azure sign-in (client secret or assertion)' : cloud.tokenFile ? 'the token in cloud.tokenFile' : 'your Azure token';
  return (
    `aml-failover.yaml would send ${what} to ${origin} (${KIND_LABEL[endpoint.kind]}), an endpoint you have not trusted; nothing was sent. ` +
    `If you trust it, run again with ${TRUST_CLOUD_FLAG} ${origin}, or set ${TRUSTED_CLOUDS_ENV}=${origin}, ` +
    `or in VS Code add "${origin}" to the user setting ${TRUSTED_CLOUDS_SETTING}.`
  );
}

export class UntrustedEndpointError extends UserError {
  constructor(
    readonly endpoint: Endpoint,
    readonly origin: string,
    cloud: CloudSetting,
  ) {
    super(untrustedMessage(endpoint, origin, cloud));
    this.name = 'UntrustedEndpointError';
  }
}

/**
 * Throws UntrustedEndpointError unless `endpoint` may receive a credential (asking the user when the trust source
 * can ask).
 */
export async function requireTrusted(cloud: CloudSetting, endpoint: Endpoint, trust: CloudTrust, sandboxOrigins?: ReadonlySet<string>): Promise<void> {
  const decision = decideEndpoint(cloud, endpoint, trust, sandboxOrigins);
  if (decision.trusted) return;
  if (trust.ask && (await trust.ask(endpoint, decision.origin))) return;
  throw new UntrustedEndpointError(endpoint, decision.origin, cloud);
}

/** Where a running sandbox records itself, relative to its project (src/sandbox/control.ts writes it). */
const SANDBOX_STATE_DIR = '.aml-failover';
const SANDBOX_RECORD_FILE = 'sandbox.json';

/** A running sandbox's record whose files are its own (see ownSandboxRecord). */
export interface OwnSandboxRecord {
  /** Real paths, inside `<project>/.aml-failover/`. */
  tokenFile: string;
  caFile: string;
  /** Its storage-scoped token's file, when the record names one (sandboxes before it did not). */
  storageTokenFile?: string;
  /** The origins of its ARM and storage endpoints. */
  origins: Set<string>;
  /** The record as written. */
  raw: { pid: number; armUrl: string; controlUrl?: unknown; [key: string]: unknown };
}

/**
 * The record of the sandbox running for `projectDir`, when it is the sandbox's own: the record, its token file and
 * CA are real files directly inside `<project>/.aml-failover/` (that folder no symlink, none of them a symlink out of
 * it), and the record's process is alive. Otherwise undefined: a repository could commit a record naming any local
 * file (a credential cache) as the "token" and any endpoint to send it to.
 */
export async function ownSandboxRecord(projectDir: string): Promise<OwnSandboxRecord | undefined> {
  try {
    const project = await fs.realpath(projectDir);
    const stateDir = path.join(project, SANDBOX_STATE_DIR);
    if ((await fs.realpath(stateDir)) !== stateDir) return undefined;
    const inside = async (file: string) => {
      const real = await fs.realpath(path.resolve(stateDir, file));
      return path.dirname(real) === stateDir ? real : undefined;
    };
    const recordFile = await inside(SANDBOX_RECORD_FILE);
    if (!recordFile) return undefined;
    const raw = JSON.parse(await fs.readFile(recordFile, 'utf8')) as Record<string, unknown>;
    const storage = (raw.storage ?? {}) as Record<string, { blobUrl?: unknown; fileUrl?: unknown }>;
    if (typeof raw.tokenFile !== 'string' || typeof raw.caFile !== 'string' || typeof raw.armUrl !== 'string' || !isAlive(raw.pid)) return undefined;
    const [tokenFile, caFile, storageTokenFile] = await Promise.all([inside(raw.tokenFile), inside(raw.caFile), typeof raw.storageTokenFile === 'string' ? inside(raw.storageTokenFile) : undefined]);
    if (!tokenFile || !caFile || (raw.storageTokenFile !== undefined && !storageTokenFile)) return undefined;
    const urls = [raw.armUrl, ...Object.values(storage).flatMap((s) => [s.blobUrl, s.fileUrl])];
    const origins = new Set(urls.flatMap((u) => (typeof u === 'string' && endpointOrigin(u) ? [endpointOrigin(u)!] : [])));
    return { tokenFile, caFile, storageTokenFile, origins, raw: raw as OwnSandboxRecord['raw'] };
  } catch {
    return undefined;
  }
}

/**
 * The endpoints of the sandbox running for the pair file's project, when the cloud's tokenFile and caFile are (real
 * paths) that sandbox's own files (ownSandboxRecord); otherwise undefined.
 */
export async function verifiedSandboxOrigins(cloud: CloudSetting): Promise<Set<string> | undefined> {
  if (!cloud.tokenFile || !cloud.caFile || !cloud.projectDir) return undefined;
  const own = await ownSandboxRecord(cloud.projectDir);
  if (!own) return undefined;
  try {
    const [token, ca, storageToken] = await Promise.all([fs.realpath(cloud.tokenFile), fs.realpath(cloud.caFile), cloud.storageTokenFile ? fs.realpath(cloud.storageTokenFile) : undefined]);
    // A storage token file must be the sandbox's own too: a repository could name a credential cache there.
    const storageOk = storageToken === undefined || storageToken === own.storageTokenFile;
    return token === own.tokenFile && ca === own.caFile && storageOk ? own.origins : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: unknown): boolean {
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
