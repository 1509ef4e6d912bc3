// `prepare`: npm runs it after `npm install` / `npm ci` in this folder and before `npm pack`. dist/ is built, never
// committed, so an install straight from the repository (pre-commit's hook install, `npm install <git url>`) needs
// this build for a working `aml-failover` bin. An install without dev dependencies (`--omit=dev`) has no esbuild:
// then there is nothing to build with, which is said and is not an error, so such an install still succeeds.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
try {
  require.resolve('esbuild');
} catch {
  console.error('aml-failover prepare: esbuild is not installed (dev dependencies omitted), so dist/ is not built; run `npm run build` after installing them.');
  process.exit(0);
}
const repo = fileURLToPath(new URL('..', import.meta.url));
const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: repo, stdio: 'inherit' });
process.exit(build.status ?? 1);
