// What the sandbox seeds: a realistic project folder (job YAMLs, some pinned to the primary; a workspace config), a
// primary with several models/environments/computes/jobs, a secondary that drifted from it, --scale, and a restart on
// the same folder that keeps the user's own files.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { parse } from 'yaml';
import type { Role } from '../../../src/pair/pairFile';
import { startSandbox, type RunningSandbox } from '../../support/sandbox';

async function inventory(sb: RunningSandbox, role: Role) {
  const ml = new AzureMachineLearningWorkspaces(sb.credential, sb[role].subscription_id, { endpoint: sb.armUrl, credentialScopes: ['https://management.azure.com/.default'], tlsOptions: { ca: sb.ca } });
  const { resource_group: rg, workspace_name: ws } = sb[role];
  const models: string[] = [];
  for await (const m of ml.modelContainers.list(rg, ws)) for await (const v of ml.modelVersions.list(rg, ws, m.name!)) models.push(`${m.name}:${v.name}`);
  const envs: string[] = [];
  for await (const e of ml.environmentContainers.list(rg, ws)) for await (const v of ml.environmentVersions.list(rg, ws, e.name!)) envs.push(`${e.name}:${v.name}`);
  const computes: string[] = [];
  for await (const c of ml.computeOperations.list(rg, ws)) computes.push(c.name!);
  const jobs: string[] = [];
  for await (const j of ml.jobs.list(rg, ws)) jobs.push(j.name!);
  return { models: models.sort(), envs: envs.sort(), computes: computes.sort(), jobs: jobs.sort() };
}

describe('sandbox seeding', () => {
  let dir: string;
  let sb: RunningSandbox;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aml-failover-seed-'));
    // A user's own job file, already there: never overwritten.
    await fs.mkdir(path.join(dir, 'jobs'));
    await fs.writeFile(path.join(dir, 'jobs', 'train-credit.yml'), '# my own job\n');
    sb = await startSandbox({ projectDir: dir, largeModelMb: 1 });
  });
  after(async () => {
    await sb?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('writes a realistic project: pair file, workspace config, job YAMLs (some pinned to the primary), notebooks', async () => {
    const config = JSON.parse(await fs.readFile(path.join(dir, '.azureml', 'config.json'), 'utf8'));
    assert.deepEqual(config, { subscription_id: sb.primary.subscription_id, resource_group: sb.primary.resource_group, workspace_name: sb.primary.workspace_name });
    assert.equal(await fs.readFile(path.join(dir, 'jobs', 'train-credit.yml'), 'utf8'), '# my own job\n', "the user's file is kept");
    const pinned = await fs.readFile(path.join(dir, 'jobs', 'train-credit-pinned.yml'), 'utf8');
    assert.ok(pinned.includes(`/workspaces/${sb.primary.workspace_name}/`), 'a job YAML pinned to the primary');
    assert.equal(parse(pinned).type, 'command');
    const jobs = await fs.readdir(path.join(dir, 'jobs'));
    assert.ok(jobs.length >= 4, jobs.join(', '));
    const notebooks = await fs.readdir(path.join(dir, 'notebooks'));
    assert.ok(notebooks.some((n) => n.endsWith('.ipynb')));
    assert.ok(sb.pair.cloud.caFile?.endsWith(path.join('.aml-failover', 'sandbox-ca.pem')));
    assert.equal(Object.keys(sb.pair.cloud.storage).length, 3, "one storage account per region, and the primary's extra one with Shared Key disabled");
    for (const [account, ep] of Object.entries(sb.pair.cloud.storage)) {
      assert.equal(ep.blob, ep.file, 'one HTTPS endpoint per region serves both blob and file');
      assert.match(ep.blob, new RegExp(`^https://127\\.0\\.0\\.1:\\d+/${account}$`));
    }
  });

  it('seeds a primary with several assets and a secondary that drifted from it', async () => {
    const p = await inventory(sb, 'primary');
    const s = await inventory(sb, 'secondary');
    assert.ok(p.models.includes('credit-default:3') && p.models.includes('sentiment-bert:1'));
    assert.ok(p.models.length >= 7, p.models.join(', '));
    assert.ok(p.envs.length >= 4 && p.computes.length >= 3 && p.jobs.length >= 6);
    const onlyPrimary = p.models.filter((m) => !s.models.includes(m));
    const onlySecondary = s.models.filter((m) => !p.models.includes(m));
    assert.ok(onlyPrimary.includes('credit-default:3') && onlyPrimary.includes('sentiment-bert:1'), onlyPrimary.join(', '));
    assert.deepEqual(onlySecondary, ['legacy-scorer:1']);
    assert.ok(s.computes.length < p.computes.length);
  });

  it('restarts on the same folder with a fresh cloud, rewriting only its own pair file', async () => {
    const firstArm = sb.armUrl;
    await sb.stop();
    sb = await startSandbox({ projectDir: dir, largeModelMb: 1, scale: 3 });
    assert.notEqual(sb.armUrl, firstArm);
    assert.equal(await fs.readFile(path.join(dir, 'jobs', 'train-credit.yml'), 'utf8'), '# my own job\n');
    const p = await inventory(sb, 'primary');
    assert.equal(p.models.filter((m) => m.startsWith('synthetic-model-')).length, 2 * 4 * 2, '--scale 3 adds two rounds of 4 models × 2 versions');
  });
});
