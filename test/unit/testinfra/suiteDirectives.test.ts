// The `// @fixture`, `// @sandbox`, `// @settings`, `// @env` lines a VS Code suite declares (test/vscode/README.md).
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDirectives } from '../../vscode/run';

test('reads every directive from the leading comment block', () => {
  const d = parseDirectives(
    [
      '// @fixture test/fixtures/vscode/pair',
      '// A comment that is not a directive.',
      '// @sandbox {"largeModelMb": 2}',
      '// @settings {"amlFailover.health.enabled": false}',
      '// @env AML_X=a=b',
      '// @workspaceTrust',
      '// @testExtension test/fixtures/vscode/fake-auth',
      '',
      "import * as vscode from 'vscode';",
    ].join('\n'),
  );
  assert.deepEqual(d, {
    fixture: 'test/fixtures/vscode/pair',
    sandbox: { largeModelMb: 2 },
    settings: { 'amlFailover.health.enabled': false },
    env: { AML_X: 'a=b' },
    workspaceTrust: true,
    testExtension: 'test/fixtures/vscode/fake-auth',
  });
});

test('a bare @sandbox means default options; nothing declared means an empty folder and no sandbox', () => {
  assert.deepEqual(parseDirectives('// @sandbox\n').sandbox, {});
  assert.deepEqual(parseDirectives("import * as vscode from 'vscode';\n"), { settings: {}, env: {} });
});

test('directives after the first line of code are not read', () => {
  const d = parseDirectives("import 'x';\n// @fixture test/fixtures/vscode/pair\n");
  assert.equal(d.fixture, undefined);
});

test('mistakes are named with the file: unknown directive, bad JSON, @env without a value, @fixture without a folder', () => {
  assert.throws(() => parseDirectives('// @fixtures test/x\n', 'a.test.ts'), /a\.test\.ts: unknown directive @fixtures/);
  assert.throws(() => parseDirectives('// @settings {bad}\n', 'a.test.ts'), /a\.test\.ts: @settings needs a JSON object/);
  assert.throws(() => parseDirectives('// @sandbox [1]\n', 'a.test.ts'), /a\.test\.ts: @sandbox needs a JSON object, not \[1\]/);
  assert.throws(() => parseDirectives('// @env NOVALUE\n', 'a.test.ts'), /@env needs NAME=value/);
  assert.throws(() => parseDirectives('// @fixture\n', 'a.test.ts'), /@fixture needs a folder/);
});
