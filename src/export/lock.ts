// One export at a time per folder: a second one would sweep the first one's partial files and interleave manifests.
// The lock is a file whose content names its owner (host, process, a random token). It appears whole or not at all
// (written to a temporary file, then hard-linked into place, which fails if the name is taken), a lock left by a
// dead process is taken over under a claim on that very lock's content, and an export only ever removes a lock that
// still holds its own token. The protocol is described in README.md.
import { createHash, randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createFileExclusive } from '../common/atomicWrite';
import { UserError } from '../common/errors';

export const LOCK_FILE = '.aml-failover-export.lock';

interface LockOwner {
  host: string;
  pid: number;
  token: string;
  since: string;
}

/**
 * Tokens of the locks this process holds. The extension host runs several exports in one process, so "the pid is
 * alive" cannot tell a held lock of ours from one left behind; the token can.
 */
const heldHere = new Set<string>();

/** How old a lock file with no readable owner must be before it counts as left behind (none is ever written so). */
const UNREADABLE_GRACE_MS = 10_000;
/** How old a takeover claim must be before it counts as left by a killed export (a takeover takes milliseconds). */
const CLAIM_GRACE_MS = 30_000;
/** How long to keep trying while other exports are taking a stale lock over at the same time. */
const CONTENDED_MS = 5_000;

/** Takes the lock on `dir`; resolves to its release. A live owner is a UserError naming it. */
export async function lockFolder(dir: string): Promise<() => Promise<void>> {
  const lock = path.join(dir, LOCK_FILE);
  const me: LockOwner = { host: os.hostname(), pid: process.pid, token: randomBytes(16).toString('hex'), since: new Date().toISOString() };
  const text = `${JSON.stringify(me)}\n`;
  const deadline = Date.now() + CONTENDED_MS;
  while (Date.now() < deadline) {
    try {
      await createFileExclusive(lock, text);
      heldHere.add(me.token);
      return () => release(lock, me.token);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const found = await readLock(lock);
    if (found === 'gone') continue;
    const verdict = judge(found);
    if (verdict !== 'stale') throw new UserError(`${verdict} is writing to ${dir}; wait for it or cancel it, or export to another folder. (If no export is running, delete ${lock}.)`);
    // Another export is taking the same stale lock over: look again in a moment.
    if (!(await takeOver(lock, found.text))) await new Promise((r) => setTimeout(r, 10 + Math.random() * 20));
  }
  throw new UserError(`Cannot lock ${dir} for the export: other exports keep taking it. Try again.`);
}

type Found = { text: string; owner?: LockOwner; ageMs: number };

async function readLock(lock: string): Promise<Found | 'gone'> {
  let handle;
  try {
    // Never through a link planted at its name (it could point at a device that never ends).
    handle = await fs.open(lock, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'gone';
    if (code === 'ELOOP') throw new UserError(`${lock} is a symbolic link, not an export's lock; remove it.`);
    throw err;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new UserError(`${lock} is not a file, so no export can lock the folder; remove it.`);
    const buffer = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    return { text, owner: parseOwner(text), ageMs: Date.now() - stat.mtimeMs };
  } finally {
    await handle.close();
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (typeof o.host === 'string' && Number.isInteger(o.pid) && typeof o.token === 'string') return o as LockOwner;
  } catch {
    // Not ours (an older version wrote a bare pid, written non-atomically): judged by age below.
  }
  const pid = /^\s*(\d+)\s*$/.exec(text)?.[1];
  return pid ? { host: os.hostname(), pid: Number(pid), token: '', since: '' } : undefined;
}

/** 'stale', or who holds it (for the message). */
function judge(found: Found): 'stale' | string {
  const o = found.owner;
  if (!o) return found.ageMs > UNREADABLE_GRACE_MS ? 'stale' : 'Another export (starting now)';
  if (o.host !== os.hostname()) return `An export on ${o.host} (process ${o.pid})`;
  if (o.pid === process.pid) return heldHere.has(o.token) ? 'Another export in this window' : 'stale';
  return isAlive(o.pid) ? `Another export (process ${o.pid})` : 'stale';
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the stale lock whose content was `staleText`, and only that one. Of several exports taking over at once,
 * one creates the claim named after that content (atomic, exclusive); holding it, it checks the lock still holds
 * that content and removes it. No other export can change a lock while it is stale and claimed: its owner is gone,
 * a new lock cannot be linked over it, and taking it over needs the claim. Resolves false when another export holds
 * the claim (the caller looks again shortly).
 */
async function takeOver(lock: string, staleText: string): Promise<boolean> {
  const claim = `${lock}.takeover-${createHash('sha256').update(staleText).digest('hex').slice(0, 16)}`;
  try {
    await createFileExclusive(claim, `${process.pid}\n`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // A claim left by an export killed in the middle of a takeover would block the folder for good.
    const age = await fs.stat(claim).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (age > CLAIM_GRACE_MS) await fs.rm(claim, { force: true });
    return false;
  }
  try {
    const now = await readLock(lock);
    if (now !== 'gone' && now.text === staleText) await fs.rm(lock, { force: true });
    return true;
  } finally {
    await fs.rm(claim, { force: true });
  }
}

/** Removes the lock if it is still ours; one that is someone else's by now is left to them. */
async function release(lock: string, token: string): Promise<void> {
  try {
    // While the token is held here no one takes the lock over, so the check and the removal cannot be split.
    const found = await readLock(lock);
    if (found !== 'gone' && found.owner?.token === token) await fs.rm(lock, { force: true });
  } finally {
    heldHere.delete(token);
  }
}
