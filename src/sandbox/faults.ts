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
  /** Share of responses `reset` cuts or of downloads `corrupt` spoils (0 < rate ≤ 1); 1 for the other modes. */
  rate: number;
  /** Seed of the generator that picks which responses, so a run can be repeated. */
  seed: number;
  /** `corrupt` spoils the uploads the region receives instead of its downloads. */
  uploads?: boolean;
}

export const DEFAULT_SLOW_MS = 2000;
export const THROTTLE_RETRY_AFTER_S = 1;
export const DEFAULT_FAULT_SEED = 1;

const NO_FAULT: RegionFault = { mode: 'none', latencyMs: 0, rate: 1, seed: DEFAULT_FAULT_SEED };

/** What happens to one response body. */
export type BodyEffect = 'intact' | 'cut' | 'corrupt';

/** mulberry32: a small generator giving the same sequence for the same seed on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The current fault of each region; emits 'change' (role, fault) after a switch. */
export class FaultBoard extends EventEmitter {
  private readonly faults: Record<Role, RegionFault> = { primary: NO_FAULT, secondary: NO_FAULT };
  /** One generator per region, restarted from the seed on every switch, so the same switch picks the same responses. */
  private readonly draws: Record<Role, () => number> = { primary: seededRandom(DEFAULT_FAULT_SEED), secondary: seededRandom(DEFAULT_FAULT_SEED) };
  /** Work a switch started (an endpoint closing or reopening), which `settled` waits for. */
  private pending: Promise<unknown>[] = [];
  /** Requests held by `blackhole`, released (their sockets cut) when the region's fault changes. */
  private readonly held: Record<Role, Set<ServerResponse>> = { primary: new Set(), secondary: new Set() };

  get(role: Role): RegionFault {
    return this.faults[role];
  }

  set(role: Role, mode: FaultMode, opts: { latencyMs?: number; rate?: number; seed?: number; uploads?: boolean } = {}): void {
    const seed = opts.seed ?? DEFAULT_FAULT_SEED;
    this.faults[role] = { mode, latencyMs: mode === 'slow' ? (opts.latencyMs ?? DEFAULT_SLOW_MS) : 0, rate: opts.rate ?? 1, seed, ...(mode === 'corrupt' && opts.uploads ? { uploads: true } : {}) };
    this.draws[role] = seededRandom(seed);
    for (const res of this.held[role]) res.destroy();
    this.held[role].clear();
    this.emit('change', role, this.faults[role]);
  }

  /** A 'change' listener whose part of the switch takes time hands it in here. */
  settle(work: Promise<unknown>): void {
    this.pending.push(work);
  }

  /** Resolves once everything the switches so far started is done: the fault is in force on every endpoint. */
  async settled(): Promise<void> {
    while (this.pending.length) await Promise.allSettled(this.pending.splice(0));
  }

  /**
   * What the region's fault does to one response body: `reset` cuts any body, `corrupt` spoils file contents only
   * (`download`; listings and JSON are left alone, as TLS would protect them). Below rate 1 each response the fault
   * could touch takes one draw from the region's seeded generator.
   */
  bodyEffect(role: Role | undefined, download: boolean): BodyEffect {
    if (!role) return 'intact';
    const fault = this.faults[role];
    const effect: BodyEffect = fault.mode === 'reset' ? 'cut' : fault.mode === 'corrupt' && download && !fault.uploads ? 'corrupt' : 'intact';
    if (effect === 'intact' || fault.rate >= 1) return effect;
    return this.draws[role]() < fault.rate ? effect : 'intact';
  }

  /** Whether the region's fault spoils this upload's body on its way in (`corrupt --uploads`; below rate 1, one draw per upload). */
  uploadCorrupted(role: Role): boolean {
    const fault = this.faults[role];
    if (fault.mode !== 'corrupt' || !fault.uploads) return false;
    return fault.rate >= 1 || this.draws[role]() < fault.rate;
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
 * Sends a response body with its effect (FaultBoard.bodyEffect): `cut` sends the headers and part of the body, then
 * cuts the connection; `corrupt` flips bytes while the headers keep the original Content-MD5.
 */
export function sendBody(res: ServerResponse, effect: BodyEffect, body: Buffer | Readable, opts: { length?: number } = {}): void {
  const length = Buffer.isBuffer(body) ? body.length : (opts.length ?? 0);
  if (effect === 'cut') {
    const cut = Math.floor(length / 2);
    if (cut === 0 || res.req?.method === 'HEAD') {
      // Nothing to cut part-way (an empty body, a HEAD): the connection drops before the answer.
      if (!Buffer.isBuffer(body)) body.resume();
      res.destroy();
      return;
    }
    res.flushHeaders();
    if (Buffer.isBuffer(body)) {
      res.write(body.subarray(0, cut), () => res.destroy());
      return;
    }
    let sent = 0;
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
    // Never end the response: an ended one leaves the socket to keep-alive, and the client would wait for the rest
    // of the promised body until the socket times out. Cut it, whatever the upstream does.
    cutter.once('end', () => res.destroy());
    body.pipe(cutter).pipe(res, { end: false });
    return;
  }
  const corrupt = effect === 'corrupt';
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
