// One bundler: esbuild. Five bundles:
//   dist/extension.js  the VS Code extension (vscode external)
//   dist/cli.js        the aml-failover command line
//   dist/sandbox.js    the sandbox cloud (servers, Azurite launcher, seed), loaded by `aml-failover sandbox` only;
//                      part of the CLI's npm package, not of the .vsix
//   dist/lint-worker.js  the lint worker thread `aml-failover lint` starts beside its main thread for many files
//   dist/azure-sdk.js  the Azure SDKs, loaded on first use by both, so activation does not pay for them
import * as esbuild from 'esbuild';
import { chmodSync, readFileSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const minify = !process.argv.includes('--dev');

/** `import('…/azure/azureSdk')` in the sources becomes a runtime require of the separate bundle. */
const azureSdkExternal = {
  name: 'azure-sdk-external',
  setup(build) {
    build.onResolve({ filter: /[/\\]azureSdk(\.ts)?$/ }, () => ({ path: './azure-sdk.js', external: true }));
  },
};

/** `import('./sandbox')` in src/sandbox/cli.ts becomes a runtime require of the separate sandbox bundle. */
const sandboxExternal = {
  name: 'sandbox-external',
  setup(build) {
    build.onResolve({ filter: /^\.\/sandbox$/ }, (args) =>
      /[/\\]src[/\\]sandbox[/\\]cli\.ts$/.test(args.importer) ? { path: './sandbox.js', external: true } : undefined,
    );
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  minify,
  logLevel: 'info',
  legalComments: 'linked',
  define: { PACKAGE_VERSION: JSON.stringify(JSON.parse(readFileSync('package.json', 'utf8')).version) },
};

const builds = [
  { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'], plugins: [azureSdkExternal] },
  // Azurite runs as a child process from node_modules (the sandbox resolves its entry point at run time).
  { ...common, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' }, plugins: [azureSdkExternal, sandboxExternal] },
  // The lint worker thread (src/lint/run.ts starts it beside the main one for many files): the linter core only.
  { ...common, entryPoints: ['src/lint/worker.ts'], outfile: 'dist/lint-worker.js' },
  { ...common, entryPoints: ['src/sandbox/sandbox.ts'], outfile: 'dist/sandbox.js', external: ['azurite'], plugins: [azureSdkExternal] },
  // Some SDK dependencies read import.meta.url (createRequire); in a CommonJS bundle it must come from __filename.
  {
    ...common,
    entryPoints: ['src/azure/azureSdk.ts'],
    outfile: 'dist/azure-sdk.js',
    banner: { js: "var __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    define: { ...common.define, 'import.meta.url': '__importMetaUrl' },
  },
];

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  chmodSync('dist/cli.js', 0o755);
}
