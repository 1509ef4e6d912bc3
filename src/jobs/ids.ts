// The reference spellings a job carries, both ways: ARM ids as the service stores them
// (`/subscriptions/…/workspaces/<ws>/environments/<name>/versions/<v>`, `…/computes/<name>`, `…/datastores/<name>`)
// and the CLI's portable forms (`azureml:<name>:<version>`, `azureml:<compute>`). Shapes: azure-ai-ml 1.4.0
// `_utils/_arm_id_utils.py` (AMLVersionedArmId, AMLNamedArmId, `azureml:` prefix) and the REST JobBase properties.
import { workspaceArmId, type WorkspaceRef } from '../pair/pairFile';

/** Asset kinds with versions a job refers to, as their ARM path segment. */
export type AssetKind = 'environments' | 'components' | 'codes' | 'models' | 'data';

export interface AssetId {
  kind: AssetKind;
  name: string;
  version: string;
  /** The workspace the id pins it to (ARM ids); undefined for `azureml:name:version`. */
  workspace?: { subscription_id: string; resource_group: string; workspace_name: string };
}

/** azure-ai-ml's name for an environment written inline in a job (constants/_common.py ANONYMOUS_ENV_NAME). */
export const ANONYMOUS_ENVIRONMENT = 'CliV2AnonymousEnvironment';
/** azure-ai-ml's container of anonymous components (constants/_common.py ANONYMOUS_COMPONENT_NAME). */
export const ANONYMOUS_COMPONENT = 'azureml_anonymous';

const WORKSPACE_PREFIX = /^\/subscriptions\/([^/]+)\/resource[gG]roups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)\//i;

/** An asset's ARM id (with or without `azureml:`) or `azureml:name:version`; undefined for anything else. */
export function parseAssetId(ref: string | undefined | null, kind?: AssetKind): AssetId | undefined {
  if (!ref) return undefined;
  const bare = ref.replace(/^azureml:(?!\/\/)/, '');
  const ws = WORKSPACE_PREFIX.exec(bare);
  if (ws) {
    const m = /^(environments|components|codes|models|data)\/([^/]+)\/versions\/([^/]+)$/i.exec(bare.slice(ws[0].length));
    if (!m || (kind && m[1].toLowerCase() !== kind)) return undefined;
    return { kind: m[1].toLowerCase() as AssetKind, name: m[2], version: m[3], workspace: { subscription_id: ws[1], resource_group: ws[2], workspace_name: ws[3] } };
  }
  if (!ref.startsWith('azureml:') || ref.startsWith('azureml://') || bare.startsWith('/')) return undefined;
  const i = bare.lastIndexOf(':');
  if (i <= 0 || !kind) return undefined;
  return { kind, name: bare.slice(0, i), version: bare.slice(i + 1) };
}

/** `azureml:name:version`. */
export function shortAssetRef(a: { name: string; version: string }): string {
  return `azureml:${a.name}:${a.version}`;
}

export function assetArmId(ws: Omit<WorkspaceRef, 'region'>, kind: AssetKind, name: string, version: string): string {
  return `${workspaceArmId(ws)}/${kind}/${name}/versions/${version}`;
}

/** The name of a workspace's child resource (`computes`, `datastores`) from its ARM id, `azureml:<name>` or `<name>`. */
function childName(ref: string | undefined | null, type: 'computes' | 'datastores'): string | undefined {
  if (!ref) return undefined;
  const bare = ref.replace(/^azureml:/, '');
  const ws = WORKSPACE_PREFIX.exec(bare);
  if (ws) return new RegExp(`^${type}/([^/]+)$`, 'i').exec(bare.slice(ws[0].length))?.[1];
  return bare.includes('/') ? undefined : bare;
}

export const computeName = (ref: string | undefined | null) => childName(ref, 'computes');
export const datastoreName = (ref: string | undefined | null) => childName(ref, 'datastores');

export function computeArmId(ws: Omit<WorkspaceRef, 'region'>, name: string): string {
  return `${workspaceArmId(ws)}/computes/${name}`;
}

export function datastoreArmId(ws: Omit<WorkspaceRef, 'region'>, name: string): string {
  return `${workspaceArmId(ws)}/datastores/${name}`;
}

/**
 * A data URI in its portable spelling: `azureml://subscriptions/…/workspaces/<ws>/datastores/<ds>/paths/<p>` →
 * `azureml://datastores/<ds>/paths/<p>` (same datastore name in the other workspace); a data asset's ARM id →
 * `azureml:name:version`. Anything else is returned as it is.
 */
export function portableDataUri(uri: string): string {
  const long = /^azureml:\/\/subscriptions\/[^/]+\/resource[gG]roups\/[^/]+\/(?:providers\/Microsoft\.MachineLearningServices\/)?workspaces\/[^/]+\/(datastores\/.*)$/i.exec(uri);
  if (long) return `azureml://${long[1]}`;
  const asset = parseAssetId(uri);
  if (asset && (asset.kind === 'data' || asset.kind === 'models')) return shortAssetRef(asset);
  return uri;
}
