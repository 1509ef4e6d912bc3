import type { PinnedWorkspace, RuleCode } from './types';

/** A workspace- or region-pinned reference found in a piece of text (a decoded YAML value, a comment, a string). */
export interface PinnedMatch {
  rule: Extract<RuleCode, 'workspace-arm-id' | 'workspace-datastore-uri' | 'workspace-location-uri' | 'region-tracking-uri' | 'job-output-reference'>;
  /** Offsets into the scanned text, end exclusive. */
  start: number;
  end: number;
  value: string;
  pinned: PinnedWorkspace;
  /** What the reference points at, for messages: "model sklearn_regression_model version 1". */
  target?: string;
  /** The portable spelling, when there is one. */
  portable?: string;
  /** How the portable spelling is written, for the fix title. */
  portableKind?: 'asset' | 'compute' | 'datastore' | 'datastore-uri';
  /**
   * True when the reference carries its own `azureml:` scheme, so the portable spelling can replace it wherever it
   * is written; a bare ARM id is only replaced where a YAML key expects an Azure ML reference.
   */
  schemed: boolean;
}

// Where a candidate starts. `azureml://…` first so that `azureml://subscriptions` is not read as `azureml:/subscriptions`.
const CANDIDATE = /azureml:\/\/|(?:azureml:)?\/subscriptions\/|https?:\/\/[a-z0-9-]+\.api\.azureml\.ms\/mlflow/gi;
// Characters that end a reference written inside longer text (URLs' query strings, JSON, prose): white space,
// quotes, ? & # , ; ( ) [ ] | \ = (see TERMINATORS).
/** Cheap pre-check: text without any of these cannot hold a pinned reference. */
const QUICK = /\/subscriptions\/|azureml:\/\/(?!registries\/|datastores\/)|api\.azureml\.ms/i;

export function mayHoldReference(text: string): boolean {
  // JSON may escape slashes (`\/subscriptions\/…`); the parser decodes them, so look at the decoded spelling too.
  return QUICK.test(text) || (text.includes('\\/') && QUICK.test(text.replace(/\\\//g, '/')));
}

const ASSET_KINDS = new Set(['models', 'environments', 'data', 'components']);
const KIND_NAMES: Record<string, string> = {
  models: 'model',
  environments: 'environment',
  data: 'data asset',
  components: 'component',
  computes: 'compute',
  codes: 'code snapshot',
  jobs: 'job',
  codejobs: 'job',
  datastores: 'datastore',
  virtualclusters: 'virtual cluster',
  onlineendpoints: 'online endpoint',
  batchendpoints: 'batch endpoint',
  schedules: 'schedule',
};

/**
 * True for values that stand for a real one: `<SUBSCRIPTION_ID>`, `{{sub}}`, `{sub}` (f-strings, format strings),
 * `${VAR}`, `$VAR`, `%VAR%`, `xxx…`, `...`, `SUBSCRIPTION_ID`-style upper-case names, `your-subscription`.
 */
export function isPlaceholder(segment: string): boolean {
  const s = segment.trim();
  if (s === '') return true;
  if (/[<>{}$%]/.test(s)) return true;
  if (/^[x0-9-]*x{3,}[x0-9-]*$/i.test(s)) return true;
  if (/^x+$/i.test(s) || /^\.{2,}$/.test(s) || s === '*') return true;
  if (/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(s)) return true;
  if (/^your[-_ ]?/i.test(s)) return true;
  return false;
}

/**
 * Every pinned reference in `text`, in order, none inside another. Linear in the length of `text`. With `formatted`
 * (an f-string's text, `{…}` standing for values) a reference counts when its literal parts pin a workspace or
 * resource group, even with the subscription a placeholder: `f"azureml://subscriptions/{sub}/resourceGroups/rg/workspaces/ws/…"`.
 */
export function findPinnedReferences(text: string, options: { formatted?: boolean } = {}): PinnedMatch[] {
  if (!mayHoldReference(text)) return [];
  const out: PinnedMatch[] = [];
  CANDIDATE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = CANDIDATE.exec(text)) !== null) {
    const start = m.index;
    let end = start + m[0].length;
    while (end < text.length && !isTerminator(text.charCodeAt(end))) end++;
    while (end > start + m[0].length && (text[end - 1] === '.' || text[end - 1] === ':')) end--;
    const match = classify(text.slice(start, end), start, options.formatted === true);
    if (match) out.push(match);
    // A token that is not pinned as a whole (a registry URI, a placeholder id) holds no other reference: skip it,
    // which also keeps hostile input (a 10 MB line of "/subscriptions/") linear.
    CANDIDATE.lastIndex = Math.max(end, start + 1);
  }
  return out;
}

const TERMINATORS = new Uint8Array(128);
for (const ch of ' \t\n\r\f\v"\'`?&#,;()[]|\\=') TERMINATORS[ch.charCodeAt(0)] = 1;

function isTerminator(code: number): boolean {
  if (code < 128) return TERMINATORS[code] === 1;
  return code === 0x85 || code === 0xa0 || code === 0x2028 || code === 0x2029 || code === 0x3000;
}

function classify(value: string, start: number, formatted: boolean): PinnedMatch | undefined {
  const lower = value.toLowerCase();
  const end = start + value.length;
  if (lower.startsWith('azureml://')) return classifySchemeUri(value, start, end, formatted);
  if (lower.startsWith('http')) {
    const region = /^https?:\/\/([a-z0-9-]+)\.api\.azureml\.ms/i.exec(value)?.[1];
    if (!region || isPlaceholder(region)) return undefined;
    return tracking(value, start, end, region);
  }
  const schemed = lower.startsWith('azureml:');
  const id = literalPartsPin(parseArmId(schemed ? value.slice('azureml:'.length) : value, { requireLiteralSubscription: !formatted }), formatted);
  if (!id) return undefined;
  return { rule: 'workspace-arm-id', start, end, value, schemed, ...id };
}

/** In an f-string, an id whose subscription is a placeholder still pins when its resource group or workspace is literal. */
function literalPartsPin(id: ParsedId | undefined, formatted: boolean): ParsedId | undefined {
  if (!id || !formatted || id.pinned.subscription) return id;
  return id.pinned.resourceGroup || id.pinned.workspace ? id : undefined;
}

function classifySchemeUri(value: string, start: number, end: number, formatted: boolean): PinnedMatch | undefined {
  const segs = value.slice('azureml://'.length).split('/');
  const head = (segs[0] ?? '').toLowerCase();
  if (head === 'subscriptions') {
    const id = literalPartsPin(parseArmId(`/${segs.join('/')}`, { requireLiteralSubscription: !formatted }), formatted);
    if (!id) return undefined;
    return { rule: 'workspace-datastore-uri', start, end, value, schemed: true, ...id };
  }
  if (head === 'locations') {
    const [, region = '', ws = '', workspaceId = '', kind = '', name = '', third = '', version = ''] = segs;
    if (ws.toLowerCase() !== 'workspaces' || isPlaceholder(workspaceId)) return undefined;
    const pinned: PinnedWorkspace = { workspaceId, ...(isPlaceholder(region) ? {} : { region }) };
    const k = kind.toLowerCase();
    const asset = ASSET_KINDS.has(k) && name && !isPlaceholder(name) ? assetSpelling(name, third, version) : undefined;
    return {
      rule: 'workspace-location-uri',
      start,
      end,
      value,
      schemed: true,
      pinned,
      target: describeTarget(k, name, third.toLowerCase() === 'versions' ? version : undefined),
      ...(asset ? { portable: asset, portableKind: 'asset' as const } : {}),
    };
  }
  if (head === 'jobs') {
    const name = segs[1] ?? '';
    if (isPlaceholder(name)) return undefined;
    return { rule: 'job-output-reference', start, end, value, schemed: true, pinned: {}, target: `job ${name}` };
  }
  if (head === 'datastores' || head === 'registries') return undefined;
  // Tracking URIs: azureml://<region>.api.azureml.ms/mlflow/… and the older azureml://<region>/mlflow/….
  const api = /^([a-z0-9-]+)\.api\.azureml\.ms$/i.exec(segs[0] ?? '');
  if (api || (segs[1] ?? '').toLowerCase() === 'mlflow') {
    const region = api ? api[1]! : (segs[0] ?? '');
    if (isPlaceholder(region)) return undefined;
    return tracking(value, start, end, region);
  }
  return undefined;
}

function tracking(value: string, start: number, end: number, region: string): PinnedMatch {
  const at = value.toLowerCase().indexOf('/subscriptions/');
  const id = at >= 0 ? parseArmId(value.slice(at), { requireLiteralSubscription: false }) : undefined;
  return {
    rule: 'region-tracking-uri',
    start,
    end,
    value,
    schemed: true,
    pinned: { ...(id?.pinned ?? {}), region },
    target: 'MLflow tracking',
  };
}

interface ParsedId {
  pinned: PinnedWorkspace;
  target?: string;
  portable?: string;
  portableKind?: PinnedMatch['portableKind'];
}

/**
 * `/subscriptions/<s>/resourceGroups/<rg>/providers/Microsoft.MachineLearningServices/<type>/<name>/…` and the short
 * `/subscriptions/<s>/resourcegroups/<rg>/workspaces/<ws>` (Studio's `wsid`). Ids of other providers (storage, key
 * vaults, registries, identities, networks) are not workspace references; neither are ids whose subscription is a
 * placeholder.
 */
function parseArmId(id: string, options: { requireLiteralSubscription?: boolean } = {}): ParsedId | undefined {
  const segs = id.split('/');
  if (segs[0] !== '' || (segs[1] ?? '').toLowerCase() !== 'subscriptions') return undefined;
  const subscription = segs[2] ?? '';
  if ((segs[3] ?? '').toLowerCase() !== 'resourcegroups') return undefined;
  const resourceGroup = segs[4] ?? '';
  const subLiteral = !isPlaceholder(subscription);
  if (!subLiteral && options.requireLiteralSubscription !== false) return undefined;
  let i = 5;
  if ((segs[i] ?? '').toLowerCase() === 'providers') {
    if ((segs[i + 1] ?? '').toLowerCase() !== 'microsoft.machinelearningservices') return undefined;
    i += 2;
  } else if ((segs[i] ?? '').toLowerCase() !== 'workspaces') {
    return undefined;
  }
  const type = (segs[i] ?? '').toLowerCase();
  const pinned: PinnedWorkspace = {
    ...(subLiteral ? { subscription } : {}),
    ...(isPlaceholder(resourceGroup) ? {} : { resourceGroup }),
  };
  if (type === 'registries') return undefined;
  if (type !== 'workspaces') {
    // Azure ML resources outside a workspace but inside one subscription and region (virtual clusters, …).
    const name = segs[i + 1] ?? '';
    return { pinned, target: describeTarget(type, name) };
  }
  const workspace = segs[i + 1] ?? '';
  if (workspace && !isPlaceholder(workspace)) pinned.workspace = workspace;
  const kind = (segs[i + 2] ?? '').toLowerCase();
  let name = segs[i + 3] ?? '';
  const third = segs[i + 4] ?? '';
  let version = third.toLowerCase() === 'versions' ? (segs[i + 5] ?? '') : '';
  if (!kind) return { pinned, target: 'workspace' };
  if (ASSET_KINDS.has(kind) && name.includes(':') && !version) {
    // `…/models/<name>:<version>` (an early CLI v2 spelling).
    const at = name.indexOf(':');
    version = name.slice(at + 1);
    name = name.slice(0, at);
  }
  const target = describeTarget(kind, name, version || undefined);
  if (!name || isPlaceholder(name)) return { pinned, target };
  if (ASSET_KINDS.has(kind)) {
    const portable = version ? `azureml:${name}:${version}` : assetSpelling(name, third, '');
    return { pinned, target, portable, portableKind: 'asset' };
  }
  if (kind === 'computes') return { pinned, target, portable: `azureml:${name}`, portableKind: 'compute' };
  if (kind === 'datastores') {
    if ((segs[i + 4] ?? '').toLowerCase() === 'paths') {
      const rest = segs.slice(i + 5).join('/');
      return { pinned, target, portable: `azureml://datastores/${name}/paths/${rest}`, portableKind: 'datastore-uri' };
    }
    return { pinned, target, portable: `azureml:${name}`, portableKind: 'datastore' };
  }
  return { pinned, target };
}

function assetSpelling(name: string, third: string, version: string): string {
  if (third.toLowerCase() === 'versions' && version && !isPlaceholder(version)) return `azureml:${name}:${version}`;
  if (third.toLowerCase() === 'labels' && version) return `azureml:${name}@${version}`;
  return `azureml:${name}@latest`;
}

function describeTarget(kind: string, name: string, version?: string): string {
  const what = KIND_NAMES[kind] ?? kind.replace(/s$/, '');
  if (!name) return what;
  return version ? `${what} ${name} version ${version}` : `${what} ${name}`;
}

/** "workspace 'ws' (resource group rg, subscription s)" — what a reference pins, in the user's words. */
export function describePinned(p: PinnedWorkspace): string {
  const where: string[] = [];
  if (p.resourceGroup) where.push(`resource group ${p.resourceGroup}`);
  if (p.subscription) where.push(`subscription ${p.subscription}`);
  if (p.region && !p.workspace && !p.workspaceId) where.unshift(`region ${p.region}`);
  const suffix = where.length ? ` (${where.join(', ')})` : '';
  if (p.workspace) return `workspace '${p.workspace}'${suffix}${p.region ? ` in region ${p.region}` : ''}`;
  if (p.workspaceId) return `workspace ${p.workspaceId}${p.region ? ` in region ${p.region}` : ''}`;
  if (p.region && !p.subscription) return `region ${p.region}`;
  return where.length ? where.join(', ') : 'one workspace';
}
