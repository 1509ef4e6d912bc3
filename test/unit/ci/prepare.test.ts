// The `prepare` script runs on every `npm install` / `npm ci` of this package. Without its dev dependencies
// (`npm ci --omit=dev`, an install as a dependency) there is no esbuild: it must say so and succeed, not fail the
// install. (With them it builds: test/integration/ci/ shows pre-commit's and the GitHub Action's installs working.)
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';

const REPO = path.resolve(__dirname, '..', '..', '..');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'aml-failover-prepare-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('package.json runs scripts/prepare.mjs as its prepare script', () => {
  const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.equal(pkg.scripts.prepare, 'node scripts/prepare.mjs');
});

test('without esbuild installed, prepare explains why nothing is built and exits 0', () => {
  mkdirSync(path.join(scratch, 'scripts'));
  for (const file of ['prepare.mjs', 'build.mjs']) copyFileSync(path.join(REPO, 'scripts', file), path.join(scratch, 'scripts', file));
  writeFileSync(path.join(scratch, 'package.json'), readFileSync(path.join(REPO, 'package.json')));
  const env = { ...process.env };
  delete env.NODE_PATH;
  delete env.NODE_OPTIONS;
  const r = spawnSync(process.execPath, ['scripts/prepare.mjs'], { cwd: scratch, env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /esbuild is not installed.*dist\/ is not built/);
  assert.ok(!existsSync(path.join(scratch, 'dist')));
});
