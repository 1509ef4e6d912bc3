// "Create failover config" picks workspaces from Azure: the listing through the real Azure SDK against the sandbox.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect } from '../../../src/azure/connection';
import { silentLogger } from '../../../src/common/logger';
import { listWorkspaces } from '../../../src/pair/azureWorkspaces';
import { parsePairFile } from '../../../src/pair/pairFile';
import { renderPairFile } from '../../../src/pair/pairTemplate';
import { startSandbox, type RunningSandbox } from '../../support/sandbox';

let sb: RunningSandbox;

describe('listing workspaces for the create-config guide', () => {
  before(async () => {
    sb = await startSandbox();
  });
  after(async () => {
    await sb?.stop();
  });

  it('lists both workspaces of the subscription with their regions, ready for a pair file', async () => {
    const connection = await connect(sb.pair.cloud, { logger: silentLogger });
    const listed = await listWorkspaces(connection, sb.primary.subscription_id);
    assert.deepEqual(
      listed.filter((w) => [sb.primary.workspace_name, sb.secondary.workspace_name].includes(w.workspace_name)),
      [sb.primary, sb.secondary].sort((a, b) => a.workspace_name.localeCompare(b.workspace_name)),
    );
    const parsed = parsePairFile(renderPairFile(listed[0], listed[1]), sb.projectDir);
    assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.problems));
  });

  it('stops when cancelled', async () => {
    const connection = await connect(sb.pair.cloud, { logger: silentLogger });
    const abort = new AbortController();
    abort.abort(new Error('cancelled by the user'));
    await assert.rejects(listWorkspaces(connection, sb.primary.subscription_id, abort.signal));
  });
});
