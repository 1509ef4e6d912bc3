// Hostile and broken input: the linter never throws, returns sane ranges, and finishes each file within a bound.
// The bound is a hang detector (generous: a bare yaml parse of a 10 MB line alone takes seconds on a busy machine);
// speed itself is measured by `npm run bench`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { fixAll, lintText } from '../../../src/lint/lint';
import { defaultLintConfig } from '../../../src/lint/config';
import type { FileKind } from '../../../src/lint/types';

const CORPUS = path.join(import.meta.dirname, '../../fixtures/corpus');
const BOUND_MS = 30_000;
const SUB = '92c76a2f-0e1c-4216-b65e-abf7a3f34c1e';
const ARM = `azureml:/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/computes/c`;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(path.join(dir, n)).isDirectory() ? walk(path.join(dir, n)) : [path.join(dir, n)]));
}

const seeds = [
  ...walk(path.join(CORPUS, 'hardcoded')),
  ...walk(path.join(CORPUS, 'azureml-examples-cli')).filter((_, i) => i % 25 === 0),
  ...walk(path.join(CORPUS, 'notebooks')).filter((f) => statSync(f).size < 200_000).slice(0, 4),
].map((file) => ({ file, text: readFileSync(file, 'utf8') }));

const KINDS: FileKind[] = ['yaml', 'json', 'python', 'notebook'];

function check(text: string, kind: FileKind, maxFileSizeKb = 4096): void {
  const started = performance.now();
  const result = lintText(text, { fileName: `fuzz.${kind}`, kind, config: { ...defaultLintConfig(), maxFileSizeKb } });
  const ms = performance.now() - started;
  assert.ok(ms < BOUND_MS, `${kind}: ${Math.round(ms)} ms for ${text.length} chars`);
  for (const f of result.findings) {
    assert.ok(f.start >= 0 && f.start <= f.end && f.end <= text.length, `${f.rule} range ${f.start}-${f.end} outside 0-${text.length}`);
    assert.ok(f.range.startLine <= f.range.endLine);
    for (const fix of f.fixes) for (const e of fix.edits) assert.ok(e.start >= 0 && e.start <= e.end && e.end <= text.length);
  }
}

const mutation = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ op: fc.constant('tabs' as const) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), what: fc.oneof(fc.string(), fc.constantFrom('"', "'", '\\', '\n', '\t', ': ', '- ', '#', '&a ', '*a', '!!', '{', '[', '|', '>', '---\n', '%YAML 1.2\n', '\u0000', '\ud800', ARM, `"${ARM.slice(0, 40)}\\\n  ${ARM.slice(40)}"`)) }),
  fc.record({ op: fc.constant('duplicateLine' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ op: fc.constant('deleteRange' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), length: fc.nat(200) }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(text: string, m: Mutation): string {
  const at = 'at' in m ? Math.floor(m.at * text.length) : 0;
  switch (m.op) {
    case 'truncate':
      return text.slice(0, at);
    case 'tabs':
      return text.replace(/^( {2})+/gm, (s) => '\t'.repeat(s.length / 2));
    case 'insert':
      return text.slice(0, at) + m.what + text.slice(at);
    case 'duplicateLine': {
      const start = text.lastIndexOf('\n', at) + 1;
      const end = text.indexOf('\n', at);
      const line = text.slice(start, end === -1 ? text.length : end + 1);
      return text.slice(0, start) + line + line + text.slice(start);
    }
    case 'deleteRange':
      return text.slice(0, at) + text.slice(at + m.length);
  }
}

test('thousands of mutated real files (1,200 mutants, each linted as its own kind and as another): never throws, sane ranges, bounded time', () => {
  fc.assert(
    fc.property(fc.nat(seeds.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.constantFrom(...KINDS), (i, mutations, otherKind) => {
      const seed = seeds[i]!;
      const text = mutations.reduce(mutate, seed.text);
      const own = seed.file.endsWith('.ipynb') ? 'notebook' : seed.file.endsWith('.json') ? 'json' : 'yaml';
      check(text, own);
      check(text, otherKind);
    }),
    { numRuns: 1200, seed: 4242 },
  );
});

test('fixing mutated files never throws and leaves nothing fixable', () => {
  fc.assert(
    fc.property(fc.nat(seeds.length - 1), fc.array(mutation, { maxLength: 2 }), (i, mutations) => {
      const seed = seeds[i]!;
      const text = mutations.reduce(mutate, seed.text);
      const options = { fileName: seed.file };
      const fixed = fixAll(text, options);
      if (fixed.applied) assert.ok(lintText(fixed.text, options).findings.every((f) => !f.fixes.length || f.rule === 'reference-in-comment'));
    }),
    { numRuns: 300, seed: 7 },
  );
});

test('deep nesting, alias bombs, huge and binary files', () => {
  const depth = 50_000;
  const cases: [string, string, FileKind][] = [
    ['deep flow sequences', '['.repeat(depth) + ']'.repeat(depth), 'yaml'],
    ['deep flow mappings', '{a: '.repeat(depth) + '1' + '}'.repeat(depth), 'yaml'],
    ['deep block mappings', Array.from({ length: 2000 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ` ${ARM}\n`, 'yaml'],
    ['deep JSON', '['.repeat(depth) + ']'.repeat(depth), 'json'],
    ['deep notebook', `{"cells": ${'['.repeat(depth)}${']'.repeat(depth)}}`, 'notebook'],
    ['deep Python', `x = ${'('.repeat(depth)}MLClient(c, "${SUB}", "rg", "ws")${')'.repeat(depth)}\n`, 'python'],
    [
      'alias bomb',
      ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`), `compute: ${ARM}`].join('\n'),
      'yaml',
    ],
    ['binary', '\u0000\u0001\u0002PNG'.repeat(1000), 'yaml'],
  ];
  for (const [name, text, kind] of cases) {
    assert.doesNotThrow(() => check(text, kind), name);
  }
  const bomb = lintText(cases[6]![1], { fileName: 'bomb.yml' }).findings;
  assert.deepEqual(bomb.map((f) => f.rule), ['workspace-arm-id']);
  assert.deepEqual(lintText(cases[7]![1], { fileName: 'x.yml' }).findings.map((f) => f.rule), ['skipped-file']);
  // 500 levels of block mappings are read and checked; 2,000 are too deep for the parser: one calm note.
  const nested = (n: number) => Array.from({ length: n }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ` ${ARM}\n`;
  assert.deepEqual(lintText(nested(500), { fileName: 'deep.yml' }).findings.map((f) => f.rule), ['workspace-arm-id']);
  const tooDeep = lintText(nested(2000), { fileName: 'deep.yml' }).findings;
  assert.deepEqual(tooDeep.map((f) => [f.rule, f.severity]), [['invalid-yaml', 'info']]);
  assert.match(tooDeep[0]!.message, /nested too deeply/);
});

test('10 MB lines: skipped with a note by default, linted within the bound when the limit allows', () => {
  const tenMb = 10 * 1024 * 1024;
  const lines: [string, FileKind][] = [
    [`key: ${'x'.repeat(tenMb)}\n`, 'yaml'],
    [`key: "${'/subscriptions/'.repeat(tenMb / 15)}"\n`, 'yaml'],
    [`# ${'#  aml-failover-lint: '.repeat(tenMb / 23)}\n`, 'yaml'],
    [`s = "${'azureml://'.repeat(tenMb / 10)}"\n`, 'python'],
    [`{"a": "${ARM} `.repeat(tenMb / (ARM.length + 8)) + '"}', 'json'],
  ];
  for (const [text, kind] of lines) {
    assert.deepEqual(lintText(text, { fileName: `big.${kind}`, kind }).findings.map((f) => f.rule), ['skipped-file']);
    check(text, kind, 16 * 1024);
  }
});
