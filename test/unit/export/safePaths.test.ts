import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { SafePathMapper, printable, safeRelativePath } from '../../../src/export/safePaths';

test('plain names map to themselves', () => {
  assert.deepEqual(safeRelativePath('Users/alice/train.ipynb'), { ok: true, relative: 'Users/alice/train.ipynb' });
  assert.deepEqual(safeRelativePath('a//b/./c.txt'), { ok: true, relative: 'a/b/c.txt' });
});

test('names that climb out of the export folder are refused', () => {
  for (const name of ['..', '../etc/passwd', 'Users/../../x', 'a/..', 'a/..\\..\\b']) {
    assert.deepEqual(safeRelativePath(name), { ok: false, reason: 'parent-segment' }, name);
  }
});

test('absolute paths are refused', () => {
  for (const name of ['/etc/passwd', '\\\\server\\share\\x', 'C:\\Windows\\x', 'c:x']) {
    assert.deepEqual(safeRelativePath(name), { ok: false, reason: 'absolute-path' }, name);
  }
});

test('control characters and empty names are refused', () => {
  assert.deepEqual(safeRelativePath('bad\nname.txt'), { ok: false, reason: 'control-character' });
  assert.deepEqual(safeRelativePath('bell\u0007'), { ok: false, reason: 'control-character' });
  assert.deepEqual(safeRelativePath('nul\u0000byte'), { ok: false, reason: 'control-character' });
  assert.deepEqual(safeRelativePath(''), { ok: false, reason: 'empty-name' });
  assert.deepEqual(safeRelativePath('./'), { ok: false, reason: 'empty-name' });
});

test('Windows reserved device names and invalid characters are made safe', () => {
  assert.deepEqual(safeRelativePath('models/CON'), { ok: true, relative: 'models/CON_', renamed: ['windows-reserved-name'] });
  assert.deepEqual(safeRelativePath('aux.txt'), { ok: true, relative: 'aux_.txt', renamed: ['windows-reserved-name'] });
  assert.deepEqual(safeRelativePath('Com1.tar.gz'), { ok: true, relative: 'Com1_.tar.gz', renamed: ['windows-reserved-name'] });
  assert.deepEqual(safeRelativePath('what?.txt'), { ok: true, relative: 'what%3F.txt', renamed: ['windows-invalid-character'] });
  assert.deepEqual(safeRelativePath('dir./x '), { ok: true, relative: 'dir%2E/x%20', renamed: ['trailing-dot-or-space'] });
  assert.deepEqual(safeRelativePath('console.log'), { ok: true, relative: 'console.log' });
});

test('every accepted name stays inside the export folder', () => {
  const out = path.resolve('/tmp/out');
  const hostile = ['..', '../x', 'a/../../b', '/abs', 'C:/x', '....', '.../x', 'a/.../b', 'x\\..\\..\\y', '%2e%2e/x', 'a/./../b'];
  for (const name of hostile) {
    const r = safeRelativePath(name);
    if (r.ok) {
      const target = path.resolve(out, r.relative);
      assert.ok(target.startsWith(out + path.sep), `${name} -> ${target}`);
    }
  }
});

test('case-only collisions get distinct names, deterministically, and are reported', () => {
  const mapper = new SafePathMapper();
  assert.equal(mapper.map('Users/a/Notes.ipynb'), 'Users/a/Notes.ipynb');
  assert.equal(mapper.map('Users/a/notes.ipynb'), 'Users/a/notes~2.ipynb');
  assert.equal(mapper.map('Users/a/NOTES.ipynb'), 'Users/a/NOTES~3.ipynb');
  assert.deepEqual(
    mapper.report().map((r) => [r.remote, r.local, r.reasons]),
    [
      ['Users/a/notes.ipynb', 'Users/a/notes~2.ipynb', ['case-collision']],
      ['Users/a/NOTES.ipynb', 'Users/a/NOTES~3.ipynb', ['case-collision']],
    ],
  );
});

test('a file never takes the name of a folder, nor the reverse', () => {
  const mapper = new SafePathMapper();
  assert.equal(mapper.map('a/b/c.txt'), 'a/b/c.txt');
  assert.equal(mapper.map('A/B'), 'A/B~2');
  assert.equal(mapper.map('x'), 'x');
  assert.equal(mapper.map('X/y'), 'X~2/y');
});

test('names the export writes itself are reserved', () => {
  const mapper = new SafePathMapper();
  mapper.reserve('models/m/1/model.yml');
  assert.equal(mapper.map('model.yml', 'models/m/1'), 'models/m/1/model~2.yml');
  assert.deepEqual(mapper.report()[0].reasons, ['reserved-by-export']);
});

test('refusals are reported with printable names', () => {
  const mapper = new SafePathMapper();
  assert.equal(mapper.map('../../escape.txt'), undefined);
  assert.equal(mapper.map('evil\u001b[31m.txt'), undefined);
  assert.deepEqual(mapper.report(), [
    { remote: '../../escape.txt', reasons: ['parent-segment'] },
    { remote: 'evil\\u001b[31m.txt', reasons: ['control-character'] },
  ]);
  assert.equal(printable('a\tb'), 'a\\u0009b');
});
