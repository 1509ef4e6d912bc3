import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRemoteBackup, parseStorageLocation, redact } from '../../../src/backup/offsite';

describe('off-region locations', () => {
  it('--to-storage takes a workspace of the pair or an https container URL, and never prints a SAS', () => {
    assert.deepEqual(parseStorageLocation('secondary'), { kind: 'workspace', role: 'secondary' });
    assert.deepEqual(parseStorageLocation('https://acct.blob.core.windows.net/backups?sv=1&sig=secret'), { kind: 'url', url: 'https://acct.blob.core.windows.net/backups?sv=1&sig=secret' });
    assert.throws(() => parseStorageLocation('http://acct.blob.core.windows.net/backups?sig=secret'), (err: Error) => /must be primary, secondary or a blob container URL/.test(err.message) && !err.message.includes('secret'));
    assert.equal(redact('https://a/b?sig=secret'), 'https://a/b?…');
  });

  it('reads a backup location: a datastore URI (with or without its workspace) or a container URL (account in the path on IP hosts)', () => {
    assert.deepEqual(parseRemoteBackup('azureml://datastores/workspaceblobstore/paths/aml-failover/backups/primary/20261206T220238Z'), {
      kind: 'datastore',
      workspace: undefined,
      datastore: 'workspaceblobstore',
      path: 'aml-failover/backups/primary/20261206T220238Z',
    });
    assert.deepEqual(parseRemoteBackup('azureml://subscriptions/s/resourcegroups/rg/workspaces/w/datastores/d/paths/x/y'), {
      kind: 'datastore',
      workspace: { subscription: 's', resourceGroup: 'rg', name: 'w' },
      datastore: 'd',
      path: 'x/y',
    });
    assert.deepEqual(parseRemoteBackup('https://acct.blob.core.windows.net/backups/aml-failover/backups/primary?sv=1&sig=s'), {
      kind: 'url',
      containerUrl: 'https://acct.blob.core.windows.net/backups?sv=1&sig=s',
      path: 'aml-failover/backups/primary',
    });
    assert.deepEqual(parseRemoteBackup('https://127.0.0.1:4000/acct/backups/aml-failover/backups/primary/20261206T220238Z'), {
      kind: 'url',
      containerUrl: 'https://127.0.0.1:4000/acct/backups',
      path: 'aml-failover/backups/primary/20261206T220238Z',
    });
    assert.equal(parseRemoteBackup('aml-backup/primary/20261206T220238Z'), undefined, 'a local folder');
  });
});
