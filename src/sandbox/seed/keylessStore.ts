// An extra datastore whose storage account has Shared Key disabled (`allowSharedKeyAccess: false`), as security
// baselines require: listSecrets still hands out the account key, but storage refuses every call signed with it
// (403 KeyBasedAuthenticationNotPermitted) — only the signed-in identity gets in. Never the default account: the
// workspace's own datastores keep Shared Key, as others rely on. The model `fraud-detector` 2 lives there.
import { createHash } from 'node:crypto';
import { pseudo, type StoragePlan } from '../seed';
import { ML, key, systemData, workspaceId, type Region, type World } from '../world';

export const KEYLESS_DATASTORE = 'securestore';
export const KEYLESS_CONTAINER = 'secure-models';

/** The account, made when the world is (Azurite must know it before it starts). */
export function keylessAccount(r: Region, accountKey: string): NonNullable<Region['keylessAccount']> {
  const suffix = r.storageAccount.slice(-4);
  return { name: `stnokey${r.location}${suffix}`.slice(0, 24), key: accountKey, container: KEYLESS_CONTAINER };
}

export function seedKeylessStore(world: World, plan: StoragePlan): void {
  const r = world.regions.primary;
  const account = r.keylessAccount;
  if (!account) return;
  const ws = workspaceId(r);
  r.datastores.set(key(KEYLESS_DATASTORE), {
    id: `${ws}/datastores/${KEYLESS_DATASTORE}`,
    name: KEYLESS_DATASTORE,
    type: `${ML}/workspaces/datastores`,
    properties: {
      description: 'Models of the risk team (storage account with Shared Key disabled).',
      tags: {},
      properties: {},
      isDefault: false,
      credentials: { credentialsType: 'AccountKey', secrets: { secretsType: 'AccountKey' } },
      datastoreType: 'AzureBlob',
      accountName: account.name,
      containerName: account.container,
      endpoint: 'core.windows.net',
      protocol: 'https',
      serviceDataAccessAuthIdentity: 'WorkspaceSystemAssignedIdentity',
    },
    systemData: systemData(r.createdAt),
  });
  const prefix = 'models/fraud-detector/2';
  const files = { 'model.joblib': pseudo('fraud-2', 20_000), 'threshold.json': Buffer.from('{"threshold": 0.82}\n') };
  for (const [name, data] of Object.entries(files)) plan.blobs.push({ container: account.container, account: account.name, name: `${prefix}/${name}`, data });
  const models = r.models.get('fraud-detector');
  if (!models) return;
  const when = new Date(Date.now() - 2 * 24 * 3600 * 1000).toISOString();
  models.versions.set('2', {
    id: `${ws}/models/fraud-detector/versions/2`,
    name: '2',
    type: `${ML}/workspaces/models/versions`,
    properties: {
      description: 'Retrained; stored in the Shared-Key-disabled account.',
      tags: { team: 'risk', framework: 'sklearn' },
      properties: { fingerprint: createHash('md5').update('fraud-2').digest('hex') },
      isAnonymous: false,
      isArchived: false,
      flavors: null,
      modelType: 'custom_model',
      modelUri: `azureml://datastores/${KEYLESS_DATASTORE}/paths/${prefix}/`,
      jobName: null,
    },
    systemData: systemData(when),
  });
}
