// The Azure Files REST subset that @azure/storage-file-share uses (Azurite has no file service): shares, directories,
// create/put-range/get (with ranges)/properties/delete of files, and directory listings with paging. Names live only
// in an in-memory index; file bytes live in the sandbox's data folder under random ids, so no name a client sends
// ever becomes a file-system path.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { BodyTooLarge, ServiceError as StorageError, readBody } from './http';

export const MAX_RANGE_BYTES = 4 * 1024 * 1024;

interface FileProps {
  id: string;
  size: number;
  /** Base64 MD5 of the whole file, as stored (x-ms-content-md5); Azure does not compute it. */
  md5?: string;
  contentType?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  contentDisposition?: string;
  cacheControl?: string;
}

interface Entry {
  name: string;
  kind: 'dir' | 'file';
  fileId: string;
  created: Date;
  modified: Date;
  etag: string;
  children?: Map<string, Entry>;
  file?: FileProps;
  metadata: Record<string, string>;
}

interface Share {
  name: string;
  root: Entry;
  quotaGb: number;
  created: Date;
  etag: string;
}

export { StorageError };

const etag = () => `"0x${randomBytes(8).toString('hex').toUpperCase()}"`;
let nextFileId = 13835128424026341376n;
const newFileId = () => String(nextFileId++);

function newEntry(name: string, kind: 'dir' | 'file'): Entry {
  const now = new Date();
  return { name, kind, fileId: newFileId(), created: now, modified: now, etag: etag(), children: kind === 'dir' ? new Map() : undefined, metadata: {} };
}

/** Azure Files names are case-insensitive and case-preserving. */
const k = (name: string) => name.toLowerCase();

export class FileService {
  private readonly shares = new Map<string, Share>();

  constructor(
    readonly account: string,
    private readonly dataDir: string,
  ) {}

  async init(): Promise<void> {
    await fs.mkdir(this.dataDir, { recursive: true });
  }

  hasShare(name: string): boolean {
    return this.shares.has(k(name));
  }

  createShare(name: string): Share {
    const existing = this.shares.get(k(name));
    if (existing) throw new StorageError(409, 'ShareAlreadyExists', 'The specified share already exists.');
    const share: Share = { name, root: newEntry('', 'dir'), quotaGb: 5120, created: new Date(), etag: etag() };
    this.shares.set(k(name), share);
    return share;
  }

  /** Seeding: writes a whole file (creating parent folders), storing its MD5 as Azure would after an upload with one. */
  async seedFile(shareName: string, filePath: string, data: Buffer): Promise<void> {
    const share = this.shares.get(k(shareName)) ?? this.createShare(shareName);
    const parts = filePath.split('/').filter((p) => p !== '');
    let dir = share.root;
    for (const part of parts.slice(0, -1)) {
      let child = dir.children!.get(k(part));
      if (!child) {
        child = newEntry(part, 'dir');
        dir.children!.set(k(part), child);
      }
      dir = child;
    }
    const entry = newEntry(parts.at(-1)!, 'file');
    const id = randomBytes(12).toString('hex');
    await fs.writeFile(path.join(this.dataDir, id), data);
    entry.file = { id, size: data.length, md5: createHash('md5').update(data).digest('base64'), contentType: contentTypeOf(entry.name) };
    dir.children!.set(k(entry.name), entry);
  }

  /**
   * Handles one request whose path (after the account) is `parts` (decoded). Returns a body to send, or void. `body`
   * is the request's body as it arrived (the storage front may spoil it on the way, as a bad link would).
   */
  async handle(req: IncomingMessage, parts: string[], query: URLSearchParams, body: Readable = req): Promise<{ status: number; headers: Record<string, string>; body?: Buffer | Readable; download?: boolean; length?: number }> {
    const method = (req.method ?? 'GET').toUpperCase();
    const restype = query.get('restype');
    const comp = query.get('comp');
    if (parts.length === 0) {
      if (method === 'GET' && comp === 'list') return this.listShares(query);
      if (restype === 'service' && comp === 'properties' && method === 'GET') {
        return xml(200, '<StorageServiceProperties><HourMetrics><Version>1.0</Version><Enabled>false</Enabled></HourMetrics><MinuteMetrics><Version>1.0</Version><Enabled>false</Enabled></MinuteMetrics><Cors /></StorageServiceProperties>');
      }
      throw unsupported(method, query);
    }
    const shareName = parts[0];
    if (parts.length === 1 && restype === 'share') {
      if (method === 'PUT' && !comp) {
        const s = this.createShare(shareName);
        return { status: 201, headers: { etag: s.etag, 'last-modified': s.created.toUTCString() } };
      }
      const s = this.share(shareName);
      if ((method === 'GET' || method === 'HEAD') && !comp) {
        return { status: 200, headers: { etag: s.etag, 'last-modified': s.created.toUTCString(), 'x-ms-share-quota': String(s.quotaGb), 'x-ms-access-tier': 'TransactionOptimized' } };
      }
      if (method === 'DELETE') {
        this.shares.delete(k(shareName));
        return { status: 202, headers: {} };
      }
      throw unsupported(method, query);
    }
    const share = this.share(shareName);
    const rel = parts.slice(1);
    if (method === 'PUT' && !comp) for (const name of rel) checkName(name);
    if (restype === 'directory') {
      if (method === 'PUT' && !comp) {
        const parent = this.dirAt(share, rel.slice(0, -1), true);
        const name = rel.at(-1);
        if (!name) throw new StorageError(409, 'ResourceAlreadyExists', 'The specified resource already exists.');
        if (parent.children!.has(k(name))) {
          const existing = parent.children!.get(k(name))!;
          throw new StorageError(409, existing.kind === 'dir' ? 'ResourceAlreadyExists' : 'ResourceTypeMismatch', existing.kind === 'dir' ? 'The specified resource already exists.' : 'A file with this name already exists.');
        }
        const dir = newEntry(name, 'dir');
        dir.metadata = metadataOf(req);
        parent.children!.set(k(name), dir);
        return { status: 201, headers: smbHeaders(dir) };
      }
      const dir = this.dirAt(share, rel, false);
      if (method === 'GET' && comp === 'list') return this.listDirectory(share, dir, rel, query);
      if ((method === 'GET' || method === 'HEAD') && !comp) return { status: 200, headers: { ...smbHeaders(dir), ...metaHeaders(dir) } };
      if (method === 'DELETE') {
        if (dir.children!.size) throw new StorageError(409, 'DirectoryNotEmpty', 'The specified directory is not empty.');
        const parent = this.dirAt(share, rel.slice(0, -1), false);
        parent.children!.delete(k(rel.at(-1)!));
        return { status: 202, headers: {} };
      }
      throw unsupported(method, query);
    }
    if (rel.length === 0) throw new StorageError(400, 'InvalidUri', 'The requested URI does not represent any resource on the server.');
    const parent = this.dirAt(share, rel.slice(0, -1), true);
    const name = rel.at(-1)!;
    const existing = parent.children!.get(k(name));
    if (method === 'PUT' && !comp) {
      if (req.headers['x-ms-type']?.toString().toLowerCase() !== 'file') throw new StorageError(400, 'MissingRequiredHeader', 'An HTTP header that is mandatory for this request is not specified: x-ms-type.');
      const size = Number(req.headers['x-ms-content-length']);
      if (!Number.isSafeInteger(size) || size < 0 || size > 4 * 1024 ** 4) throw new StorageError(400, 'InvalidHeaderValue', 'The value for x-ms-content-length is not valid.');
      if (existing?.kind === 'dir') throw new StorageError(409, 'ResourceTypeMismatch', 'A directory with this name already exists.');
      const entry = newEntry(name, 'file');
      const id = existing?.file?.id ?? randomBytes(12).toString('hex');
      await fs.writeFile(path.join(this.dataDir, id), '');
      await fs.truncate(path.join(this.dataDir, id), size);
      entry.file = { id, size, ...httpPropsOf(req) };
      entry.metadata = metadataOf(req);
      parent.children!.set(k(name), entry);
      return { status: 201, headers: smbHeaders(entry) };
    }
    if (!existing) throw new StorageError(404, 'ResourceNotFound', 'The specified resource does not exist.');
    if (existing.kind === 'dir') throw new StorageError(409, 'ResourceTypeMismatch', 'The specified resource is a directory.');
    const file = existing.file!;
    const blobPath = path.join(this.dataDir, file.id);
    if (method === 'PUT' && comp === 'range') {
      const range = parseRange(String(req.headers['x-ms-range'] ?? req.headers.range ?? ''), file.size);
      if (!range) throw new StorageError(416, 'InvalidRange', 'The range specified is invalid for the current size of the resource.');
      const length = range.end - range.start + 1;
      if (length > MAX_RANGE_BYTES) throw new StorageError(413, 'RequestBodyTooLarge', 'A range may be at most 4 MiB.');
      const write = String(req.headers['x-ms-write'] ?? 'update').toLowerCase();
      let data: Buffer;
      try {
        data = write === 'clear' ? Buffer.alloc(length) : await readBody(body, MAX_RANGE_BYTES);
      } catch (err) {
        if (err instanceof BodyTooLarge) throw new StorageError(413, 'RequestBodyTooLarge', err.message);
        throw err;
      }
      if (data.length !== length) throw new StorageError(400, 'InvalidHeaderValue', `The range is ${length} bytes but the body has ${data.length}.`);
      const md5 = req.headers['content-md5'];
      if (md5 && createHash('md5').update(data).digest('base64') !== md5) throw new StorageError(400, 'Md5Mismatch', 'The MD5 value specified in the request did not match with the MD5 value calculated by the server.');
      const handle = await fs.open(blobPath, 'r+');
      try {
        await handle.write(data, 0, length, range.start);
      } finally {
        await handle.close();
      }
      existing.modified = new Date();
      existing.etag = etag();
      return { status: 201, headers: { ...smbHeaders(existing), 'content-md5': createHash('md5').update(data).digest('base64'), 'x-ms-request-server-encrypted': 'true' } };
    }
    if (method === 'PUT' && comp === 'properties') {
      Object.assign(file, httpPropsOf(req));
      const size = req.headers['x-ms-content-length'];
      if (size !== undefined) {
        const n = Number(size);
        if (!Number.isSafeInteger(n) || n < 0) throw new StorageError(400, 'InvalidHeaderValue', 'The value for x-ms-content-length is not valid.');
        await fs.truncate(blobPath, n);
        file.size = n;
      }
      existing.modified = new Date();
      existing.etag = etag();
      return { status: 200, headers: smbHeaders(existing) };
    }
    if (method === 'PUT' && comp === 'metadata') {
      existing.metadata = metadataOf(req);
      existing.etag = etag();
      return { status: 200, headers: { etag: existing.etag, 'last-modified': existing.modified.toUTCString() } };
    }
    if (method === 'DELETE' && !comp) {
      parent.children!.delete(k(name));
      await fs.rm(blobPath, { force: true });
      return { status: 202, headers: {} };
    }
    if ((method === 'GET' || method === 'HEAD') && !comp) {
      // As Blob storage does for reads: a client asking for one version (If-Match) of a file since changed gets 412.
      const ifMatch = req.headers['if-match'];
      if (ifMatch !== undefined && !etagMatches(String(ifMatch), existing.etag)) {
        throw new StorageError(412, 'ConditionNotMet', 'The condition specified using HTTP conditional header(s) is not met.');
      }
      const headers: Record<string, string> = {
        ...smbHeaders(existing),
        ...metaHeaders(existing),
        'x-ms-type': 'File',
        'content-type': file.contentType ?? 'application/octet-stream',
        'accept-ranges': 'bytes',
        'x-ms-server-encrypted': 'true',
      };
      if (file.contentEncoding) headers['content-encoding'] = file.contentEncoding;
      if (file.contentLanguage) headers['content-language'] = file.contentLanguage;
      if (file.contentDisposition) headers['content-disposition'] = file.contentDisposition;
      if (file.cacheControl) headers['cache-control'] = file.cacheControl;
      const rangeHeader = String(req.headers['x-ms-range'] ?? req.headers.range ?? '');
      if (rangeHeader && method === 'GET') {
        const range = parseRange(rangeHeader, file.size, true);
        if (!range) throw new StorageError(416, 'InvalidRange', 'The range specified is invalid for the current size of the resource.', { 'content-range': `bytes */${file.size}` });
        const length = range.end - range.start + 1;
        headers['content-range'] = `bytes ${range.start}-${range.end}/${file.size}`;
        headers['content-length'] = String(length);
        if (file.md5) headers['x-ms-content-md5'] = file.md5;
        if (String(req.headers['x-ms-range-get-content-md5']).toLowerCase() === 'true') {
          if (length > MAX_RANGE_BYTES) throw new StorageError(400, 'OutOfRangeInput', 'x-ms-range-get-content-md5 needs a range of at most 4 MiB.');
          const buf = Buffer.alloc(length);
          const h = await fs.open(blobPath, 'r');
          try {
            await h.read(buf, 0, length, range.start);
          } finally {
            await h.close();
          }
          headers['content-md5'] = createHash('md5').update(buf).digest('base64');
          return { status: 206, headers, body: buf, download: true };
        }
        const body = length === 0 ? Buffer.alloc(0) : createReadStream(blobPath, { start: range.start, end: range.end });
        return { status: 206, headers, body, download: true, length };
      }
      headers['content-length'] = String(file.size);
      if (file.md5) headers['content-md5'] = file.md5;
      if (method === 'HEAD') return { status: 200, headers };
      const body = file.size === 0 ? Buffer.alloc(0) : createReadStream(blobPath);
      return { status: 200, headers, body, download: true, length: file.size };
    }
    throw unsupported(method, query);
  }

  private share(name: string): Share {
    const s = this.shares.get(k(name));
    if (!s) throw new StorageError(404, 'ShareNotFound', 'The specified share does not exist.');
    return s;
  }

  private dirAt(share: Share, parts: string[], forParent: boolean): Entry {
    let dir = share.root;
    for (const part of parts) {
      const child = dir.children!.get(k(part));
      if (!child || child.kind !== 'dir') {
        throw forParent ? new StorageError(404, 'ParentNotFound', 'The specified parent path does not exist.') : new StorageError(404, 'ResourceNotFound', 'The specified resource does not exist.');
      }
      dir = child;
    }
    return dir;
  }

  private listShares(query: URLSearchParams): { status: number; headers: Record<string, string>; body: Buffer } {
    const prefix = query.get('prefix') ?? '';
    const shares = [...this.shares.values()].filter((s) => s.name.startsWith(prefix)).sort((a, b) => a.name.localeCompare(b.name));
    const items = shares
      .map((s) => `<Share><Name>${esc(s.name)}</Name><Properties><Last-Modified>${s.created.toUTCString()}</Last-Modified><Etag>${esc(s.etag)}</Etag><Quota>${s.quotaGb}</Quota></Properties></Share>`)
      .join('');
    return xml(200, `<EnumerationResults ServiceEndpoint="https://${this.account}.file.core.windows.net/"><Prefix>${esc(prefix)}</Prefix><Shares>${items}</Shares><NextMarker /></EnumerationResults>`);
  }

  private listDirectory(share: Share, dir: Entry, rel: string[], query: URLSearchParams): { status: number; headers: Record<string, string>; body: Buffer } {
    const prefix = query.get('prefix') ?? '';
    const marker = query.get('marker') ?? '';
    const max = Math.min(5000, Math.max(1, Number(query.get('maxresults') ?? 5000) || 5000));
    const entries = [...dir.children!.values()].filter((e) => e.name.startsWith(prefix)).sort((a, b) => (k(a.name) < k(b.name) ? -1 : k(a.name) > k(b.name) ? 1 : 0));
    let start = 0;
    if (marker) {
      const after = Buffer.from(marker, 'base64url').toString('utf8');
      start = entries.findIndex((e) => k(e.name) >= after);
      if (start < 0) start = entries.length;
    }
    const pageEntries = entries.slice(start, start + max);
    // `include=Timestamps,Etag,…` asks for each entry's version, as Azure Files gives it.
    const withEtag = (query.get('include') ?? '').split(',').some((x) => x.trim().toLowerCase() === 'etag');
    const next = entries[start + max];
    const items = pageEntries
      .map((e) =>
        e.kind === 'dir'
          ? `<Directory><FileId>${e.fileId}</FileId>${nameXml(e.name)}<Properties /></Directory>`
          : `<File><FileId>${e.fileId}</FileId>${nameXml(e.name)}<Properties><Content-Length>${e.file!.size}</Content-Length>${withEtag ? `<Last-Modified>${e.modified.toUTCString()}</Last-Modified><Etag>${esc(e.etag)}</Etag>` : ''}</Properties></File>`,
      )
      .join('');
    const body =
      `<EnumerationResults ServiceEndpoint="https://${this.account}.file.core.windows.net/" ShareName="${esc(share.name)}" DirectoryPath="${esc(rel.join('/'))}">` +
      (prefix ? `<Prefix>${esc(prefix)}</Prefix>` : '') +
      (marker ? `<Marker>${esc(marker)}</Marker>` : '') +
      (query.get('maxresults') ? `<MaxResults>${max}</MaxResults>` : '') +
      `<DirectoryId>${dir.fileId}</DirectoryId><Entries>${items}</Entries>` +
      (next ? `<NextMarker>${Buffer.from(k(next.name)).toString('base64url')}</NextMarker>` : '<NextMarker />') +
      '</EnumerationResults>';
    return xml(200, body);
  }
}

/** What Azure Files refuses in a name a client creates (seeded hostile content bypasses this on purpose). */
function checkName(name: string): void {
  if (name === '.' || name === '..' || /[\\/:|<>*?"\u0000-\u001f]/.test(name) || name.length > 255) {
    throw new StorageError(400, 'InvalidResourceName', `The specifed resource name contains invalid characters: ${JSON.stringify(name).slice(0, 120)}.`);
  }
}

function unsupported(method: string, query: URLSearchParams): StorageError {
  return new StorageError(400, 'UnsupportedHttpVerb', `The sandbox's file service does not support ${method} with ${query.toString() || 'no query'}.`);
}

/** Names XML 1.0 cannot carry are sent percent-encoded with Encoded="true", as Azure does. */
function nameXml(name: string): string {
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.test(name)) return `<Name Encoded="true">${encodeURIComponent(name)}</Name>`;
  return `<Name>${esc(name)}</Name>`;
}

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** If-Match semantics: "*" or any listed ETag, compared without quotes or a weak prefix. */
function etagMatches(header: string, current: string): boolean {
  const bare = (e: string) => e.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
  return header.split(',').some((e) => e.trim() === '*' || bare(e) === bare(current));
}

function xml(status: number, body: string): { status: number; headers: Record<string, string>; body: Buffer } {
  const buf = Buffer.from(`\ufeff<?xml version="1.0" encoding="utf-8"?>${body}`);
  return { status, headers: { 'content-type': 'application/xml', 'content-length': String(buf.length) }, body: buf };
}

function smbHeaders(e: Entry): Record<string, string> {
  const t = e.created.toISOString().replace('Z', '0000Z');
  const m = e.modified.toISOString().replace('Z', '0000Z');
  return {
    etag: e.etag,
    'last-modified': e.modified.toUTCString(),
    'x-ms-file-attributes': e.kind === 'dir' ? 'Directory' : 'Archive',
    'x-ms-file-creation-time': t,
    'x-ms-file-last-write-time': m,
    'x-ms-file-change-time': m,
    'x-ms-file-permission-key': '4066528134148476695*1',
    'x-ms-file-id': e.fileId,
    'x-ms-file-parent-id': '0',
    'x-ms-request-server-encrypted': 'true',
  };
}

function metaHeaders(e: Entry): Record<string, string> {
  return Object.fromEntries(Object.entries(e.metadata).map(([key, v]) => [`x-ms-meta-${key}`, v]));
}

function metadataOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [h, v] of Object.entries(req.headers)) if (h.startsWith('x-ms-meta-') && typeof v === 'string') out[h.slice(10)] = v;
  return out;
}

function httpPropsOf(req: IncomingMessage): Partial<FileProps> {
  const h = (n: string) => (typeof req.headers[n] === 'string' ? (req.headers[n] as string) : undefined);
  const out: Partial<FileProps> = {};
  if (h('x-ms-content-md5') !== undefined) out.md5 = h('x-ms-content-md5');
  if (h('x-ms-content-type') !== undefined) out.contentType = h('x-ms-content-type');
  if (h('x-ms-content-encoding') !== undefined) out.contentEncoding = h('x-ms-content-encoding');
  if (h('x-ms-content-language') !== undefined) out.contentLanguage = h('x-ms-content-language');
  if (h('x-ms-content-disposition') !== undefined) out.contentDisposition = h('x-ms-content-disposition');
  if (h('x-ms-cache-control') !== undefined) out.cacheControl = h('x-ms-cache-control');
  return out;
}

function contentTypeOf(name: string): string {
  if (name.endsWith('.ipynb')) return 'application/x-ipynb+json';
  if (name.endsWith('.py')) return 'text/x-python';
  return 'application/octet-stream';
}

/** `bytes=a-b` (or `bytes=a-` when open ranges are allowed), clamped to the file for reads. */
export function parseRange(header: string, size: number, forRead = false): { start: number; end: number } | undefined {
  const m = /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  if (!m) return undefined;
  const start = Number(m[1]);
  let end = m[2] === '' ? (forRead ? size - 1 : NaN) : Number(m[2]);
  if (!Number.isSafeInteger(start) || Number.isNaN(end) || end < start) return undefined;
  if (forRead) {
    if (start >= size) return size === 0 && start === 0 ? { start: 0, end: -1 } : undefined;
    end = Math.min(end, size - 1);
  } else if (end >= size) {
    return undefined;
  }
  return { start, end };
}
