import * as https from 'node:https';
import type { AzureConnection } from './connection';

/**
 * Resolves when the endpoint answers anything at all over HTTPS (any status: storage refuses anonymous requests,
 * and that still proves it is up); rejects on refused/reset connections, TLS failures, or when `signal` aborts.
 * Trusts the connection's CA for this request only.
 */
export function reachEndpoint(connection: AzureConnection, url: string, signal?: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method: 'HEAD', ca: connection.ca ? [connection.ca] : undefined, signal, agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
      request.destroy();
    });
    request.on('error', reject);
    request.end();
  });
}

/** An HTTP failure of a plain request, shaped like the SDK's RestError so the health verdict classifies it alike. */
export class HttpStatusError extends Error {
  override readonly name = 'RestError';
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
  }
}

/**
 * GET of a JSON document without credentials (the workspace's discovery URL), trusting the connection's CA for this
 * request only. Rejects with an HttpStatusError on 4xx/5xx, and when the answer is not JSON or larger than 64 KiB.
 */
export function getAnonymousJson(connection: AzureConnection, url: string, signal?: AbortSignal): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method: 'GET', ca: connection.ca ? [connection.ca] : undefined, signal, agent: false, headers: { accept: 'application/json' } }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 65_536) response.destroy(new Error(`${url} answered more than 64 KiB.`));
        else chunks.push(c);
      });
      response.on('error', reject);
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        const text = Buffer.concat(chunks).toString('utf8');
        if (status >= 400) return reject(new HttpStatusError(`HTTP ${status} from ${new URL(url).host}`, status));
        try {
          resolve(JSON.parse(text));
        } catch {
          reject(new Error(`${url} did not answer JSON.`));
        }
      });
    });
    request.on('error', reject);
    request.end();
  });
}
