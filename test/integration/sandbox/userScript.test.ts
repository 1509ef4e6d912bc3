// Done when: a user's own script using @azure/arm-machinelearning and @azure/storage-blob against the endpoint, CA
// and token in aml-failover.yaml sees both workspaces and their assets (test/fixtures/sandbox/user-script.mjs).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { startSandbox, type RunningSandbox } from '../../support/sandbox';

const SCRIPT = path.resolve(__dirname, '..', '..', 'fixtures', 'sandbox', 'user-script.mjs');

describe("a user's own script against the sandbox", () => {
  let sb: RunningSandbox;
  before(async () => {
    sb = await startSandbox({ largeModelMb: 1 });
  });
  after(async () => {
    await sb?.stop();
  });

  it('sees both workspaces and their models and blobs, from the pair file alone', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [SCRIPT, sb.projectDir]);
    const [primary, secondary] = stdout.trim().split('\n').map((l) => JSON.parse(l) as { role: string; workspace: string; location: string; models: string[]; blobs: number });
    assert.equal(primary.workspace, sb.primary.workspace_name);
    assert.equal(secondary.location, sb.secondary.region);
    assert.ok(primary.models.includes('sentiment-bert') && primary.blobs > 15, JSON.stringify(primary));
    assert.ok(secondary.models.includes('legacy-scorer') && secondary.blobs > 0, JSON.stringify(secondary));
  });
});
