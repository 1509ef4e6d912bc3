// Jobs: list (newest first, `jobType` filter, pipeline steps left out), get (steps too), createOrUpdate. A submitted
// job moves NotStarted → Starting → [Provisioning] → Preparing → Queued → Running → Finalizing → Completed over the
// job timing (world.ts jobStatus); a pipeline's steps become jobs of their own, reachable by name, never listed.
// Refusals as the service answers them: 400 UserError for a compute, environment, code asset, component or datastore
// that does not exist in the workspace; 400 UserError with innerError JobPropertyImmutable for a job name already
// used (Azure ML's answer to a second PUT of a job name, as clients handling duplicate names document it).
// A PUT of an existing job that changes only its archive state, tags, description or display name is an update;
// `POST …/cancel` ends an unfinished job Canceled; lists show active jobs unless `listViewType` asks.
// Shapes: specs/ Jobs_* examples (2022-10-01); pipeline steps as azure-ai-ml 1.4.0 writes them
// (entities/_builders/base_node.py `_to_rest_object`: componentId, computeId).
import { ML, jobBody, jobStatus, key, systemData, workspaceId, type JobRecord, type Json, type Region } from '../world';
import type { FaultBoard } from '../faults';
import { ArmError, WORKSPACE, inView, notFound, page, regionOf, requireProperties, type Answer, type ArmEnv, type ArmRequest, type Route } from './router';

export interface JobTiming {
  queuedMs: number;
  runMs: number;
}

const userError = (message: string, inner?: string) => new ArmError(400, 'UserError', message, {}, inner ? { innerError: { code: inner } } : {});

/** The name a reference gives, in this workspace: an ARM id of it, `azureml:<name>[:<version>]` or a bare name. */
function localName(r: Region, ref: string, type: string): { name: string; version?: string } | undefined {
  const bare = ref.replace(/^azureml:/, '');
  const armId = new RegExp(`^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/${ML}/workspaces/([^/]+)/${type}/([^/]+)(?:/versions/([^/]+))?$`, 'i').exec(bare);
  if (armId) {
    const ours = armId[1].toLowerCase() === r.subscriptionId.toLowerCase() && armId[2].toLowerCase() === r.resourceGroup.toLowerCase() && armId[3].toLowerCase() === r.workspaceName.toLowerCase();
    return ours ? { name: armId[4], version: armId[5] } : undefined;
  }
  if (bare.includes('/')) return undefined;
  const i = bare.lastIndexOf(':');
  return i > 0 ? { name: bare.slice(0, i), version: bare.slice(i + 1) } : { name: bare };
}

/** Everything a job names must exist in this workspace; registry assets (azureml://registries/…) are taken on trust. */
function checkReferences(r: Region, props: Json): void {
  const compute = (ref: unknown, where: string) => {
    if (typeof ref !== 'string' || !ref) return;
    const c = localName(r, ref, 'computes');
    if (!c || !r.computes.has(key(c.name))) throw userError(`${where}Compute '${ref}' was not found in workspace '${r.workspaceName}'. Create it or submit to an existing compute.`);
  };
  const asset = (ref: unknown, kind: 'environments' | 'codes' | 'components', label: string, where: string) => {
    if (typeof ref !== 'string' || !ref || ref.startsWith('azureml://registries/')) return;
    const a = localName(r, ref, kind);
    const found = a?.version !== undefined && r[kind].get(key(a.name))?.versions.has(key(a.version));
    if (!found) throw userError(`${where}${label} '${ref}' was not found in workspace '${r.workspaceName}'.`);
  };
  compute(props.computeId, '');
  asset(props.environmentId, 'environments', 'Environment', '');
  // codeId is the ARM id of a code version of this workspace (specs/ Job/CommandJob examples; azure-ai-ml 1.4.0
  // entities/_job/command_job.py `_to_rest_object`: `code_id=self.code`, uploaded first by `az ml job create`): a job
  // naming one the workspace lacks is refused like a missing environment.
  asset(props.codeId, 'codes', 'Code', '');
  const trial = props.trial as Json | undefined;
  if (trial) {
    asset(trial.environmentId, 'environments', 'Environment', 'Trial: ');
    asset(trial.codeId, 'codes', 'Code', 'Trial: ');
  }
  const settings = (props.settings ?? {}) as Json;
  compute(settings.default_compute, 'Pipeline settings: ');
  if (typeof settings.default_datastore === 'string') {
    const d = localName(r, settings.default_datastore, 'datastores');
    if (!d || !r.datastores.has(key(d.name))) throw userError(`Pipeline settings: Datastore '${settings.default_datastore}' was not found in workspace '${r.workspaceName}'.`);
  }
  for (const [name, step] of Object.entries((props.jobs ?? {}) as Record<string, Json>)) {
    compute(step?.computeId, `Step ${name}: `);
    asset(step?.componentId, 'components', 'Component', `Step ${name}: `);
    if (!step?.componentId) throw userError(`Step ${name}: a pipeline step needs componentId.`);
  }
}

/** An AmlCompute at zero nodes scales up first: its jobs pass through Provisioning. */
function provisions(r: Region, computeId: unknown): boolean {
  const c = typeof computeId === 'string' ? localName(r, computeId, 'computes') : undefined;
  const body = c && r.computes.get(key(c.name));
  const p = (body?.properties as Json | undefined)?.properties as Json | undefined;
  return p?.currentNodeCount === 0;
}

export function jobRoutes(env: ArmEnv, timing: JobTiming, faults?: FaultBoard): Route[] {
  function list(req: ArmRequest): Answer {
    const now = Date.now();
    const jobType = req.query.get('jobType');
    const jobs = [...regionOf(req).jobs.values()]
      .filter((j) => !j.parent)
      .sort((a, b) => b.submittedAt - a.submittedAt)
      .map((j) => jobBody(j, now))
      .filter((j) => !jobType || ((j.properties as Json).jobType as string)?.toLowerCase() === jobType.toLowerCase())
      .filter((j) => inView(j, req));
    return page(env, req, jobs);
  }

  function get(req: ArmRequest): Answer {
    const r = regionOf(req);
    const existing = r.jobs.get(key(req.params.job));
    if (!existing) throw notFound(`The job '${req.params.job}' in workspace '${r.workspaceName}'`);
    return { status: 200, body: jobBody(existing) };
  }

  function submit(req: ArmRequest): Answer {
    const r = regionOf(req);
    const name = req.params.job;
    const props = requireProperties(req.body);
    const jobType = props.jobType;
    if (jobType !== 'Command' && jobType !== 'Pipeline' && jobType !== 'Sweep') {
      throw new ArmError(400, 'InvalidRequestContent', "properties.jobType must be 'Command', 'Pipeline' or 'Sweep'.");
    }
    if (jobType === 'Command' && typeof props.command !== 'string') throw new ArmError(400, 'InvalidRequestContent', 'A Command job needs properties.command.');
    const existing = r.jobs.get(key(name));
    if (existing && onlyMutableChanged(existing.body.properties as Json, props)) {
      // Archiving a job (or changing its tags, description or display name) is an update, as in Azure ML.
      const old = existing.body.properties as Json;
      existing.body = { ...existing.body, properties: { ...old, isArchived: props.isArchived ?? old.isArchived, tags: props.tags ?? old.tags, description: props.description ?? old.description, displayName: props.displayName ?? old.displayName } };
      return { status: 200, body: jobBody(existing) };
    }
    if (existing) {
      throw userError(`A job named '${name}' already exists in workspace '${r.workspaceName}'; the properties of a submitted job cannot be changed. Submit it under a new name.`, 'JobPropertyImmutable');
    }
    checkReferences(r, props);
    // The `refusejobs` fault: the region takes no new job (its updates — archive, tags — still pass above).
    if (faults?.get(r.role).mode === 'refusejobs') {
      throw userError(`Workspace '${r.workspaceName}' in ${r.location} is not accepting new jobs right now (sandbox fault refusejobs). Submit the job again later.`, 'JobSubmissionRefused');
    }
    const now = Date.now();
    const job = addJob(r, name, props, { submittedAt: now, queuedMs: timing.queuedMs, runMs: timing.runMs, provisions: provisions(r, props.computeId ?? (props.settings as Json | undefined)?.default_compute) });
    return { status: 201, body: jobBody(job, now) };
  }

  /** As `az ml job cancel`: an unfinished job ends Canceled; a finished one is left as it is. */
  function cancel(req: ArmRequest): Answer {
    const r = regionOf(req);
    const job = r.jobs.get(key(req.params.job));
    if (!job) throw notFound(`The job '${req.params.job}' in workspace '${r.workspaceName}'`);
    const status = jobStatus(job);
    if (status === 'Queued' || status === 'Running') {
      job.finalStatus = 'Canceled';
      job.endedAt = Date.now();
    }
    return { status: 200, body: {} };
  }

  return [
    { path: `${WORKSPACE}/jobs`, methods: { GET: list } },
    { path: `${WORKSPACE}/jobs/{job}`, methods: { GET: get, PUT: submit } },
    { path: `${WORKSPACE}/jobs/{job}/cancel`, methods: { POST: cancel } },
  ];
}

/** True when a PUT of an existing job leaves its definition alone (archive state, tags, description, display name may change). */
function onlyMutableChanged(old: Json, next: Json): boolean {
  const definition = ['jobType', 'command', 'environmentId', 'computeId', 'codeId', 'experimentName'];
  return definition.every((k) => next[k] === undefined || JSON.stringify(next[k]) === JSON.stringify(old[k]));
}

type Timeline = Omit<JobRecord, 'name' | 'body' | 'parent'>;

/**
 * Stores a job (and, for a pipeline, one job per step, named `<pipeline>_<step>`, following the pipeline's timeline):
 * used by submission and by the seed alike.
 */
export function addJob(r: Region, name: string, props: Json, timeline: Timeline, tags: Record<string, string> = {}): JobRecord {
  const body = (n: string, p: Json, at: number) => ({
    id: `${workspaceId(r)}/jobs/${n}`,
    name: n,
    type: `${ML}/workspaces/jobs`,
    properties: { experimentName: 'Default', displayName: n, description: null, tags, properties: {}, isArchived: false, services: {}, ...p },
    systemData: systemData(new Date(at).toISOString()),
  });
  // The service gives every job a `default` output: the run's artifact folder.
  const outputs = { default: { jobOutputType: 'uri_folder', mode: 'ReadWriteMount', uri: `azureml://datastores/workspaceartifactstore/ExperimentRun/dcid.${name}`, description: null }, ...((props.outputs as Json | undefined) ?? {}) };
  const job: JobRecord = { name, body: body(name, { ...props, outputs }, timeline.submittedAt), ...timeline };
  r.jobs.set(key(name), job);
  for (const [step, node] of Object.entries((props.jobs ?? {}) as Record<string, Json>)) {
    const childName = `${name}_${step}`;
    const child = {
      jobType: 'Command',
      displayName: step,
      experimentName: props.experimentName ?? 'Default',
      computeId: node?.computeId ?? (props.settings as Json | undefined)?.default_compute ?? null,
      command: '',
      // The step's run points back at its pipeline, as the service's child runs do.
      properties: { 'azureml.pipelinerunid': name, 'azureml.nodeid': step },
    };
    r.jobs.set(key(childName), { ...timeline, name: childName, body: body(childName, child, timeline.submittedAt), parent: name });
  }
  return job;
}
