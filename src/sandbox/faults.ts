// Faults per region, switched at run time. A region's fault applies to ARM requests for that region's resources and
// to its storage endpoints; how each mode looks on the wire is decided here so ARM and storage behave alike.
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import type { Role } from '../pair/pairFile';
import type { FaultMode } from './control';

export interface RegionFault {
  mode: FaultMode;
  /** Added latency per request for `slow`. */
  latencyMs: number;
}

export const DEFAULT_SLOW_MS = 2000;
export const THROTTLE_RETRY_AFTER_S = 1;

/** The current fault of each region; emits 'change' (role, fault) after a switch. */
export class FaultBoard extends EventEmitter {
  private readonly faults: Record<Role, RegionFault> = { primary: { mode: 'none', latencyMs: 0 }, secondary: { mode: 'none', latencyMs: 0 } };
  /** Requests held by `blackhole`, released (their sockets cut) when the region's fault changes. */
  private readonly held: Record<Role, Set<ServerResponse>> = { primary: new Set(), secondary: new Set() };

  get(role: Role): RegionFault {
    return this.faults[role];
  }

  set(role: Role, mode: FaultMode, latencyMs?: number): void {
    this.faults[role] = { mode, latencyMs: mode === 'slow' ? (latencyMs ?? DEFAULT_SLOW_MS) : 0 };
    for (const res of this.held[role]) res.destroy();
    this.held[role].clear();
    this.emit('change', role, this.faults[role]);
  }

  /** Accept the request and never answer it (until the fault changes or the sandbox stops). */
  hold(role: Role, res: ServerResponse): void {
    this.held[role].add(res);
    res.once('close', () => this.held[role].delete(res));
  }

  releaseAll(): void {
    for (const role of ['primary', 'secondary'] as const) {
      for (const res of this.held[role]) res.destroy();
      this.held[role].clear();
    }
  }
}

export type GateOutcome = 'continue' | 'outage' | 'throttle' | 'held';

/**
 * Applies the request-level part of a region's fault: `slow` waits, `blackhole` holds the request, `outage` and
 * `throttle` tell the caller to answer accordingly. `reset` and `corrupt` act on the body (see sendBody).
 */
export async function gate(board: FaultBoard, role: Role, res: ServerResponse): Promise<GateOutcome> {
  const fault = board.get(role);
  switch (fault.mode) {
    case 'outage':
      return 'outage';
    case 'throttle':
      return 'throttle';
    case 'blackhole':
      board.hold(role, res);
      return 'held';
    case 'slow':
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, fault.latencyMs);
        res.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      return res.destroyed ? 'held' : 'continue';
    default:
      return 'continue';
  }
}

/** Flips one byte in every 64 KiB (and the first byte), so any checksum over the body fails. */
export function corruptStream(): Transform {
  let offset = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      const out = Buffer.from(chunk);
      for (let i = 0; i < out.length; i++) {
        if ((offset + i) % 65536 === 0) out[i] ^= 0xff;
      }
      offset += out.length;
      done(null, out);
    },
  });
}

/**
 * Sends a response body under the region's fault: `reset` sends the headers and part of the body, then cuts the
 * connection; `corrupt` (when `download` is true) flips bytes while the headers keep the original Content-MD5.
 */
export function sendBody(res: ServerResponse, fault: RegionFault, body: Buffer | Readable, opts: { download: boolean; length?: number }): void {
  const length = Buffer.isBuffer(body) ? body.length : (opts.length ?? 0);
  if (fault.mode === 'reset') {
    const cut = Math.floor(length / 2);
    if (Buffer.isBuffer(body)) {
      res.flushHeaders();
      res.write(body.subarray(0, cut), () => res.destroy());
      return;
    }
    let sent = 0;
    res.flushHeaders();
    const cutter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        const room = cut - sent;
        if (room <= 0) return done();
        const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
        sent += part.length;
        done(null, part);
        if (sent >= cut) setImmediate(() => res.destroy());
      },
    });
    if (cut === 0) {
      body.resume();
      setImmediate(() => res.destroy());
      return;
    }
    body.pipe(cutter).pipe(res);
    return;
  }
  const corrupt = fault.mode === 'corrupt' && opts.download;
  if (Buffer.isBuffer(body)) {
    if (corrupt) {
      const c = corruptStream();
      c.pipe(res);
      c.end(body);
    } else {
      res.end(body);
    }
    return;
  }
  if (corrupt) body.pipe(corruptStream()).pipe(res);
  else body.pipe(res);
}
