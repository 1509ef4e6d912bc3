// The README is what a newcomer reads first: every setting the extension declares is in its Settings table, and every
// image and local link it shows exists (vsce ships the README inside the .vsix with relative links as they are).
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const REPO = path.resolve(__dirname, '..', '..', '..');
const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
  contributes: { configuration?: { properties?: Record<string, unknown> } | Array<{ properties?: Record<string, unknown> }> };
};

test('every setting in package.json has a row in the README Settings table', () => {
  const configuration = pkg.contributes.configuration ?? [];
  const sections = Array.isArray(configuration) ? configuration : [configuration];
  const settings = sections.flatMap((s) => Object.keys(s.properties ?? {}));
  assert.ok(settings.length > 0, 'package.json declares no settings');
  const table = readme.slice(readme.indexOf('## Settings'));
  const missing = settings.filter((key) => !table.includes(`| \`${key}\` |`));
  assert.deepEqual(missing, [], `settings without a README row: ${missing.join(', ')}`);
});

test('every image and local link in the README exists', () => {
  const targets = [...readme.matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((t) => !/^(https?:|mailto:|#)/.test(t));
  assert.ok(targets.some((t) => t.endsWith('.png')), 'the README shows no screenshot');
  const broken = targets.filter((t) => !existsSync(path.join(REPO, t.split('#')[0])));
  assert.deepEqual(broken, [], `broken README links: ${broken.join(', ')}`);
});
