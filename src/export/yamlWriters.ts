// CLI v2 YAML for exported assets, so `az ml model create -f` and `az ml environment create -f` re-create them in
// another workspace (jobs: src/jobs/toCli.ts). Input is the ARM resource as the SDK returns it.
import { stringify } from 'yaml';
import type { EnvironmentVersion, ModelVersion } from '@azure/arm-machinelearning';

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

export function dropEmpty<T extends Record<string, unknown>>(o: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === null) continue;
    if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0) continue;
    out[k] = v;
  }
  return out as Partial<T>;
}

export function toYaml(header: string[], doc: Record<string, unknown>): string {
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
