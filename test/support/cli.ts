// Runs the CLI as a user would: a whole cold process (src/cli.ts through tsx, or dist/cli.js with
// AML_FAILOVER_CLI=dist). A non-zero exit is a result, not an error.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const REPO = path.resolve(__dirname, '..', '..');
/** tsx by absolute URL: a CLI started in a project folder (cwd) cannot resolve a bare 'tsx'. */
const TSX = pathToFileURL(createRequire(path.join(REPO, 'package.json')).resolve('tsx')).href;

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The node arguments that start the CLI with `args`: src/cli.ts through tsx, or — with AML_FAILOVER_CLI=dist, as
 * `npm test` sets it after its build step — the shipped bundle dist/cli.js, which starts several times faster.
 * `preload` modules (test instrumentation) are loaded first either way.
 */
export function cliNodeArgs(args: string[], preload: string[] = []): string[] {
  const imports = preload.flatMap((m) => ['--import', m]);
  if (process.env.AML_FAILOVER_CLI === 'dist') {
    const dist = path.join(REPO, 'dist', 'cli.js');
    if (!existsSync(dist)) throw new Error(`${dist} is missing; run npm run build first (or unset AML_FAILOVER_CLI).`);
    return [...(preload.length ? ['--import', TSX] : []), ...imports, dist, ...args];
  }
  return ['--import', TSX, ...imports, path.join(REPO, 'src', 'cli.ts'), ...args];
}

export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; preload?: string[] } = {}): Promise<CliRun> {
  const child = spawn(process.execPath, cliNodeArgs(args, options.preload), { cwd: options.cwd ?? REPO, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
