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
