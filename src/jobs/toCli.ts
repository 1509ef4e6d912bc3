// A job as the service returns it (REST JobBase: command, sweep, pipeline) turned back into the CLI v2 YAML
// `az ml job create -f` reads, with every reference in a form that travels to another workspace:
//   computeId `/subscriptions/…/computes/x` → `azureml:x`; environmentId → `azureml:name:version`, or the image and
//   conda file inline for an anonymous environment (CliV2AnonymousEnvironment); codeId → the exported code folder;
//   pipeline steps' componentId → `azureml:name:version`, or a relative path to a component YAML written beside the
//   job for anonymous components (azureml_anonymous); node inputs `{job_input_type, value}` → their CLI form;
//   settings.default_datastore → `azureml:<datastore>`; `_source`, the service's `default` output and the fields the
//   service fills in dropped. What cannot be made portable is listed (`leftovers`), never silently kept.
// The REST shapes are those azure-ai-ml 1.4.0 writes: entities/_builders/base_node.py and command.py
// (`_to_rest_object`: computeId, componentId, `_source`), entities/_job/pipeline/_io/mixin.py (`_to_rest_inputs`,
// `_to_rest_outputs`), entities/_job/sweep/search_space.py (`[type, [args]]`); and @azure/arm-machinelearning's
// CommandJob, SweepJob, PipelineJob.
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { JobBase } from '@azure/arm-machinelearning';
import { SCHEMA_BASE, dropEmpty, isoDurationSeconds, toYaml } from '../export/yamlWriters';
import { ANONYMOUS_ENVIRONMENT, computeName, datastoreName, parseAssetId, portableDataUri, shortAssetRef } from './ids';

type Json = Record<string, unknown>;

/** A component version a pipeline step names, as fetched from the source workspace. */
export interface ResolvedComponent {
  name: string;
  version: string;
  anonymous: boolean;
  /** `properties.componentSpec`: the component's YAML as a JSON object, references as ARM ids. */
  spec: Json;
}

/** An environment version a job names, as fetched from the source workspace. */
export interface ResolvedEnvironment {
  name: string;
  version: string;
  image?: string;
  condaFile?: string;
  /** Built from a Docker context: no inline form. */
  buildContext?: string;
}

/** What the export found for the references a job carries (keys: the reference exactly as in the job). */
export interface JobLookups {
  component(id: string): ResolvedComponent | undefined;
  environment(id: string): ResolvedEnvironment | undefined;
  /** The folder (relative to OUT, "/" separated) the code of this codeId was exported to, if it was. */
  code(id: string): string | undefined;
  /** Where a component's YAML goes (relative to OUT): anonymous ones are referenced by it, named ones written beside. */
  componentFile(id: string): string | undefined;
}

export interface CliComponentFile {
  /** Relative to OUT. */
  path: string;
  yaml: string;
}

export interface CliJob {
  yaml: string;
  /** Component YAML files the job refers to by relative path. */
  components: CliComponentFile[];
  /** What still pins the job to its workspace or could not be written: one sentence each. */
  leftovers: string[];
  /** Set when the job's type cannot be written as CLI YAML. */
  unsupported?: string;
}

/** Every reference of a job the export has to fetch before converting it. */
export interface JobReferences {
  codes: string[];
  environments: string[];
  components: string[];
}

export function jobReferences(job: JobBase): JobReferences {
  const p = job.properties as unknown as Json;
  const refs: JobReferences = { codes: [], environments: [], components: [] };
  const add = (list: string[], v: unknown) => {
    if (typeof v === 'string' && v && !list.includes(v)) list.push(v);
  };
  add(refs.codes, p.codeId);
  add(refs.environments, p.environmentId);
  const trial = p.trial as Json | undefined;
  if (trial) {
    add(refs.codes, trial.codeId);
    add(refs.environments, trial.environmentId);
  }
  for (const step of Object.values((p.jobs as Record<string, Json> | undefined) ?? {})) {
    add(refs.components, step?.componentId);
    const stepTrial = step?.trial as Json | undefined;
    if (stepTrial) add(refs.components, stepTrial.componentId);
  }
  return refs;
}

/** The code and environment a component spec names (ARM ids with `azureml:`). */
export function componentReferences(spec: Json): JobReferences {
  const refs: JobReferences = { codes: [], environments: [], components: [] };
  if (typeof spec.code === 'string' && parseAssetId(spec.code, 'codes')) refs.codes.push(spec.code);
  if (typeof spec.environment === 'string') refs.environments.push(spec.environment);
  return refs;
}

interface Ctx {
  lookups: JobLookups;
  /** Folder of the file being written (relative to OUT), for relative references. */
  dir: string;
  leftovers: string[];
  components: CliComponentFile[];
  jobName: string;
}

function relative(ctx: Ctx, target: string): string {
  const rel = path.posix.relative(ctx.dir, target);
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/** "ReadOnlyMount" → "ro_mount", "ReadWriteMount" → "rw_mount", "Download" → "download". */
export function cliMode(mode: string): string {
  const known: Record<string, string> = { readonlymount: 'ro_mount', readwritemount: 'rw_mount', evalmount: 'eval_mount', evaldownload: 'eval_download' };
  return known[mode.toLowerCase()] ?? snakeCase(mode);
}

export function snakeCase(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

function snakeKeys(o: unknown): Json | undefined {
  if (!o || typeof o !== 'object') return undefined;
  const out: Json = {};
  for (const [k, v] of Object.entries(o as Json)) if (v !== null && v !== undefined) out[snakeCase(k)] = v;
  return dropEmpty(out);
}

function field(o: Json, camel: string): unknown {
  return o[camel] ?? o[snakeCase(camel)];
}

function inputsCli(ctx: Ctx, inputs: unknown): Json | undefined {
  if (!inputs || typeof inputs !== 'object') return undefined;
  const out: Json = {};
  for (const [key, raw] of Object.entries(inputs as Json)) {
    if (raw === null || raw === undefined) continue;
    if (typeof raw !== 'object') {
      out[key] = raw;
      continue;
    }
    const input = raw as Json;
    const type = field(input, 'jobInputType') ?? input.type;
    if (type === 'literal' || (type === undefined && 'value' in input)) {
      out[key] = input.value;
      continue;
    }
    const uri = typeof input.uri === 'string' ? portableDataUri(input.uri) : typeof input.path === 'string' ? input.path : undefined;
    if (uri && /^azureml:\/\/subscriptions\//i.test(uri)) ctx.leftovers.push(`input ${key} reads ${uri}, which names the source workspace.`);
    out[key] = dropEmpty({ type, path: uri, mode: typeof input.mode === 'string' ? cliMode(input.mode) : undefined, description: input.description });
  }
  return Object.keys(out).length ? out : undefined;
}

function outputsCli(ctx: Ctx, outputs: unknown, topLevel: boolean): Json | undefined {
  if (!outputs || typeof outputs !== 'object') return undefined;
  const out: Json = {};
  for (const [key, raw] of Object.entries(outputs as Json)) {
    // The service adds a `default` output (the run's artifact folder) to every job; it is not part of the definition.
    if (raw === null || raw === undefined || (topLevel && key === 'default')) continue;
    if (typeof raw !== 'object') {
      out[key] = raw;
      continue;
    }
    const output = raw as Json;
    const type = field(output, 'jobOutputType') ?? output.type;
    if (type === 'literal') {
      out[key] = output.value;
      continue;
    }
    let uri = typeof output.uri === 'string' ? portableDataUri(output.uri) : undefined;
    // Where this run wrote belongs to the run, not to the definition: its artifact folder (…/dcid.<job>) and the path
    // the service gives an output without one (…/paths/azureml/<job>/<output>/, azure-ai-ml's default output path).
    if (uri && (/dcid\./.test(uri) || uri.replace(/\/+$/, '').endsWith(`/paths/azureml/${ctx.jobName}/${key}`))) uri = undefined;
    if (uri && /^azureml:\/\/subscriptions\//i.test(uri)) ctx.leftovers.push(`output ${key} writes to ${uri}, which names the source workspace.`);
    out[key] = dropEmpty({ type, path: uri, mode: typeof output.mode === 'string' ? cliMode(output.mode) : undefined, description: output.description });
  }
  return Object.keys(out).length ? out : undefined;
}

function computeCli(ctx: Ctx, computeId: unknown): string | undefined {
  if (typeof computeId !== 'string' || !computeId) return undefined;
  const name = computeName(computeId);
  if (!name) {
    ctx.leftovers.push(`compute ${computeId} is not a compute of a workspace; kept as it is.`);
    return computeId;
  }
  return `azureml:${name}`;
}

function environmentCli(ctx: Ctx, environmentId: unknown): unknown {
  if (typeof environmentId !== 'string' || !environmentId) return undefined;
  if (environmentId.startsWith('azureml://registries/')) return environmentId;
  const asset = parseAssetId(environmentId, 'environments');
  if (!asset) {
    ctx.leftovers.push(`environment ${environmentId} is not an environment version; kept as it is.`);
    return environmentId;
  }
  if (asset.name !== ANONYMOUS_ENVIRONMENT) return shortAssetRef(asset);
  const env = ctx.lookups.environment(environmentId);
  if (!env) {
    ctx.leftovers.push(`the anonymous environment ${asset.version} could not be read; it is referenced as it is and does not exist elsewhere.`);
    return shortAssetRef(asset);
  }
  if (env.buildContext || !env.image) {
    ctx.leftovers.push(`the anonymous environment ${asset.version} is built from a Docker context (${env.buildContext ?? 'no image'}); it cannot be written inline.`);
    return shortAssetRef(asset);
  }
  return dropEmpty({ image: env.image, conda_file: env.condaFile ? condaObject(env.condaFile) : undefined });
}

/** A conda file inline (the environment schema takes a mapping or a path); text that is not a mapping stays text. */
function condaObject(text: string): unknown {
  try {
    const doc = parseYaml(text) as unknown;
    return doc && typeof doc === 'object' && !Array.isArray(doc) ? doc : text;
  } catch {
    return text;
  }
}

function codeCli(ctx: Ctx, codeId: unknown): string | undefined {
  if (typeof codeId !== 'string' || !codeId) return undefined;
  const local = ctx.lookups.code(codeId);
  if (local !== undefined) return `${relative(ctx, local)}/`;
  if (/^(git\+|https?:|azureml:\/\/registries\/)/.test(codeId)) return codeId;
  ctx.leftovers.push(`its code (${codeId}) was not exported; the job still names the source workspace's code asset.`);
  return codeId.startsWith('/') ? `azureml:${codeId}` : codeId;
}

function limitsCli(limits: unknown): Json | undefined {
  const l = limits as Json | undefined;
  const timeout = l && (field(l, 'timeout') as string | undefined);
  return timeout ? { timeout: isoDurationSeconds(timeout) ?? timeout } : undefined;
}

function distributionCli(d: unknown): Json | undefined {
  const o = snakeKeys(d);
  if (!o) return undefined;
  const { distribution_type, type, ...rest } = o;
  const t = (distribution_type ?? type) as string | undefined;
  return dropEmpty({ type: t?.toLowerCase(), ...rest });
}

function commonCli(ctx: Ctx, p: Json): Json {
  return {
    display_name: p.displayName,
    experiment_name: p.experimentName,
    description: p.description,
    tags: p.tags,
    compute: computeCli(ctx, p.computeId),
  };
}

/** `["uniform", [0.01, 0.1]]` → `{type: uniform, min_value: 0.01, max_value: 0.1}` (search_space.py). */
export function searchSpaceCli(space: unknown): Json | undefined {
  if (!space || typeof space !== 'object') return undefined;
  const out: Json = {};
  for (const [key, value] of Object.entries(space as Json)) out[key] = distributionFromRest(value);
  return out;
}

function distributionFromRest(value: unknown): unknown {
  if (!Array.isArray(value) || typeof value[0] !== 'string' || !Array.isArray(value[1])) return value;
  const type = value[0].toLowerCase();
  const args = value[1] as unknown[];
  switch (type) {
    case 'choice': {
      const values = (Array.isArray(args[0]) ? args[0] : args) as unknown[];
      return { type, values: values.map((v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, distributionFromRest(x)])) : v)) };
    }
    case 'randint':
      return { type, upper: args[0] };
    case 'normal':
    case 'lognormal':
      return { type, mu: args[0], sigma: args[1] };
    case 'qnormal':
    case 'qlognormal':
      return { type, mu: args[0], sigma: args[1], q: args[2] };
    case 'uniform':
    case 'loguniform':
      return { type, min_value: args[0], max_value: args[1] };
    case 'quniform':
    case 'qloguniform':
      return { type, min_value: args[0], max_value: args[1], q: args[2] };
    default:
      return value;
  }
}

function earlyTerminationCli(policy: unknown): Json | undefined {
  const o = snakeKeys(policy);
  if (!o) return undefined;
  const { policy_type, ...rest } = o;
  return dropEmpty({ type: typeof policy_type === 'string' ? snakeCase(policy_type) : undefined, ...rest });
}

function samplingCli(sampling: unknown): unknown {
  if (typeof sampling === 'string') return sampling.toLowerCase();
  const o = sampling as Json | undefined;
  const type = o && (o.samplingAlgorithmType as string | undefined);
  if (!type) return undefined;
  const rest = snakeKeys(Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'samplingAlgorithmType')));
  return rest && Object.keys(rest).length ? { type: type.toLowerCase(), ...rest } : type.toLowerCase();
}

function trialCli(ctx: Ctx, t: Json): Json {
  return dropEmpty({
    command: t.command,
    code: codeCli(ctx, t.codeId),
    environment: environmentCli(ctx, t.environmentId),
    environment_variables: t.environmentVariables,
    distribution: distributionCli(t.distribution),
    resources: snakeKeys(t.resources),
  });
}

/** A component spec from the service as component YAML written at `file` (its code exported to `codeDir`). */
function componentCli(ctx: Ctx, component: ResolvedComponent, file: string, fallbackName: string): string {
  const own: Ctx = { ...ctx, dir: path.posix.dirname(file) };
  const spec = component.spec;
  const doc: Json = {};
  for (const [k, v] of Object.entries(spec)) {
    if (k.startsWith('_') || k === '$schema' || k === 'id' || k === 'creation_context' || k === 'is_anonymous') continue;
    doc[k] = v;
  }
  const type = typeof spec.type === 'string' ? spec.type : 'command';
  const name = typeof spec.name === 'string' && spec.name !== component.name ? spec.name : component.anonymous ? fallbackName : component.name;
  doc.name = name;
  if (component.anonymous) delete doc.version;
  else doc.version = component.version;
  if (spec.code !== undefined) doc.code = codeCli(own, spec.code);
  if (spec.environment !== undefined) doc.environment = environmentCli(own, spec.environment);
  ctx.leftovers.push(...own.leftovers.filter((l) => !ctx.leftovers.includes(l)));
  return toYaml([`Exported by aml-failover: component ${component.anonymous ? `(anonymous, version ${component.version})` : `${component.name}:${component.version}`} of job "${ctx.jobName}".`], {
    $schema: `${SCHEMA_BASE}/${type}Component.schema.json`,
    ...dropEmpty(doc),
  });
}

function componentRef(ctx: Ctx, componentId: unknown, step: string): string | undefined {
  if (typeof componentId !== 'string' || !componentId) return undefined;
  if (componentId.startsWith('azureml://registries/')) return componentId;
  const asset = parseAssetId(componentId, 'components');
  if (!asset) {
    ctx.leftovers.push(`step ${step}: component ${componentId} is not a component version; kept as it is.`);
    return componentId;
  }
  const component = ctx.lookups.component(componentId);
  if (!component) {
    ctx.leftovers.push(`step ${step}: component ${asset.name}:${asset.version} could not be read from the source workspace.`);
    return shortAssetRef(asset);
  }
  const file = ctx.lookups.componentFile(componentId);
  if (!component.anonymous) {
    // Referenced by name; its YAML is written too, so the submit path can create it where it is missing.
    if (file && !ctx.components.some((c) => c.path === file)) ctx.components.push({ path: file, yaml: componentCli(ctx, component, file, step) });
    return shortAssetRef(asset);
  }
  if (!file) {
    ctx.leftovers.push(`step ${step}: the anonymous component ${asset.version} has no safe place in the export.`);
    return shortAssetRef(asset);
  }
  if (!ctx.components.some((c) => c.path === file)) ctx.components.push({ path: file, yaml: componentCli(ctx, component, file, step) });
  return relative(ctx, file);
}

/** Fields of a pipeline step (REST node) the CLI writes otherwise or that the service fills in. */
const STEP_FIELDS_DROPPED = new Set(['_source', 'name', 'computeId', 'componentId', 'inputs', 'outputs', 'properties', 'type', 'display_name', 'tags', 'comment', 'limits', 'resources', 'distribution', 'environment_variables', 'trial']);

function stepCli(ctx: Ctx, name: string, step: Json): Json {
  const type = typeof step.type === 'string' ? step.type : 'command';
  if (type !== 'command') ctx.leftovers.push(`step ${name} is a ${type} step; only command steps are converted field by field.`);
  const extra: Json = {};
  for (const [k, v] of Object.entries(step)) if (!STEP_FIELDS_DROPPED.has(k) && v !== null && v !== undefined) extra[k] = v;
  const tags = step.tags as Json | undefined;
  return dropEmpty({
    type,
    component: componentRef(ctx, step.componentId, name),
    display_name: step.display_name,
    compute: computeCli(ctx, step.computeId),
    inputs: inputsCli(ctx, step.inputs),
    outputs: outputsCli(ctx, step.outputs, false),
    environment_variables: step.environment_variables,
    resources: snakeKeys(step.resources),
    distribution: distributionCli(step.distribution),
    limits: limitsCli(step.limits),
    tags: tags && Object.keys(tags).length ? tags : undefined,
    ...extra,
  });
}

function settingsCli(ctx: Ctx, settings: unknown): Json | undefined {
  if (!settings || typeof settings !== 'object') return undefined;
  const out: Json = {};
  for (const [k, v] of Object.entries(settings as Json)) {
    if (k.startsWith('_') || v === null || v === undefined) continue;
    if (k === 'default_datastore' || k === 'defaultDatastore') {
      const name = datastoreName(v as string);
      out.default_datastore = name ? `azureml:${name}` : v;
      if (!name) ctx.leftovers.push(`the pipeline's default datastore ${String(v)} is not a datastore name; kept as it is.`);
    } else if (k === 'default_compute' || k === 'defaultCompute') out.default_compute = computeCli(ctx, v);
    else out[snakeCase(k)] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

/**
 * The job's CLI YAML, to be written at `jobFile` (relative to OUT; relative references are computed from its
 * folder). The job's own name is left out: the service names the resubmission.
 */
export function jobToCli(job: JobBase, jobFile: string, lookups: JobLookups): CliJob {
  const p = job.properties as unknown as Json;
  const jobName = job.name ?? '';
  const ctx: Ctx = { lookups, dir: path.posix.dirname(jobFile), leftovers: [], components: [], jobName };
  const header = [`Exported by aml-failover from job "${jobName}". Resubmit with: az ml job create -f <this file>`];
  const done = (schema: string, doc: Json): CliJob => ({ yaml: toYaml(header, { $schema: `${SCHEMA_BASE}/${schema}.schema.json`, ...doc }), components: ctx.components, leftovers: ctx.leftovers });
  switch (p.jobType) {
    case 'Command':
      return done('commandJob', {
        type: 'command',
        ...dropEmpty({
          ...commonCli(ctx, p),
          command: p.command,
          code: codeCli(ctx, p.codeId),
          environment: environmentCli(ctx, p.environmentId),
          environment_variables: p.environmentVariables,
          inputs: inputsCli(ctx, p.inputs),
          outputs: outputsCli(ctx, p.outputs, true),
          distribution: distributionCli(p.distribution),
          resources: snakeKeys(p.resources),
          limits: limitsCli(p.limits),
        }),
      });
    case 'Sweep': {
      const limits = p.limits as Json | undefined;
      const objective = p.objective as { goal?: string; primaryMetric?: string } | undefined;
      return done('sweepJob', {
        type: 'sweep',
        ...dropEmpty({
          ...commonCli(ctx, p),
          sampling_algorithm: samplingCli(p.samplingAlgorithm),
          search_space: searchSpaceCli(p.searchSpace),
          objective: objective ? dropEmpty({ goal: objective.goal?.toLowerCase(), primary_metric: objective.primaryMetric }) : undefined,
          early_termination: earlyTerminationCli(p.earlyTermination),
          trial: p.trial ? trialCli(ctx, p.trial as Json) : undefined,
          inputs: inputsCli(ctx, p.inputs),
          outputs: outputsCli(ctx, p.outputs, true),
          limits: limits
            ? dropEmpty({
                max_total_trials: limits.maxTotalTrials,
                max_concurrent_trials: limits.maxConcurrentTrials,
                timeout: isoDurationSeconds(limits.timeout as string | undefined),
                trial_timeout: isoDurationSeconds(limits.trialTimeout as string | undefined),
              })
            : undefined,
        }),
      });
    }
    case 'Pipeline': {
      const steps: Json = {};
      for (const [name, step] of Object.entries((p.jobs as Record<string, Json> | undefined) ?? {})) if (step) steps[name] = stepCli(ctx, name, step);
      return done('pipelineJob', {
        type: 'pipeline',
        ...dropEmpty({
          ...commonCli(ctx, p),
          inputs: inputsCli(ctx, p.inputs),
          outputs: outputsCli(ctx, p.outputs, true),
          settings: settingsCli(ctx, p.settings),
          jobs: Object.keys(steps).length ? steps : undefined,
        }),
      });
    }
    default:
      return { yaml: '', components: [], leftovers: [], unsupported: `job type ${String(p.jobType)} cannot be written as CLI YAML yet` };
  }
}
