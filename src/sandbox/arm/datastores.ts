// Datastores: list, get, listSecrets and createOrUpdate of a blob or file datastore on any of the sandbox's storage
// accounts (the workspace's own, the other region's, the Shared-Key-disabled one), as Azure ML lets a datastore point
// at any account. Shapes: specs/ Datastores_* examples (2022-10-01). Credentials given by PUT are kept for listSecrets and
// never returned by GET; seeded datastores hand out the account key.
import { ML, key, systemData, workspaceId, type Json, type Region } from '../world';
import { ArmError, WORKSPACE, notFound, page, regionOf, requireProperties, type Answer, type ArmEnv, type ArmRequest, type Route } from './router';

export function datastoreRoutes(env: ArmEnv): Route[] {
  /** Credentials given to datastores by PUT (role/name → what listSecrets returns). */
  const datastoreSecrets = new Map<string, Json>();

  const find = (req: ArmRequest): Json => {
    const r = regionOf(req);
    const name = req.params.datastore;
    const ds = r.datastores.get(key(name));
    if (!ds) throw notFound(`The datastore '${name}' in workspace '${r.workspaceName}'`);
    return ds;
  };

  function listSecrets(req: ArmRequest): Answer {
    find(req);
    const r = regionOf(req);
    const name = req.params.datastore;
    const secrets = datastoreSecrets.get(`${r.role}/${key(name)}`);
    // Seeded datastores hand out their account's key (also where the account refuses Shared Key, as Azure does).
    const account = (find(req).properties as Json).accountName;
    if (!secrets) return { status: 200, body: { secretsType: 'AccountKey', key: r.keylessAccount && account === r.keylessAccount.name ? r.keylessAccount.key : r.storageKey } };
    if (secrets.secretsType === 'None') throw new ArmError(400, 'UserError', `The datastore '${name}' uses identity-based access and has no secrets.`);
    return { status: 200, body: secrets };
  }

  /**
   * Creates or updates a blob or file datastore on one of the sandbox's storage accounts, as `az ml datastore update`
   * does: its credentials (account key, SAS or none) are kept for listSecrets and never returned by GET.
   */
  function putDatastore(name: string, props: Json, r: Region): Answer {
    const type = props.datastoreType;
    if (type !== 'AzureBlob' && type !== 'AzureFile') throw new ArmError(400, 'UserError', `The sandbox supports AzureBlob and AzureFile datastores, not ${String(type)}.`);
    const accounts = Object.values(env.world.regions).flatMap((x) => [x.storageAccount, ...(x.keylessAccount ? [x.keylessAccount.name] : [])]);
    if (typeof props.accountName !== 'string' || !accounts.includes(props.accountName)) throw new ArmError(400, 'UserError', `The storage account '${String(props.accountName)}' was not found; the sandbox has ${accounts.join(', ')}.`);
    const target = type === 'AzureBlob' ? props.containerName : props.fileShareName;
    if (typeof target !== 'string' || !target) throw new ArmError(400, 'UserError', `A ${type} datastore needs ${type === 'AzureBlob' ? 'containerName' : 'fileShareName'}.`);
    const credentials = (props.credentials ?? {}) as Json;
    const kept = keptSecrets(credentials);
    const credentialsType = credentials.credentialsType;
    const existing = r.datastores.get(key(name));
    const now = new Date().toISOString();
    const stored: Json = {
      id: `${workspaceId(r)}/datastores/${name}`,
      name,
      type: `${ML}/workspaces/datastores`,
      properties: {
        description: props.description ?? null,
        tags: props.tags ?? {},
        properties: props.properties ?? {},
        isDefault: Boolean((existing?.properties as Json | undefined)?.isDefault),
        datastoreType: type,
        accountName: props.accountName,
        [type === 'AzureBlob' ? 'containerName' : 'fileShareName']: target,
        endpoint: 'core.windows.net',
        protocol: 'https',
        serviceDataAccessAuthIdentity: 'None',
        credentials: { credentialsType, ...(credentialsType === 'None' ? {} : { secrets: { secretsType: kept.secretsType } }) },
      },
      systemData: existing ? { ...(existing.systemData as Json), lastModifiedAt: now } : systemData(now),
    };
    r.datastores.set(key(name), stored);
    datastoreSecrets.set(`${r.role}/${key(name)}`, kept);
    return { status: existing ? 200 : 201, body: stored };
  }

  return [
    { path: `${WORKSPACE}/datastores`, methods: { GET: (req) => page(env, req, [...regionOf(req).datastores.values()]) } },
    {
      path: `${WORKSPACE}/datastores/{datastore}`,
      exists: find,
      methods: {
        GET: (req) => ({ status: 200, body: find(req) }),
        PUT: (req) => putDatastore(req.params.datastore, requireProperties(req.body), regionOf(req)),
      },
    },
    { path: `${WORKSPACE}/datastores/{datastore}/listSecrets`, exists: find, methods: { POST: listSecrets } },
  ];
}

/** What listSecrets will return for the credentials a PUT sent. */
function keptSecrets(credentials: Json): Json {
  const secrets = (credentials.secrets ?? {}) as Json;
  const credentialsType = credentials.credentialsType;
  if (credentialsType === 'AccountKey') {
    if (typeof secrets.key !== 'string' || !secrets.key) throw new ArmError(400, 'UserError', 'AccountKey credentials need secrets.key.');
    return { secretsType: 'AccountKey', key: secrets.key };
  }
  if (credentialsType === 'Sas') {
    if (typeof secrets.sasToken !== 'string' || !secrets.sasToken) throw new ArmError(400, 'UserError', 'Sas credentials need secrets.sasToken.');
    return { secretsType: 'Sas', sasToken: secrets.sasToken };
  }
  if (credentialsType === 'None') return { secretsType: 'None' };
  throw new ArmError(400, 'UserError', `credentials.credentialsType must be AccountKey, Sas or None, not ${String(credentialsType)}.`);
}
