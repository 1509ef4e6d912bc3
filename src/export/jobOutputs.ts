// Model files that live in a job's outputs. A model registered from a job names its files relative to the job:
//   azureml://jobs/<job>/outputs/artifacts/paths/<p>   the job's artifacts (its `default` output)
//   azureml://jobs/<job>/outputs/<name>[/paths/<p>]    a named output
//   runs:/<run>/<p>                                   MLflow's form; the run id is the job name
// (the forms azure-ai-ml's Model(path=…) accepts). They are resolved through the job: its output's URI names the
// datastore path, and <p> is below it.
import type { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { unlessNotFound } from '../azure/notFound';
import { locateInDatastore, type DatastoreBinding, type DatastoreLocation, type WorkspaceCoordinates } from './uris';

export interface JobOutputRef {
  job: string;
  /** `default` for the artifacts, else the named output. */
  output: string;
  /** Path below the output ("" for all of it). */
  path: string;
}

/** The job, output and path a job-relative URI names; undefined for any other URI. */
export function parseJobOutputUri(uri: string): JobOutputRef | undefined {
  const runs = /^runs:\/([^/]+)\/?(.*)$/.exec(uri);
  if (runs) return { job: safeDecode(runs[1]), output: 'default', path: safeDecode(runs[2]) };
  const jobs = /^azureml:\/\/jobs\/([^/]+)\/outputs\/([^/]+)(?:\/paths)?\/?(.*)$/i.exec(uri);
  if (!jobs) return undefined;
  const output = safeDecode(jobs[2]);
  return { job: safeDecode(jobs[1]), output: output.toLowerCase() === 'artifacts' ? 'default' : output, path: safeDecode(jobs[3]) };
}

/** Where a job's output lands when the job does not say: the service's defaults. */
export function defaultOutputUri(job: string, output: string): string {
  return output === 'default' ? `azureml://datastores/workspaceartifactstore/ExperimentRun/dcid.${job}` : `azureml://datastores/workspaceblobstore/paths/azureml/${job}/${output}/`;
}

/** A job's outputs as ARM returns them (`properties.outputs`), found by name; undefined when the job does not exist. */
export type JobOutputsLookup = (job: string) => Promise<Record<string, { uri?: string } | undefined> | undefined>;

/**
 * The datastore location of an asset URI: a datastore URI directly, a job-relative one through the job's output.
 * Undefined when the URI points outside the workspace's datastores. Throws when the job is not in this workspace.
 */
export async function locateAsset(uri: string, datastores: () => Promise<readonly DatastoreBinding[]>, workspace: WorkspaceCoordinates, jobOutputs: JobOutputsLookup): Promise<DatastoreLocation | undefined> {
  const ref = parseJobOutputUri(uri);
  if (!ref) return locateInDatastore(uri, await datastores(), workspace);
  const outputs = await jobOutputs(ref.job);
  if (!outputs) throw new Error(`its files are in the outputs of job '${ref.job}' (${uri}), which is not in workspace '${workspace.workspace_name}'`);
  const outputUri = outputs[ref.output]?.uri ?? defaultOutputUri(ref.job, ref.output);
  const base = locateInDatastore(outputUri, await datastores(), workspace);
  if (!base) throw new Error(`its files are in output '${ref.output}' of job '${ref.job}', at ${outputUri}, which is not a datastore of this workspace`);
  const folder = base.path === '' || base.path.endsWith('/') ? base.path : `${base.path}/`;
  return { datastore: base.datastore, path: `${folder}${ref.path.replace(/^\/+/, '')}` };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Looks jobs up through ARM (each job once), for `locateAsset`. */
export function jobOutputsOf(ml: AzureMachineLearningWorkspaces, workspace: WorkspaceCoordinates, signal: AbortSignal): JobOutputsLookup {
  const seen = new Map<string, ReturnType<JobOutputsLookup>>();
  return (job) => {
    let found = seen.get(job);
    if (!found) {
      found = unlessNotFound(ml.jobs.get(workspace.resource_group, workspace.workspace_name, job, { abortSignal: signal })).then(
        (j) => j && ((j.properties as { outputs?: Record<string, { uri?: string } | undefined> }).outputs ?? {}),
      );
      seen.set(job, found);
    }
    return found;
  };
}
