import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PENDING_METADATA, SHA256_METADATA, decideFile, exitCodeOf, renamedPath, sameNames, summarizeRestore, uploadFolder, emptyReport } from '../../../src/restore/plan';

const file = { size: 10, sha256: 'a'.repeat(64), md5: 'bWQ1' };

test('a file the target does not have is created', () => {
  assert.deepEqual(decideFile(file, undefined), { action: 'create' });
});

test('the sha256 a restore or replication recorded decides: same content is unchanged, other content a conflict', () => {
  assert.deepEqual(decideFile(file, { size: 10, metadata: { [SHA256_METADATA]: file.sha256 } }), { action: 'unchanged' });
  assert.equal(decideFile(file, { size: 10, metadata: { [SHA256_METADATA]: 'b'.repeat(64) } }).action, 'conflict');
  // A recorded sha256 wins over a Content-MD5 that happens to match.
  assert.equal(decideFile(file, { size: 10, contentMD5: file.md5, metadata: { [SHA256_METADATA]: 'b'.repeat(64) } }).action, 'conflict');
});

test('without a record, the service Content-MD5 decides; a different size is a conflict; otherwise the bytes must be read', () => {
  assert.deepEqual(decideFile(file, { size: 10, contentMD5: file.md5 }), { action: 'unchanged' });
  assert.equal(decideFile(file, { size: 10, contentMD5: 'b3RoZXI=' }).action, 'conflict');
  const bigger = decideFile(file, { size: 11 });
  assert.equal(bigger.action, 'conflict');
  assert.match((bigger as { reason: string }).reason, /11 bytes; the backup's has 10/);
  assert.deepEqual(decideFile(file, { size: 10 }), { action: 'compare' });
});

test('a file an interrupted restore left unfinished for this content is written again; one pending other content is a conflict', () => {
  assert.deepEqual(decideFile(file, { size: 10, metadata: { [PENDING_METADATA]: file.sha256 } }), { action: 'create', resume: true });
  assert.equal(decideFile(file, { size: 3, metadata: { [PENDING_METADATA]: 'c'.repeat(64) } }).action, 'conflict');
});

test('a renamed notebook keeps its folder and extension and gets the date (UTC)', () => {
  const now = new Date('2026-12-06T23:59:00Z');
  assert.equal(renamedPath('Users/alice/train.ipynb', now), 'Users/alice/train (restored 2026-12-06).ipynb');
  assert.equal(renamedPath('README', now), 'README (restored 2026-12-06)');
  assert.equal(renamedPath('Users/bob/.bashrc', now), 'Users/bob/.bashrc (restored 2026-12-06)');
  assert.equal(renamedPath('a.b/c.tar.gz', now), 'a.b/c.tar (restored 2026-12-06).gz');
});

test('the upload folder is LocalUpload/<hash>/ of the names and contents, whatever their order', () => {
  const a = { relative: 'm/a.bin', sha256: '1'.repeat(64) };
  const b = { relative: 'm/b.bin', sha256: '2'.repeat(64) };
  const folder = uploadFolder([a, b]);
  assert.match(folder, /^LocalUpload\/[0-9a-f]{32}\/$/);
  assert.equal(uploadFolder([b, a]), folder);
  assert.notEqual(uploadFolder([a, { ...b, sha256: '3'.repeat(64) }]), folder);
  assert.notEqual(uploadFolder([a, { ...b, relative: 'm/c.bin' }]), folder);
});

test('file sets compared by name say what is missing or extra', () => {
  assert.equal(sameNames(['a', 'b'], ['b', 'a']), undefined);
  assert.match(sameNames(['a', 'b'], ['a'])!, /has no b/);
  assert.match(sameNames(['a'], ['a', 'x', 'y'])!, /has x, which the backup does not \(and 1 more/);
});

test('exit 0 when nothing failed, conflicts included; 1 when something failed or the run was cancelled', () => {
  const r = emptyReport();
  r.conflicts.push({ kind: 'notebook', path: 'notebooks/x.ipynb', reason: 'other content' });
  assert.equal(exitCodeOf(r, false), 0);
  assert.equal(exitCodeOf(r, true), 1);
  r.failed.push({ kind: 'model', path: 'models/m/1/model.yml', name: 'm', version: '1', error: 'boom' });
  assert.equal(exitCodeOf(r, false), 1);
});

test('the summary says a plan wrote nothing and lists what it would create, each conflict and failure', () => {
  const r = emptyReport();
  r.created.push({ kind: 'notebook', path: 'notebooks/Users/a/x.ipynb' });
  r.conflicts.push({ kind: 'model', path: 'models/m/1/model.yml', name: 'm', version: '1', reason: 'version 1 exists there with other files' });
  const lines = summarizeRestore(r, { plan: true, cancelled: false, target: 'mlw-westus' });
  assert.match(lines[0], /^Plan for mlw-westus \(nothing written\): 1 file\(s\) to create, 0 already there, 1 conflict\(s\), 0 failed\.$/);
  assert.ok(lines.includes('  create: notebook notebooks/Users/a/x.ipynb'));
  assert.ok(lines.includes('  conflict: model m:1 models/m/1/model.yml: version 1 exists there with other files; not overwritten.'));
});
