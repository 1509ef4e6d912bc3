// One start-up measurement in a fresh Node process (so nothing is cached): `require` of a module, then (for an
// extension) its `activate` against the in-process vscode stand-in. Prints {"requireMs","activateMs"} as JSON.
//   node bench/startupProbe.cjs <module.js> <projectDir> [--activate]
'use strict';
const Module = require('node:module');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { createStandIn, fakeContext } = require('./vscodeStandIn.cjs');

const [modulePath, projectDir] = process.argv.slice(2);
const vscode = createStandIn(projectDir);
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest);
};
require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: vscode };

const t0 = performance.now();
const mod = require(path.resolve(modulePath));
const t1 = performance.now();
let activateMs = null;
if (process.argv.includes('--activate')) {
  const context = fakeContext(path.dirname(path.dirname(path.resolve(modulePath))));
  mod.activate(context);
  activateMs = performance.now() - t1;
  for (const d of context.subscriptions) {
    try { d.dispose(); } catch { /* the stand-in's no-ops */ }
  }
}
process.stdout.write(JSON.stringify({ requireMs: t1 - t0, activateMs }) + '\n');
// Timers started by activate (health polling) must not keep the probe alive.
process.exit(0);
