// Azurite (the official storage emulator, npm `azurite`) as a child process serving Blob for both regions' storage
// accounts on loopback over plain HTTP. Only the sandbox's storage endpoints (storageFront.ts) talk to it; it is stopped by its PID.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { Logger } from '../common/logger';

export interface AzuriteProcess {
  pid: number;
  /** http://127.0.0.1:<port> */
  url: string;
  stop(): Promise<void>;
}

function azuriteBlobMain(): string {
  // Resolved at run time from the CLI's own node_modules (azurite is a dependency of the CLI package).
  return require.resolve('azurite/dist/src/blob/main.js');
}

export async function startAzurite(opts: {
  location: string;
  accounts: { name: string; key: string }[];
  /** CA PEM file Azurite trusts for server-side copies from the sandbox's HTTPS fronts. */
  caFile: string;
  logger: Logger;
  timeoutMs?: number;
}): Promise<AzuriteProcess> {
  const args = [
    '-e',
    // Azurite stops itself when its stdin closes, i.e. when the sandbox process is gone, even killed outright.
    "process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM')).resume(); process.once('SIGTERM', () => process.stdin.destroy()); require(process.argv[1]);",
    azuriteBlobMain(),
    '--blobHost', '127.0.0.1',
    '--blobPort', '0',
    '--location', opts.location,
    '--disableTelemetry',
    '--skipApiVersionCheck',
    '--disableProductStyleUrl',
    '--silent',
    '--loose',
  ];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: opts.location,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      ...process.env,
      AZURITE_ACCOUNTS: opts.accounts.map((a) => `${a.name}:${a.key}`).join(';'),
      NODE_EXTRA_CA_CERTS: opts.caFile,
    },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Azurite did not start within ${(opts.timeoutMs ?? 30_000) / 1000} s:\n${output}`)), opts.timeoutMs ?? 30_000);
    const onData = (d: Buffer) => {
      output += d.toString('utf8');
      const m = /successfully listens on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited with code ${code} before it listened:\n${output}`));
    });
  }).catch(async (err: unknown) => {
    child.kill('SIGKILL');
    await exited;
    throw err;
  });
  child.stdout?.on('data', (d: Buffer) => opts.logger.debug(`azurite: ${d.toString('utf8').trimEnd()}`));
  child.stderr?.on('data', (d: Buffer) => opts.logger.warn(`azurite: ${d.toString('utf8').trimEnd()}`));
  opts.logger.info(`Azurite (pid ${child.pid}) serves blobs at ${url}, data in ${path.relative(process.cwd(), opts.location) || '.'}`);
  let stopping: Promise<void> | undefined;
  return {
    pid: child.pid ?? -1,
    url,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const late = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), 5000)))]);
        clearTimeout(timer);
        if (late) {
          child.kill('SIGKILL');
          await exited;
        }
      })();
      return stopping;
    },
  };
}
