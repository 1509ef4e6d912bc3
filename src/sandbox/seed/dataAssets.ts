// Data assets as real workspaces hold them (DataContainer / DataVersionBase of the 2022-10-01 REST spec; the
// `uri_file`, `uri_folder` and `mltable` types of azure-ai-ml's `Data`): files in the workspace's blob datastore —
// the folder the seeded jobs read (`data/credit/`), one file of it, an MLTable folder (its `MLTable` file names the
// CSVs next to it, as `mltable.from_delimited_files(...).save()` writes it) — and one that lives outside the
// workspace, a public URL, kept by reference.
import { pseudo, type StoragePlan } from '../seed';
import { ML, key, systemData, workspaceId, type Region, type World } from '../world';

const DAY = 24 * 3600 * 1000;

/** Public sample data of Azure/azureml-examples: outside every workspace. */
export const OUTSIDE_DATA_URI = 'https://azuremlexamples.blob.core.windows.net/datasets/credit_card/default_of_credit_card_clients.csv';

function csv(rows: number, seed: number): Buffer {
  const lines = ['id,limit_bal,age,pay_0,bill_amt1,default'];
  const noise = pseudo(`credit-${seed}`, rows * 4);
  for (let i = 0; i < rows; i++) lines.push(`${i + 1},${10_000 + noise[i * 4]! * 1000},${21 + (noise[i * 4 + 1]! % 50)},${(noise[i * 4 + 2]! % 4) - 1},${noise[i * 4 + 3]! * 37},${noise[i * 4]! % 5 === 0 ? 1 : 0}`);
  return Buffer.from(`${lines.join('\n')}\n`);
}

const MLTABLE = `paths:
- file: ./part-0.csv
- file: ./part-1.csv
transformations:
- read_delimited:
    delimiter: ','
    encoding: utf8
    header: all_files_same_headers
type: mltable
`;

export function seedDataAssets(world: World, plan: StoragePlan): void {
  const p = world.regions.primary;
  const blob = (name: string, data: Buffer) => plan.blobs.push({ container: p.blobContainer, name, data });
  blob('data/credit/train.csv', csv(400, 1));
  blob('data/credit/test.csv', csv(100, 2));
  blob('data/credit-mltable/MLTable', Buffer.from(MLTABLE));
  blob('data/credit-mltable/part-0.csv', csv(200, 3));
  blob('data/credit-mltable/part-1.csv', csv(200, 4));
  const store = (path: string) => `azureml://subscriptions/${p.subscriptionId}/resourcegroups/${p.resourceGroup}/workspaces/${p.workspaceName}/datastores/workspaceblobstore/paths/${path}`;
  addData(p, 'credit-data', '1', 'uri_folder', store('data/credit/'), 'The credit training folder the jobs read.', 40);
  addData(p, 'credit-train', '1', 'uri_file', 'azureml://datastores/workspaceblobstore/paths/data/credit/train.csv', 'Training split.', 39);
  addData(p, 'credit-table', '1', 'mltable', store('data/credit-mltable/'), 'Both parts as one table (MLTable).', 30);
  addData(p, 'credit-public', '1', 'uri_file', OUTSIDE_DATA_URI, 'The public UCI credit card data set (outside the workspace).', 90);
}

function addData(r: Region, name: string, version: string, dataType: string, dataUri: string, description: string, daysAgo: number): void {
  const ws = workspaceId(r);
  const when = new Date(Date.now() - daysAgo * DAY).toISOString();
  let c = r.data.get(key(name));
  if (!c) {
    c = { name, body: { id: `${ws}/data/${name}`, name, type: `${ML}/workspaces/data`, properties: { description, tags: {}, properties: {}, isArchived: false, dataType }, systemData: systemData(when) }, versions: new Map() };
    r.data.set(key(name), c);
  }
  c.versions.set(key(version), {
    id: `${ws}/data/${name}/versions/${version}`,
    name: version,
    type: `${ML}/workspaces/data/versions`,
    properties: { description, tags: { team: 'risk' }, properties: {}, isAnonymous: false, isArchived: false, dataType, dataUri, ...(dataType === 'mltable' ? { referencedUris: ['./part-0.csv', './part-1.csv'] } : {}) },
    systemData: systemData(when),
  });
}
