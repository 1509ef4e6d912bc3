import { stringify } from 'yaml';
import type { WorkspaceRef } from './pairFile';

/**
 * Azure's regional pairs (both directions): the region Microsoft recovers a region into, so the natural home of
 * the secondary. Regions without a pair are absent.
 */
const PAIRS: [string, string][] = [
  ['eastus', 'westus'],
  ['eastus2', 'centralus'],
  ['northcentralus', 'southcentralus'],
  ['westus2', 'westcentralus'],
  ['westus3', 'eastus'],
  ['canadacentral', 'canadaeast'],
  ['brazilsouth', 'southcentralus'],
  ['northeurope', 'westeurope'],
  ['uksouth', 'ukwest'],
  ['francecentral', 'francesouth'],
  ['germanywestcentral', 'germanynorth'],
  ['switzerlandnorth', 'switzerlandwest'],
  ['norwayeast', 'norwaywest'],
  ['swedencentral', 'swedensouth'],
  ['eastasia', 'southeastasia'],
  ['australiaeast', 'australiasoutheast'],
  ['australiacentral', 'australiacentral2'],
  ['japaneast', 'japanwest'],
  ['koreacentral', 'koreasouth'],
  ['centralindia', 'southindia'],
  ['southafricanorth', 'southafricawest'],
  ['uaenorth', 'uaecentral'],
  ['chinanorth', 'chinaeast'],
  ['chinanorth2', 'chinaeast2'],
  ['usgovvirginia', 'usgovtexas'],
  ['usgovarizona', 'usgovtexas'],
];

/** The paired region of `region` (first listed pair wins), if Azure pairs it. */
export function pairedRegion(region: string): string | undefined {
  const r = region.toLowerCase();
  for (const [a, b] of PAIRS) {
    if (a === r) return b;
    if (b === r) return a;
  }
  return undefined;
}

/** Regions offered when picking, most common first. */
export const COMMON_REGIONS = [...new Set(PAIRS.flat())];

const WORKSPACE_ID =
  /\/subscriptions\/([^/?&#\s]+)\/resource[gG]roups\/([^/?&#\s]+)\/(?:providers\/Microsoft\.MachineLearningServices\/)?workspaces\/([^/?&#\s]+)/i;

/**
 * The workspace named by a pasted ARM id (`/subscriptions/…/providers/Microsoft.MachineLearningServices/workspaces/…`)
 * or an Azure ML studio URL (`https://ml.azure.com/…?wsid=/subscriptions/…/resourcegroups/…/workspaces/…`).
 */
export function parseWorkspaceId(text: string): Omit<WorkspaceRef, 'region'> | undefined {
  let s = text.trim();
  try {
    s = decodeURIComponent(s);
  } catch {
    // keep it as typed
  }
  const m = WORKSPACE_ID.exec(s);
  return m ? { subscription_id: m[1], resource_group: m[2], workspace_name: m[3] } : undefined;
}

/** The text of a new aml-failover.yaml, with comments that explain each section. */
export function renderPairFile(primary: WorkspaceRef, secondary: WorkspaceRef): string {
  const ws = (w: WorkspaceRef) =>
    stringify({ subscription_id: w.subscription_id, resource_group: w.resource_group, workspace_name: w.workspace_name, region: w.region }, { lineWidth: 0 })
      .trimEnd()
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n');
  return [
    '# The failover pair of this project, kept as code (commit it). AML Failover switches .azureml/config.json',
    '# between these two workspaces; keep them in two paired regions.',
    'workspaces:',
    '  primary:',
    ws(primary),
    '  secondary:',
    ws(secondary),
    '',
    '# How each workload fails over (hot/hot, hot/warm or hot/cold), from the Azure ML failover guidance:',
    '# availability:',
    '#   inference: hot/hot',
    '#   training: hot/cold',
    '',
  ].join('\n');
}
