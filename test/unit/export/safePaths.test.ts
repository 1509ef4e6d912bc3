import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import fc from 'fast-check';
import { SafePathMapper, foldName, inStableOrder, printable, safeRelativePath } from '../../../src/export/safePaths';

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

test('model names the file system takes for one (Credit/credit, NFC/NFD) get folders of their own; the same name keeps its folder', () => {
  const mapper = new SafePathMapper();
  const credit = mapper.folder('Credit', 'models')!;
  const lower = mapper.folder('credit', 'models')!;
  assert.equal(credit, 'models/Credit');
  assert.equal(lower, 'models/credit~2');
  assert.equal(mapper.folder('Credit', 'models'), credit, 'every version of a model shares its folder');
  mapper.reserve(`${credit}/1/model.yml`);
  mapper.reserve(`${lower}/1/model.yml`);
  // A real model called "credit~2" cannot take the renamed folder.
  assert.equal(mapper.folder('credit~2', 'models'), 'models/credit~2~2');
  const nfc = mapper.folder('caf\u00e9', 'models')!;
  const nfd = mapper.folder('cafe\u0301', 'models')!;
  assert.notEqual(foldName(nfc), foldName(nfd));
  assert.deepEqual(
    mapper.report().map((r) => [r.remote, r.local, r.reasons]),
    [
      ['credit', 'models/credit~2', ['case-collision']],
      ['credit~2', 'models/credit~2~2', ['reserved-by-export']],
      ['cafe\u0301', 'models/cafe\u0301~2', ['normalization-collision']],
    ],
  );
});

test('a reserved file reserves its folders too: no name from the service becomes a file where they are', () => {
  const mapper = new SafePathMapper();
  mapper.reserve('models/m/1/model.yml');
  assert.equal(mapper.map('1', 'models/m'), 'models/m/1~2');
  assert.equal(mapper.map('M', 'models'), 'models/M~2');
});

// Names drawn from letters that fold together: case pairs, and é as one code point (NFC) or e + a combining accent (NFD).
const segment = fc.array(fc.constantFrom('a', 'A', '\u00e9', 'e\u0301', 'E\u0301', 'b', '~2', '.txt'), { minLength: 1, maxLength: 4 }).map((p) => p.join(''));
const remoteName = fc.array(segment, { minLength: 1, maxLength: 3 }).map((p) => p.join('/'));

/** Maps a listing the way the export does: folders for asset names, then files below, in stable order. */
async function mapListing(assets: string[], files: string[]) {
  const mapper = new SafePathMapper();
  const out = new Map<string, string>();
  for (const name of await inStableOrder(new Set(assets), (n) => n)) {
    const dir = mapper.folder(name, 'models');
    if (dir) out.set(`asset:${name}`, dir);
  }
  for (const name of await inStableOrder(new Set(files), (n) => n)) {
    const local = mapper.map(name, 'notebooks');
    if (local) out.set(`file:${name}`, local);
  }
  return out;
}

test('property: no two names land on one file or folder once case and Unicode form are folded', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(segment, { maxLength: 8 }), fc.array(remoteName, { maxLength: 12 }), async (assets, files) => {
      const mapped = await mapListing(assets, files);
      const fileKeys = [...mapped].filter(([k]) => k.startsWith('file:')).map(([, v]) => foldName(v));
      const folderKeys = [...mapped].filter(([k]) => k.startsWith('asset:')).map(([, v]) => foldName(v));
      assert.equal(new Set(fileKeys).size, fileKeys.length, `two files on one: ${JSON.stringify([...mapped])}`);
      assert.equal(new Set(folderKeys).size, folderKeys.length, `two assets in one folder: ${JSON.stringify([...mapped])}`);
      // No file is a folder of another file.
      const folders = new Set(fileKeys.flatMap((k) => k.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))));
      for (const k of fileKeys) assert.ok(!folders.has(k), `${k} is both a file and a folder`);
    }),
    { numRuns: 300 },
  );
});

test('property: the same listing in any order maps every name to the same path', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(segment, { maxLength: 6 }).chain((a) => fc.tuple(fc.constant(a), fc.shuffledSubarray(a, { minLength: a.length, maxLength: a.length }))),
      fc.array(remoteName, { maxLength: 10 }).chain((f) => fc.tuple(fc.constant(f), fc.shuffledSubarray(f, { minLength: f.length, maxLength: f.length }))),
      async ([assets, shuffledAssets], [files, shuffledFiles]) => {
        assert.deepEqual([...(await mapListing(shuffledAssets, shuffledFiles))].sort(), [...(await mapListing(assets, files))].sort());
      },
    ),
    { numRuns: 200 },
  );
});

test('a name exported alone gets the folder it gets in a full export: every name is reserved first, quietly', () => {
  const alone = new SafePathMapper();
  for (const name of ['Credit', 'credit', 'churn']) alone.folder(name, 'models', { report: false });
  assert.deepEqual(alone.report(), [], 'reserving reports nothing');
  assert.equal(alone.folder('credit', 'models'), 'models/credit~2');
  assert.equal(alone.folder('credit', 'models'), 'models/credit~2');
  assert.deepEqual(alone.report(), [{ remote: 'credit', local: 'models/credit~2', reasons: ['case-collision'] }], 'reported once, when used');
  const full = new SafePathMapper();
  assert.deepEqual(['Credit', 'credit', 'churn'].map((n) => full.folder(n, 'models')), ['models/Credit', 'models/credit~2', 'models/churn']);
});
