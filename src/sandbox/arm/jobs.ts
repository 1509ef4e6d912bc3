// Jobs: list (newest first, `jobType` filter), get, createOrUpdate (Queued → Running → Completed over the job
// timing; 409 for an existing name). Shapes: specs/ Jobs_* examples (2022-10-01).
import { ML, jobBody, key, systemData, workspaceId, type Json } from '../world';
import { ArmError, WORKSPACE, notFound, page, regionOf, requireProperties, type Answer, type ArmEnv, type ArmRequest, type Route } from './router';

export interface JobTiming {
  queuedMs: number;
  runMs: number;
}

export function jobRoutes(env: ArmEnv, timing: JobTiming): Route[] {
  function list(req: ArmRequest): Answer {
    const now = Date.now();
    const jobType = req.query.get('jobType');
    const jobs = [...regionOf(req).jobs.values()]
      .sort((a, b) => b.submittedAt - a.submittedAt)
      .map((j) => jobBody(j, now))
      .filter((j) => !jobType || ((j.properties as Json).jobType as string)?.toLowerCase() === jobType.toLowerCase());
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
    if (r.jobs.has(key(name))) throw new ArmError(409, 'Conflict', `A job named '${name}' already exists in workspace '${r.workspaceName}'; job names are unique. Submit it under a new name.`);
    const now = Date.now();
    const job = {
      name,
      body: { id: `${workspaceId(r)}/jobs/${name}`, name, type: `${ML}/workspaces/jobs`, properties: { experimentName: 'Default', displayName: name, tags: {}, properties: {}, isArchived: false, ...props }, systemData: systemData(new Date(now).toISOString()) },
      submittedAt: now,
      queuedMs: timing.queuedMs,
      runMs: timing.runMs,
    };
    r.jobs.set(key(name), job);
    return { status: 201, body: jobBody(job, now) };
  }

  return [
    { path: `${WORKSPACE}/jobs`, methods: { GET: list } },
    { path: `${WORKSPACE}/jobs/{job}`, methods: { GET: get, PUT: submit } },
  ];
}
