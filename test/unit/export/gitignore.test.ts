// The export's .gitignore line: added once, only inside a git work tree, only when nothing ignores the folder yet,
// appended with every existing byte kept. Where git is installed, its own answer is the oracle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ignoreNewFolder } from '../../../src/export/gitignore';
import { scratchDir } from '../../support/scratch';

const hasGit = spawnSync('git', ['--version']).status === 0;

async function repo(files: Record<string, string>, options: { git?: boolean } = {}): Promise<string> {
  const dir = await scratchDir('aml-gitignore-');
  if (options.git !== false) await fs.mkdir(path.join(dir, '.git', 'info'), { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), text);
  }
  return dir;
}

/** What git itself says, in a real repository with the same ignore files (skipped where git is missing). */
function gitIgnores(project: string, rel: string): boolean | undefined {
  if (!hasGit) return undefined;
  const check = spawnSync('git', ['-c', 'core.excludesFile=/dev/null', 'check-ignore', '-q', `${rel}/x`], { cwd: project });
  return check.status === 0 ? true : check.status === 1 ? false : undefined;
}

test('appends /aml-export/ to a .gitignore without a final newline (CRLF kept), byte for byte, and says where', async () => {
  const dir = await repo({ '.gitignore': '# local\r\n.venv/\r\n*.pyc' });
  const change = await ignoreNewFolder(dir, 'aml-export');
  assert.deepEqual(change, { file: path.join(dir, '.gitignore'), line: '/aml-export/' });
  assert.equal(await fs.readFile(path.join(dir, '.gitignore'), 'utf8'), '# local\r\n.venv/\r\n*.pyc\r\n/aml-export/\r\n');
});

test('creates .gitignore in a project folder below the repository root', async () => {
  const root = await repo({ 'README.md': 'x' });
  const project = path.join(root, 'ml', 'churn');
  await fs.mkdir(project, { recursive: true });
  assert.ok(await ignoreNewFolder(project, 'aml-export'));
  assert.equal(await fs.readFile(path.join(project, '.gitignore'), 'utf8'), '/aml-export/\n');
});

test('nothing outside a git work tree', async () => {
  const dir = await repo({ '.gitignore': 'x\n' }, { git: false });
  // The temporary folder must not itself be inside a repository for this test to mean anything.
  if (hasGit && spawnSync('git', ['rev-parse'], { cwd: dir }).status === 0) return;
  assert.equal(await ignoreNewFolder(dir, 'aml-export'), undefined);
  assert.equal(await fs.readFile(path.join(dir, '.gitignore'), 'utf8'), 'x\n');
});

// The project is the folder ml/ of the repository.
const ALREADY: Record<string, Record<string, string>> = {
  'a bare name at the root': { '.gitignore': 'aml-export\n' },
  'an anchored folder in the project': { 'ml/.gitignore': '/aml-export/\n' },
  'an anchored path from the root': { '.gitignore': '/ml/aml-export/\n' },
  'a glob': { '.gitignore': 'aml-*/\n' },
  'everything under it': { 'ml/.gitignore': 'aml-export/**\n' },
  'a parent folder, from the root': { '.gitignore': '/ml/\n' },
  '.git/info/exclude': { '.git/info/exclude': 'aml-export/\n' },
};
for (const [what, files] of Object.entries(ALREADY)) {
  test(`left alone when already ignored: ${what}`, async () => {
    const root = await repo(files);
    const project = path.join(root, 'ml');
    await fs.mkdir(project, { recursive: true });
    if (hasGit) {
      await fs.rename(path.join(root, '.git'), path.join(root, '.git-files'));
      assert.equal(spawnSync('git', ['init', '-q', root]).status, 0);
      await fs.cp(path.join(root, '.git-files', 'info'), path.join(root, '.git', 'info'), { recursive: true });
      await fs.rm(path.join(root, '.git-files'), { recursive: true });
      assert.equal(gitIgnores(project, 'aml-export'), true, 'git agrees');
    }
    const before = await fs.readFile(path.join(project, '.gitignore'), 'utf8').catch(() => undefined);
    assert.equal(await ignoreNewFolder(project, 'aml-export'), undefined);
    assert.equal(await fs.readFile(path.join(project, '.gitignore'), 'utf8').catch(() => undefined), before);
  });
}

test('a later ! line re-includes it, so the line is added; git agrees with every answer', async () => {
  const root = await repo({ '.gitignore': 'aml-*\n!aml-export\n' });
  if (hasGit) {
    await fs.rm(path.join(root, '.git'), { recursive: true });
    assert.equal(spawnSync('git', ['init', '-q', root]).status, 0);
    assert.equal(gitIgnores(root, 'aml-export'), false);
  }
  assert.ok(await ignoreNewFolder(root, 'aml-export'));
  if (hasGit) assert.equal(gitIgnores(root, 'aml-export'), true);
  // Once added, a second call adds nothing.
  assert.equal(await ignoreNewFolder(root, 'aml-export'), undefined);
  assert.equal(await fs.readFile(path.join(root, '.gitignore'), 'utf8'), 'aml-*\n!aml-export\n/aml-export/\n');
});

test('a .gitignore that is a symlink is not written through', async () => {
  const root = await repo({});
  const elsewhere = await repo({ 'target.txt': 'keep\n' }, { git: false });
  await fs.symlink(path.join(elsewhere, 'target.txt'), path.join(root, '.gitignore'));
  assert.equal(await ignoreNewFolder(root, 'aml-export'), undefined);
  assert.equal(await fs.readFile(path.join(elsewhere, 'target.txt'), 'utf8'), 'keep\n');
});
