// Azure Storage Shared Key signatures (Blob and File services, version 2015-02-21 and later), computed the way the
// storage SDKs compute them, so the sandbox can verify what clients send and sign what it forwards to Azurite.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

const SIGNED_HEADERS = [
  'content-language',
  'content-encoding',
  'content-length',
  'content-md5',
  'content-type',
  'date',
  'if-modified-since',
  'if-match',
  'if-none-match',
  'if-unmodified-since',
  'range',
];

function header(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  const s = Array.isArray(v) ? v.join(',') : (v ?? '');
  return name === 'content-length' && s === '0' ? '' : s;
}

/** `rawUrl` is the request target as sent (path and query, percent-encoding kept). */
export function stringToSign(method: string, rawUrl: string, headers: IncomingHttpHeaders, account: string): string {
  const url = new URL(rawUrl, 'https://sandbox.invalid');
  const canonicalHeaders = Object.keys(headers)
    .filter((n) => n.toLowerCase().startsWith('x-ms-'))
    .map((n) => n.toLowerCase())
    .sort()
    .map((n) => `${n.trimEnd()}:${header(headers, n).trimStart()}\n`)
    .join('');
  let resource = `/${account}${url.pathname || '/'}`;
  const query = url.search.replace(/^\?/, '');
  if (query) {
    const params: Record<string, string> = {};
    for (const part of query.split('&')) {
      const eq = part.indexOf('=');
      if (eq <= 0 || eq !== part.lastIndexOf('=') || eq === part.length - 1) continue;
      params[part.slice(0, eq).toLowerCase()] = part.slice(eq + 1);
    }
    for (const key of Object.keys(params).sort()) resource += `\n${key}:${safeDecode(params[key])}`;
  }
  return [method.toUpperCase(), ...SIGNED_HEADERS.map((h) => header(headers, h))].join('\n') + '\n' + canonicalHeaders + resource;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function sign(key: string, text: string): string {
  return createHmac('sha256', Buffer.from(key, 'base64')).update(text, 'utf8').digest('base64');
}

/** True when `authorization` is `SharedKey <account>:<signature>` and the signature matches. */
export function verifySharedKey(method: string, rawUrl: string, headers: IncomingHttpHeaders, account: string, key: string): boolean {
  const auth = header(headers, 'authorization');
  const m = /^SharedKey ([^:]+):(.+)$/.exec(auth);
  if (!m || m[1] !== account) return false;
  const expected = Buffer.from(sign(key, stringToSign(method, rawUrl, headers, account)));
  const given = Buffer.from(m[2]);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
