import { test } from 'node:test';
import assert from 'node:assert/strict';
import { locateInDatastore, type DatastoreBinding } from '../../../src/export/uris';

const SUB = '00000000-0000-0000-0000-000000000001';
const HERE = { subscription_id: SUB, resource_group: 'rg-ml-eastus', workspace_name: 'mlw-eastus' };
const DATASTORES: DatastoreBinding[] = [{ name: 'workspaceblobstore', account: 'stmleastus', container: 'azureml-blobstore' }];
const longForm = (sub: string, rg: string, ws: string, rest = 'datastores/workspaceblobstore/paths/models/credit/1/') =>
  `azureml://subscriptions/${sub}/resourceGroups/${rg}/workspaces/${ws}/${rest}`;

test("a long-form URI naming this workspace (in any case, with or without the provider segment) is read from this workspace's datastore", () => {
  for (const uri of [
    longForm(SUB, 'rg-ml-eastus', 'mlw-eastus'),
    longForm(SUB.toUpperCase(), 'RG-ML-EASTUS', 'MLW-EastUS'),
    `azureml://subscriptions/${SUB}/resourcegroups/rg-ml-eastus/providers/Microsoft.MachineLearningServices/workspaces/mlw-eastus/datastores/workspaceblobstore/paths/models/credit/1/`,
  ]) {
    assert.deepEqual(locateInDatastore(uri, DATASTORES, HERE), { datastore: 'workspaceblobstore', path: 'models/credit/1/' }, uri);
  }
});

test("a long-form URI naming another workspace, resource group or subscription fails, naming the workspace it points at", () => {
  const others: [string, RegExp][] = [
    [longForm(SUB, 'rg-ml-westus', 'mlw-westus'), /workspace 'mlw-westus' \(resource group rg-ml-westus, subscription 0{8}-/],
    [longForm(SUB, 'rg-ml-eastus', 'mlw-other'), /workspace 'mlw-other'/],
    [longForm(SUB, 'rg-elsewhere', 'mlw-eastus'), /resource group rg-elsewhere/],
    [longForm('00000000-0000-0000-0000-000000000002', 'rg-ml-eastus', 'mlw-eastus'), /subscription 0{8}-0{4}-0{4}-0{4}-0{11}2/],
  ];
  for (const [uri, message] of others) {
    assert.throws(() => locateInDatastore(uri, DATASTORES, HERE), (err: Error) => {
      assert.match(err.message, message);
      assert.match(err.message, /not of 'mlw-eastus'/);
      return true;
    });
  }
});

test('short-form URIs and blob URLs of this workspace are located as before; other accounts are not', () => {
  assert.deepEqual(locateInDatastore('azureml://datastores/workspaceblobstore/paths/a%20b/c', DATASTORES, HERE), { datastore: 'workspaceblobstore', path: 'a b/c' });
  assert.deepEqual(locateInDatastore('https://stmleastus.blob.core.windows.net/azureml-blobstore/models/x.pkl', DATASTORES, HERE), { datastore: 'workspaceblobstore', path: 'models/x.pkl' });
  assert.equal(locateInDatastore('https://stmlwestus.blob.core.windows.net/azureml-blobstore/models/x.pkl', DATASTORES, HERE), undefined);
  assert.equal(locateInDatastore('azureml://registries/shared/models/credit/versions/1', DATASTORES, HERE), undefined);
});
