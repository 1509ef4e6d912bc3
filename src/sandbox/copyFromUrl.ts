// Server-side copies between the sandbox's storage accounts, as Azure does them. Azurite copies blobs only between
// accounts it serves under its own host, and has no Put Block From URL: so a region's storage front answers Put Block
// From URL itself. The copy source must be a blob of another (or the same) region's front, authorized by a blob SAS
// (signed with that account's key, or a user delegation SAS) or a bearer token in x-ms-copy-source-authorization; the
// front checks it as the source account would, reads the range from Azurite and stages it as a block of the target.
// The source's region faults apply as they would between Azure regions: under `outage` or `blackhole` the source
// cannot be read (500 CannotVerifyCopySource), under `throttle` it answers busy. A SAS limited to an IP range (`sip`)
// is refused: the read comes from the target account's storage service, not from the client's address.
import { createHmac } from 'node:crypto';
import * as http from 'node:http';
import type { Role } from '../pair/pairFile';
import type { FaultBoard } from './faults';
import { StorageError, esc } from './fileShare';
import { readBody } from './http';
import { sign, stringToSign } from './sharedKey';

/** An account a front can copy from: its region and key, by the origin of its front (https://127.0.0.1:<port>). */
export interface CopyPeer {
  role: Role;
  account: string;
  key: string;
}

export type CopyPeers = Map<string, CopyPeer>;

/** Azurite's fixed key for user delegation keys (azurite/dist/src/blob/utils/constants USERDELEGATIONKEY_BASIC_KEY). */
const AZURITE_DELEGATION_BASE_KEY = 'I17GKLvcJUossaebtsEDZZ2RJ8GNLwLH4m7hRMxbVbkx6wNIRAABj4Rtw0FBhFuEAgmbL4gFMzUw+AStz9Sqdg==';
/** Where the target's storage service reads from, as the source account sees it: never the client's loopback address. */
export const STORAGE_SERVICE_ADDRESS = '10.255.0.4';

const copyFailed = (status: number, message: string) => new StorageError(status, 'CannotVerifyCopySource', message);

export interface PutBlockFromUrl {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  /** The request target as sent (path and query). */
  rawUrl: string;
  /** The target account, its key, and how the request to the front was authenticated. */
  account: string;
  key: string;
  auth: 'sharedKey' | 'bearer' | 'sas';
  token: string;
  azurite: URL;
  agent: http.Agent;
  peers: CopyPeers;
  faults: FaultBoard;
}

/** Answers a Put Block From URL (PUT ?comp=block with x-ms-copy-source). */
export async function putBlockFromUrl(c: PutBlockFromUrl): Promise<void> {
  c.req.resume();
  const source = await checkedSource(c.req, c.peers, c.faults, c.token);

  const range = String(c.req.headers['x-ms-source-range'] ?? '');
  const read = await azuriteRequest(c, source.peer, 'GET', source.path, {
    ...(range ? { 'x-ms-range': range } : {}),
    ...(c.req.headers['x-ms-source-if-match'] ? { 'if-match': String(c.req.headers['x-ms-source-if-match']) } : {}),
  });
  if (read.statusCode === 404) throw drain(read, copyFailed(404, 'The specified blob does not exist.'));
  if (read.statusCode === 412) throw drain(read, new StorageError(412, 'SourceConditionNotMet', 'The source condition specified using HTTP conditional header(s) is not met.'));
  if (read.statusCode === 416) throw drain(read, new StorageError(416, 'InvalidRange', 'The range specified is invalid for the current size of the source.'));
  if (read.statusCode !== 200 && read.statusCode !== 206) throw drain(read, copyFailed(read.statusCode ?? 500, `The source answered ${read.statusCode}.`));
  const length = Number(read.headers['content-length'] ?? 0);
  if (length > 100 * 1024 * 1024) throw drain(read, new StorageError(413, 'RequestBodyTooLarge', 'A block copied from a URL is at most 100 MiB.'));

  // The block itself: the target's own Put Block, with the source's bytes as its body.
  const target = new URL(c.rawUrl, 'https://sandbox.invalid');
  const headers: Record<string, string> = { 'content-length': String(length) };
  if (c.req.headers['x-ms-lease-id']) headers['x-ms-lease-id'] = String(c.req.headers['x-ms-lease-id']);
  const put = await azuriteRequest(c, c.auth === 'sas' ? undefined : { account: c.account, key: c.key }, 'PUT', `${target.pathname}${target.search}`, headers, read);
  const body = await text(put);
  c.res.statusCode = put.statusCode ?? 502;
  for (const h of ['content-type', 'x-ms-error-code', 'x-ms-request-server-encrypted', 'content-md5', 'x-ms-content-crc64']) {
    if (put.headers[h] !== undefined) c.res.setHeader(h, put.headers[h]!);
  }
  c.res.setHeader('content-length', Buffer.byteLength(body));
  c.res.end(body);
}

/**
 * Copy Blob (and Copy Blob From URL) from another region's front: checked here as the source account would, then
 * handed to Azurite, which copies between the accounts it serves once it can read the source itself — so the copy
 * source becomes the same blob at Azurite's own address, with a SAS Azurite accepts. Returns the headers to change.
 */
export async function copyBlobSource(c: { req: http.IncomingMessage; token: string; azurite: URL; peers: CopyPeers; faults: FaultBoard }): Promise<Record<string, string | undefined>> {
  const source = await checkedSource(c.req, c.peers, c.faults, c.token);
  const sdk = await import('../azure/azureSdk');
  const sas = sdk.generateBlobSASQueryParameters(
    { containerName: source.container, blobName: source.blob, permissions: sdk.BlobSASPermissions.parse('r'), expiresOn: new Date(Date.now() + 15 * 60_000), protocol: sdk.SASProtocol.HttpsAndHttp },
    new sdk.StorageSharedKeyCredential(source.peer.account, source.peer.key),
  );
  return { 'x-ms-copy-source': `${c.azurite.origin}${source.path}?${sas.toString()}`, 'x-ms-copy-source-authorization': undefined };
}

/** The copy source of `req`, once its region answers and its authorization holds. */
async function checkedSource(req: http.IncomingMessage, peers: CopyPeers, faults: FaultBoard, token: string): Promise<Source> {
  const source = parseSource(String(req.headers['x-ms-copy-source'] ?? ''), peers);
  const fault = faults.get(source.peer.role).mode;
  if (fault === 'outage' || fault === 'blackhole') throw copyFailed(500, 'Could not verify the copy source within the specified time.');
  if (fault === 'throttle') throw new StorageError(503, 'ServerBusy', 'The source storage account is busy; retry later.');
  await authorizeSource(source, String(req.headers['x-ms-copy-source-authorization'] ?? ''), token);
  return source;
}

interface Source {
  peer: CopyPeer;
  /** /<account>/<container>/<blob> as sent (percent-encoding kept), without the query. */
  path: string;
  container: string;
  blob: string;
  query: URLSearchParams;
}

function parseSource(raw: string, peers: CopyPeers): Source {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new StorageError(400, 'InvalidHeaderValue', 'The value for the header x-ms-copy-source is not a URL.');
  }
  const peer = peers.get(url.origin);
  if (!peer) throw copyFailed(404, 'The sandbox copies only from its own storage endpoints; this copy source names another host.');
  const [account, container, ...blob] = url.pathname.split('/').slice(1);
  if (account !== peer.account || !container || !blob.length) throw copyFailed(404, 'The specified resource does not exist.');
  return { peer, path: url.pathname, container: decodeURIComponent(container), blob: blob.map(decodeURIComponent).join('/'), query: url.searchParams };
}

/** The source's own check of the copy's authorization: a blob SAS of its account, or the sandbox's bearer token. */
async function authorizeSource(source: Source, authorization: string, token: string): Promise<void> {
  if (!source.query.has('sig')) {
    if (/^Bearer\s+/i.test(authorization) && authorization.replace(/^Bearer\s+/i, '').trim() === token) return;
    throw copyFailed(401, 'Server failed to authenticate the request: the copy source has no SAS and x-ms-copy-source-authorization no valid token.');
  }
  const q = (n: string) => source.query.get(n) ?? '';
  const sdk = await import('../azure/azureSdk');
  if (q('si')) throw copyFailed(403, 'Stored access policies (si) are not supported by the sandbox.');
  if (q('sr') !== 'b' && q('sr') !== 'c') throw copyFailed(403, `The signed resource (sr) "${q('sr')}" is not a blob or container.`);
  const expires = new Date(q('se'));
  if (Number.isNaN(expires.getTime()) || expires.getTime() <= Date.now()) throw copyFailed(403, `Signed expiry time [${q('se')}] has to be after the current time.`);
  if (q('st') && !(new Date(q('st')).getTime() <= Date.now())) throw copyFailed(403, `Signature not valid in the specified time frame: start [${q('st')}].`);
  const values = {
    version: q('sv'),
    permissions: q('sr') === 'b' ? sdk.BlobSASPermissions.parse(q('sp')) : sdk.ContainerSASPermissions.parse(q('sp')),
    startsOn: q('st') ? new Date(q('st')) : undefined,
    expiresOn: expires,
    protocol: (q('spr') || undefined) as never,
    ipRange: q('sip') ? { start: q('sip').split('-')[0]!, end: q('sip').split('-')[1] } : undefined,
    containerName: source.container,
    blobName: q('sr') === 'b' ? source.blob : undefined,
    encryptionScope: q('ses') || undefined,
    cacheControl: q('rscc') || undefined,
    contentDisposition: q('rscd') || undefined,
    contentEncoding: q('rsce') || undefined,
    contentLanguage: q('rscl') || undefined,
    contentType: q('rsct') || undefined,
  };
  let expected: string;
  if (q('skoid')) {
    const key = {
      signedObjectId: q('skoid'),
      signedTenantId: q('sktid'),
      signedStartsOn: new Date(q('skt')),
      signedExpiresOn: new Date(q('ske')),
      signedService: q('sks'),
      signedVersion: q('skv'),
      value: delegationKeyValue(q('skoid'), q('sktid'), q('skt'), q('ske'), q('skv')),
    };
    if (!(key.signedExpiresOn.getTime() > Date.now())) throw copyFailed(403, 'The user delegation key of the SAS has expired.');
    expected = sdk.generateBlobSASQueryParameters(values, key, source.peer.account).signature;
  } else {
    expected = sdk.generateBlobSASQueryParameters(values, new sdk.StorageSharedKeyCredential(source.peer.account, source.peer.key)).signature;
  }
  if (expected !== q('sig')) throw copyFailed(403, 'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.');
  if (!q('sp').includes('r')) throw copyFailed(403, 'This request is not authorized to perform this operation using this permission.');
  if (q('sip')) throw copyFailed(403, `This request is not authorized to perform this operation using this source IP ${STORAGE_SERVICE_ADDRESS}.`);
}

/** The value of a user delegation key as Azurite derives it (so the SAS also verifies when Azurite checks it). */
export function delegationKeyValue(oid: string, tid: string, start: string, expiry: string, version: string): string {
  return createHmac('sha256', AZURITE_DELEGATION_BASE_KEY).update([oid, tid, start, expiry, 'b', version].join('\n'), 'utf8').digest('base64');
}

/** One request to Azurite, Shared Key signed with `as` (unsigned when undefined: a SAS in the path authorizes it). */
function azuriteRequest(
  c: PutBlockFromUrl,
  as: { account: string; key: string } | undefined,
  method: string,
  rawPath: string,
  extra: Record<string, string>,
  body?: NodeJS.ReadableStream,
): Promise<http.IncomingMessage> {
  const headers: Record<string, string> = { 'x-ms-version': '2025-01-05', 'x-ms-date': new Date().toUTCString(), ...extra };
  if (!body) headers['content-length'] = '0';
  if (as) headers.authorization = `SharedKey ${as.account}:${sign(as.key, stringToSign(method, rawPath, headers, as.account))}`;
  return new Promise((resolve, reject) => {
    const r = http.request({ host: c.azurite.hostname, port: c.azurite.port, method, path: rawPath, headers: { ...headers, host: c.azurite.host }, agent: c.agent }, resolve);
    r.on('error', (err) => reject(new StorageError(503, 'ServerBusy', `The blob service is unavailable: ${err.message}`)));
    if (body) body.pipe(r);
    else r.end();
  });
}

function drain(res: http.IncomingMessage, err: StorageError): StorageError {
  res.resume();
  return err;
}

function text(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = '';
    res.setEncoding('utf8').on('data', (d: string) => (s += d));
    res.on('end', () => resolve(s));
    res.on('error', reject);
  });
}

/**
 * Get User Delegation Key (POST ?restype=service&comp=userdelegationkey), for a bearer token only, as in Azure: a key
 * for the token's user (oid, tid) valid from Start to Expiry (at most 7 days), with which SASes are signed.
 */
export async function userDelegationKey(req: http.IncomingMessage, res: http.ServerResponse, auth: 'sharedKey' | 'bearer' | 'sas', token: string): Promise<void> {
  const body = (await readBody(req, 64 * 1024)).toString('utf8');
  if (auth !== 'bearer') throw new StorageError(403, 'AuthenticationFailed', 'Only a bearer token (OAuth) can ask for a user delegation key.');
  const start = /<Start>([^<]*)<\/Start>/.exec(body)?.[1] ?? '';
  const expiry = /<Expiry>([^<]*)<\/Expiry>/.exec(body)?.[1] ?? '';
  const [s, e] = [Date.parse(start), Date.parse(expiry)];
  if (Number.isNaN(s) || Number.isNaN(e) || e <= Date.now() || e - s > 7 * 24 * 3600_000) {
    throw new StorageError(400, 'InvalidXmlDocument', 'Start and Expiry must be times at most 7 days apart, Expiry in the future.');
  }
  const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8') || '{}') as { oid?: string; tid?: string };
  const oid = claims.oid ?? '';
  const tid = claims.tid ?? '';
  const version = String(req.headers['x-ms-version'] ?? '2025-01-05');
  const xml = `\ufeff<?xml version="1.0" encoding="utf-8"?><UserDelegationKey><SignedOid>${esc(oid)}</SignedOid><SignedTid>${esc(tid)}</SignedTid><SignedStart>${esc(start)}</SignedStart><SignedExpiry>${esc(expiry)}</SignedExpiry><SignedService>b</SignedService><SignedVersion>${esc(version)}</SignedVersion><Value>${delegationKeyValue(oid, tid, start, expiry, version)}</Value></UserDelegationKey>`;
  const out = Buffer.from(xml);
  res.statusCode = 200;
  res.setHeader('content-type', 'application/xml');
  res.setHeader('content-length', out.length);
  res.end(out);
}
