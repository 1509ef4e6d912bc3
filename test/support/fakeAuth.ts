// The fake Microsoft authentication (test/fixtures/vscode/fake-auth) built as an extension a UI test's code-server
// runs in place of VS Code's own: startCodeServer({ builtinExtensions: fakeAuthBuiltins(dir), env: fakeAuthEnv(…) }).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { REPO } from './codeServer';
import { FAKE_AUTH_ENV } from '../fixtures/vscode/fake-auth/env';

const SOURCE = path.join(REPO, 'test', 'fixtures', 'vscode', 'fake-auth');

export interface FakeAuthRequest {
  provider: 'microsoft' | 'microsoft-sovereign-cloud';
  kind: 'getSessions' | 'createSession' | 'removeSession';
  scopes: string[];
}

/** Builds the extension into `<dir>/fake-microsoft-authentication` and returns that folder. */
export async function buildFakeAuth(dir: string): Promise<string> {
  const extension = path.join(dir, 'fake-microsoft-authentication');
  await fs.mkdir(extension, { recursive: true });
  await fs.copyFile(path.join(SOURCE, 'package.json'), path.join(extension, 'package.json'));
  await esbuild.build({
    entryPoints: [path.join(SOURCE, 'extension.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: path.join(extension, 'out', 'extension.js'),
    external: ['vscode'],
    logLevel: 'warning',
  });
  return extension;
}

/** The code-server options that put the fake in place of VS Code's Microsoft authentication. */
export function fakeAuthOptions(extension: string, tokenFile: string, log: string): { builtinExtensions: { without: string[]; with: string[] }; env: Record<string, string> } {
  return { builtinExtensions: { without: ['microsoft-authentication'], with: [extension] }, env: { [FAKE_AUTH_ENV]: JSON.stringify({ tokenFile, log }) } };
}

/** Every request the fake got so far, in order. */
export async function fakeAuthRequests(log: string): Promise<FakeAuthRequest[]> {
  const text = await fs.readFile(log, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as FakeAuthRequest);
}
