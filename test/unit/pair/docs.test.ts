// Every diagnostic code links to a section of docs/pair-file.md that exists.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PAIR_DOC, PAIR_PROBLEM_CODES } from '../../../src/pair/pairFile';

const repo = path.resolve(import.meta.dirname, '../../..');
const headings = new Set([...readFileSync(path.join(repo, PAIR_DOC), 'utf8').matchAll(/^## (\S+)$/gm)].map((m) => m[1]));

test('each pair-file problem code and config-warning code has its section', () => {
  for (const code of [...PAIR_PROBLEM_CODES, 'shadowing-config', 'stale-config', 'invalid-config']) {
    assert.ok(headings.has(code), `${PAIR_DOC} has no "## ${code}"`);
  }
});

test('the documentation ships in the .vsix', () => {
  assert.match(readFileSync(path.join(repo, '.vscodeignore'), 'utf8'), new RegExp(`^!${PAIR_DOC}$`, 'm'));
});
