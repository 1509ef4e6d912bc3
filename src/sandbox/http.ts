// Small HTTP helpers shared by the sandbox's ARM and storage servers.
import type { IncomingMessage, ServerResponse } from 'node:http';

export const MAX_BODY_BYTES = 4 * 1024 * 1024;

export class BodyTooLarge extends Error {}

/** A service answer with an error code, sent as ARM JSON or Storage XML by the server that raised it. */
export class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    /** More fields of an ARM error body (e.g. Azure ML's `innerError`). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Reads a request body up to `limit` bytes. */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new BodyTooLarge(`The request body is larger than ${limit} bytes.`));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function requestId(): string {
  return crypto.randomUUID();
}

/** Headers every answer carries, like Azure's. */
export function commonHeaders(res: ServerResponse): void {
  const id = requestId();
  res.setHeader('x-ms-request-id', id);
  res.setHeader('x-ms-correlation-request-id', id);
  res.setHeader('date', new Date().toUTCString());
}
