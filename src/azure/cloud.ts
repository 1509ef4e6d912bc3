import * as path from 'node:path';

/**
 * How to reach a cloud: its ARM endpoint, the token scope, how storage accounts are addressed, and (for private
 * or local clouds such as the sandbox) the CA to trust and a file holding a bearer token.
 * Real clouds address storage as https://{account}.blob.<suffix>; the sandbox lists its per-region endpoints.
 */
export interface CloudSetting {
  name: string;
  resourceManager: string;
  /** Scope asked of the credential, e.g. https://management.azure.com/.default */
  armScope: string;
  storageSuffix?: string;
  /** Explicit endpoints per storage account (wins over storageSuffix). */
  storage: Record<string, { blob: string; file: string }>;
  /** Absolute path of a PEM CA bundle trusted by this project's clients only. */
  caFile?: string;
  /** Absolute path of a file holding a bearer token (the sandbox writes one). */
  tokenFile?: string;
  /** Microsoft Entra authority host for the credential, for sovereign clouds. */
  authorityHost?: string;
  /** The folder of the pair file that described this cloud (a mapping), where a running sandbox records itself. */
  projectDir?: string;
}

export const KNOWN_CLOUDS: Record<string, CloudSetting> = {
  AzureCloud: {
    name: 'AzureCloud',
    resourceManager: 'https://management.azure.com',
    armScope: 'https://management.azure.com/.default',
    storageSuffix: 'core.windows.net',
    storage: {},
    authorityHost: 'https://login.microsoftonline.com',
  },
  AzureChinaCloud: {
    name: 'AzureChinaCloud',
    resourceManager: 'https://management.chinacloudapi.cn',
    armScope: 'https://management.chinacloudapi.cn/.default',
    storageSuffix: 'core.chinacloudapi.cn',
    storage: {},
    authorityHost: 'https://login.chinacloudapi.cn',
  },
  AzureUSGovernment: {
    name: 'AzureUSGovernment',
    resourceManager: 'https://management.usgovcloudapi.net',
    armScope: 'https://management.usgovcloudapi.net/.default',
    storageSuffix: 'core.usgovcloudapi.net',
    storage: {},
    authorityHost: 'https://login.microsoftonline.us',
  },
};

export type CloudParseResult = { ok: true; cloud: CloudSetting } | { ok: false; errors: string[] };

/** Validates the `cloud:` section of the pair file (already converted to plain data). */
export function parseCloud(value: unknown, projectDir: string): CloudParseResult {
  if (value === undefined || value === null) return { ok: true, cloud: KNOWN_CLOUDS.AzureCloud };
  if (typeof value === 'string') {
    const known = KNOWN_CLOUDS[value];
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
  const base = KNOWN_CLOUDS[str('name') ?? ''];
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
    armScope: str('armScope') ?? base?.armScope ?? 'https://management.azure.com/.default',
    storageSuffix: str('storageSuffix') ?? base?.storageSuffix,
    storage,
    caFile: resolve(str('caFile')),
    tokenFile: resolve(str('tokenFile')),
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
