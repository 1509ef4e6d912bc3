// CLI v2 YAML for exported assets, so `az ml model create -f`, `az ml environment create -f` and
// `az ml job create -f` re-create them in another workspace. Input is the ARM resource as the SDK returns it.
import { stringify } from 'yaml';
import type { CommandJob, DataVersionBase, EnvironmentVersion, JobBase, ModelVersion, PipelineJob, SweepJob } from '@azure/arm-machinelearning';

export const SCHEMA_BASE = 'https://azuremlschemas.azureedge.net/latest';

const MODEL_TYPES: Record<string, string> = {
  custommodel: 'custom_model',
  custom_model: 'custom_model',
  mlflowmodel: 'mlflow_model',
  mlflow_model: 'mlflow_model',
  tritonmodel: 'triton_model',
  triton_model: 'triton_model',
};

/** The CLI's model `type` for an ARM modelType ("CustomModel", "custom_model", …); unknown types pass through. */
export function cliModelType(modelType: string | undefined): string {
  if (!modelType) return 'custom_model';
  return MODEL_TYPES[modelType.toLowerCase()] ?? modelType;
}

function dropEmpty<T extends Record<string, unknown>>(o: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === null) continue;
    if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0) continue;
    out[k] = v;
  }
  return out as Partial<T>;
}

function toYaml(header: string[], doc: Record<string, unknown>): string {
  const comments = header.map((l) => `# ${l}\n`).join('');
  return comments + stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
}

function versionValue(version: string): string | number {
  // Versions are strings to the service; the CLI accepts either. Keep "01" a string, 1 a number.
  return /^[1-9][0-9]{0,15}$/.test(version) ? Number(version) : version;
}

/** model.yml for one model version whose files were exported to `localPath` (relative to the YAML file). */
export function modelYaml(name: string, version: string, model: ModelVersion, localPath: string): string {
  const p = model.properties;
  return toYaml([`Exported by aml-failover. Re-create with: az ml model create -f model.yml`], {
    $schema: `${SCHEMA_BASE}/model.schema.json`,
    ...dropEmpty({
      name,
      version: versionValue(version),
      type: cliModelType(p.modelType),
      path: localPath,
      description: p.description,
      tags: p.tags,
      properties: p.properties,
    }),
  });
}

/**
 * data.yml (CLI v2 data asset: `az ml data create -f data.yml`). `localPath` is where its files were exported;
 * without one the data lives outside the workspace and `path` keeps the service's reference.
 */
export function dataYaml(name: string, version: string, data: DataVersionBase, localPath: string | undefined): string {
  const p = data.properties;
  const header = [`Exported by aml-failover. Re-create with: az ml data create -f data.yml`];
  if (!localPath) header.push('The data lives outside the workspace: path is the original reference, not a copy.');
  return toYaml(header, {
    $schema: `${SCHEMA_BASE}/data.schema.json`,
    ...dropEmpty({
      name,
      version: versionValue(version),
      type: p.dataType,
      path: localPath ?? p.dataUri,
      description: p.description,
      tags: p.tags,
      properties: p.properties,
    }),
  });
}

/** environment.yml; `condaFile` and `buildPath` are the local names of the conda file and build context, if any. */
export function environmentYaml(name: string, version: string, env: EnvironmentVersion, files: { condaFile?: string; buildPath?: string }): string {
  const p = env.properties;
  const build = files.buildPath ? dropEmpty({ path: files.buildPath, dockerfile_path: p.build?.dockerfilePath }) : undefined;
  const inference = p.inferenceConfig
    ? dropEmpty({
        liveness_route: p.inferenceConfig.livenessRoute,
        readiness_route: p.inferenceConfig.readinessRoute,
        scoring_route: p.inferenceConfig.scoringRoute,
      })
    : undefined;
  return toYaml([`Exported by aml-failover. Re-create with: az ml environment create -f environment.yml`], {
    $schema: `${SCHEMA_BASE}/environment.schema.json`,
    ...dropEmpty({
      name,
      version: versionValue(version),
      image: build ? undefined : p.image,
      build,
      conda_file: files.condaFile,
      os_type: p.osType?.toLowerCase(),
      inference_config: inference,
      description: p.description,
      tags: p.tags,
    }),
  });
}

/** "PT1H30M" → 5400; undefined when not an ISO 8601 duration of days/hours/minutes/seconds. */
export function isoDurationSeconds(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(value);
  if (!m) return undefined;
  return Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60 + Math.round(Number(m[4] ?? 0));
}

type IO = Record<string, unknown> | null | undefined;

function inputsYaml(inputs: Record<string, IO> | undefined): Record<string, unknown> | undefined {
  if (!inputs) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, input] of Object.entries(inputs)) {
    if (!input) continue;
    if (input.jobInputType === 'literal') {
      out[key] = input.value;
      continue;
    }
    out[key] = dropEmpty({
      type: input.jobInputType,
      path: typeof input.uri === 'string' ? input.uri : undefined,
      mode: typeof input.mode === 'string' ? snake(input.mode) : undefined,
      description: input.description,
    });
  }
  return out;
}

function outputsYaml(outputs: Record<string, IO> | undefined): Record<string, unknown> | undefined {
  if (!outputs) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, output] of Object.entries(outputs)) {
    if (!output) continue;
    out[key] = dropEmpty({
      type: output.jobOutputType,
      path: typeof output.uri === 'string' ? output.uri : undefined,
      mode: typeof output.mode === 'string' ? snake(output.mode) : undefined,
      description: output.description,
    });
  }
  return out;
}

/** "ReadOnlyMount" → "ro_mount", "ReadWriteMount" → "rw_mount", "Download" → "download", "Upload" → "upload". */
function snake(mode: string): string {
  const known: Record<string, string> = { readonlymount: 'ro_mount', readwritemount: 'rw_mount', evalmount: 'eval_mount', evaldownload: 'eval_download' };
  return known[mode.toLowerCase()] ?? mode.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

function resourcesYaml(r: { instanceCount?: number; instanceType?: string; shmSize?: string } | undefined): Record<string, unknown> | undefined {
  return r ? dropEmpty({ instance_count: r.instanceCount, instance_type: r.instanceType, shm_size: r.shmSize }) : undefined;
}

function distributionYaml(d: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!d) return undefined;
  const { distributionType, ...rest } = d;
  const fields: Record<string, unknown> = { type: typeof distributionType === 'string' ? distributionType.toLowerCase() : undefined };
  for (const [k, v] of Object.entries(rest)) fields[k.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()] = v;
  return dropEmpty(fields);
}

/** ARM ids of assets are written azureml:/subscriptions/… in CLI YAML (the linter's fixes make them portable). */
function assetRef(id: string | undefined): string | undefined {
  if (!id) return undefined;
  return id.startsWith('/') ? `azureml:${id}` : id;
}

/**
 * Job YAML for `az ml job create -f`, references as the service holds them (ARM ids pinned to the workspace; see
 * jobs.ts for the rewrite to portable forms). The job's own name is left out: the service names the resubmission.
 */
export function jobYaml(job: JobBase): { yaml: string; unsupported?: string } {
  const p = job.properties;
  const common = {
    display_name: p.displayName,
    experiment_name: p.experimentName,
    description: p.description,
    tags: p.tags,
    compute: p.computeId,
  };
  const header = [`Exported by aml-failover from job "${job.name ?? ''}". Resubmit with: az ml job create -f <this file>`];
  switch (p.jobType) {
    case 'Command': {
      const c = p as CommandJob;
      return {
        yaml: toYaml(header, {
          $schema: `${SCHEMA_BASE}/commandJob.schema.json`,
          type: 'command',
          ...dropEmpty({
            ...common,
            command: c.command,
            code: assetRef(c.codeId),
            environment: assetRef(c.environmentId),
            environment_variables: c.environmentVariables,
            inputs: inputsYaml(c.inputs as Record<string, IO>),
            outputs: outputsYaml(c.outputs as Record<string, IO>),
            distribution: distributionYaml(c.distribution as unknown as Record<string, unknown>),
            resources: resourcesYaml(c.resources),
            limits: c.limits?.timeout ? { timeout: isoDurationSeconds(c.limits.timeout) ?? c.limits.timeout } : undefined,
          }),
        }),
      };
    }
    case 'Sweep': {
      const s = p as SweepJob;
      const sampling = s.samplingAlgorithm as unknown as Record<string, unknown>;
      return {
        yaml: toYaml(header, {
          $schema: `${SCHEMA_BASE}/sweepJob.schema.json`,
          type: 'sweep',
          ...dropEmpty({
            ...common,
            sampling_algorithm: typeof sampling?.samplingAlgorithmType === 'string' ? sampling.samplingAlgorithmType.toLowerCase() : undefined,
            search_space: s.searchSpace,
            objective: s.objective ? { goal: s.objective.goal.toLowerCase(), primary_metric: s.objective.primaryMetric } : undefined,
            trial: dropEmpty({
              command: s.trial.command,
              code: assetRef(s.trial.codeId),
              environment: assetRef(s.trial.environmentId),
              environment_variables: s.trial.environmentVariables,
              distribution: distributionYaml(s.trial.distribution as unknown as Record<string, unknown>),
              resources: resourcesYaml(s.trial.resources),
            }),
            inputs: inputsYaml(s.inputs as Record<string, IO>),
            outputs: outputsYaml(s.outputs as Record<string, IO>),
            limits: s.limits
              ? dropEmpty({
                  max_total_trials: s.limits.maxTotalTrials,
                  max_concurrent_trials: s.limits.maxConcurrentTrials,
                  timeout: isoDurationSeconds(s.limits.timeout),
                  trial_timeout: isoDurationSeconds(s.limits.trialTimeout),
                })
              : undefined,
          }),
        }),
      };
    }
    case 'Pipeline': {
      const pl = p as PipelineJob;
      return {
        yaml: toYaml(header, {
          $schema: `${SCHEMA_BASE}/pipelineJob.schema.json`,
          type: 'pipeline',
          ...dropEmpty({
            ...common,
            inputs: inputsYaml(pl.inputs as Record<string, IO>),
            outputs: outputsYaml(pl.outputs as Record<string, IO>),
            settings: pl.settings ? pl.settings : undefined,
            jobs: pl.jobs ? pl.jobs : undefined,
          }),
        }),
      };
    }
    default:
      return { yaml: '', unsupported: `job type ${p.jobType} cannot be written as CLI YAML yet` };
  }
}
