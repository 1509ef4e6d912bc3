// Shared access signatures on the sandbox's file service, checked as Azure Files checks them: the signature (HMAC
// with the account key over the string the storage SDKs sign), the time window, the protocol, the client address,
// and that the operation is one the SAS permits (services, resource types and permissions of an account SAS; share
// or file and permissions of a service SAS). Blob SAS is checked by Azurite itself.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { StorageError } from './fileShare';

/** What a file-service request does, as a SAS sees it. */
export interface FileOperation {
  /** Share name, or undefined for account-level calls (list shares, service properties). */
  share?: string;
  /** Path inside the share ("" for the share itself). */
  path: string;
  /** s: service, c: container (share, listings), o: object (files and directories). */
  resourceType: 's' | 'c' | 'o';
  /** r read, l list, c create, w write, d delete. */
  permission: 'r' | 'l' | 'c' | 'w' | 'd';
}

/** The operation a request is, from its method, restype and comp, and its decoded path parts (share first). */
export function fileOperation(method: string, parts: string[], query: URLSearchParams): FileOperation {
  const m = method.toUpperCase();
  const comp = query.get('comp');
  const restype = query.get('restype');
  const [share, ...rest] = parts;
  const listing = comp === 'list';
  const permission = m === 'DELETE' ? 'd' : m === 'PUT' ? (comp ? 'w' : 'c') : listing ? 'l' : 'r';
  const resourceType = !share ? 's' : restype === 'share' || listing ? 'c' : 'o';
  return { share, path: rest.join('/'), resourceType, permission };
}

const denied = (code: string, detail: string) =>
  new StorageError(403, code, `Server failed to authorize the request with the shared access signature: ${detail}`);
const unauthenticated = (detail: string) =>
  new StorageError(403, 'AuthenticationFailed', `Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature. ${detail}`);

/**
 * Throws a 403 StorageError unless `query` carries a SAS for `account` that signs and permits `op` now.
 * `remoteAddress` is the client's IP address (for `sip`).
 */
export function verifyFileSas(query: URLSearchParams, account: string, key: string, op: FileOperation, opts: { now?: Date; remoteAddress?: string } = {}): void {
  const q = (name: string) => query.get(name) ?? '';
  const sig = q('sig');
  const version = q('sv');
  if (!sig || !version) throw unauthenticated('The SAS has no signature (sig) or version (sv).');
  if (q('si')) throw unauthenticated('Stored access policies (si) are not supported by the sandbox.');
  const isAccountSas = query.has('ss') || query.has('srt');
  if (!isAccountSas && q('sr') !== 's' && q('sr') !== 'f') throw unauthenticated(`The signed resource (sr) "${q('sr')}" is not s (share) or f (file).`);
  if (!isAccountSas && !op.share) throw denied('AuthorizationResourceTypeMismatch', 'a service SAS is for one share; this is an account-level call.');
  // A service SAS names its share (and file) only through what it signs: the request's own resource is signed
  // here, so a SAS made for another share or file does not match.
  const stringToSign = isAccountSas ? accountStringToSign(query, account) : serviceStringToSign(query, account, q('sr') === 'f' ? `${op.share}/${op.path}` : op.share!);
  const expected = Buffer.from(createHmac('sha256', Buffer.from(key, 'base64')).update(stringToSign, 'utf8').digest('base64'));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw unauthenticated(`Signature did not match. String to sign used was ${JSON.stringify(stringToSign)}.`);
  }

  const now = (opts.now ?? new Date()).getTime();
  const expiry = Date.parse(q('se'));
  if (Number.isNaN(expiry)) throw unauthenticated('The SAS has no valid expiry (se).');
  if (now >= expiry) throw unauthenticated(`Signed expiry time [${q('se')}] has to be after the current time.`);
  if (q('st')) {
    const start = Date.parse(q('st'));
    if (Number.isNaN(start) || now < start) throw unauthenticated(`Signature not valid in the specified time frame: start [${q('st')}].`);
  }
  if (q('spr') && !q('spr').split(',').includes('https')) throw denied('AuthorizationProtocolMismatch', `it allows ${q('spr')} only.`);
  if (q('sip') && !ipInRange(opts.remoteAddress ?? '', q('sip'))) throw denied('AuthorizationSourceIPMismatch', `it allows ${q('sip')}, not ${opts.remoteAddress}.`);
  if (isAccountSas) {
    if (!q('ss').includes('f')) throw denied('AuthorizationServiceMismatch', `it is for services "${q('ss')}", not the file service.`);
    if (!q('srt').includes(op.resourceType)) throw denied('AuthorizationResourceTypeMismatch', `it allows resource types "${q('srt')}", not "${op.resourceType}".`);
  }
  const permissions = q('sp');
  // Creating a file or folder is allowed by c or by w, as in Azure Files.
  const allowed = permissions.includes(op.permission) || (op.permission === 'c' && permissions.includes('w'));
  if (!allowed) throw denied('AuthorizationPermissionMismatch', `it permits "${permissions}", and this operation needs "${op.permission}".`);
}

/** The string an account SAS signs (version 2020-12-06 and later adds the encryption scope line). */
function accountStringToSign(query: URLSearchParams, account: string): string {
  const q = (name: string) => query.get(name) ?? '';
  const lines = [account, q('sp'), q('ss'), q('srt'), q('st'), q('se'), q('sip'), q('spr'), q('sv')];
  if (q('sv') >= '2020-12-06') lines.push(q('ses'));
  return lines.join('\n') + '\n';
}

/** The string a share or file service SAS signs (version 2018-11-09 and later); `resource` is share[/path]. */
function serviceStringToSign(query: URLSearchParams, account: string, resource: string): string {
  const q = (name: string) => query.get(name) ?? '';
  return [q('sp'), q('st'), q('se'), `/file/${account}/${resource}`, q('si'), q('sip'), q('spr'), q('sv'), q('rscc'), q('rscd'), q('rsce'), q('rscl'), q('rsct')].join('\n');
}

function ipInRange(address: string, range: string): boolean {
  const toNumber = (ip: string) => {
    const parts = ip.replace(/^::ffff:/, '').split('.').map(Number);
    return parts.length === 4 && parts.every((p) => Number.isInteger(p) && p >= 0 && p <= 255) ? parts.reduce((n, p) => n * 256 + p, 0) : NaN;
  };
  const [from, to = from] = range.split('-');
  const a = toNumber(address);
  return a >= toNumber(from!) && a <= toNumber(to);
}
