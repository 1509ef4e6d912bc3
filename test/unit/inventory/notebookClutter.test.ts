import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clutterMatcher, ignoreFilesIn } from '../../../src/inventory/notebookClutter';

test("the studio's checkpoints and temp files are clutter by default; notebooks and the .amlignore are not", () => {
  const skip = clutterMatcher([]);
  for (const p of ['Users/alice/.ipynb_aml_checkpoints/train-checkpoint2024-1-5.ipynb', 'Users/bob/.ipynb_checkpoints/x-checkpoint.ipynb', 'Users/alice/train.ipynb.amltmp', 'Users/alice/score.py.amltemp', 'Users/alice/.amlignore.amltmp']) {
    assert.equal(skip(p), true, p);
  }
  for (const p of ['Users/alice/train.ipynb', 'Users/alice/.amlignore', 'Users/alice/amltmp.ipynb', 'Users/alice/ipynb_checkpoints.py']) assert.equal(skip(p), false, p);
  assert.equal(clutterMatcher([], true)('Users/alice/.ipynb_aml_checkpoints/a.ipynb'), false, '--include-checkpoints keeps everything');
});

test('.amlignore patterns apply below their folder: folders, anchored paths, globs and re-includes', () => {
  const skip = clutterMatcher([{ folder: 'Users/alice', text: '# generated\nscratch/\n/data/raw\n*.log\n!keep.log\n' }]);
  assert.equal(skip('Users/alice/scratch/a.ipynb'), true);
  assert.equal(skip('Users/alice/deep/scratch/a.ipynb'), true);
  assert.equal(skip('Users/alice/data/raw/x.csv'), true);
  assert.equal(skip('Users/alice/deep/data/raw/x.csv'), false, 'anchored to the .amlignore folder');
  assert.equal(skip('Users/alice/run.log'), true);
  assert.equal(skip('Users/alice/keep.log'), false);
  assert.equal(skip('Users/bob/run.log'), false, "another user's folder is not covered");
  assert.equal(skip('Users/alice/scratch'), false, 'a file named like a folder pattern is kept');
  assert.deepEqual(ignoreFilesIn(['.amlignore', 'Users/alice/.amlignore', 'Users/alice/x.amlignore']), [
    { folder: '', path: '.amlignore' },
    { folder: 'Users/alice', path: 'Users/alice/.amlignore' },
  ]);
});
