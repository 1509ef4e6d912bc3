// Submitting a job YAML to a workspace, as `az ml job create -f` does, in TypeScript: used to resubmit exported jobs
// in the other workspace of the pair (see README.md in this folder).
//   1. check, writing nothing: every compute, named environment, named component and code asset the job names
//      exists in the target (or, for a named component, its exported YAML is there to create it), local paths stay
//      inside the export folder, and the job name is free. Anything missing refuses the job with every reason.
//   2. create what the job brings along: code folders as code assets (codeAsset.ts), inline environments as
//      anonymous environments (CliV2AnonymousEnvironment), component files as anonymous components
//      (azureml_anonymous), missing named components from their exported YAML;
//   3. create the job (toRest.ts) and return its name and status.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import type { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import type { AzureConnection } from '../azure/connection';
import { unlessNotFound } from '../azure/notFound';
import { openDatastore, type DatastoreStorage } from '../azure/storage';
import { throwIfAborted } from '../azure/retry';
import { UserError, errorMessage } from '../common/errors';
import type { Logger } from '../common/logger';
import { workspaceArmId, type WorkspaceRef } from '../pair/pairFile';
import { createCodeAsset } from './codeAsset';
import { ANONYMOUS_COMPONENT, ANONYMOUS_ENVIRONMENT, assetArmId, computeArmId, computeName, datastoreArmId, datastoreName, parseAssetId } from './ids';
import { componentSpecToRest, jobToRest, type Resolved } from './toRest';

type Json = Record<string, unknown>;

export interface SubmitRequest {
  connection: AzureConnection;
  /** The workspace the job is created in. */
  target: WorkspaceRef;
  /** The job's YAML file (an export's `jobs/<job>.yml`, or any CLI v2 job YAML). */
  jobFile: string;
  /**
   * The folder local references must stay in (code, component files). Default: the export folder when the file
   * lies in its `jobs/` folder, else the file's own folder.
   */
  root?: string;
  /** The new job's name; default `<file name>_<8 random characters>` (a job name is used once per workspace). */
  name?: string;
  /** Changes the job as read from `jobFile` before anything is checked (resubmission: tags, computes mapped). */
  edit?: (doc: Json) => Json;
  /** Tags put on what the submission creates besides the job (code, inline environments, components): a drill's id. */
  tags?: Record<string, string>;
  signal: AbortSignal;
  logger: Logger;
}

export interface SubmitResult {
  name: string;
  /** ARM id of the created job. */
  id: string;
  /** As the service answered the creation (NotStarted, Queued, …). */
  status: string;
  /** What was created in the target besides the job, one line each (code assets, environments, components). */
  created: string[];
  /** The versions this submission created in the target (not there before: code, environments, components): what a drill undoes. */
  registered: { kind: 'code' | 'environment' | 'component'; name: string; version: string }[];
}

/** The job was not submitted: `reasons` says everything that is missing or wrong in the target or the files. */
export class SubmitRefusedError extends UserError {
  constructor(
    readonly jobFile: string,
    readonly workspace: string,
    readonly reasons: string[],
  ) {
    super(`Not submitted to ${workspace}: ${path.basename(jobFile)} ${reasons.length === 1 ? reasons[0] : `has ${reasons.length} problems: ${reasons.join(' ')}`}`, 'failed');
    this.name = 'SubmitRefusedError';
  }
}

/** A reference to something the job brings along, found while checking. */
type Local =
  | { kind: 'code'; key: string; dir: string }
  | { kind: 'environment'; key: string; spec: Json; from: string }
  | { kind: 'component'; key: string; doc: Json; from: string; named?: { name: string; version: string } };

interface Checked {
  doc: Json;
  from: string;
  name: string;
  locals: Local[];
}

const isLocalPath = (ref: string) => !/^(azureml:|https?:|git\+|wasbs?:|abfss?:)/i.test(ref);
const keyOf = (from: string, ref: string) => `${from}\u0000${ref}`;

/** Checks, then creates what the job brings along and the job. Throws SubmitRefusedError before any write. */
export async function submitJob(req: SubmitRequest): Promise<SubmitResult> {
  const checked = await checkSubmission(req);
  const { connection: conn, target, signal, logger } = req;
  const ml = await conn.ml(target.subscription_id);
  const ids = new Map<string, string>();
  const created: string[] = [];
  const registered: SubmitResult['registered'] = [];
  let store: DatastoreStorage | undefined;
  try {
    for (const local of checked.locals) {
      throwIfAborted(signal);
      if (local.kind === 'code') {
        store ??= await openDatastore(conn, target, await defaultDatastore(ml, target, signal), signal);
        const code = await createCodeAsset(conn, target, store, local.dir, signal, req.tags);
        ids.set(local.key, code.id);
        if (code.uploaded) registered.push({ kind: 'code', name: code.name, version: code.version });
        created.push(`code ${code.name}:${code.version} from ${local.dir}${code.uploaded ? '' : ' (already uploaded)'}`);
      }
    }
    const resolved = resolver(target, ids);
    for (const local of checked.locals) {
      throwIfAborted(signal);
      if (local.kind === 'environment') {
        const env = await createAnonymousEnvironment(ml, target, local.spec, local.from, signal, req.tags);
        ids.set(local.key, env.id);
        created.push(`environment ${env.id.split('/environments/')[1]}`);
        if (env.isNew) registered.push({ kind: 'environment', name: ANONYMOUS_ENVIRONMENT, version: env.version });
      } else if (local.kind === 'component') {
        // Components last: their code and environment are created above (locals are listed inner first).
        const c = await createComponent(ml, target, local, resolved, signal, req.tags);
        ids.set(local.key, c.id);
        created.push(`component ${c.id.split('/components/')[1]}`);
        if (c.isNew) registered.push({ kind: 'component', name: c.name, version: c.version });
      }
    }
    const properties = jobToRest(checked.doc, checked.from, resolved);
    logger.info(`Submitting ${req.jobFile} to ${target.workspace_name} as ${checked.name}.`);
    const job = await putJob(conn, ml, target, checked.name, properties, signal);
    return { name: job.name ?? checked.name, id: job.id ?? '', status: job.properties?.status ?? 'Unknown', created, registered };
  } finally {
    store?.dispose();
  }
}

/**
 * PUT of the job as JSON through the client's own pipeline (token, CA, retries): @azure/arm-machinelearning 2.1.1
 * serializes job inputs and outputs by a discriminator map keyed `AssetJobInput.uri_folder` that its `JobInput`
 * mapper never finds, so `uri` and `mode` of every data input would be dropped on the way out.
 */
async function putJob(conn: AzureConnection, ml: AzureMachineLearningWorkspaces, target: WorkspaceRef, name: string, properties: Json, signal: AbortSignal): Promise<{ name?: string; id?: string; properties?: { status?: string } }> {
  const sdk = await import('../azure/azureSdk');
  const apiVersion = (ml as unknown as { apiVersion?: string }).apiVersion ?? '2022-10-01';
  const url = `${conn.cloud.resourceManager.replace(/\/+$/, '')}${workspaceArmId(target)}/jobs/${encodeURIComponent(name)}?api-version=${apiVersion}`;
  const request = sdk.createPipelineRequest({ url, method: 'PUT', body: JSON.stringify({ properties }), headers: sdk.createHttpHeaders({ 'content-type': 'application/json' }), abortSignal: signal });
  const response = await ml.sendRequest(request);
  const body = response.bodyAsText ? (JSON.parse(response.bodyAsText) as Json) : {};
  if (response.status >= 400) {
    const error = (body.error ?? {}) as { code?: string; message?: string };
    throw new sdk.RestError(error.message ?? `Creating job ${name} failed with HTTP ${response.status}.`, { code: error.code, statusCode: response.status, request, response });
  }
  return body as { name?: string; id?: string; properties?: { status?: string } };
}

/** Step 1 alone: everything the job names, checked against the target and the files. Writes nothing. */
export async function checkSubmission(req: SubmitRequest): Promise<Checked> {
  const { connection: conn, target, signal } = req;
  const jobFile = path.resolve(req.jobFile);
  const root = path.resolve(req.root ?? (path.basename(path.dirname(jobFile)) === 'jobs' ? path.dirname(path.dirname(jobFile)) : path.dirname(jobFile)));
  const realRoot = await fs.realpath(root);
  const reasons: string[] = [];
  const read = await readYaml(jobFile);
  const doc = req.edit ? req.edit(read) : read;
  if (!['command', 'sweep', 'pipeline'].includes(String(doc.type))) {
    throw new SubmitRefusedError(jobFile, target.workspace_name, [`is a ${String(doc.type ?? 'untyped')} job; command, sweep and pipeline jobs can be submitted.`]);
  }
  const ml = await conn.ml(target.subscription_id);
  const { resource_group: rg, workspace_name: ws } = target;
  const locals: Local[] = [];
  const from = path.dirname(jobFile);
  const exists = new Map<string, Promise<boolean>>();
  const check = (key: string, get: () => Promise<unknown>) => {
    let got = exists.get(key);
    if (!got) {
      got = unlessNotFound(get()).then((x) => x !== undefined);
      exists.set(key, got);
    }
    return got;
  };

  const inside = async (p: string, what: string): Promise<string | undefined> => {
    let real: string;
    try {
      real = await fs.realpath(p);
    } catch {
      reasons.push(`names ${what} ${p}, which does not exist.`);
      return undefined;
    }
    const rel = path.relative(realRoot, real);
    if (rel.startsWith('..') || path.isAbsolute(rel)) {
      reasons.push(`names ${what} ${p}, which lies outside ${root}; only files inside it are uploaded.`);
      return undefined;
    }
    return real;
  };

  const computeRef = async (ref: unknown, where: string) => {
    if (typeof ref !== 'string' || !ref) return;
    const name = computeName(ref);
    if (!name) return void reasons.push(`${where}names compute ${ref}, which is not a compute name.`);
    if (!(await check(`compute:${name}`, () => ml.computeOperations.get(rg, ws, name, { abortSignal: signal })))) {
      reasons.push(`${where}runs on compute '${name}', which does not exist in ${ws}. Create it there, or change compute: to one that exists.`);
    }
  };

  const environmentRef = async (ref: unknown, fromDir: string, where: string) => {
    if (ref === undefined || ref === null) return;
    if (typeof ref === 'object') {
      locals.push({ kind: 'environment', key: keyOf(fromDir, JSON.stringify(ref)), spec: ref as Json, from: fromDir });
      return;
    }
    const text = String(ref);
    if (text.startsWith('azureml://registries/')) return;
    const a = parseAssetId(text, 'environments');
    if (!a) return void reasons.push(`${where}names environment ${text}, which is neither azureml:<name>:<version> nor inline.`);
    if (a.workspace && a.workspace.workspace_name.toLowerCase() !== ws.toLowerCase()) return void reasons.push(`${where}names environment ${text}, an id in workspace ${a.workspace.workspace_name}.`);
    if (!(await check(`env:${a.name}:${a.version}`, () => ml.environmentVersions.get(rg, ws, a.name, a.version, { abortSignal: signal })))) {
      reasons.push(`${where}uses environment ${a.name}:${a.version}, which does not exist in ${ws}. Replicate it first (aml-failover replicate environments).`);
    }
  };

  const codeRef = async (ref: unknown, fromDir: string, where: string) => {
    if (typeof ref !== 'string' || !ref) return;
    if (isLocalPath(ref)) {
      const dir = await inside(path.resolve(fromDir, ref), `${where}code`);
      // The same folder named twice is uploaded once: the second upload finds the first one's confirmation.
      if (dir) locals.push({ kind: 'code', key: keyOf(fromDir, ref), dir });
      return;
    }
    const a = parseAssetId(ref, 'codes');
    if (a && !(await check(`code:${a.name}:${a.version}`, () => ml.codeVersions.get(rg, ws, a.name, a.version, { abortSignal: signal })))) {
      reasons.push(`${where}names code asset ${a.name}:${a.version}, which does not exist in ${ws}.`);
    }
  };

  const componentRef = async (ref: unknown, step: string) => {
    const where = `step ${step} `;
    if (ref && typeof ref === 'object') {
      await componentDoc(ref as Json, from, keyOf(from, JSON.stringify(ref)), where);
      return;
    }
    if (typeof ref !== 'string' || !ref) return void reasons.push(`${where}names no component.`);
    if (ref.startsWith('azureml://registries/')) return;
    if (isLocalPath(ref)) {
      const file = await inside(path.resolve(from, ref), `${where}component file`);
      if (file) await componentDoc(await readYaml(file), path.dirname(file), keyOf(from, ref), where);
      return;
    }
    const a = parseAssetId(ref, 'components');
    if (!a) return void reasons.push(`${where}names component ${ref}, which is not azureml:<name>:<version>.`);
    if (await check(`component:${a.name}:${a.version}`, () => ml.componentVersions.get(rg, ws, a.name, a.version, { abortSignal: signal }))) return;
    // Missing in the target: the export writes named components' YAML too, so it can be created from there.
    const exported = path.join(root, 'components', a.name, a.version, 'component.yml');
    const file = await fs.realpath(exported).catch(() => undefined);
    if (!file) return void reasons.push(`${where}uses component ${a.name}:${a.version}, which does not exist in ${ws} (and no ${path.relative(root, exported)} to create it from).`);
    await componentDoc(await readYaml(file), path.dirname(file), keyOf(from, ref), where, { name: a.name, version: a.version });
  };

  const componentDoc = async (c: Json, fromDir: string, key: string, where: string, named?: { name: string; version: string }) => {
    await codeRef(c.code, fromDir, `${where}(component) `);
    await environmentRef(c.environment, fromDir, `${where}(component) `);
    if (!locals.some((l) => l.key === key)) locals.push({ kind: 'component', key, doc: c, from: fromDir, named });
  };

  await computeRef(doc.compute, '');
  await codeRef(doc.code, from, '');
  await environmentRef(doc.environment, from, '');
  const trial = doc.trial as Json | undefined;
  if (trial) {
    await codeRef(trial.code, from, 'the trial ');
    await environmentRef(trial.environment, from, 'the trial ');
  }
  const settings = (doc.settings ?? {}) as Json;
  await computeRef(settings.default_compute, 'the pipeline by default ');
  if (typeof settings.default_datastore === 'string') {
    const ds = datastoreName(settings.default_datastore);
    if (!ds || !(await check(`datastore:${ds}`, () => ml.datastores.get(rg, ws, ds, { abortSignal: signal })))) {
      reasons.push(`writes to datastore ${settings.default_datastore} by default, which does not exist in ${ws}.`);
    }
  }
  for (const [step, raw] of Object.entries((doc.jobs ?? {}) as Json)) {
    const s = (raw ?? {}) as Json;
    await computeRef(s.compute, `step ${step} `);
    await componentRef(s.component, step);
  }
  if (doc.type === 'command' && doc.compute === undefined) reasons.push('names no compute; say which compute of the target it runs on (compute: azureml:<name>).');
  if (doc.type === 'pipeline' && settings.default_compute === undefined) {
    for (const [step, raw] of Object.entries((doc.jobs ?? {}) as Json)) if (!(raw as Json)?.compute) reasons.push(`step ${step} names no compute and the pipeline has no default_compute.`);
  }

  const name = req.name ?? `${path.basename(jobFile).replace(/\.ya?ml$/i, '').replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 200)}_${randomBytes(4).toString('hex')}`;
  if (await check(`job:${name}`, () => ml.jobs.get(rg, ws, name, { abortSignal: signal }))) reasons.push(`would be named '${name}', a job name already used in ${ws}.`);
  if (reasons.length) throw new SubmitRefusedError(jobFile, ws, reasons);
  return { doc, from, name, locals };
}

async function readYaml(file: string): Promise<Json> {
  let doc: unknown;
  try {
    doc = parseYaml(await fs.readFile(file, 'utf8'));
  } catch (err) {
    throw new UserError(`Cannot read ${file}: ${errorMessage(err)}`, 'usage');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new UserError(`${file} does not hold a YAML mapping.`, 'usage');
  return doc as Json;
}

async function defaultDatastore(ml: AzureMachineLearningWorkspaces, target: WorkspaceRef, signal: AbortSignal): Promise<string> {
  for await (const d of ml.datastores.list(target.resource_group, target.workspace_name, { abortSignal: signal })) {
    if ((d.properties as { isDefault?: boolean }).isDefault && d.name) return d.name;
  }
  return 'workspaceblobstore';
}

/** The ARM ids checked or created, handed to toRest.ts. */
function resolver(target: WorkspaceRef, ids: Map<string, string>): Resolved {
  const created = (from: string, ref: string, what: string) => {
    const id = ids.get(keyOf(from, ref));
    if (!id) throw new Error(`internal: ${what} ${ref} was not created`);
    return id;
  };
  const asset = (ref: string, kind: 'codes' | 'environments' | 'components') => {
    if (ref.startsWith('azureml://registries/')) return ref;
    const a = parseAssetId(ref, kind);
    if (!a) throw new Error(`internal: ${ref} is not a ${kind} reference`);
    return assetArmId(target, kind, a.name, a.version);
  };
  return {
    compute: (ref) => computeArmId(target, computeName(ref) ?? ref),
    datastore: (ref) => datastoreArmId(target, datastoreName(ref) ?? ref),
    code: (ref, from) => (isLocalPath(ref) ? created(from, ref, 'code') : asset(ref, 'codes')),
    environment: (ref, from) => (typeof ref === 'object' ? created(from, JSON.stringify(ref), 'environment') : asset(String(ref), 'environments')),
    component: (ref, from) => (typeof ref === 'object' ? created(from, JSON.stringify(ref), 'component') : isLocalPath(ref) || ids.has(keyOf(from, ref)) ? created(from, ref, 'component') : asset(ref, 'components')),
  };
}

function guidOf(text: string): string {
  const h = createHash('md5').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

interface CreatedVersion {
  id: string;
  name: string;
  version: string;
  /** False when the target already held this version (left as it was, tags and all). */
  isNew: boolean;
}

/** Creates a version unless the target holds it already: an anonymous asset of the same hash is the same asset. */
async function createUnlessThere(get: () => Promise<unknown>, create: () => Promise<unknown>): Promise<boolean> {
  if ((await unlessNotFound(get())) !== undefined) return false;
  await create();
  return true;
}

/** An inline environment as CliV2AnonymousEnvironment/versions/<hash of its definition> (idempotent). */
async function createAnonymousEnvironment(ml: AzureMachineLearningWorkspaces, target: WorkspaceRef, spec: Json, from: string, signal: AbortSignal, tags?: Record<string, string>): Promise<CreatedVersion> {
  let conda: string | undefined;
  if (typeof spec.conda_file === 'string') conda = await fs.readFile(path.resolve(from, spec.conda_file), 'utf8');
  else if (spec.conda_file && typeof spec.conda_file === 'object') conda = stringify(spec.conda_file);
  const properties = { image: spec.image as string | undefined, condaFile: conda, osType: 'Linux' as const, isAnonymous: true, description: spec.description as string | undefined, ...(tags ? { tags } : {}) };
  const version = createHash('md5').update(JSON.stringify({ image: properties.image, conda })).digest('hex');
  const { resource_group: rg, workspace_name: ws } = target;
  const isNew = await createUnlessThere(
    () => ml.environmentVersions.get(rg, ws, ANONYMOUS_ENVIRONMENT, version, { abortSignal: signal }),
    () => ml.environmentVersions.createOrUpdate(rg, ws, ANONYMOUS_ENVIRONMENT, version, { properties }, { abortSignal: signal }),
  );
  return { id: assetArmId(target, 'environments', ANONYMOUS_ENVIRONMENT, version), name: ANONYMOUS_ENVIRONMENT, version, isNew };
}

/** A component file as azureml_anonymous/<hash of its spec>, or a missing named component under its own name. */
async function createComponent(ml: AzureMachineLearningWorkspaces, target: WorkspaceRef, local: Extract<Local, { kind: 'component' }>, resolved: Resolved, signal: AbortSignal, tags?: Record<string, string>): Promise<CreatedVersion> {
  const spec = componentSpecToRest(local.doc, local.from, resolved);
  const name = local.named?.name ?? ANONYMOUS_COMPONENT;
  const version = local.named?.version ?? guidOf(JSON.stringify(spec));
  if (local.named) spec.version = version;
  const { resource_group: rg, workspace_name: ws } = target;
  const isNew = await createUnlessThere(
    () => ml.componentVersions.get(rg, ws, name, version, { abortSignal: signal }),
    () =>
      ml.componentVersions.createOrUpdate(
        rg,
        ws,
        name,
        version,
        { properties: { componentSpec: spec, isAnonymous: !local.named, description: spec.description as string | undefined, tags: { ...((spec.tags as Record<string, string> | undefined) ?? {}), ...tags } } },
        { abortSignal: signal },
      ),
  );
  return { id: assetArmId(target, 'components', name, version), name, version, isNew };
}
