// The failover end to end from the CLI against the sandbox, as a user runs it: a drill with a simulated outage (the
// config then names the secondary, the interrupted job runs there under its new name with the tag, a second resubmit
// submits nothing, the report holds every step), its clean-up (the secondary lists as before, the config is back),
// and a real failover with the primary already down when the command starts (the restore path, from the backup).
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { armGet, armPut } from '../../../src/azure/arm';
import { connect, type AzureConnection } from '../../../src/azure/connection';
import { silentLogger } from '../../../src/common/logger';
import { listInventory } from '../../../src/inventory/listInventory';
import { parseAssetId } from '../../../src/jobs/ids';
import { workspaceArmId } from '../../../src/pair/pairFile';
import { listSchedules } from '../../../src/schedules/schedules';
import { runCli } from '../../support/cli';
import { startSandbox, type RunningSandbox } from '../../support/sandbox';

const INTERRUPTED = 'train_sentiment_nightly';
const RUNNING_PIPELINE = 'credit_pipeline_nightly';
const STEPS = ['Take a backup', 'Take the primary down', 'Pre-flight', 'Bring work across', 'Switch the workspace config', 'Hand over the schedules', 'Resubmit interrupted jobs', 'Confirm jobs reached Queued', 'List what still points at the source', 'Report'];

interface JsonReport {
  outcome: string;
  switched: boolean;
  drillId?: string;
  steps: { title: string; outcome: string; startedAt?: string; durationMs?: number; details?: string[] }[];
  jobs: { source: string; sourceId: string; name?: string; outcome: string; status?: string }[];
  recoveryPoint: { description: string; ageSeconds?: number };
  recoveryTimeSeconds?: number;
  cleanupCommand?: string;
  finishWith?: string;
}

describe('aml-failover drill, resubmit and failover against the sandbox', () => {
  let sb: RunningSandbox;
  let conn: AzureConnection;
  let configBefore: string;
  let secondaryBefore: string;
  let heldBefore: Map<string, Record<string, string | null>>;
  let drill: JsonReport;
  const cli = (...args: string[]) => runCli([...args, '--project', sb.projectDir]);
  const config = () => fs.readFile(path.join(sb.projectDir, '.azureml', 'config.json'), 'utf8');
  /** What the secondary holds that a drill can add: active asset versions and schedules, each with its tags. */
  const holdings = async () => {
    const ml = await conn.ml(sb.secondary.subscription_id);
    const { resource_group: rg, workspace_name: ws } = sb.secondary;
    const out = new Map<string, Record<string, string | null>>();
    const versionsOf = async (kind: string, containers: AsyncIterable<{ name?: string }>, versions: (name: string) => AsyncIterable<{ name?: string; properties: { tags?: Record<string, string | null> } }>) => {
      for await (const c of containers) for await (const v of versions(c.name!)) out.set(`${kind} ${c.name}:${v.name}`, v.properties.tags ?? {});
    };
    await versionsOf('environment', ml.environmentContainers.list(rg, ws), (n) => ml.environmentVersions.list(rg, ws, n));
    await versionsOf('model', ml.modelContainers.list(rg, ws), (n) => ml.modelVersions.list(rg, ws, n));
    await versionsOf('component', ml.componentContainers.list(rg, ws), (n) => ml.componentVersions.list(rg, ws, n));
    // Code versions are anonymous, never listed: the active ones are found through the jobs (archived ones too) that use them.
    for await (const j of ml.jobs.list(rg, ws, { listViewType: 'All' })) {
      const code = parseAssetId((j.properties as { codeId?: string }).codeId, 'codes');
      if (!code) continue;
      const v = await ml.codeVersions.get(rg, ws, code.name, code.version!);
      if (!v.properties.isArchived) out.set(`code ${code.name}:${code.version}`, v.properties.tags ?? {});
    }
    for (const s of await listSchedules(conn, sb.secondary)) out.set(`schedule ${s.name} (${s.enabled ? 'enabled' : 'disabled'})`, (s.properties.tags as Record<string, string> | undefined) ?? {});
    return out;
  };
  const listing = async () => {
    const inv = await listInventory(conn, 'secondary', sb.secondary, { sections: ['models', 'environments', 'computes', 'datastores', 'jobs'] });
    assert.deepEqual(inv.problems, {});
    const ml = await conn.ml(sb.secondary.subscription_id);
    const components: string[] = [];
    for await (const c of ml.componentContainers.list(sb.secondary.resource_group, sb.secondary.workspace_name)) components.push(c.name!);
    return JSON.stringify({ models: inv.models, environments: inv.environments, computes: inv.computes, datastores: inv.datastores, components: components.sort(), jobs: inv.jobs.map((j) => [j.name, j.status]).sort(), versionsAndSchedules: [...(await holdings()).keys()].sort() });
  };
  const job = async (name: string) => {
    const ml = await conn.ml(sb.secondary.subscription_id);
    return ml.jobs.get(sb.secondary.resource_group, sb.secondary.workspace_name, name);
  };

  before(async () => {
    // Submitted jobs run for 10 minutes: the drill's job is still running when --cleanup cancels it.
    sb = await startSandbox({ largeModelMb: 1, jobSeconds: 600 });
    // The secondary has no GPU cluster: the team maps it in the pair file.
    await fs.appendFile(sb.pairFile, '\nresubmit:\n  compute: {gpu-cluster: cpu-cluster}\n');
    conn = await connect(sb.pair.cloud, { logger: silentLogger });
    // A pipeline running in the primary when the drill starts: interrupted too; its named components
    // (prep_credit, train_credit) are not in the secondary, so the drill registers them there.
    const seeded = (await armGet(conn, `${workspaceArmId(sb.primary)}/jobs/credit_pipeline_1`, { apiVersion: '2022-10-01' })) as { properties: Record<string, unknown> };
    const pipeline = Object.fromEntries(Object.entries(seeded.properties).filter(([k]) => k !== 'status' && k !== 'services'));
    await armPut(conn, `${workspaceArmId(sb.primary)}/jobs/${RUNNING_PIPELINE}`, { properties: { ...pipeline, displayName: 'credit-pipeline-nightly' } }, { apiVersion: '2022-10-01' });
    configBefore = await config();
    secondaryBefore = await listing();
    heldBefore = await holdings();
  });
  after(async () => {
    await sb?.stop();
  });

  it('drill --yes --simulate-outage: the config names the secondary, the interrupted job runs there under its new name with the tag, the report holds every step', async () => {
    const r = await cli('drill', '--yes', '--simulate-outage', '--json', '--report', path.join(sb.projectDir, 'drill-report.md'));
    assert.equal(r.code, 0, r.stderr);
    drill = JSON.parse(r.stdout) as JsonReport;
    assert.equal(drill.outcome, 'completed');
    assert.deepEqual(drill.steps.map((s) => s.title), STEPS);
    for (const s of drill.steps) {
      assert.equal(s.outcome, 'done', `${s.title}: ${JSON.stringify(s)}`);
      assert.ok(s.startedAt && typeof s.durationMs === 'number', s.title);
    }
    assert.match(await config(), new RegExp(`"workspace_name": "${sb.secondary.workspace_name}"`));

    // The seed leaves three jobs unfinished (Running, Paused, NotResponding), and the pipeline runs: all interrupted,
    // all resubmitted — the pipeline as a pipeline.
    const moved = drill.jobs.find((j) => j.source === INTERRUPTED);
    assert.equal(drill.jobs.length, 4, JSON.stringify(drill.jobs));
    const pipelineThere = await job(drill.jobs.find((j) => j.source === RUNNING_PIPELINE)!.name!);
    assert.equal(pipelineThere.properties.jobType, 'Pipeline');
    assert.ok(drill.jobs.every((j) => j.outcome === 'submitted'), JSON.stringify(drill.jobs));
    assert.equal(moved!.source, INTERRUPTED);
    assert.match(moved!.name!, new RegExp(`^${INTERRUPTED}-`));
    const there = await job(moved!.name!);
    assert.ok(['Queued', 'Running'].includes(String(there.properties.status)), String(there.properties.status));
    assert.equal(there.properties.tags?.['aml-failover.resubmitted-from'], moved!.sourceId);
    assert.equal(there.properties.tags?.['aml-failover.drill'], drill.drillId);
    assert.equal(there.properties.tags?.schedule, 'nightly', 'the job keeps its own tags');
    assert.equal(there.properties.displayName, 'train-sentiment-nightly');
    assert.equal(there.properties.experimentName, 'sentiment');
    assert.match(String(there.properties.computeId), /\/workspaces\/mlw-demo-westus\/computes\/cpu-cluster$/);
    // Its code came along: a code asset of the secondary, whose files were uploaded to the secondary's own storage.
    const codeId = parseAssetId((there.properties as { codeId?: string }).codeId, 'codes');
    assert.equal(codeId?.workspace?.workspace_name, sb.secondary.workspace_name, (there.properties as { codeId?: string }).codeId);
    const ml = await conn.ml(sb.secondary.subscription_id);
    const code = await ml.codeVersions.get(sb.secondary.resource_group, sb.secondary.workspace_name, codeId!.name, codeId!.version);
    const account = (await ml.workspaces.get(sb.secondary.resource_group, sb.secondary.workspace_name)).storageAccount!.split('/').at(-1)!;
    assert.ok(code.properties.codeUri?.includes(account) && code.properties.codeUri.includes('/LocalUpload/'), code.properties.codeUri);
    // Its inputs arrive whole (the typed SDK would drop their uri and mode): read as raw ARM JSON.
    const raw = (await armGet(conn, there.id!, { apiVersion: '2022-10-01' })) as { properties: { inputs: Record<string, { uri?: string; mode?: string }> } };
    const { jobInputType, mode, uri } = raw.properties.inputs.training_data as { jobInputType?: string; mode?: string; uri?: string };
    assert.deepEqual({ jobInputType, mode, uri }, { jobInputType: 'uri_folder', mode: 'ReadOnlyMount', uri: 'azureml://datastores/workspaceblobstore/paths/data/credit/' });

    // Everything else the drill made in the secondary (schedule copies, code, environments, models, components) carries its tag too.
    const made = [...(await holdings())].filter(([k]) => !heldBefore.has(k));
    assert.ok(made.some(([k]) => k.startsWith('schedule ')) && made.some(([k]) => k.startsWith('code ')), made.map(([k]) => k).join(', '));
    assert.deepEqual(made.filter(([, tags]) => tags['aml-failover.drill'] !== drill.drillId).map(([k]) => k), []);

    assert.ok(drill.recoveryPoint.description.startsWith('the backup of'), drill.recoveryPoint.description);
    assert.ok(typeof drill.recoveryTimeSeconds === 'number');
    assert.equal(drill.cleanupCommand, `aml-failover drill --cleanup ${drill.drillId}`);
    assert.match(r.stderr, new RegExp(`aml-failover drill --cleanup ${drill.drillId}`));
    const md = await fs.readFile(path.join(sb.projectDir, 'drill-report.md'), 'utf8');
    for (const title of STEPS) assert.ok(md.includes(`| ${title} |`), title);
    assert.match(md, /Not carried over/);
  });

  it('a second resubmit --interrupted submits nothing: the tag tells it the job is already there', async () => {
    const listed = await listing();
    const r = await cli('resubmit', '--interrupted', '--to', 'secondary', '--yes', '--json');
    assert.equal(r.code, 0, r.stderr);
    const again = JSON.parse(r.stdout) as JsonReport;
    assert.deepEqual(again.jobs.filter((j) => j.source === INTERRUPTED).map((j) => [j.source, j.outcome, j.name]), [[INTERRUPTED, 'already-resubmitted', drill.jobs.find((j) => j.source === INTERRUPTED)!.name]]);
    assert.ok(again.jobs.length === 4 && again.jobs.every((j) => j.outcome === 'already-resubmitted'), JSON.stringify(again.jobs));
    assert.equal(await listing(), listed);
  });

  it('drill --cleanup puts the config back and leaves the secondary listing as it was before the drill (its schedule copies deleted; the code, environments, models and components it registered archived)', async () => {
    const r = await cli('drill', '--cleanup', drill.drillId!);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await config(), configBefore);
    assert.equal(await listing(), secondaryBefore);
    assert.equal(String((await job(drill.jobs.find((j) => j.source === INTERRUPTED)!.name!)).properties.status), 'Canceled');
  });

  it('failover with the primary already down: restores from the newest verified backup and resubmits there; pre-flight names the datastore whose account is in the region that is down, with its read-access secondary endpoint', async () => {
    // The team's shared data lives in the primary's storage account (made RA-GRS), reached from the secondary through
    // a datastore of its own; a project job reads it.
    const ml0 = await conn.ml(sb.primary.subscription_id);
    const primaryAccount = (await ml0.workspaces.get(sb.primary.resource_group, sb.primary.workspace_name)).storageAccount!;
    const sdk = await import('../../../src/azure/azureSdk');
    const patched = await ml0.sendRequest(sdk.createPipelineRequest({ url: `${sb.pair.cloud.resourceManager.replace(/\/+$/, '')}${primaryAccount}?api-version=2023-01-01`, method: 'PATCH', body: JSON.stringify({ sku: { name: 'Standard_RAGRS' } }) }));
    assert.equal(patched.status, 200, patched.bodyAsText ?? '');
    const secondaryEndpoint = (JSON.parse(patched.bodyAsText!) as { properties: { secondaryEndpoints: { blob: string } } }).properties.secondaryEndpoints.blob;
    await (await conn.ml(sb.secondary.subscription_id)).datastores.createOrUpdate(sb.secondary.resource_group, sb.secondary.workspace_name, 'shared_east', {
      properties: { datastoreType: 'AzureBlob', accountName: primaryAccount.split('/').at(-1)!, containerName: 'shared', credentials: { credentialsType: 'None' } } as never,
    });
    await fs.mkdir(path.join(sb.projectDir, 'jobs'), { recursive: true });
    await fs.writeFile(path.join(sb.projectDir, 'jobs', 'score_shared.yml'), '$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json\ncommand: python score.py\nenvironment: azureml:sklearn-env:1\ncompute: azureml:cpu-cluster\ninputs:\n  scores:\n    type: uri_folder\n    path: azureml://datastores/shared_east/paths/scores/\n');

    // No copies of the schedules in the secondary (the drill's are removed): they must come from the backup.
    const ml2 = await conn.ml(sb.secondary.subscription_id);
    for await (const s of ml2.schedules.list(sb.secondary.resource_group, sb.secondary.workspace_name, { listViewType: 'All' })) {
      await ml2.schedules.beginDeleteAndWait(sb.secondary.resource_group, sb.secondary.workspace_name, s.name!, { updateIntervalInMs: 10 });
    }
    await sb.fault('primary', 'outage');
    const r = await cli('failover', '--yes', '--json', '--suffix', 'restore1', '--confirm-timeout', '60');
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as JsonReport;
    assert.equal(report.outcome, 'completed');
    assert.ok(report.recoveryPoint.description.startsWith('the backup of'), report.recoveryPoint.description);
    const preflight = report.steps.find((s) => s.title === 'Pre-flight')!.details ?? [];
    assert.ok(preflight.includes(`datastore shared_east: its storage account ${primaryAccount.split('/').at(-1)} lives in ${sb.primary.region}, which is down; read from its read-access secondary endpoint ${secondaryEndpoint}`), preflight.join('\n'));
    assert.deepEqual(report.jobs.filter((j) => j.source === INTERRUPTED).map((j) => [j.source, j.outcome, j.name]), [[INTERRUPTED, 'submitted', `${INTERRUPTED}-restore1`]]);
    assert.match(await config(), new RegExp(`"workspace_name": "${sb.secondary.workspace_name}"`));
    const there = await job(`${INTERRUPTED}-restore1`);
    assert.ok(['Queued', 'Running'].includes(String(there.properties.status)));
    assert.equal(there.properties.tags?.['aml-failover.drill'], undefined, 'a real failover is not a drill');
    // The schedules came with the backup, disabled; the handover enabled in the secondary those the primary ran.
    const schedules = new Map<string, boolean>();
    for await (const s of ml2.schedules.list(sb.secondary.resource_group, sb.secondary.workspace_name, { listViewType: 'All' })) schedules.set(s.name!, Boolean(s.properties.isEnabled));
    assert.deepEqual([...schedules].sort(), [['backfill-2023', false], ['nightly-retrain', true], ['weekly-drift-report', true]]);

    // A pipeline from the same backup (the primary still down) is resubmitted as a pipeline: its named components,
    // which the secondary never had, are created from the backup's component YAML, its anonymous step and its code too.
    const pipe = await cli('resubmit', 'credit_pipeline_1', '--to', 'secondary', '--yes', '--json', '--suffix', 'pipe');
    assert.equal(pipe.code, 0, pipe.stderr);
    assert.deepEqual((JSON.parse(pipe.stdout) as JsonReport).jobs.map((j) => [j.outcome, j.name]), [['submitted', 'credit_pipeline_1-pipe']]);
    const raw = (await armGet(conn, `${there.id!.replace(/\/jobs\/[^/]+$/, '')}/jobs/credit_pipeline_1-pipe`, { apiVersion: '2022-10-01' })) as { properties: { jobType: string; jobs: Record<string, { componentId: string }> } };
    assert.equal(raw.properties.jobType, 'Pipeline');
    assert.deepEqual(Object.keys(raw.properties.jobs).sort(), ['evaluate', 'prep', 'train']);
    const ml = await conn.ml(sb.secondary.subscription_id);
    for (const [step, { componentId }] of Object.entries(raw.properties.jobs)) {
      const c = parseAssetId(componentId, 'components');
      assert.equal(c?.workspace?.workspace_name ?? sb.secondary.workspace_name, sb.secondary.workspace_name, `${step}: ${componentId}`);
      const spec = (await ml.componentVersions.get(sb.secondary.resource_group, sb.secondary.workspace_name, c!.name, c!.version)).properties.componentSpec as { code?: string };
      const code = parseAssetId(spec.code, 'codes');
      assert.equal(code?.workspace?.workspace_name, sb.secondary.workspace_name, `${step}'s code: ${spec.code}`);
    }
  });
});
