// Seeded schedules (recurring jobs) of the primary: two enabled, one disabled; the secondary has none, as a
// secondary that was set up by hand would. Shapes: specs/examples/Schedule/createOrUpdate.json and the SDK's
// CronTrigger / RecurrenceTrigger / JobScheduleAction models (api-version 2022-10-01).
import { ML, key, systemData, workspaceId, type Json, type Region } from '../world';

export function addSchedules(r: Region): void {
  if (r.role !== 'primary') return;
  const ws = workspaceId(r);
  const commandJob = (displayName: string, command: string, env: string): Json => ({
    jobType: 'Command',
    displayName,
    experimentName: 'scheduled',
    command,
    environmentId: `${ws}/environments/${env}/versions/1`,
    computeId: `${ws}/computes/cpu-cluster`,
    resources: { instanceCount: 1 },
    inputs: { training_data: { jobInputType: 'uri_folder', mode: 'ReadOnlyMount', uri: 'azureml://datastores/workspaceblobstore/paths/data/credit/' } },
    outputs: {},
    tags: {},
    properties: {},
  });
  const add = (name: string, isEnabled: boolean, trigger: Json, job: Json, description: string) => {
    const at = new Date(Date.now() - 60 * 24 * 3600 * 1000).toISOString();
    r.schedules.set(key(name), {
      id: `${ws}/schedules/${name}`,
      name,
      type: `${ML}/workspaces/schedules`,
      properties: {
        description,
        tags: { team: 'risk' },
        properties: {},
        displayName: name,
        isEnabled,
        trigger,
        action: { actionType: 'CreateJob', jobDefinition: job },
        provisioningState: 'Succeeded',
      },
      systemData: systemData(at),
    });
  };
  add(
    'nightly-retrain',
    true,
    { triggerType: 'Cron', expression: '0 2 * * *', startTime: '2024-01-01T00:00:00', timeZone: 'UTC' },
    commandJob('nightly-retrain', 'python train.py --data ${{inputs.training_data}}', 'sklearn-env'),
    'Retrains credit-default every night.',
  );
  add(
    'weekly-drift-report',
    true,
    { triggerType: 'Recurrence', frequency: 'Week', interval: 1, schedule: { hours: [6], minutes: [0], weekDays: ['Monday'] }, timeZone: 'UTC' },
    commandJob('weekly-drift-report', 'python drift_report.py --data ${{inputs.training_data}}', 'sklearn-env'),
    'Monday drift report.',
  );
  add(
    'backfill-2023',
    false,
    { triggerType: 'Cron', expression: '30 4 * * 6', timeZone: 'UTC' },
    commandJob('backfill-2023', 'python backfill.py --year 2023', 'sklearn-env'),
    'Paused backfill.',
  );
}
