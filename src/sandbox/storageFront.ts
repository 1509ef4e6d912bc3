// One region's storage endpoint: an HTTPS front (Blob and Files on one port) that checks authentication like Azure
// (Shared Key with the account key, a SAS signed with it, or the sandbox's bearer token; anonymous refused), forwards blob calls to Azurite
// and serves the file share itself — so that the region's faults apply to storage too. Outage closes the listening
// sockets (connections are refused); blackhole accepts connections and never answers.
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { Readable } from 'node:stream';
import type { Logger } from '../common/logger';
import type { Role } from '../pair/pairFile';
import { THROTTLE_RETRY_AFTER_S, corruptStream, gate, sendBody, type FaultBoard } from './faults';
import { StorageError, esc, type FileService } from './fileShare';
import { commonHeaders, readBody } from './http';
import { copyBlobSource, putBlockFromUrl, userDelegationKey, type CopyPeers } from './copyFromUrl';
import { fileOperation, verifyFileSas } from './sas';
import { sign, stringToSign, verifySharedKey } from './sharedKey';

export interface StorageFrontOptions {
  role: Role;
  account: string;
  key: string;
  /** The storage-scoped token (audience https://storage.azure.com/): the only bearer token storage takes. */
  token: string;
  /** The sandbox's ARM token: refused here as Azure Storage refuses a token for another audience. */
  armToken?: string;
  azuriteUrl: string;
  files: FileService;
  faults: FaultBoard;
  tls: { cert: string; key: string };
  logger: Logger;
  /** The accounts this front copies from (Put Block From URL), by their fronts' origins; filled once all listen. */
  peers?: CopyPeers;
  /**
   * Whether the account's `allowSharedKeyAccess` is false (asked on each request: an ARM PATCH can switch it): Shared
   * Key and key-signed SAS then get 403 KeyBasedAuthenticationNotPermitted.
   */
  sharedKeyDisabled?: () => boolean;
}

export interface StorageFront {
  /** Both the same: https://127.0.0.1:<port>/<account> */
  blobUrl: string;
  fileUrl: string;
  port: number;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host']);

/** A listener that can be closed and reopened on the same port, and can hold connections without answering. */
class Listener {
  readonly sockets = new Set<net.Socket>();
  private server: net.Server;
  port = 0;

  constructor(
    private readonly onConnection: (socket: net.Socket) => void,
  ) {
    this.server = this.make();
  }

  private make(): net.Server {
    return net.createServer((socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      this.onConnection(socket);
    });
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        this.port = (this.server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  get listening(): boolean {
    return this.server.listening;
  }

  /** Stops accepting (new connections are refused) and cuts every open one. */
  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (!this.server.listening) return Promise.resolve();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server = this.make();
    });
  }

  async reopen(): Promise<void> {
    if (!this.server.listening) await this.listen(this.port);
  }
}

export async function startStorageFront(opts: StorageFrontOptions): Promise<StorageFront> {
  const { faults, role, account, logger } = opts;
  const azurite = new URL(opts.azuriteUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  // Blob and Files share one endpoint per region (path-style URLs); serviceOf() tells their requests apart.
  const server = https.createServer({ ...opts.tls }, (req, res) => void serve(req, res));
  server.keepAliveTimeout = 5000;
  const held = new Set<net.Socket>();
  const listener = new Listener((socket: net.Socket) => {
    if (faults.get(role).mode === 'blackhole') {
      // Accepted, never answered (not even the TLS handshake).
      held.add(socket);
      socket.once('close', () => held.delete(socket));
      socket.on('error', () => undefined);
      return;
    }
    server.emit('connection', socket);
  });
  await listener.listen(0);

  const onChange = (changed: Role) => {
    if (changed !== role) return;
    const mode = faults.get(role).mode;
    for (const s of held) s.destroy();
    held.clear();
    // The switch is answered only once the endpoint refuses or listens again (FaultBoard.settled).
    if (mode === 'outage') faults.settle(listener.close());
    else faults.settle(listener.reopen().catch((err: unknown) => logger.error(`Cannot reopen ${account}'s storage endpoint: ${(err as Error).message}`)));
  };
  faults.on('change', onChange);

  function storageError(res: http.ServerResponse, e: StorageError) {
    const body = Buffer.from(`\ufeff<?xml version="1.0" encoding="utf-8"?><Error><Code>${esc(e.code)}</Code><Message>${esc(e.message)}\nRequestId:${res.getHeader('x-ms-request-id')}\nTime:${new Date().toISOString()}</Message>${detailsXml(e.details)}</Error>`);
    res.statusCode = e.status;
    res.setHeader('x-ms-error-code', e.code);
    res.setHeader('content-type', 'application/xml');
    for (const [h, v] of Object.entries(e.headers)) res.setHeader(h, String(v));
    if (res.req.method === 'HEAD') {
      res.end();
      return;
    }
    res.setHeader('content-length', body.length);
    sendBody(res, faults.bodyEffect(role, false), body);
  }

  async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    commonHeaders(res);
    res.setHeader('x-ms-version', String(req.headers['x-ms-version'] ?? '2025-01-05'));
    const rawUrl = req.url ?? '/';
    const qIndex = rawUrl.indexOf('?');
    const rawPath = qIndex < 0 ? rawUrl : rawUrl.slice(0, qIndex);
    const query = new URLSearchParams(qIndex < 0 ? '' : rawUrl.slice(qIndex + 1));
    const segments = rawPath.split('/').slice(1);
    const service = serviceOf(req, segments[1], query, (name) => opts.files.hasShare(name));
    res.setHeader('server', service === 'blob' ? 'Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0 (sandbox, Azurite)' : 'Windows-Azure-File/1.0 Microsoft-HTTPAPI/2.0 (sandbox)');
    try {
      const outcome = await gate(faults, role, res);
      if (outcome === 'held') return;
      if (outcome === 'outage') {
        req.socket.destroy();
        return;
      }
      if (outcome === 'throttle') {
        req.resume();
        throw new StorageError(429, 'ServerBusy', `The ${service} service of ${account} is throttling requests; retry after ${THROTTLE_RETRY_AFTER_S} s.`, { 'retry-after': String(THROTTLE_RETRY_AFTER_S) });
      }
      if (segments[0] !== account) {
        req.resume();
        throw new StorageError(400, 'InvalidUri', `This endpoint serves the storage account '${account}' only; the path must start with /${account}/.`);
      }
      if (service === 'blob' && query.get('restype') === 'container' && req.method === 'PUT' && segments[1] && opts.files.hasShare(safeDecode(segments[1]))) {
        req.resume();
        throw new StorageError(409, 'ContainerAlreadyExists', `A file share of ${account} is named '${safeDecode(segments[1])}'; the sandbox serves blobs and files on one endpoint, so a container cannot take that name.`);
      }
      const auth = authenticate(req, rawUrl, query, service);
      if (service === 'blob' && req.method === 'PUT' && query.get('comp') === 'block' && req.headers['x-ms-copy-source']) {
        return await putBlockFromUrl({ req, res, rawUrl, account, key: opts.key, auth, token: opts.token, azurite, agent, peers: opts.peers ?? new Map(), faults });
      }
      if (service === 'blob' && req.method === 'POST' && query.get('comp') === 'userdelegationkey') return await userDelegationKey(req, res, auth, opts.token);
      if (service === 'blob' && req.method === 'PUT' && !query.get('comp') && req.headers['x-ms-copy-source']) {
        return await forwardBlob(req, res, rawUrl, auth, req, await copyBlobSource({ req, token: opts.token, azurite, peers: opts.peers ?? new Map(), faults }));
      }
      const upload = isUpload(req, query);
      const spoiled = upload && faults.uploadCorrupted(role);
      if (service === 'blob') return await forwardBlob(req, res, rawUrl, auth, spoiled ? req.pipe(corruptStream()) : req);
      let fileParts: string[];
      try {
        fileParts = filePathParts(segments.slice(1));
      } catch (err) {
        req.resume();
        throw err instanceof StorageError ? err : new StorageError(400, 'InvalidUri', 'The request URI is not valid percent-encoding.');
      }
      if (auth === 'sas') {
        try {
          verifyFileSas(query, account, opts.key, fileOperation(req.method ?? 'GET', fileParts, query), { remoteAddress: req.socket.remoteAddress });
        } catch (err) {
          req.resume();
          throw err;
        }
      }
      const result = await opts.files.handle(req, fileParts, query, spoiled ? req.pipe(corruptStream()) : req);
      req.resume();
      res.statusCode = result.status;
      for (const [h, v] of Object.entries(result.headers)) res.setHeader(h, v);
      if (!result.body || req.method === 'HEAD') {
        if (!res.hasHeader('content-length')) res.setHeader('content-length', '0');
        sendBody(res, faults.bodyEffect(role, false), Buffer.alloc(0));
        return;
      }
      sendBody(res, faults.bodyEffect(role, Boolean(result.download)), result.body, { length: result.length });
    } catch (err) {
      if (err instanceof StorageError) return storageError(res, err);
      logger.error(err as Error);
      if (!res.headersSent) storageError(res, new StorageError(500, 'InternalError', `The sandbox failed to answer: ${(err as Error).message}`));
      else res.destroy();
    }
  }

  /** Shared Key (verified here), the sandbox's storage token, or a SAS (verified here for files, by Azurite for blobs). */
  function authenticate(req: http.IncomingMessage, rawUrl: string, query: URLSearchParams, service: 'blob' | 'file'): 'sharedKey' | 'bearer' | 'sas' {
    const auth = req.headers.authorization;
    if (opts.sharedKeyDisabled?.() && (auth?.startsWith('SharedKey ') || (!auth && query.has('sig')))) {
      req.resume();
      throw new StorageError(403, 'KeyBasedAuthenticationNotPermitted', 'Key based authentication is not permitted on this storage account.');
    }
    if (auth?.startsWith('SharedKey ')) {
      if (!verifySharedKey(req.method ?? 'GET', rawUrl, req.headers, account, opts.key)) {
        req.resume();
        throw new StorageError(403, 'AuthenticationFailed', 'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature (use the key datastores listSecrets returns).');
      }
      return 'sharedKey';
    }
    if (auth && /^Bearer\s+/i.test(auth)) {
      const token = auth.replace(/^Bearer\s+/i, '').trim();
      if (token !== opts.token) {
        req.resume();
        // Azure Storage takes only tokens issued for https://storage.azure.com/ (a token for ARM is refused so).
        const detail = token === opts.armToken ? 'Audience validation failed. Audience did not match.' : 'The bearer token is not one the sandbox issued.';
        throw new StorageError(401, 'InvalidAuthenticationInfo', 'Server failed to authenticate the request. Please refer to the information in the www-authenticate header.', { 'www-authenticate': 'Bearer authorization_uri=https://login.microsoftonline.com/common/oauth2/authorize resource_id=https://storage.azure.com' }, { AuthenticationErrorDetail: detail });
      }
      if (service === 'file') requireBackupIntent(req);
      return 'bearer';
    }
    if (query.has('sig')) return 'sas';
    req.resume();
    throw new StorageError(401, 'NoAuthenticationInformation', 'Server failed to authenticate the request: anonymous access is not allowed; sign with the account key or send a bearer token.');
  }

  /**
   * Forwards a blob call to Azurite; `body` is the request's body as it arrived (spoiled on the way by
   * `corrupt --uploads`), `changed` the headers the front rewrote (a server-side copy's source). Azurite refuses a
   * block or blob whose Content-MD5 does not match with a code of its own (400 InvalidOperation "Provided contentMD5
   * doesn't match."): the answer is given as Azure gives it, 400 Md5Mismatch.
   */
  function forwardBlob(req: http.IncomingMessage, res: http.ServerResponse, rawUrl: string, auth: 'sharedKey' | 'bearer' | 'sas', body: Readable, changed: http.OutgoingHttpHeaders = {}): Promise<void> {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [h, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(h) && v !== undefined) headers[h] = v;
    for (const [h, v] of Object.entries(changed)) {
      if (v === undefined) delete headers[h];
      else headers[h] = v;
    }
    headers.host = azurite.host;
    // Headers the front changed are no longer the ones the client signed.
    if (auth === 'bearer' || (auth === 'sharedKey' && Object.keys(changed).length)) {
      // Azurite knows only Shared Key and SAS here: sign the request as the account would.
      if (!headers['x-ms-date'] && !headers.date) headers['x-ms-date'] = new Date().toUTCString();
      delete headers.authorization;
      const asSigned = Object.fromEntries(Object.entries(headers).map(([h, v]) => [h, Array.isArray(v) ? v.join(',') : String(v)]));
      headers.authorization = `SharedKey ${account}:${sign(opts.key, stringToSign(req.method ?? 'GET', rawUrl, asSigned, account))}`;
    }
    return new Promise<void>((resolve) => {
      const upstream = http.request({ host: azurite.hostname, port: azurite.port, method: req.method, path: rawUrl, headers, agent }, (up) => {
        const copyHeaders = () => {
          res.statusCode = up.statusCode ?? 502;
          for (const [h, v] of Object.entries(up.headers)) {
            if (!HOP_BY_HOP.has(h) && v !== undefined && h !== 'server' && h !== 'date' && h !== 'x-ms-request-id') res.setHeader(h, v);
          }
        };
        if (up.statusCode === 400 && req.headers['content-md5'] !== undefined) {
          void readBody(up, 64 * 1024).then(
            (text) => {
              if (/contentMD5 doesn't match/i.test(text.toString('utf8'))) {
                storageError(res, new StorageError(400, 'Md5Mismatch', 'The MD5 value specified in the request did not match with the MD5 value calculated by the server.'));
              } else {
                copyHeaders();
                res.end(text);
              }
              resolve();
            },
            () => resolve(),
          );
          return;
        }
        copyHeaders();
        const length = Number(up.headers['content-length'] ?? 0);
        // A blob's contents, not a listing or properties (those carry comp= or restype=).
        const download = req.method === 'GET' && (up.statusCode === 200 || up.statusCode === 206) && !/[?&](comp|restype)=/.test(rawUrl);
        up.once('end', resolve);
        up.once('error', () => resolve());
        res.once('close', () => {
          up.destroy();
          resolve();
        });
        sendBody(res, faults.bodyEffect(role, download), up, { length });
      });
      upstream.on('error', (err) => {
        logger.warn(`Azurite did not answer ${req.method} ${rawUrl}: ${err.message}`);
        if (!res.headersSent) storageError(res, new StorageError(503, 'ServerBusy', `The blob service of ${account} is unavailable: ${err.message}`));
        else res.destroy();
        resolve();
      });
      body.pipe(upstream);
    });
  }

  const url = `https://127.0.0.1:${listener.port}/${account}`;
  return {
    blobUrl: url,
    fileUrl: url,
    port: listener.port,
    async close() {
      faults.off('change', onChange);
      for (const s of held) s.destroy();
      await listener.close();
      server.close();
      agent.destroy();
    },
  };
}

/**
 * Azure Files takes an OAuth token only with `x-ms-file-request-intent: backup` ("Required if Authorization header
 * specifies an OAuth token. Acceptable value is backup", FileREST common request headers, version 2022-11-02 and
 * later); without it the service answers 400 MissingRequiredHeader naming the header (as seen in
 * Azure/azure-sdk-for-net#36365 and Azure/azure-powershell#24157), with another value 400 InvalidHeaderValue.
 */
function requireBackupIntent(req: http.IncomingMessage): void {
  const intent = req.headers['x-ms-file-request-intent'];
  if (intent === undefined) {
    req.resume();
    throw new StorageError(400, 'MissingRequiredHeader', "An HTTP header that's mandatory for this request is not specified.", {}, { HeaderName: 'x-ms-file-request-intent' });
  }
  if (String(intent).toLowerCase() !== 'backup') {
    req.resume();
    throw new StorageError(400, 'InvalidHeaderValue', 'The value for one of the HTTP headers is not in the correct format.', {}, { HeaderName: 'x-ms-file-request-intent', HeaderValue: String(intent) });
  }
}

/** Put Block, Put Range and Put Blob: the requests whose bodies are a file's bytes. */
export function isUpload(req: http.IncomingMessage, query: URLSearchParams): boolean {
  if (req.method !== 'PUT') return false;
  const comp = query.get('comp');
  if (comp === 'block' || comp === 'range') return String(req.headers['x-ms-write'] ?? 'update').toLowerCase() !== 'clear';
  return !comp && !query.get('restype') && String(req.headers['x-ms-blob-type'] ?? '').toLowerCase() === 'blockblob';
}

/**
 * The share and path of a Files request, decoded. Azure Files reads an encoded '/' (%2F) as a folder separator:
 * `az storage file download-batch` asks for `share/a%2Fb%2Fc.ipynb` — the whole nested path as one segment.
 */
export function filePathParts(segments: string[]): string[] {
  return segments.flatMap((raw) => {
    const names = decodeURIComponent(raw).split('/');
    // An encoded '/' that leaves an empty name (`%2Fetc`, `a%2F%2Fb`) names nothing a share can hold; a last one is a folder's.
    if (names.length > 1 && names.slice(0, -1).some((n) => n === '')) throw new StorageError(400, 'InvalidResourceName', 'The specifed resource name contains invalid characters.');
    return names;
  }).filter((p) => p !== '');
}

/** Extra elements of a Storage error body (`<HeaderName>`, `<AuthenticationErrorDetail>`), as Azure adds them. */
function detailsXml(details: Record<string, unknown>): string {
  return Object.entries(details)
    .map(([name, v]) => `<${name}>${esc(String(v))}</${name}>`)
    .join('');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Which service a request on the shared endpoint is for. Share- and directory-level calls say so in `restype`, file
 * creation in `x-ms-type`; other paths go by whether their first segment names a file share. Account-level calls
 * (listing, service properties) look the same in both services: they go to Files when the client says it is a
 * file-share client (`x-ms-file-request-intent`, or its User-Agent), else to Blob.
 */
export function serviceOf(req: http.IncomingMessage, first: string | undefined, query: URLSearchParams, isShare: (name: string) => boolean): 'blob' | 'file' {
  const restype = query.get('restype');
  if (restype === 'share' || restype === 'directory') return 'file';
  if (restype === 'container') return 'blob';
  if (String(req.headers['x-ms-type'] ?? '').toLowerCase() === 'file') return 'file';
  if (first) return isShare(safeDecode(first)) ? 'file' : 'blob';
  if (req.headers['x-ms-file-request-intent'] || /storage-file-share|storage-file\b|FileShare/i.test(String(req.headers['user-agent'] ?? ''))) return 'file';
  return 'blob';
}
