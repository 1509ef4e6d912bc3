// The `fault` command's side of the sandbox's control endpoint: reads where the running sandbox listens from
// DIR/.aml-failover/sandbox.json and asks it, over HTTPS with the sandbox's CA and token, to change a region's fault.
import { promises as fs } from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { endpointOrigin, ownSandboxRecord } from '../azure/trust';
import { UserError } from '../common/errors';
import type { Role } from '../pair/pairFile';

export const FAULT_MODES = ['none', 'outage', 'blackhole', 'slow', 'throttle', 'reset', 'corrupt', 'dataplane', 'refusejobs'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

export interface FaultRequest {
  role: Role;
  mode: FaultMode;
  /** For `slow`: added latency per request (default 2000 ms). */
  latencyMs?: number;
  /** For `reset` and `corrupt`: the share of responses affected, 0 < rate ≤ 1 (default 1). */
  rate?: number;
  /** For `reset` and `corrupt` below rate 1: seed of the generator that picks the responses (default 1). */
  seed?: number;
  /** For `corrupt`: spoil the bodies of uploads the region receives (Put Block, Put Range, Put Blob) instead of downloads. */
  uploads?: boolean;
}

export type FaultOptions = Pick<FaultRequest, 'latencyMs' | 'rate' | 'seed' | 'uploads'>;

/** Modes that act on some responses only when given a rate. */
export const RATED_MODES: readonly FaultMode[] = ['reset', 'corrupt'];

/** Why a fault's options are not acceptable, or undefined when they are (shared by the CLI and the sandbox). */
export function faultOptionsProblem(mode: FaultMode, o: FaultOptions): string | undefined {
  if (o.latencyMs !== undefined && (typeof o.latencyMs !== 'number' || !(o.latencyMs >= 0 && o.latencyMs <= 600_000))) {
    return 'latencyMs must be a number of milliseconds from 0 to 600000.';
  }
  if (o.rate !== undefined) {
    if (typeof o.rate !== 'number' || !(o.rate > 0 && o.rate <= 1)) return `--rate must be a number above 0 and at most 1 (the share of responses), not ${String(o.rate)}.`;
    if (!RATED_MODES.includes(mode)) return `--rate applies to ${RATED_MODES.join(' and ')} only, not ${mode}.`;
  }
  if (o.seed !== undefined) {
    if (typeof o.seed !== 'number' || !Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) return `--seed must be a whole number from 0 to ${0xffffffff}, not ${String(o.seed)}.`;
    if (!RATED_MODES.includes(mode)) return `--seed applies to ${RATED_MODES.join(' and ')} only, not ${mode}.`;
  }
  if (o.uploads !== undefined) {
    if (typeof o.uploads !== 'boolean') return `uploads must be true or false, not ${String(o.uploads)}.`;
    if (o.uploads && mode !== 'corrupt') return `--uploads applies to corrupt only, not ${mode}.`;
  }
  return undefined;
}

/** How a switched fault reads in the CLI's and the sandbox's output. */
export function describeFault(mode: FaultMode, o: FaultOptions): string {
  if (mode === 'slow') return `slow (${o.latencyMs ?? 2000} ms per request)`;
  const what = mode === 'corrupt' ? (o.uploads ? 'uploads' : 'downloads') : 'responses';
  if (RATED_MODES.includes(mode) && o.rate !== undefined && o.rate < 1) return `${mode} (${+(o.rate * 100).toFixed(2)} % of ${what}, seed ${o.seed ?? 1})`;
  return o.uploads ? `${mode} (${what})` : mode;
}

/** What a running sandbox records in DIR/.aml-failover/sandbox.json for the `fault` command and tests. */
export interface SandboxRecord {
  pid: number;
  armUrl: string;
  /** POST {role, mode, latencyMs} here (ARM host, path outside any subscription so faults never apply to it). */
  controlUrl: string;
  caFile: string;
  tokenFile: string;
  /** The storage-scoped token's file (cloud.storageTokenFile). */
  storageTokenFile: string;
  dataDir: string;
  /** By role; `keyless` is the primary's extra account with Shared Key disabled. */
  storage: Record<Role | 'keyless', { account: string; blobUrl: string; fileUrl: string }>;
}

export const STATE_DIR = '.aml-failover';
export const RECORD_FILE = 'sandbox.json';
export const CONTROL_PATH = '/_sandbox/fault';

export function isFaultMode(x: string): x is FaultMode {
  return (FAULT_MODES as readonly string[]).includes(x);
}

export async function readSandboxRecord(projectDir: string): Promise<SandboxRecord> {
  const file = path.join(projectDir, STATE_DIR, RECORD_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new UserError(`No running sandbox for ${projectDir} (${file} is missing). Start one with: aml-failover sandbox --project ${projectDir}`, 'usage');
  }
  try {
    return JSON.parse(text) as SandboxRecord;
  } catch {
    throw new UserError(`${file} is not valid JSON; restart the sandbox.`, 'usage');
  }
}

/** Applies a fault to one region of the sandbox running for `projectDir`; resolves once it is in force. */
export async function sendFault(projectDir: string, role: Role, mode: FaultMode, opts: FaultOptions = {}): Promise<void> {
  const problem = faultOptionsProblem(mode, opts);
  if (problem) throw new UserError(problem, 'usage');
  const record = await readSandboxRecord(projectDir);
  // The token goes only to the loopback control endpoint of a sandbox whose files are its own: a repository could
  // commit a record naming a credential cache as the token and an endpoint of its choosing.
  const own = await ownSandboxRecord(projectDir);
  const control = endpointOrigin(String(record.controlUrl));
  if (!own || !control || !own.origins.has(control) || new URL(record.controlUrl).hostname !== '127.0.0.1') {
    throw new UserError(`${path.join(projectDir, STATE_DIR, RECORD_FILE)} is not the record of a sandbox running for this project (its files must be its own, in ${STATE_DIR}/, and its endpoint 127.0.0.1); restart the sandbox.`, 'usage');
  }
  const [ca, token] = await Promise.all([fs.readFile(own.caFile, 'utf8'), fs.readFile(own.tokenFile, 'utf8')]);
  const body = JSON.stringify({ role, mode, latencyMs: opts.latencyMs, rate: opts.rate, seed: opts.seed, uploads: opts.uploads } satisfies FaultRequest);
  const url = new URL(record.controlUrl);
  await new Promise<void>((resolve, reject) => {
    const req = https.request(
      url,
      { method: 'POST', ca, headers: { authorization: `Bearer ${token.trim()}`, 'content-type': 'application/json' }, timeout: 10_000 },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () => {
          if (res.statusCode === 200) resolve();
          else reject(new UserError(`The sandbox refused the fault (${res.statusCode}): ${text}`));
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => reject(new UserError(`Cannot reach the sandbox at ${record.controlUrl} (pid ${record.pid}): ${err.message}. Is it running?`)));
    req.end(body);
  });
}
