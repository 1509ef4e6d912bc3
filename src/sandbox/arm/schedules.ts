// Schedules (recurring jobs): list (`listViewType` EnabledOnly | DisabledOnly | All), get, createOrUpdate, delete.
// Enabling and disabling is an update of `isEnabled`, as `az ml schedule enable|disable` sends it. createOrUpdate is
// an LRO in the SDK (`beginCreateOrUpdate`); the sandbox answers at once with a terminal `provisioningState`, which
// the poller accepts. Shapes: specs/examples/Schedule/createOrUpdate.json (2022-10-01) and the SDK's
// Schedule/ScheduleProperties/CronTrigger/RecurrenceTrigger/JobScheduleAction models.
import { ML, key, systemData, workspaceId, type Json, type Region } from '../world';
import { ArmError, WORKSPACE, notFound, page, regionOf, requireProperties, type Answer, type ArmEnv, type ArmRequest, type Route } from './router';

const TRIGGERS = ['Cron', 'Recurrence'];
const ACTIONS = ['CreateJob', 'InvokeBatchEndpoint'];

export function scheduleRoutes(env: ArmEnv): Route[] {
  function list(req: ArmRequest): Answer {
    const view = (req.query.get('listViewType') ?? 'EnabledOnly').toLowerCase();
    const all = [...regionOf(req).schedules.values()];
    const shown = view === 'all' ? all : all.filter((s) => Boolean((s.properties as Json).isEnabled) === (view === 'enabledonly'));
    return page(env, req, shown);
  }

  function get(req: ArmRequest): Answer {
    return { status: 200, body: mustExist(req) };
  }

  function put(req: ArmRequest): Answer {
    const r = regionOf(req);
    const name = req.params.schedule;
    const props = requireProperties(req.body);
    checkSchedule(r, props);
    const existing = r.schedules.get(key(name));
    const now = new Date().toISOString();
    const stored: Json = {
      id: `${workspaceId(r)}/schedules/${name}`,
      name,
      type: `${ML}/workspaces/schedules`,
      properties: { description: null, tags: {}, properties: {}, displayName: name, isEnabled: true, ...props, provisioningState: 'Succeeded' },
      systemData: existing ? { ...(existing.systemData as Json), lastModifiedAt: now } : systemData(now),
    };
    r.schedules.set(key(name), stored);
    return { status: existing ? 200 : 201, body: stored };
  }

  function remove(req: ArmRequest): Answer {
    const r = regionOf(req);
    const existed = r.schedules.delete(key(req.params.schedule));
    return { status: existed ? 200 : 204, body: existed ? {} : undefined };
  }

  function mustExist(req: ArmRequest): Json {
    const r = regionOf(req);
    const s = r.schedules.get(key(req.params.schedule));
    if (!s) throw notFound(`The schedule '${req.params.schedule}' in workspace '${r.workspaceName}'`);
    return s;
  }

  return [
    { path: `${WORKSPACE}/schedules`, methods: { GET: list } },
    { path: `${WORKSPACE}/schedules/{schedule}`, methods: { GET: get, PUT: put, DELETE: remove } },
  ];
}

/** What the service refuses: an unknown trigger or action, a job definition naming a compute the workspace lacks. */
function checkSchedule(r: Region, props: Json): void {
  const trigger = props.trigger as Json | undefined;
  if (!trigger || !TRIGGERS.includes(String(trigger.triggerType))) {
    throw new ArmError(400, 'UserError', `properties.trigger.triggerType must be ${TRIGGERS.join(' or ')}.`);
  }
  if (trigger.triggerType === 'Cron' && typeof trigger.expression !== 'string') throw new ArmError(400, 'UserError', 'A Cron trigger needs an expression.');
  if (trigger.triggerType === 'Recurrence' && (typeof trigger.frequency !== 'string' || typeof trigger.interval !== 'number')) {
    throw new ArmError(400, 'UserError', 'A Recurrence trigger needs frequency and interval.');
  }
  const action = props.action as Json | undefined;
  if (!action || !ACTIONS.includes(String(action.actionType))) throw new ArmError(400, 'UserError', `properties.action.actionType must be ${ACTIONS.join(' or ')}.`);
  if (action.actionType !== 'CreateJob') return;
  const job = action.jobDefinition as Json | undefined;
  if (!job || typeof job.jobType !== 'string') throw new ArmError(400, 'UserError', 'A CreateJob action needs a jobDefinition with a jobType.');
  const computeId = typeof job.computeId === 'string' ? job.computeId : undefined;
  const compute = computeId?.split('/').at(-1);
  if (compute && (!computeId!.toLowerCase().startsWith(workspaceId(r).toLowerCase() + '/computes/') || !r.computes.has(key(compute)))) {
    throw new ArmError(400, 'UserError', `The schedule's job names compute '${compute}', which does not exist in workspace '${r.workspaceName}'.`);
  }
}
