// How a failover ends when something goes wrong, injected through the sandbox and left on: a fault on the target
// before the switch (nothing changes, the config's bytes stay), a compute the target lacks, a submit refused for a
// name already taken, and a fault that makes the target refuse every new job after the switch (the switch stays, the
// job is reported, the report names the step and the command that finishes — which then does). The primary answers
// throughout, so these also run the live path (replicate, export notebooks and the jobs with their code).
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, type AzureConnection } from '../../../src/azure/connection';
import { parseAssetId } from '../../../src/jobs/ids';
import { silentLogger } from '../../../src/common/logger';
import { runCli } from '../../support/cli';
import { startSandbox, type RunningSandbox } from '../../support/sandbox';

const INTERRUPTED = 'train_sentiment_nightly';
const LATE = 'retrain_credit_late';

interface JsonReport {
  outcome: string;
  switched: boolean;
  stoppedAt?: string;
  steps: { id: string; title: string; outcome: string; error?: string }[];
  jobs: { source: string; name?: string; outcome: string; reason?: string }[];
  notDone: string[];
  finishWith?: string;
  recoveryPoint: { description: string };
}

describe('failover failures injected through the sandbox', () => {
  let sb: RunningSandbox;
  let conn: AzureConnection;
  let pairText: string;
  const cli = (...args: string[]) => runCli([...args, '--project', sb.projectDir]);
  const configFile = () => path.join(sb.projectDir, '.azureml', 'config.json');
  const report = (stdout: string) => JSON.parse(stdout) as JsonReport;
  const stepOutcomes = (r: JsonReport) => Object.fromEntries(r.steps.map((s) => [s.id, s.outcome]));

  before(async () => {
    // Submitted jobs run for 10 minutes: a job submitted in the primary by a test is still unfinished (interrupted) when it fails over.
    sb = await startSandbox({ largeModelMb: 1, jobSeconds: 600 });
    conn = await connect(sb.pair.cloud, { logger: silentLogger });
    pairText = await fs.readFile(sb.pairFile, 'utf8');
  });
  after(async () => {
    await sb?.stop();
  });

  it('the secondary down before the switch: pre-flight fails, the config keeps its bytes, the report says where', async () => {
    const bytes = await fs.readFile(configFile());
    await sb.fault('secondary', 'outage');
    try {
      const r = await cli('failover', '--yes', '--json', '--report', path.join(sb.projectDir, 'failed.md'));
      assert.equal(r.code, 1, r.stderr);
      const rep = report(r.stdout);
      assert.equal(rep.outcome, 'failed');
      assert.equal(rep.switched, false);
      assert.equal(stepOutcomes(rep).preflight, 'failed');
      assert.equal(stepOutcomes(rep).switch, 'not-run');
      assert.match(rep.steps.find((s) => s.id === 'preflight')!.error!, /does not answer.*Nothing was changed/);
      assert.ok(rep.notDone.includes('Switch the workspace config'));
      assert.equal(rep.finishWith, undefined);
      assert.deepEqual(await fs.readFile(configFile()), bytes);
      assert.match(await fs.readFile(path.join(sb.projectDir, 'failed.md'), 'utf8'), /\| Pre-flight \|[^\n]*\| failed \|/);
    } finally {
      await sb.fault('secondary', 'none');
    }
  });

  it('a compute the secondary lacks: listed in pre-flight, the switch stays, the job is not submitted, resubmit --interrupted is the way to finish', async () => {
    const r = await cli('failover', '--yes', '--json', '--suffix', 'nocompute');
    assert.equal(r.code, 1, r.stderr);
    const rep = report(r.stdout);
    assert.equal(rep.switched, true);
    assert.equal(rep.outcome, 'failed');
    assert.equal(stepOutcomes(rep).resubmit, 'partial');
    assert.equal(stepOutcomes(rep).confirm, 'not-run');
    assert.equal(rep.recoveryPoint.description.startsWith('now'), true, 'the primary answered: live listing');
    const j = rep.jobs.find((x) => x.source === INTERRUPTED);
    assert.equal(j!.source, INTERRUPTED);
    assert.equal(j!.outcome, 'skipped');
    assert.match(j!.reason!, /compute gpu-cluster missing/);
    assert.equal(rep.finishWith, 'aml-failover resubmit --interrupted --to secondary');
    assert.match(r.stderr, /Finish with: aml-failover resubmit --interrupted --to secondary/);
    assert.match(await fs.readFile(configFile(), 'utf8'), new RegExp(`"workspace_name": "${sb.secondary.workspace_name}"`));
    const ml = await conn.ml(sb.secondary.subscription_id);
    const names: string[] = [];
    for await (const job of ml.jobs.list(sb.secondary.resource_group, sb.secondary.workspace_name)) names.push(job.name!);
    assert.ok(!names.some((n) => n.startsWith(`${INTERRUPTED}-`)), names.join(', '));
  });

  it('a submit the secondary refuses (the new name is taken): the switch stays and the report says which job and why', async () => {
    assert.equal((await cli('switch', 'primary')).code, 0);
    await fs.writeFile(sb.pairFile, `${pairText}\nresubmit:\n  compute: {gpu-cluster: cpu-cluster}\n`);
    const ml = await conn.ml(sb.secondary.subscription_id);
    await ml.jobs.createOrUpdate(sb.secondary.resource_group, sb.secondary.workspace_name, `${INTERRUPTED}-taken`, {
      properties: { jobType: 'Command', command: 'echo someone else', environmentId: 'azureml:sklearn-env:1', computeId: 'cpu-cluster' } as never,
    });
    const r = await cli('failover', '--yes', '--json', '--suffix', 'taken');
    assert.equal(r.code, 1, r.stderr);
    const rep = report(r.stdout);
    assert.equal(rep.switched, true);
    assert.equal(stepOutcomes(rep)['bring-across'], 'done', 'pytorch-env was replicated from the live primary');
    const j = rep.jobs.find((x) => x.source === INTERRUPTED);
    assert.equal(j!.outcome, 'failed');
    assert.match(j!.reason!, /not submitted: would be named '[^']+-taken', a job name already used/);
    assert.equal(rep.finishWith, 'aml-failover resubmit --interrupted --to secondary');

    // Finishing as the report says, with a free suffix, submits it.
    const done = await cli('resubmit', '--interrupted', '--to', 'secondary', '--yes', '--json', '--suffix', 'free');
    assert.equal(done.code, 0, done.stderr);
    assert.deepEqual(report(done.stdout).jobs.filter((x) => x.source === INTERRUPTED).map((x) => [x.outcome, x.name]), [['submitted', `${INTERRUPTED}-free`]]);
  });

  it('the secondary refuses every new job after the switch: the switch stays, the report lists what was not done and resubmit --interrupted finishes it once the fault is off', async () => {
    assert.equal((await cli('switch', 'primary')).code, 0);
    // A job submitted in the primary since the earlier failovers, running its code asset there: interrupted.
    const primary = await conn.ml(sb.primary.subscription_id);
    const seeded = await primary.jobs.get(sb.primary.resource_group, sb.primary.workspace_name, 'train_credit_default_1');
    const { codeId, environmentId } = seeded.properties as { codeId: string; environmentId: string };
    await primary.jobs.createOrUpdate(sb.primary.resource_group, sb.primary.workspace_name, LATE, {
      properties: { jobType: 'Command', command: 'python train.py --lr 0.05', codeId, environmentId, computeId: 'cpu-cluster', displayName: 'retrain-credit', experimentName: 'credit-default' } as never,
    });
    await sb.fault('secondary', 'refusejobs');
    let r;
    try {
      r = await cli('failover', '--yes', '--json', '--suffix', 'refused', '--report', path.join(sb.projectDir, 'refused.md'));
    } finally {
      await sb.fault('secondary', 'none');
    }
    assert.equal(r.code, 1, r.stderr);
    const rep = report(r.stdout);
    assert.equal(rep.switched, true);
    assert.equal(rep.outcome, 'failed');
    assert.equal(stepOutcomes(rep).switch, 'done');
    assert.equal(stepOutcomes(rep).resubmit, 'partial');
    assert.equal(stepOutcomes(rep).confirm, 'not-run');
    assert.match(await fs.readFile(configFile(), 'utf8'), new RegExp(`"workspace_name": "${sb.secondary.workspace_name}"`), 'the switch stays');
    const late = rep.jobs.find((x) => x.source === LATE);
    assert.equal(late?.outcome, 'failed', JSON.stringify(rep.jobs));
    assert.match(late!.reason!, /the target refused it: .*not accepting new jobs/);
    assert.ok(rep.notDone.some((n) => n.startsWith(`resubmit ${LATE}: the target refused it`)), rep.notDone.join('\n'));
    assert.equal(rep.finishWith, 'aml-failover resubmit --interrupted --to secondary');
    const md = await fs.readFile(path.join(sb.projectDir, 'refused.md'), 'utf8');
    assert.match(md, new RegExp(`resubmit ${LATE}: the target refused it`));
    assert.match(md, /aml-failover resubmit --interrupted --to secondary/);

    // The fault is off: the command the report names finishes the job, with its code carried into the secondary.
    const done = await cli('resubmit', '--interrupted', '--to', 'secondary', '--yes', '--json', '--suffix', 'later');
    assert.equal(done.code, 0, done.stderr);
    assert.deepEqual(report(done.stdout).jobs.filter((x) => x.source === LATE).map((x) => [x.outcome, x.name]), [['submitted', `${LATE}-later`]]);
    const secondary = await conn.ml(sb.secondary.subscription_id);
    const there = await secondary.jobs.get(sb.secondary.resource_group, sb.secondary.workspace_name, `${LATE}-later`);
    assert.equal(there.properties.tags?.['aml-failover.resubmitted-from'], `${seeded.id!.replace(/train_credit_default_1$/, LATE)}`);
    assert.equal(there.properties.displayName, 'retrain-credit');
    const code = parseAssetId(String((there.properties as { codeId?: string }).codeId), 'codes');
    assert.equal(code?.workspace?.workspace_name, sb.secondary.workspace_name);
    await secondary.codeVersions.get(sb.secondary.resource_group, sb.secondary.workspace_name, code!.name, code!.version);
  });
});
