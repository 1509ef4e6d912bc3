// Fail back against the sandbox, from the CLI as a user runs it: a drill moves work to the secondary (schedules
// included), the team registers a model, a data and an environment version and changes notebooks there, a job the healed primary
// restarted is still running there, the primary heals, `aml-failover failback --yes` brings the new versions back,
// cancels the restarted original, hands the schedules back and points the config at the primary again. Schedules are
// watched the whole time: none is ever enabled in both workspaces.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WorkspaceRef } from '../../../src/pair/pairFile';
import { workspaceArmId } from '../../../src/pair/pairFile';
import { RESUBMITTED_FROM_TAG } from '../../../src/failover/resubmitPlan';
import { runCli } from '../../support/cli';
import { startSandbox, type RunningSandbox } from '../../support/sandbox';
import { armClient, datastoreClients } from '../../support/storageOracle';

type Share = NonNullable<Awaited<ReturnType<typeof datastoreClients>>['share']>;
const fileAt = (share: Share, p: string) => share.getDirectoryClient(path.posix.dirname(p)).getFileClient(path.posix.basename(p));
async function upload(share: Share, p: string, data: Buffer): Promise<void> {
  const f = fileAt(share, p);
  await f.create(data.length);
  await f.uploadRange(data, 0, data.length);
}
async function names(share: Share, dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of share.getDirectoryClient(dir).listFilesAndDirectories()) if (e.kind === 'file') out.push(e.name);
  return out;
}
/** The first notebook under `dir` (depth first). */
async function firstNotebook(share: Share, dir: string): Promise<string> {
  for await (const e of share.getDirectoryClient(dir).listFilesAndDirectories()) {
    if (e.kind === 'file' && e.name.endsWith('.ipynb')) return `${dir}/${e.name}`;
    if (e.kind === 'directory' && !e.name.startsWith('.')) {
      const found = await firstNotebook(share, `${dir}/${e.name}`).catch(() => '');
      if (found) return found;
    }
  }
  throw new Error(`no notebook under ${dir}`);
}

describe('aml-failover failback against the sandbox', () => {
  let sb: RunningSandbox;
  const cli = (...args: string[]) => runCli([...args, '--project', sb.projectDir]);
  const config = async () => JSON.parse(await fs.readFile(path.join(sb.projectDir, '.azureml', 'config.json'), 'utf8')) as { workspace_name: string };
  const ml = (ws: WorkspaceRef) => armClient(sb, ws.subscription_id);
  const enabled = async (ws: WorkspaceRef) => {
    const out: string[] = [];
    for await (const s of ml(ws).schedules.list(ws.resource_group, ws.workspace_name, { listViewType: 'All' })) if (s.properties.isEnabled) out.push(s.name!);
    return out.sort();
  };
  // Read the secondary, the primary, then the secondary again: a name enabled in the secondary at both ends was
  // enabled there the whole time between (a step changes a schedule once), so seen enabled in the primary in between
  // it was enabled in both at once. (One read of each is not enough: fail back disables the secondary, then enables
  // the primary, and both can land between the two reads.)
  const onBoth = new Set<string>();
  let watching = true;
  let watcher: Promise<void>;

  before(async () => {
    sb = await startSandbox({ largeModelMb: 1, jobSeconds: 60 });
    await fs.appendFile(sb.pairFile, '\nresubmit:\n  compute: {gpu-cluster: cpu-cluster}\n');
    watcher = (async () => {
      while (watching) {
        try {
          const earlier = await enabled(sb.secondary);
          const first = new Set(await enabled(sb.primary));
          const later = new Set(await enabled(sb.secondary));
          for (const n of earlier) if (first.has(n) && later.has(n)) onBoth.add(n);
        } catch {
          // The primary is down during the drill: nothing to compare then.
        }
      }
    })();
  });
  after(async () => {
    watching = false;
    await watcher;
    await sb?.stop();
  });

  it('the drill moves the schedules with the work: paused in the primary, running in the secondary', async () => {
    assert.deepEqual(await enabled(sb.primary), ['nightly-retrain', 'weekly-drift-report']);
    const r = await cli('drill', '--yes', '--simulate-outage', '--json');
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { switched: boolean; steps: { title: string; outcome: string }[] };
    assert.ok(report.switched);
    assert.equal(report.steps.find((s) => s.title === 'Hand over the schedules')?.outcome, 'done');
    assert.equal((await config()).workspace_name, sb.secondary.workspace_name);
    assert.deepEqual(await enabled(sb.secondary), ['nightly-retrain', 'weekly-drift-report']);
  });

  it('failback brings back what was made in the secondary, cancels the restarted original, hands schedules back, switches back', async () => {
    // Work done in the secondary while it was active: a model version (its file in the secondary's blob store) and
    // an environment version.
    const sec = sb.secondary;
    const { blob } = await datastoreClients(sb, 'secondary', 'workspaceblobstore');
    const modelFile = Buffer.from('weights made in the secondary during the outage\n');
    await blob!.getBlockBlobClient('LocalUpload/failback/model.pkl').uploadData(modelFile);
    await ml(sec).modelVersions.createOrUpdate(sec.resource_group, sec.workspace_name, 'made-in-secondary', '1', {
      properties: { modelType: 'custom_model', modelUri: `azureml://subscriptions/${sec.subscription_id}/resourceGroups/${sec.resource_group}/workspaces/${sec.workspace_name}/datastores/workspaceblobstore/paths/LocalUpload/failback/`, description: 'trained during the outage' },
    });
    await ml(sec).dataVersions.createOrUpdate(sec.resource_group, sec.workspace_name, 'outage-data', '1', {
      properties: { dataType: 'uri_file', dataUri: `azureml://subscriptions/${sec.subscription_id}/resourceGroups/${sec.resource_group}/workspaces/${sec.workspace_name}/datastores/workspaceblobstore/paths/LocalUpload/failback/model.pkl`, description: 'scored during the outage' } as never,
    });
    await ml(sec).environmentVersions.createOrUpdate(sec.resource_group, sec.workspace_name, 'outage-env', '1', { properties: { image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:20240401.v1' } });

    // A notebook changed there (its original is in the primary too), and a new one.
    const { share: secShare } = await datastoreClients(sb, 'secondary', 'workspaceworkingdirectory');
    const changed = await firstNotebook(secShare!, 'Users');
    const changedBytes = Buffer.from(JSON.stringify({ cells: [{ cell_type: 'markdown', metadata: {}, source: ['changed during the outage'] }], metadata: {}, nbformat: 4, nbformat_minor: 5 }));
    await upload(secShare!, changed, changedBytes);
    const fresh = 'Users/alice/made-during-outage.ipynb';
    const freshBytes = Buffer.from(JSON.stringify({ cells: [], metadata: { made: 'secondary' }, nbformat: 4, nbformat_minor: 5 }));
    await upload(secShare!, fresh, freshBytes);

    await sb.fault('primary', 'none');
    const { share: priShare } = await datastoreClients(sb, 'primary', 'workspaceworkingdirectory');
    const originalInPrimary = await fileAt(priShare!, changed).downloadToBuffer();
    // The healed primary restarted a job whose work already runs in the secondary (tagged with where it came from).
    const pri = sb.primary;
    await ml(pri).jobs.createOrUpdate(pri.resource_group, pri.workspace_name, 'restarted_original', { properties: { jobType: 'Command', command: 'python train.py', environmentId: `${workspaceArmId(pri)}/environments/sklearn-env/versions/1`, computeId: `${workspaceArmId(pri)}/computes/cpu-cluster` } as never });
    await ml(sec).jobs.createOrUpdate(sec.resource_group, sec.workspace_name, 'restarted_original-fo', { properties: { jobType: 'Command', command: 'python train.py', environmentId: `${workspaceArmId(sec)}/environments/sklearn-env/versions/1`, computeId: `${workspaceArmId(sec)}/computes/cpu-cluster`, tags: { [RESUBMITTED_FROM_TAG]: `${workspaceArmId(pri)}/jobs/restarted_original` } } as never });

    const reportFile = path.join(sb.projectDir, 'failback-report.md');
    const r = await cli('failback', '--yes', '--json', '--report', reportFile);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const report = JSON.parse(r.stdout) as { kind: string; outcome: string; switched: boolean; notDone: string[]; steps: { id: string; outcome: string; details: string[] }[] };
    assert.equal(report.kind, 'failback');
    assert.equal(report.outcome, 'completed');
    assert.ok(report.notDone.some((n) => n.includes(changed)), 'the changed notebook is left for the user to resolve');
    assert.deepEqual(report.steps.map((s) => s.id), ['preflight', 'bring-back', 'cancel-originals', 'schedules', 'switch', 'still-pointing', 'report']);

    // Back in the primary, byte for byte.
    const model = await ml(pri).modelVersions.get(pri.resource_group, pri.workspace_name, 'made-in-secondary', '1');
    assert.equal(model.properties.description, 'trained during the outage');
    const data = await ml(pri).dataVersions.get(pri.resource_group, pri.workspace_name, 'outage-data', '1');
    assert.equal(data.properties.description, 'scored during the outage');
    const env = await ml(pri).environmentVersions.get(pri.resource_group, pri.workspace_name, 'outage-env', '1');
    assert.equal(env.properties.image, 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:20240401.v1');
    const { blob: primaryBlob } = await datastoreClients(sb, 'primary', 'workspaceblobstore');
    const copied: Buffer[] = [];
    for await (const b of primaryBlob!.listBlobsFlat()) if (b.name.endsWith('/model.pkl')) copied.push(await primaryBlob!.getBlockBlobClient(b.name).downloadToBuffer());
    assert.ok(copied.some((c) => c.equals(modelFile)), 'the model file is in the primary');

    // Notebooks: the new one at its path; the changed one beside its original, which is left as it was.
    assert.deepEqual(await fileAt(priShare!, fresh).downloadToBuffer(), freshBytes);
    assert.deepEqual(await fileAt(priShare!, changed).downloadToBuffer(), originalInPrimary, 'the primary’s notebook is not overwritten');
    const beside = (await names(priShare!, path.posix.dirname(changed))).filter((n) => n.startsWith(`${path.posix.basename(changed, '.ipynb')} (restored `));
    assert.equal(beside.length, 1, 'the changed notebook is written beside it');
    assert.deepEqual(await fileAt(priShare!, `${path.posix.dirname(changed)}/${beside[0]}`).downloadToBuffer(), changedBytes);

    // The restarted original cancelled; its twin in the secondary untouched.
    const original = await ml(pri).jobs.get(pri.resource_group, pri.workspace_name, 'restarted_original');
    assert.match(String(original.properties.status), /^Cancel/);
    assert.ok(report.steps.find((s) => s.id === 'cancel-originals')!.details.some((d) => d.includes('restarted_original')));

    assert.deepEqual(await enabled(sb.primary), ['nightly-retrain', 'weekly-drift-report']);
    assert.deepEqual(await enabled(sb.secondary), []);
    assert.equal((await config()).workspace_name, pri.workspace_name);
    assert.match(await fs.readFile(reportFile, 'utf8'), /^# Fail back: /);
    assert.deepEqual([...onBoth], [], 'no schedule was enabled in both workspaces at any step');

    // A second fail back finds nothing new to bring and changes nothing.
    const again = await cli('failback', '--yes', '--json');
    assert.equal(again.code, 0, again.stderr);
    assert.equal((await config()).workspace_name, pri.workspace_name);
  });
});
