// A stand-in `az` (and failing `azd`, `pwsh`, `powershell`) first on PATH, for tests of the CLI's sign-in chain:
// nothing real is ever run, so no credential can leave the machine. What `az` does is read from a file on each call,
// so a test can switch it between answers: a token, "please run az login", or no answer at all. Each call appends
// one line (its arguments) to a log, so a test counts sign-ins.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { scratchDir } from './scratch';

/** `byResource`: another token for `--resource <url>` (e.g. storage's, which takes no token issued for ARM). */
export type FakeAzMode = { token: string; expiresInSeconds?: number; byResource?: Record<string, string> } | 'login' | 'hang';

export interface FakeAz {
  /** Put first on PATH (the folder also holds failing azd, pwsh and powershell). */
  dir: string;
  /** PATH with the stand-ins first and only the system folders after them. */
  path: string;
  set(mode: FakeAzMode): Promise<void>;
  /** The arguments of each `az` call so far. */
  calls(): Promise<string[]>;
}

export async function fakeAz(): Promise<FakeAz> {
  const dir = await scratchDir('aml-failover-fake-az-');
  const modeFile = path.join(dir, 'mode.json');
  const logFile = path.join(dir, 'calls.log');
  const script = `#!${process.execPath}
const fs = require('node:fs');
fs.appendFileSync(${JSON.stringify(logFile)}, process.argv.slice(2).join(' ') + '\\n');
const mode = JSON.parse(fs.readFileSync(${JSON.stringify(modeFile)}, 'utf8'));
if (mode === 'hang') setTimeout(() => process.exit(3), 4000); // outlives a test's deadline, never the test by much
else if (mode === 'login') { process.stderr.write("ERROR: Please run 'az login' to setup account.\\n"); process.exit(1); }
else {
  const expires = Math.floor(Date.now() / 1000) + (mode.expiresInSeconds ?? 3600);
  const resource = process.argv[process.argv.indexOf('--resource') + 1];
  const token = (mode.byResource && mode.byResource[resource]) || mode.token;
  process.stdout.write(JSON.stringify({ accessToken: token, expires_on: expires, expiresOn: new Date(expires * 1000).toISOString(), tokenType: 'Bearer' }));
}
`;
  await fs.writeFile(path.join(dir, 'az'), script, { mode: 0o755 });
  for (const tool of ['azd', 'pwsh', 'powershell']) {
    await fs.writeFile(path.join(dir, tool), `#!/bin/sh\necho "${tool}: not available in tests" >&2\nexit 127\n`, { mode: 0o755 });
  }
  await fs.writeFile(logFile, '');
  const fake: FakeAz = {
    dir,
    path: [dir, '/usr/bin', '/bin'].join(path.delimiter),
    set: (mode) => fs.writeFile(modeFile, JSON.stringify(mode)),
    calls: async () => (await fs.readFile(logFile, 'utf8')).split('\n').filter(Boolean),
  };
  await fake.set('login');
  return fake;
}
