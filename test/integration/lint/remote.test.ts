// The remote check against the sandbox through the real Azure SDK clients: portable references to what exists in the
// active (primary) workspace but not in the secondary are flagged, the rest are not, and an unreachable region makes
// the check silent, never an error.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../../src/common/logger';
import { lintText } from '../../../src/lint/lint';
import { RemoteHoldings, remoteFindings } from '../../../src/lint/remote';
import { azureHoldings } from '../../../src/lint/remoteAzure';
import { startSandbox, type RunningSandbox } from '../../support/sandbox';
import { cliNodeArgs } from '../../support/cli';


const JOB = `$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
command: python train.py
environment: azureml:sklearn-env:2
compute: azureml:gpu-cluster
jobs:
  score:
    type: command
    model: azureml:fraud-detector:1
    compute: azureml:cpu-cluster
  evaluate:
    type: command
    model: azureml:credit-default:3
    environment: azureml:pytorch-env@latest
  compare:
    type: command
    model: azureml:credit-default:2
`;

describe('lint remote check against the sandbox', () => {
  let sb: RunningSandbox;
  before(async () => {
    sb = await startSandbox();
  });
  after(async () => {
    await sb?.stop();
  });

  it('flags what the primary holds and the secondary lacks, on the values, and nothing else', async () => {
    const holdings = new RemoteHoldings(azureHoldings(sb.pair, silentLogger), { logger: silentLogger });
    const lintNow = () => lintText(JOB, { fileName: 'job.yml', remote: (portable) => { holdings.ensureFresh(); return remoteFindings(portable, 'primary', holdings.snapshot()); } });
    // First lint answers at once from the empty cache (no waiting on the network) and starts the refresh.
    assert.deepEqual(lintNow().findings, []);
    await holdings.refresh();
    const findings = lintNow().findings;
    const lines = JOB.split('\n');
    const flagged = findings.map((f) => [f.rule, f.severity, lines[f.range.startLine]!.trim()]);
    // Seeded: the secondary has sklearn-env 1 only, no pytorch-env, no gpu-cluster, no fraud-detector, credit-default 1-2.
    const expected = [
      ['not-in-other-workspace', 'warning', 'environment: azureml:sklearn-env:2'],
      ['not-in-other-workspace', 'warning', 'compute: azureml:gpu-cluster'],
      ['not-in-other-workspace', 'warning', 'model: azureml:fraud-detector:1'],
      ['not-in-other-workspace', 'warning', 'model: azureml:credit-default:3'],
      ['not-in-other-workspace', 'warning', 'environment: azureml:pytorch-env@latest'],
    ];
    assert.equal(findings.length, expected.length, JSON.stringify(flagged));
    for (const e of expected) assert.ok(flagged.some((f) => JSON.stringify(f) === JSON.stringify(e)), `missing ${e[2]} in ${JSON.stringify(flagged)}`);
    for (const ok of ['model: azureml:credit-default:2', 'compute: azureml:cpu-cluster']) assert.ok(!flagged.some((f) => f[2] === ok), `${ok} flagged`);
    const credit = findings.find((f) => JOB.slice(f.start, f.end) === 'azureml:credit-default:3');
    assert.ok(credit, 'the range is the value as written');
    assert.match(credit.message, new RegExp(`primary workspace '${sb.primary.workspace_name}' but not in the secondary '${sb.secondary.workspace_name}'`));
  });

  it("flags the seeded pipeline's URL into the primary's storage account, with the datastore spelling as the fix", async () => {
    const holdings = new RemoteHoldings(azureHoldings(sb.pair, silentLogger), { logger: silentLogger });
    await holdings.refresh();
    const text = await fs.readFile(path.join(sb.projectDir, 'jobs/credit-pipeline.yml'), 'utf8');
    const findings = lintText(text, { fileName: 'credit-pipeline.yml', remote: (portable) => remoteFindings(portable, 'primary', holdings.snapshot()) }).findings;
    const url = findings.filter((f) => f.rule === 'workspace-storage-url');
    assert.equal(url.length, 1, JSON.stringify(findings.map((f) => f.rule)));
    assert.match(text.slice(url[0]!.start, url[0]!.end), /^https:\/\/[a-z0-9]+\.blob\.core\.windows\.net\/.+\/data\/credit\/$/);
    assert.match(url[0]!.message, new RegExp(`of the primary workspace '${sb.primary.workspace_name}'`));
    assert.match(url[0]!.fixes[0]!.edits[0]!.newText, /^azureml:\/\/datastores\/[\w-]+\/paths\/data\/credit\/$/);
  });

  it('is silent when the other region is down, and the CLI says why it skipped', async () => {
    await sb.fault('secondary', 'outage');
    try {
      const holdings = new RemoteHoldings(azureHoldings(sb.pair, silentLogger), { logger: silentLogger });
      await holdings.refresh();
      assert.deepEqual(remoteFindings(lintText(JOB, { fileName: 'job.yml', collectPortable: true }).portable, 'primary', holdings.snapshot()), []);
      await fs.writeFile(path.join(sb.projectDir, 'remote-job.yml'), JOB);
      const r = spawnSync(process.execPath, cliNodeArgs(['lint', 'remote-job.yml', '--remote', '--format', 'json']), { cwd: sb.projectDir, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), []);
      assert.match(r.stderr, /remote check was skipped/);
    } finally {
      await sb.fault('secondary', 'none');
    }
  });

  it('aml-failover lint --remote flags them in CI', async () => {
    await fs.writeFile(path.join(sb.projectDir, 'remote-job.yml'), JOB);
    const r = spawnSync(process.execPath, cliNodeArgs(['lint', 'remote-job.yml', '--remote', '--format', 'json']), { cwd: sb.projectDir, encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    const findings = JSON.parse(r.stdout) as { rule: string; line: number }[];
    assert.deepEqual(findings.filter((f) => f.rule === 'not-in-other-workspace').map((f) => f.line), [3, 4, 8, 12, 13]);
  });
});
