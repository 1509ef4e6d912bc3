// An environment built from a Docker build context, as `az ml environment create -f` leaves one: the local folder of
// `build: {path: ./context}` uploaded to the default blob store under `LocalUpload/<hash>/<folder>/`, and the version's
// `build.contextUri` the https URL of that folder with a trailing "/" (azure-ai-ml 1.4.0,
// `_check_and_upload_env_build_context`: `uploaded_artifact.full_storage_path + "/"`), `dockerfilePath` relative to
// it, no image (BuildContext of EnvironmentVersion; rest-specs stable/2025-12-01 EnvironmentVersion/get.json). Only in
// the primary: exporting and replicating a build context is exercised.
import { createHash } from 'node:crypto';
import type { StoragePlan } from '../seed';
import { ML, key, systemData, workspaceId, type World } from '../world';

export const BUILD_CONTEXT_ENV = 'docker-context-env';

/** The build context's files, by their path inside the context folder. */
export const BUILD_CONTEXT_FILES: Record<string, string> = {
  Dockerfile: [
    'FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:20240709.v1',
    'COPY requirements.txt /tmp/requirements.txt',
    'COPY scripts/ /opt/scripts/',
    'RUN pip install --no-cache-dir -r /tmp/requirements.txt && sh /opt/scripts/setup.sh',
    '',
  ].join('\n'),
  'requirements.txt': 'scikit-learn==1.3.2\npandas==2.1.4\nmlflow==2.8.1\nazureml-mlflow==1.54.0\n',
  'scripts/setup.sh': '#!/bin/sh\nset -e\nmkdir -p /opt/model-cache\n',
};

export function seedBuildContextEnvironment(world: World, plan: StoragePlan): void {
  const r = world.regions.primary;
  const hash = createHash('md5').update(JSON.stringify(BUILD_CONTEXT_FILES)).digest('hex');
  const folder = `LocalUpload/${hash}/context`;
  for (const [name, text] of Object.entries(BUILD_CONTEXT_FILES)) plan.blobs.push({ container: r.blobContainer, name: `${folder}/${name}`, data: Buffer.from(text) });
  const ws = workspaceId(r);
  const when = systemData(new Date(Date.now() - 12 * 24 * 3600 * 1000).toISOString());
  const description = 'Built from a Dockerfile and its context (az ml environment create -f with build.path).';
  const container = {
    name: BUILD_CONTEXT_ENV,
    body: { id: `${ws}/environments/${BUILD_CONTEXT_ENV}`, name: BUILD_CONTEXT_ENV, type: `${ML}/workspaces/environments`, properties: { description, tags: {}, properties: {}, isArchived: false }, systemData: when },
    versions: new Map(),
  };
  container.versions.set('1', {
    id: `${ws}/environments/${BUILD_CONTEXT_ENV}/versions/1`,
    name: '1',
    type: `${ML}/workspaces/environments/versions`,
    properties: {
      description,
      tags: { team: 'platform' },
      properties: {},
      isAnonymous: false,
      isArchived: false,
      environmentType: 'UserCreated',
      osType: 'Linux',
      build: { contextUri: `https://${r.storageAccount}.blob.core.windows.net/${r.blobContainer}/${folder}/`, dockerfilePath: 'Dockerfile' },
    },
    systemData: when,
  });
  r.environments.set(key(BUILD_CONTEXT_ENV), container);
}
