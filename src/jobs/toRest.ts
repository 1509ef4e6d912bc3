// CLI v2 job YAML (as the export writes it, or as a user writes it) turned into the REST body `az ml job create`
// sends, once every local thing it names has been created in the target: the inverse of toCli.ts. References come
// in already resolved to ARM ids of the target (`Resolved`). Shapes: azure-ai-ml 1.4.0 `_to_rest_object` of
// CommandJob / SweepJob / PipelineJob and of pipeline nodes (entities/_builders/base_node.py, command.py:
// componentId, computeId, `{job_input_type, value}` inputs, `{type: literal, value}` output bindings, `_source`).
type Json = Record<string, unknown>;

/** How the submit path resolved what the YAML names, each to an ARM id in the target workspace. */
export interface Resolved {
  compute(ref: string): string;
  datastore(ref: string): string;
  /** `code:` of the job, the trial or a component, as written in the YAML (relative to the YAML's folder). */
  code(ref: string, from: string): string;
  /** `environment:` (a string reference or an inline mapping) as written in the YAML. */
  environment(ref: unknown, from: string): string;
  /** `component:` of a pipeline step as written in the YAML. */
  component(ref: string, from: string): string;
}

const MODES: Record<string, string> = { ro_mount: 'ReadOnlyMount', rw_mount: 'ReadWriteMount', download: 'Download', upload: 'Upload', direct: 'Direct', eval_mount: 'EvalMount', eval_download: 'EvalDownload' };

/** "ro_mount" → "ReadOnlyMount" (the REST InputDeliveryMode / OutputDeliveryMode). */
export function restMode(mode: string): string {
  return MODES[mode] ?? mode;
}

function camelCase(s: string): string {
  return s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function camelKeys(o: unknown): Json | undefined {
  if (!o || typeof o !== 'object') return undefined;
  return Object.fromEntries(Object.entries(o as Json).map(([k, v]) => [camelCase(k), v]));
}

function clean(o: Json): Json {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null));
}

/** seconds → "PT<n>S" (ISO 8601, as the service stores limits). */
export function isoDuration(seconds: unknown): string | undefined {
  if (typeof seconds === 'number') return `PT${seconds}S`;
  return typeof seconds === 'string' ? seconds : undefined;
}

/** Job-level inputs (REST JobInput: jobInputType, uri, mode, value). */
function jobInputs(inputs: unknown): Json | undefined {
  if (!inputs || typeof inputs !== 'object') return undefined;
  const out: Json = {};
  for (const [k, v] of Object.entries(inputs as Json)) {
    if (v && typeof v === 'object') {
      const i = v as Json;
      out[k] = clean({ jobInputType: i.type ?? 'uri_folder', uri: i.path, mode: typeof i.mode === 'string' ? restMode(i.mode) : undefined, description: i.description });
    } else out[k] = { jobInputType: 'literal', value: String(v) };
  }
  return out;
}

function jobOutputs(outputs: unknown): Json | undefined {
  if (!outputs || typeof outputs !== 'object') return undefined;
  const out: Json = {};
  for (const [k, v] of Object.entries(outputs as Json)) {
    const o = (v ?? {}) as Json;
    out[k] = clean({ jobOutputType: o.type ?? 'uri_folder', uri: o.path, mode: typeof o.mode === 'string' ? restMode(o.mode) : undefined, description: o.description });
  }
  return out;
}

/** Pipeline node inputs: bindings and literals as `{job_input_type: literal, value}` (mixin.py `_to_rest_inputs`). */
function nodeInputs(inputs: unknown): Json | undefined {
  if (!inputs || typeof inputs !== 'object') return undefined;
  const out: Json = {};
  for (const [k, v] of Object.entries(inputs as Json)) {
    if (v && typeof v === 'object') {
      const i = v as Json;
      out[k] = clean({ job_input_type: i.type ?? 'uri_folder', uri: i.path, mode: typeof i.mode === 'string' ? restMode(i.mode) : undefined });
    } else out[k] = { job_input_type: 'literal', value: String(v) };
  }
  return out;
}

/** Pipeline node outputs: bindings as `{type: literal, value}` (mixin.py `_to_rest_outputs`). */
function nodeOutputs(outputs: unknown): Json | undefined {
  if (!outputs || typeof outputs !== 'object') return undefined;
  const out: Json = {};
  for (const [k, v] of Object.entries(outputs as Json)) {
    if (typeof v === 'string') out[k] = { type: 'literal', value: v };
    else {
      const o = (v ?? {}) as Json;
      out[k] = clean({ job_output_type: o.type ?? 'uri_folder', uri: o.path, mode: typeof o.mode === 'string' ? restMode(o.mode) : undefined });
    }
  }
  return out;
}

function distribution(d: unknown): Json | undefined {
  const o = camelKeys(d);
  if (!o) return undefined;
  const { type, ...rest } = o;
  const names: Record<string, string> = { pytorch: 'PyTorch', tensorflow: 'TensorFlow', mpi: 'Mpi' };
  return { distributionType: names[String(type).toLowerCase()] ?? type, ...rest };
}

function common(doc: Json, r: Resolved): Json {
  return clean({
    displayName: doc.display_name,
    experimentName: doc.experiment_name ?? 'Default',
    description: doc.description,
    tags: doc.tags ?? {},
    computeId: typeof doc.compute === 'string' ? r.compute(doc.compute) : undefined,
    properties: {},
  });
}

/** A distribution in the REST `[type, [args]]` form (search_space.py `_to_rest_object`). */
function restDistribution(d: unknown): unknown {
  if (!d || typeof d !== 'object' || Array.isArray(d)) return d;
  const o = d as Json;
  const type = String(o.type ?? '').toLowerCase();
  switch (type) {
    case 'choice':
      return [type, [((o.values as unknown[]) ?? []).map((v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, restDistribution(x)])) : v))]];
    case 'randint':
      return [type, [o.upper]];
    case 'normal':
    case 'lognormal':
      return [type, [o.mu, o.sigma]];
    case 'qnormal':
    case 'qlognormal':
      return [type, [o.mu, o.sigma, o.q]];
    case 'uniform':
    case 'loguniform':
      return [type, [o.min_value, o.max_value]];
    case 'quniform':
    case 'qloguniform':
      return [type, [o.min_value, o.max_value, o.q]];
    default:
      return d;
  }
}

const POLICY_TYPES: Record<string, string> = { bandit: 'Bandit', median_stopping: 'MedianStopping', truncation_selection: 'TruncationSelection' };

function earlyTermination(policy: Json): Json {
  const { type, ...rest } = policy;
  return { policyType: POLICY_TYPES[String(type)] ?? type, ...rest };
}

function sampling(s: unknown): Json | undefined {
  if (typeof s === 'string') return { samplingAlgorithmType: s.charAt(0).toUpperCase() + s.slice(1) };
  const o = camelKeys(s);
  if (!o) return undefined;
  const { type, ...rest } = o;
  return { samplingAlgorithmType: String(type).charAt(0).toUpperCase() + String(type).slice(1), ...rest };
}

/**
 * The REST `properties` of a job from its CLI YAML `doc` (read from a file in `from`, a folder; the references are
 * resolved relative to it). Throws for a job type the submit path does not handle.
 */
export function jobToRest(doc: Json, from: string, r: Resolved): Json {
  switch (doc.type) {
    case 'command':
      return clean({
        jobType: 'Command',
        ...common(doc, r),
        command: doc.command,
        codeId: typeof doc.code === 'string' ? r.code(doc.code, from) : undefined,
        environmentId: doc.environment !== undefined ? r.environment(doc.environment, from) : undefined,
        environmentVariables: doc.environment_variables,
        inputs: jobInputs(doc.inputs),
        outputs: jobOutputs(doc.outputs),
        distribution: distribution(doc.distribution),
        resources: camelKeys(doc.resources),
        limits: (doc.limits as Json | undefined)?.timeout !== undefined ? { jobLimitsType: 'Command', timeout: isoDuration((doc.limits as Json).timeout) } : undefined,
      });
    case 'sweep': {
      const trial = (doc.trial ?? {}) as Json;
      const limits = (doc.limits ?? {}) as Json;
      const objective = (doc.objective ?? {}) as Json;
      const policy = camelKeys(doc.early_termination);
      const space = (doc.search_space ?? {}) as Json;
      return clean({
        jobType: 'Sweep',
        ...common(doc, r),
        samplingAlgorithm: sampling(doc.sampling_algorithm),
        searchSpace: Object.fromEntries(Object.entries(space).map(([k, v]) => [k, restDistribution(v)])),
        objective: clean({ goal: typeof objective.goal === 'string' ? objective.goal.charAt(0).toUpperCase() + objective.goal.slice(1) : undefined, primaryMetric: objective.primary_metric }),
        earlyTermination: policy ? earlyTermination(policy) : undefined,
        trial: clean({
          command: trial.command,
          codeId: typeof trial.code === 'string' ? r.code(trial.code, from) : undefined,
          environmentId: trial.environment !== undefined ? r.environment(trial.environment, from) : undefined,
          environmentVariables: trial.environment_variables,
          distribution: distribution(trial.distribution),
          resources: camelKeys(trial.resources),
        }),
        inputs: jobInputs(doc.inputs),
        outputs: jobOutputs(doc.outputs),
        limits: clean({ jobLimitsType: 'Sweep', maxTotalTrials: limits.max_total_trials, maxConcurrentTrials: limits.max_concurrent_trials, timeout: isoDuration(limits.timeout), trialTimeout: isoDuration(limits.trial_timeout) }),
      });
    }
    case 'pipeline': {
      const settings = { ...((doc.settings ?? {}) as Json) };
      if (typeof settings.default_datastore === 'string') settings.default_datastore = r.datastore(settings.default_datastore);
      if (typeof settings.default_compute === 'string') settings.default_compute = r.compute(settings.default_compute);
      const jobs: Json = {};
      for (const [name, raw] of Object.entries((doc.jobs ?? {}) as Json)) {
        const step = (raw ?? {}) as Json;
        const { type, component, compute, inputs, outputs, display_name, limits, resources, distribution: d, environment_variables, tags, ...rest } = step;
        jobs[name] = clean({
          ...rest,
          name,
          type: type ?? 'command',
          display_name,
          tags: tags ?? {},
          componentId: typeof component === 'string' ? r.component(component, from) : undefined,
          computeId: typeof compute === 'string' ? r.compute(compute) : undefined,
          inputs: nodeInputs(inputs) ?? {},
          outputs: nodeOutputs(outputs) ?? {},
          environment_variables,
          resources,
          distribution: d,
          limits: (limits as Json | undefined)?.timeout !== undefined ? { job_limits_type: 'Command', timeout: isoDuration((limits as Json).timeout) } : undefined,
          properties: {},
          _source: 'YAML.JOB',
        });
      }
      return clean({
        jobType: 'Pipeline',
        ...common(doc, r),
        inputs: jobInputs(doc.inputs),
        outputs: jobOutputs(doc.outputs),
        settings: { ...settings, _source: 'YAML.JOB' },
        jobs,
      });
    }
    default:
      throw new Error(`job type ${String(doc.type)} cannot be submitted (command, sweep and pipeline jobs can)`);
  }
}

/**
 * A component's REST `componentSpec` from its YAML: the same mapping with `code` and `environment` as the target's
 * ARM ids (`azureml:<id>`, as azure-ai-ml sends them).
 */
export function componentSpecToRest(doc: Json, from: string, r: Resolved): Json {
  const spec: Json = { ...doc };
  if (typeof doc.code === 'string') spec.code = `azureml:${r.code(doc.code, from)}`;
  if (doc.environment !== undefined) spec.environment = `azureml:${r.environment(doc.environment, from)}`;
  return spec;
}
