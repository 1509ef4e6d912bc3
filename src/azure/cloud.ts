import * as path from 'node:path';

/**
 * How to reach a cloud: its ARM endpoint, the sign-in authority, the token scopes (ARM and storage), how storage
 * accounts are addressed, and (for private or local clouds such as the sandbox) the CA to trust and a file holding a
 * bearer token. Real clouds address storage as https://{account}.blob.<suffix>; the sandbox lists its per-region
 * endpoints.
 */
export interface CloudSetting {
  name: string;
  resourceManager: string;
  /** Scope asked of the credential for ARM, e.g. https://management.azure.com/.default */
  armScope: string;
  /** Scope asked of the credential for storage (identity-based datastores). */
  storageScope: string;
  storageSuffix?: string;
  /** Explicit endpoints per storage account (wins over storageSuffix). */
  storage: Record<string, { blob: string; file: string }>;
  /** Absolute path of a PEM CA bundle trusted by this project's clients only. */
  caFile?: string;
  /** Absolute path of a file holding a bearer token (the sandbox writes one). */
  tokenFile?: string;
  /**
   * Absolute path of a file holding the bearer token for storage (scope `storageScope`), beside `tokenFile` (ARM):
   * storage, like Azure Storage, takes only a token issued for it. Read only together with `tokenFile`.
   */
  storageTokenFile?: string;
  /** Microsoft Entra authority host for the credential, for sovereign clouds. */
  authorityHost?: string;
  /** The folder of the pair file that described this cloud (a mapping), where a running sandbox records itself. */
  projectDir?: string;
}

/** A public Azure cloud: the one table every capability reads (endpoints, authority, scopes, VS Code's provider). */
export interface PublicCloud extends CloudSetting {
  authorityHost: string;
  storageSuffix: string;
  /** VS Code's built-in authentication provider for this cloud. */
  vscodeAuthProvider: 'microsoft' | 'microsoft-sovereign-cloud';
  /** The value of the setting microsoft-sovereign-cloud.environment for a sovereign cloud. */
  sovereignEnvironment?: 'ChinaCloud' | 'USGovernment';
}

export type PublicCloudName = 'AzureCloud' | 'AzureChinaCloud' | 'AzureUSGovernment';

// The storage resource (https://storage.azure.com/) is one multi-tenant application in every public cloud, so its
// scope is the same in each; the table still names it per cloud so no caller assumes so.
export const KNOWN_CLOUDS: Record<PublicCloudName, PublicCloud> = {
  AzureCloud: {
    name: 'AzureCloud',
    resourceManager: 'https://management.azure.com',
    armScope: 'https://management.azure.com/.default',
    storageScope: 'https://storage.azure.com/.default',
    storageSuffix: 'core.windows.net',
    storage: {},
    authorityHost: 'https://login.microsoftonline.com',
    vscodeAuthProvider: 'microsoft',
  },
  AzureChinaCloud: {
    name: 'AzureChinaCloud',
    resourceManager: 'https://management.chinacloudapi.cn',
    armScope: 'https://management.chinacloudapi.cn/.default',
    storageScope: 'https://storage.azure.com/.default',
    storageSuffix: 'core.chinacloudapi.cn',
    storage: {},
    authorityHost: 'https://login.chinacloudapi.cn',
    vscodeAuthProvider: 'microsoft-sovereign-cloud',
    sovereignEnvironment: 'ChinaCloud',
  },
  AzureUSGovernment: {
    name: 'AzureUSGovernment',
    resourceManager: 'https://management.usgovcloudapi.net',
    armScope: 'https://management.usgovcloudapi.net/.default',
    storageScope: 'https://storage.azure.com/.default',
    storageSuffix: 'core.usgovcloudapi.net',
    storage: {},
    authorityHost: 'https://login.microsoftonline.us',
    vscodeAuthProvider: 'microsoft-sovereign-cloud',
    sovereignEnvironment: 'USGovernment',
  },
};

/** The public cloud `name` names, if it names one. */
export function publicCloud(name: string): PublicCloud | undefined {
  return Object.hasOwn(KNOWN_CLOUDS, name) ? KNOWN_CLOUDS[name as PublicCloudName] : undefined;
}

/**
 * The public cloud this setting signs in to: a cloud named by the table and using its authority (a custom mapping
 * may keep a public name but point elsewhere; then it is not that cloud for signing in).
 */
export function signInCloud(cloud: CloudSetting): PublicCloud | undefined {
  const known = publicCloud(cloud.name);
  if (!known || cloud.tokenFile) return undefined;
  return (cloud.authorityHost ?? known.authorityHost) === known.authorityHost ? known : undefined;
}

/** What is asked of VS Code's authentication for a token of this cloud: its provider, and the scopes with the tenant. */
export function vscodeSessionRequest(cloud: PublicCloud, scopes: string | string[], tenantId?: string): { provider: PublicCloud['vscodeAuthProvider']; scopes: string[] } {
  return { provider: cloud.vscodeAuthProvider, scopes: [...[scopes].flat(), ...(tenantId ? [`VSCODE_TENANT:${tenantId}`] : [])] };
}

export type CloudParseResult = { ok: true; cloud: CloudSetting } | { ok: false; errors: string[] };

/** Validates the `cloud:` section of the pair file (already converted to plain data). */
export function parseCloud(value: unknown, projectDir: string): CloudParseResult {
  if (value === undefined || value === null) return { ok: true, cloud: KNOWN_CLOUDS.AzureCloud };
  if (typeof value === 'string') {
    const known = publicCloud(value);
    if (known) return { ok: true, cloud: known };
    return { ok: false, errors: [`cloud: unknown cloud "${value}"; use ${Object.keys(KNOWN_CLOUDS).join(', ')} or a mapping.`] };
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, errors: ['cloud: must be a cloud name or a mapping with name and resourceManager.'] };
  }
  const v = value as Record<string, unknown>;
  const errors: string[] = [];
  const str = (key: string): string | undefined => {
    const x = v[key];
    if (x === undefined || x === null) return undefined;
    if (typeof x !== 'string' || !x.trim()) {
      errors.push(`cloud.${key} must be a non-empty string.`);
      return undefined;
    }
    return x.trim();
  };
  const httpsUrl = (key: string, x: string | undefined): string | undefined => {
    if (x === undefined) return undefined;
    try {
      const u = new URL(x);
      if (u.protocol !== 'https:') errors.push(`cloud.${key} must be an https:// URL (bearer tokens are never sent over plain http).`);
      return x.replace(/\/+$/, '');
    } catch {
      errors.push(`cloud.${key} is not a URL: ${x}`);
      return undefined;
    }
  };
  const base = publicCloud(str('name') ?? '');
  const name = str('name') ?? 'custom';
  const resourceManager = httpsUrl('resourceManager', str('resourceManager')) ?? base?.resourceManager;
  if (!resourceManager) errors.push('cloud.resourceManager is required for a custom cloud.');
  const storage: Record<string, { blob: string; file: string }> = {};
  const rawStorage = v.storage;
  if (rawStorage !== undefined && rawStorage !== null) {
    if (typeof rawStorage !== 'object' || Array.isArray(rawStorage)) {
      errors.push('cloud.storage must map each storage account name to {blob, file} endpoints.');
    } else {
      for (const [account, endpoints] of Object.entries(rawStorage as Record<string, unknown>)) {
        const e = endpoints as Record<string, unknown> | null;
        if (!e || typeof e !== 'object' || typeof e.blob !== 'string' || typeof e.file !== 'string') {
          errors.push(`cloud.storage.${account} must have "blob" and "file" URLs.`);
          continue;
        }
        const blob = httpsUrl(`storage.${account}.blob`, e.blob);
        const file = httpsUrl(`storage.${account}.file`, e.file);
        if (blob && file) storage[account] = { blob, file };
      }
    }
  }
  const resolve = (p: string | undefined) => (p === undefined ? undefined : path.resolve(projectDir, p));
  const cloud: CloudSetting = {
    name,
    resourceManager: resourceManager ?? '',
    armScope: str('armScope') ?? base?.armScope ?? KNOWN_CLOUDS.AzureCloud.armScope,
    storageScope: str('storageScope') ?? base?.storageScope ?? KNOWN_CLOUDS.AzureCloud.storageScope,
    storageSuffix: str('storageSuffix') ?? base?.storageSuffix,
    storage,
    caFile: resolve(str('caFile')),
    tokenFile: resolve(str('tokenFile')),
    storageTokenFile: resolve(str('storageTokenFile')),
    authorityHost: httpsUrl('authorityHost', str('authorityHost')) ?? base?.authorityHost,
    projectDir: path.resolve(projectDir),
  };
  if (!cloud.storageSuffix && Object.keys(storage).length === 0) {
    errors.push('cloud: give storageSuffix or storage endpoints so storage accounts can be reached.');
  }
  return errors.length ? { ok: false, errors } : { ok: true, cloud };
}

/** The blob and file endpoints of a storage account in this cloud. */
export function storageEndpoints(cloud: CloudSetting, account: string): { blob: string; file: string } {
  const explicit = cloud.storage[account];
  if (explicit) return explicit;
  if (!cloud.storageSuffix) {
    throw new Error(`The cloud "${cloud.name}" has no endpoint for storage account "${account}".`);
  }
  return { blob: `https://${account}.blob.${cloud.storageSuffix}`, file: `https://${account}.file.${cloud.storageSuffix}` };
}
