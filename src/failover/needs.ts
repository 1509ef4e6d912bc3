// What a job needs in the workspace it runs in, read from its definition (an ARM job body, or a project job YAML
// parsed to plain data): computes, environments, models, data assets, components and datastores. Pure: strings in,
// names out; whether the target holds them is decided in preflight.ts.

export interface AssetNeed {
  name: string;
  /** Undefined for `@latest` or an unversioned reference. */
  version?: string;
}

export interface JobNeeds {
  computes: string[];
  environments: AssetNeed[];
  models: AssetNeed[];
  data: AssetNeed[];
  components: AssetNeed[];
  datastores: string[];
}

export function emptyNeeds(): JobNeeds {
  return { computes: [], environments: [], models: [], data: [], components: [], datastores: [] };
}

const ARM_ASSET = /\/workspaces\/[^/]+\/(models|environments|data|components)\/([^/\s"']+)\/versions\/([^/\s"']+)/gi;
const ARM_COMPUTE = /\/workspaces\/[^/]+\/computes\/([^/\s"']+)/gi;
const SHORT_ASSET = /^azureml:(?!\/\/)([A-Za-z0-9][A-Za-z0-9_.-]*)(?::([A-Za-z0-9_.-]+)|@latest)?$/;
const DATASTORE_URI = /azureml:\/\/(?:subscriptions\/[^/]+\/resourcegroups\/[^/]+\/workspaces\/[^/]+\/)?datastores\/([^/\s"']+)/gi;
const COMPUTE_KEYS = new Set(['compute', 'computeid', 'default_compute', 'defaultcompute']);
const KIND_OF_KEY: Record<string, keyof JobNeeds> = {
  environment: 'environments',
  environmentid: 'environments',
  component: 'components',
  componentid: 'components',
  model: 'models',
};
const KINDS: Record<string, keyof JobNeeds> = { models: 'models', environments: 'environments', data: 'data', components: 'components' };

/** Every reference in a job definition (any nesting: pipelines' child jobs too). */
/** True when a YAML file's text declares a job schema (command, pipeline or sweep): a job definition of the project. */
export function declaresJobSchema(text: string): boolean {
  return /\$schema:.*(commandJob|pipelineJob|sweepJob)/i.test(text);
}

export function jobNeeds(definition: unknown): JobNeeds {
  const needs = emptyNeeds();
  walk(definition, undefined, undefined, needs);
  return dedupe(needs);
}

function walk(value: unknown, key: string | undefined, parent: Record<string, unknown> | undefined, needs: JobNeeds): void {
  if (typeof value === 'string') return scan(value, key?.toLowerCase(), parent, needs);
  if (Array.isArray(value)) {
    for (const v of value) walk(v, key, parent, needs);
    return;
  }
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    for (const [k, v] of Object.entries(obj)) walk(v, k, obj, needs);
  }
}

function scan(text: string, key: string | undefined, parent: Record<string, unknown> | undefined, needs: JobNeeds): void {
  for (const m of text.matchAll(ARM_ASSET)) {
    const kind = KINDS[m[1]!.toLowerCase()]!;
    (needs[kind] as AssetNeed[]).push({ name: decode(m[2]!), version: decode(m[3]!) });
  }
  for (const m of text.matchAll(ARM_COMPUTE)) needs.computes.push(decode(m[1]!));
  for (const m of text.matchAll(DATASTORE_URI)) needs.datastores.push(decode(m[1]!));
  const short = SHORT_ASSET.exec(text.trim());
  if (short && key) {
    const name = short[1]!;
    const version = short[2];
    if (COMPUTE_KEYS.has(key)) needs.computes.push(name);
    else if (KIND_OF_KEY[key]) (needs[KIND_OF_KEY[key]] as AssetNeed[]).push({ name, version });
    else if ((key === 'path' || key === 'uri') && parent) {
      const type = String(parent.type ?? parent.jobInputType ?? '').toLowerCase();
      const kind: keyof JobNeeds = /model/.test(type) ? 'models' : 'data';
      (needs[kind] as AssetNeed[]).push({ name, version });
    }
  } else if (key && COMPUTE_KEYS.has(key) && /^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(text.trim()) && !text.includes('/')) {
    // `compute: cpu-cluster` without the scheme, as the CLI also accepts.
    needs.computes.push(text.trim());
  }
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function dedupe(n: JobNeeds): JobNeeds {
  const names = (xs: string[]) => [...new Map(xs.map((x) => [x.toLowerCase(), x])).values()];
  const assets = (xs: AssetNeed[]) => [...new Map(xs.map((x) => [`${x.name.toLowerCase()}:${x.version ?? ''}`, x])).values()];
  return {
    computes: names(n.computes),
    environments: assets(n.environments),
    models: assets(n.models),
    data: assets(n.data),
    components: assets(n.components),
    datastores: names(n.datastores),
  };
}

/** `name:version` (or `name` for a latest reference). */
export function assetLabel(a: AssetNeed): string {
  return a.version ? `${a.name}:${a.version}` : a.name;
}
