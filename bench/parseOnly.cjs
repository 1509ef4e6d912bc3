// Baseline for the whole-process lint figure: a plain Node process that walks a folder, reads every YAML file and
// parses it with `yaml` — no linting, no output beyond a count. `aml-failover lint` over the same folder is compared
// with it, both as fresh processes (start-up, discovery, reading and output included).
//   node bench/parseOnly.cjs <folder>
'use strict';
const { readFileSync, readdirSync } = require('node:fs');
const path = require('node:path');
const { parseAllDocuments } = require('yaml');

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : /\.ya?ml$/i.test(e.name) ? [p] : [];
  });
}

let documents = 0;
const files = walk(path.resolve(process.argv[2]));
for (const file of files) documents += parseAllDocuments(readFileSync(file, 'utf8')).length;
process.stdout.write(`${files.length} files, ${documents} documents\n`);
