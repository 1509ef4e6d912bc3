// Runs the CLI as a user would: a whole cold process (src/cli.ts through tsx, or dist/cli.js with
// AML_FAILOVER_CLI=dist). A non-zero exit is a result, not an error.
import { spawn } from 'node:child_process';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `env` replaces the environment (default: this process's, which the test stages restrict; credentialEnv.ts). */
export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  const entry = process.env.AML_FAILOVER_CLI === 'dist' ? [path.join(REPO, 'dist', 'cli.js')] : ['--import', 'tsx', path.join(REPO, 'src', 'cli.ts')];
  const child = spawn(process.execPath, [...entry, ...args], { cwd: options.cwd ?? REPO, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
