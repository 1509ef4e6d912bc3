// No credential reaches beyond loopback in tests. The product runs with a recorder preloaded
// (test/support/egressRecorder.ts) that refuses, and notes, every connection to a non-loopback host and every child
// process. Under the test environment (test/support/credentialEnv.ts) a command on a public-cloud pair file — whose
// canonical endpoints are trusted, so DefaultAzureCredential is built and asked for a token — tries nothing at all.
// Without the restriction the same command would probe 169.254.169.254 or start `az`, `pwsh`, `azd`: the control
// case shows the recorder sees that.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { loopbackCredentialEnv } from '../../support/credentialEnv';
import { cliNodeArgs } from '../../support/cli';

const REPO = path.resolve(__dirname, '..', '..', '..');
const SUB = '00000000-0000-0000-0000-0000000000bb';
let dir: string;

async function attempts(command: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; egress: { kind: string; host?: string; file?: string }[] }> {
  const log = path.join(dir, `egress-${Math.random().toString(36).slice(2)}.log`);
  const args = cliNodeArgs([...command, '--project', dir], [pathToFileURL(path.join(REPO, 'test', 'support', 'egressRecorder.ts')).href]);
  const r = await new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile(process.execPath, args, { cwd: REPO, env: { ...env, AML_FAILOVER_EGRESS_LOG: log }, timeout: 90_000 }, (err, stdout) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout }));
  });
  const text = await fs.readFile(log, 'utf8').catch(() => '');
  return { ...r, egress: text.split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
}

describe('credentials stay on loopback in tests', () => {
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aml-failover-loopback-'));
    const ws = (rg: string, name: string, region: string) => `{subscription_id: ${SUB}, resource_group: ${rg}, workspace_name: ${name}, region: ${region}}`;
    await fs.writeFile(path.join(dir, 'aml-failover.yaml'), `workspaces:\n  primary: ${ws('rg-e', 'ml-e', 'eastus')}\n  secondary: ${ws('rg-w', 'ml-w', 'westus')}\ncloud: AzureCloud\n`);
  });
  after(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('status, drift and lint --remote on a public-cloud pair try no host and start no process', async () => {
    await fs.mkdir(path.join(dir, '.azureml'), { recursive: true });
    await fs.writeFile(path.join(dir, '.azureml', 'config.json'), JSON.stringify({ subscription_id: SUB, resource_group: 'rg-e', workspace_name: 'ml-e' }));
    for (const command of [['status', '--json'], ['drift'], ['lint', '--remote']]) {
      const r = await attempts(command, loopbackCredentialEnv());
      assert.deepEqual(r.egress, [], `${command.join(' ')} tried: ${JSON.stringify(r.egress)}`);
      if (command[0] === 'status') {
        const report = JSON.parse(r.stdout) as { workspaces: Record<string, { health: string }> };
        assert.deepEqual([report.workspaces.primary!.health, report.workspaces.secondary!.health], ['unauthorized', 'unauthorized'], 'the chain had no credential to offer');
      }
    }
  });

  it('control: without the restriction the chain would reach out (the recorder sees it)', async () => {
    const unrestricted = loopbackCredentialEnv();
    delete unrestricted.AZURE_TOKEN_CREDENTIALS;
    const r = await attempts(['status', '--json'], unrestricted);
    assert.ok(r.egress.length > 0, 'an unrestricted DefaultAzureCredential tries managed identity or developer tools');
    assert.ok(r.egress.some((e) => e.host === '169.254.169.254' || /\baz\b|pwsh|azd/.test(JSON.stringify(e))), JSON.stringify(r.egress));
  });
});
