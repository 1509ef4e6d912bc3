// Runs the sandbox cloud: certificates and token, Azurite, the ARM endpoint, one storage front per region, the seeded
// project — and stops all of it when asked. The CLI adapter (cli.ts) only parses options and prints.
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { writeFileAtomic } from '../common/atomicWrite';
import { UserError } from '../common/errors';
import type { Logger } from '../common/logger';
import { ROLES, type Role } from '../pair/pairFile';
import { startAzurite, type AzuriteProcess } from './azurite';
import { createArmHandler } from './arm/index';
import { makeCertificates } from './certs';
import { CONTROL_PATH, RECORD_FILE, STATE_DIR, describeFault, type FaultRequest, type SandboxRecord } from './control';
import { FaultBoard } from './faults';
import { FileService } from './fileShare';
import { checkProjectDir, writeProject } from './project';
import { keylessAccount } from './seed/keylessStore';
import { generatedStream, seedWorld, type BlobSeed, type SeedOptions } from './seed';
import { startStorageFront, type StorageFront } from './storageFront';
import type { CopyPeers } from './copyFromUrl';
import { API_VERSION, failJobsCaughtInOutage, freezeUnfinishedJobs, newRegion, resourceId, type Region, type World } from './world';
import { resourcesOf } from './arm/authorization';

export interface SandboxSettings {
  projectDir: string;
  /** ARM port; 0 picks a free one. */
  port: number;
  force: boolean;
  largeModelMb: number;
  notebooks: number;
  scale: number;
  hostile: boolean;
  pageSize: number;
  jobSeconds: number;
  logger: Logger;
  /** Progress lines for the user. */
  progress: (line: string) => void;
}

export interface RunningSandbox {
  record: SandboxRecord;
  world: World;
  faults: FaultBoard;
  stop(): Promise<void>;
}

const SUBSCRIPTION = '6c6683e9-e5fe-4038-8519-ce6ebec2ba15';
const LOCATIONS: Record<Role, string> = { primary: 'eastus', secondary: 'westus' };

const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';

export async function startSandbox(s: SandboxSettings): Promise<RunningSandbox> {
  const dir = path.resolve(s.projectDir);
  await fs.mkdir(dir, { recursive: true });
  await checkProjectDir(dir, s.force);
  const stateDir = path.join(dir, STATE_DIR);
  await fs.mkdir(stateDir, { recursive: true });
  await refuseIfRunning(path.join(stateDir, RECORD_FILE));

  const dataDir = path.join(stateDir, 'sandbox-data');
  await fs.rm(dataDir, { recursive: true, force: true });
  await fs.mkdir(path.join(dataDir, 'azurite'), { recursive: true });

  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        s.logger.warn(`While stopping the sandbox: ${(err as Error).message}`);
      }
    }
    stops.length = 0;
  };

  const t0 = Date.now();
  const phase = (what: string) => s.logger.debug(`sandbox start-up: ${what} at ${Date.now() - t0} ms`);
  try {
    const certs = await makeCertificates();
    phase('certificates made');
    const caFile = path.join(stateDir, 'sandbox-ca.pem');
    const tokenFile = path.join(stateDir, 'sandbox-token');
    await writeFileAtomic(caFile, certs.caPem);
    const user = randomUUID();
    const token = issueToken(ARM_AUDIENCE, user);
    await writeFileAtomic(tokenFile, `${token}\n`, 0o600);
    // Storage takes only a token for its own audience, as Azure Storage does: the second token, in its own file.
    const storageTokenFile = path.join(stateDir, 'sandbox-storage-token');
    const storageToken = issueToken(STORAGE_AUDIENCE, user);
    await writeFileAtomic(storageTokenFile, `${storageToken}\n`, 0o600);

    const suffix = createHash('sha256').update(dir).digest('hex').slice(0, 4);
    const world: World = {
      tenantId: TENANT_ID,
      regions: {
        primary: newRegion('primary', { location: LOCATIONS.primary, subscriptionId: SUBSCRIPTION, suffix, storageKey: randomBytes(64).toString('base64') }),
        secondary: newRegion('secondary', { location: LOCATIONS.secondary, subscriptionId: SUBSCRIPTION, suffix, storageKey: randomBytes(64).toString('base64') }),
      },
    };
    const keyless = keylessAccount(world.regions.primary, randomBytes(64).toString('base64'));
    world.regions.primary.keylessAccount = keyless;

    // Azurite takes the longest to start: it starts first and everything that does not need it runs meanwhile.
    s.progress('Starting Azurite…');
    const azuriteStarting = startAzurite({
      location: path.join(dataDir, 'azurite'),
      accounts: [...ROLES.map((r) => ({ name: world.regions[r].storageAccount, key: world.regions[r].storageKey })), { name: keyless.name, key: keyless.key }],
      caFile,
      logger: s.logger,
    });
    stops.push(() => azuriteStarting.then((a) => a.stop(), () => undefined));
    const sdkLoading = import('../azure/azureSdk');
    sdkLoading.catch(() => undefined);

    const realNotebooks = await loadSeedNotebooks();
    const seedOptions: SeedOptions = { largeModelMb: s.largeModelMb, notebooks: s.notebooks, scale: s.scale, hostile: s.hostile, realNotebooks };
    const plan = seedWorld(world, seedOptions);

    const faults = new FaultBoard();
    stops.push(async () => faults.releaseAll());

    // ARM
    let armUrl = '';
    const onFault = async (f: FaultRequest) => {
      faults.set(f.role, f.mode, f);
      await faults.settled();
      // While a region is down its unfinished jobs stop changing; when it heals they end Failed (the outage's reason).
      const region = world.regions[f.role];
      if (f.mode === 'outage') {
        const n = freezeUnfinishedJobs(region);
        if (n) s.logger.info(`${n} unfinished job(s) in ${region.location} stopped where they were.`);
      } else {
        const n = failJobsCaughtInOutage(region);
        if (n) s.logger.info(`${n} job(s) caught in the outage of ${region.location} ended Failed.`);
      }
      s.progress(`fault: ${f.role} (${world.regions[f.role].location}) → ${describeFault(f.mode, f)}`);
    };
    const armServer = https.createServer(
      { cert: certs.certPem, key: certs.keyPem },
      createArmHandler({
        world,
        faults,
        token,
        logger: s.logger,
        baseUrl: () => armUrl,
        pageSize: s.pageSize,
        jobTiming: { queuedMs: Math.min(1000, s.jobSeconds * 250), runMs: s.jobSeconds * 1000 },
        diagnoseMs: 1500,
        onFault,
      }),
    );
    armServer.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      armServer.once('error', (err: NodeJS.ErrnoException) =>
        reject(err.code === 'EADDRINUSE' ? new UserError(`Port ${s.port} is in use; pick another with --port.`, 'usage') : err),
      );
      armServer.listen(s.port, '127.0.0.1', () => resolve());
    });
    armUrl = `https://127.0.0.1:${(armServer.address() as AddressInfo).port}`;
    for (const role of ROLES) world.regions[role].discoveryUrl = `${armUrl}/discovery/${world.regions[role].location}`;
    stops.push(
      () =>
        new Promise<void>((resolve) => {
          armServer.close(() => resolve());
          armServer.closeAllConnections();
        }),
    );

    // File shares (served by the sandbox itself) are seeded while Azurite may still be starting.
    const fileServices = {} as Record<Role, FileService>;
    const shareOwner = new Map<string, Role>();
    for (const role of ROLES) {
      const r = world.regions[role];
      const files = new FileService(r.storageAccount, path.join(dataDir, 'files', role));
      await files.init();
      for (const share of [r.fileShare, r.fileStoreShare]) {
        files.createShare(share);
        shareOwner.set(share, role);
      }
      fileServices[role] = files;
    }
    s.progress(`Seeding ${plan.blobs.length} blobs and ${plan.files.length} files (large model ${s.largeModelMb} MB)…`);
    for (const f of plan.files) await fileServices[shareOwner.get(f.share)!].seedFile(f.share, f.path, f.data);

    phase('file shares seeded');
    const azurite: AzuriteProcess = await azuriteStarting;
    phase('Azurite listening');
    const fronts = {} as Record<Role, StorageFront>;
    const peers: CopyPeers = new Map();
    for (const role of ROLES) {
      const r = world.regions[role];
      fronts[role] = await startStorageFront({ role, account: r.storageAccount, key: r.storageKey, token: storageToken, armToken: token, sharedKeyDisabled: () => sharedKeyDisabled(r), azuriteUrl: azurite.url, files: fileServices[role], faults, tls: { cert: certs.certPem, key: certs.keyPem }, logger: s.logger, peers });
      stops.push(() => fronts[role].close());
      peers.set(new URL(fronts[role].blobUrl).origin, { role, account: r.storageAccount, key: r.storageKey });
    }
    const keylessFiles = new FileService(keyless.name, path.join(dataDir, 'files', 'keyless'));
    await keylessFiles.init();
    const keylessFront = await startStorageFront({ role: 'primary', account: keyless.name, key: keyless.key, token: storageToken, armToken: token, azuriteUrl: azurite.url, files: keylessFiles, faults, tls: { cert: certs.certPem, key: certs.keyPem }, logger: s.logger, sharedKeyDisabled: () => true });
    stops.push(() => keylessFront.close());
    await seedBlobs(await sdkLoading, azurite.url, world, plan.blobs);
    phase('blobs seeded');

    const endpoints = {
      armUrl,
      caFile: path.relative(dir, caFile),
      tokenFile: path.relative(dir, tokenFile),
      storageTokenFile: path.relative(dir, storageTokenFile),
      storage: {
        ...Object.fromEntries(ROLES.map((role) => [world.regions[role].storageAccount, { blob: fronts[role].blobUrl, file: fronts[role].fileUrl }])),
        [keyless.name]: { blob: keylessFront.blobUrl, file: keylessFront.fileUrl },
      },
    };
    await writeProject(dir, world, endpoints, realNotebooks.filter((n) => n.name.startsWith('nemo') || n.name === 'model.ipynb'));

    const record: SandboxRecord = {
      pid: process.pid,
      armUrl,
      controlUrl: `${armUrl}${CONTROL_PATH}`,
      caFile,
      tokenFile,
      storageTokenFile,
      dataDir,
      storage: {
        ...(Object.fromEntries(ROLES.map((role) => [role, { account: world.regions[role].storageAccount, blobUrl: fronts[role].blobUrl, fileUrl: fronts[role].fileUrl }])) as Record<Role, SandboxRecord['storage']['primary']>),
        keyless: { account: keyless.name, blobUrl: keylessFront.blobUrl, fileUrl: keylessFront.fileUrl },
      },
    };
    const recordFile = path.join(stateDir, RECORD_FILE);
    await writeFileAtomic(recordFile, JSON.stringify(record, null, 2) + '\n');
    stops.unshift(async () => {
      await fs.rm(recordFile, { force: true });
      await fs.rm(dataDir, { recursive: true, force: true });
    });

    await selfCheck(record, certs.caPem, { arm: token, storage: storageToken }, world);
    phase('start-up check passed');
    return { record, world, faults, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

const ARM_AUDIENCE = 'https://management.azure.com/';
const STORAGE_AUDIENCE = 'https://storage.azure.com/';

/** Whether the region's storage account has `allowSharedKeyAccess: false` (set by an ARM PATCH, arm/azureServices.ts). */
function sharedKeyDisabled(r: Region): boolean {
  const account = resourcesOf(r).get(resourceId(r, 'Microsoft.Storage', 'storageAccounts', r.storageAccount).toLowerCase());
  return (account?.properties as { allowSharedKeyAccess?: boolean } | undefined)?.allowSharedKeyAccess === false;
}

/** A JWT-shaped bearer token (HS256 with a secret that never leaves the process); the sandbox compares it whole. */
function issueToken(aud: string, oid: string): string {
  const b64 = (x: object) => Buffer.from(JSON.stringify(x)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const head = b64({ alg: 'HS256', typ: 'JWT' });
  const body = b64({ aud, iss: 'https://sandbox.aml-failover.invalid/', iat: now, nbf: now, exp: now + 30 * 24 * 3600, oid, tid: TENANT_ID, name: 'Sandbox User' });
  const sig = createHmac('sha256', randomBytes(32)).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

async function refuseIfRunning(recordFile: string): Promise<void> {
  let pid: number | undefined;
  try {
    pid = (JSON.parse(await fs.readFile(recordFile, 'utf8')) as SandboxRecord).pid;
  } catch {
    return;
  }
  if (pid && pid !== process.pid) {
    try {
      process.kill(pid, 0);
    } catch {
      return; // stale record of a sandbox that is gone
    }
    throw new UserError(`A sandbox (pid ${pid}) is already running for this project; stop it first (Ctrl-C in its terminal, or kill ${pid}).`, 'usage');
  }
}

/** Seed notebooks ship next to the sources (src/sandbox/seed/notebooks) and are found from the bundle too. */
async function loadSeedNotebooks(): Promise<{ name: string; data: Buffer }[]> {
  const candidates = [path.join(__dirname, 'seed', 'notebooks'), path.join(__dirname, '..', 'src', 'sandbox', 'seed', 'notebooks')];
  const folder = candidates.find((c) => existsSync(c));
  if (!folder) throw new Error(`The sandbox's seed notebooks are missing (looked in ${candidates.join(', ')}).`);
  const names = (await fs.readdir(folder)).filter((n) => n.endsWith('.ipynb')).sort();
  return Promise.all(names.map(async (name) => ({ name, data: await fs.readFile(path.join(folder, name)) })));
}

async function seedBlobs(sdk: typeof import('../azure/azureSdk'), azuriteUrl: string, world: World, blobs: BlobSeed[]): Promise<void> {
  const byAccount = new Map<string, InstanceType<typeof sdk.BlobServiceClient>>();
  const creating: Promise<unknown>[] = [];
  for (const role of ROLES) {
    const r = world.regions[role];
    const client = new sdk.BlobServiceClient(`${azuriteUrl}/${r.storageAccount}`, new sdk.StorageSharedKeyCredential(r.storageAccount, r.storageKey), { retryOptions: { maxTries: 2 } });
    byAccount.set(r.storageAccount, client);
    for (const c of [r.blobContainer, r.artifactContainer]) creating.push(client.getContainerClient(c).createIfNotExists());
  }
  const keyless = world.regions.primary.keylessAccount;
  if (keyless) {
    const client = new sdk.BlobServiceClient(`${azuriteUrl}/${keyless.name}`, new sdk.StorageSharedKeyCredential(keyless.name, keyless.key), { retryOptions: { maxTries: 2 } });
    byAccount.set(keyless.name, client);
    creating.push(client.getContainerClient(keyless.container).createIfNotExists());
  }
  await Promise.all(creating);
  const accountOf = (container: string) => {
    for (const role of ROLES) {
      const r = world.regions[role];
      if (r.blobContainer === container) return r.storageAccount;
    }
    return world.regions.primary.storageAccount;
  };
  const queue = [...blobs];
  const worker = async () => {
    for (let b = queue.shift(); b; b = queue.shift()) {
      const client = byAccount.get(b.account ?? accountOf(b.container))!;
      const blob = client.getContainerClient(b.container).getBlockBlobClient(b.name);
      if (b.verbatim && b.data) {
        const r = ROLES.map((role) => world.regions[role]).find((x) => x.storageAccount === accountOf(b.container))!;
        await putBlobVerbatim(azuriteUrl, r.storageAccount, r.storageKey, b.container, b.name, b.data);
      } else if (b.data && b.withoutContentMD5) {
        await blob.stageBlock(BLOCK_ID, b.data, b.data.length);
        await blob.commitBlockList([BLOCK_ID], { blobHTTPHeaders: { blobContentType: 'application/octet-stream' } });
      } else if (b.data) {
        await blob.uploadData(b.data, { blobHTTPHeaders: { blobContentMD5: createHash('md5').update(b.data).digest(), blobContentType: 'application/octet-stream' } });
      } else {
        await uploadGenerated(blob, b.generatedBytes ?? 0, b.generatedSeed, !b.withoutContentMD5);
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/**
 * Uploads a blob whose name URL parsers would rewrite (`..`, `//`, a leading `/`): the request path is sent as is, so
 * the blob gets the literal name, as other Azure clients can create it. A container SAS authorizes it, because its
 * signature does not cover the blob's path.
 */
async function putBlobVerbatim(azuriteUrl: string, account: string, key: string, container: string, name: string, data: Buffer): Promise<void> {
  const sdk = await import('../azure/azureSdk');
  const sas = sdk
    .generateBlobSASQueryParameters(
      { containerName: container, permissions: sdk.ContainerSASPermissions.parse('cw'), expiresOn: new Date(Date.now() + 600_000), version: '2025-01-05' },
      new sdk.StorageSharedKeyCredential(account, key),
    )
    .toString();
  const target = new URL(azuriteUrl);
  const rawPath = `/${account}/${container}/${name.split('/').map((p) => encodeURIComponent(p)).join('/')}?${sas}`;
  const md5 = createHash('md5').update(data).digest('base64');
  const headers = { 'content-length': String(data.length), 'x-ms-blob-content-md5': md5, 'x-ms-blob-type': 'BlockBlob', 'x-ms-version': '2025-01-05' };
  await new Promise<void>((resolve, reject) => {
    const req = http.request({ host: target.hostname, port: target.port, method: 'PUT', path: rawPath, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`Azurite refused the hostile blob ${JSON.stringify(name)}: ${res.statusCode} ${text}`))));
    });
    req.on('error', reject);
    req.end(data);
  });
}

const BLOCK_ID = Buffer.from('000000').toString('base64');

/** Streams generated content into blocks while hashing it, then commits (with its Content-MD5 unless told not to). */
async function uploadGenerated(
  blob: { stageBlock(id: string, body: Buffer, length: number): Promise<unknown>; commitBlockList(ids: string[], o: object): Promise<unknown> },
  bytes: number,
  seed: string | undefined,
  withMd5: boolean,
): Promise<void> {
  const md5 = createHash('md5');
  const ids: string[] = [];
  const blockSize = 8 * 1024 * 1024;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const inflight = new Set<Promise<unknown>>();
  const flush = async () => {
    if (!pendingBytes) return;
    const body = Buffer.concat(pending);
    pending = [];
    pendingBytes = 0;
    const id = Buffer.from(String(ids.length).padStart(6, '0')).toString('base64');
    ids.push(id);
    const p = blob.stageBlock(id, body, body.length).finally(() => inflight.delete(p));
    inflight.add(p);
    if (inflight.size >= 4) await Promise.race(inflight);
  };
  for await (const chunk of generatedStream(bytes, seed)) {
    md5.update(chunk as Buffer);
    pending.push(chunk as Buffer);
    pendingBytes += (chunk as Buffer).length;
    if (pendingBytes >= blockSize) await flush();
  }
  await flush();
  await Promise.all(inflight);
  await blob.commitBlockList(ids, { blobHTTPHeaders: { ...(withMd5 ? { blobContentMD5: md5.digest() } : {}), blobContentType: 'application/octet-stream' } });
}

/** `ready` is printed only once ARM and every storage endpoint answer through TLS with the issued credentials. */
async function selfCheck(record: SandboxRecord, ca: string, tokens: { arm: string; storage: string }, world: World): Promise<void> {
  const get = (url: string, headers: Record<string, string>) =>
    new Promise<number>((resolve, reject) => {
      https
        .get(url, { ca, headers }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        })
        .on('error', reject);
    });
  const arm = { authorization: `Bearer ${tokens.arm}` };
  const storage = { authorization: `Bearer ${tokens.storage}`, 'x-ms-version': '2025-01-05' };
  const checks = ROLES.flatMap((role) => {
    const r = world.regions[role];
    return [
      { url: `${record.armUrl}/subscriptions/${r.subscriptionId}/resourceGroups/${r.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${r.workspaceName}?api-version=${API_VERSION}`, headers: arm },
      { url: `${record.storage[role].blobUrl}/${r.blobContainer}?restype=container`, headers: storage },
      { url: `${record.storage[role].fileUrl}/${r.fileShare}?restype=share`, headers: { ...storage, 'x-ms-file-request-intent': 'backup' } },
    ];
  });
  const statuses = await Promise.all(checks.map((c) => get(c.url, c.headers)));
  statuses.forEach((status, i) => {
    if (status !== 200) throw new Error(`The sandbox endpoint ${checks[i].url} answered ${status} to its own start-up check.`);
  });
}
