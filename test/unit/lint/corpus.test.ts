// Ground truth from real repositories (test/fixtures/corpus/README.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { lintText } from '../../../src/lint/lint';
import { severityRank } from '../../../src/lint/rules';
import type { Finding } from '../../../src/lint/types';

const CORPUS = path.join(import.meta.dirname, '../../fixtures/corpus');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const lint = (file: string) => lintText(readFileSync(file, 'utf8'), { fileName: file }).findings;
const atLeastWarning = (f: Finding) => severityRank(f.severity) >= severityRank('warning');
const show = (file: string, f: Finding) => `${path.basename(file)}:${f.range.startLine + 1} ${f.rule} ${f.message}`;

test('the 575 official azureml-examples CLI files: no finding of warning or above; the nine invalid ones reported calmly', () => {
  const files = walk(path.join(CORPUS, 'azureml-examples-cli'));
  assert.equal(files.length, 575);
  const loud: string[] = [];
  const invalid: string[] = [];
  for (const file of files) {
    const findings = lint(file);
    for (const f of findings) if (atLeastWarning(f)) loud.push(show(file, f));
    const bad = findings.filter((f) => f.rule === 'invalid-yaml');
    assert.ok(bad.length <= 1, `${file}: one invalid-yaml finding at most`);
    if (bad.length) {
      assert.equal(bad[0]!.severity, 'info');
      invalid.push(path.relative(CORPUS, file));
    }
  }
  assert.deepEqual(loud, []);
  assert.equal(invalid.length, 9, invalid.join('\n'));
  assert.equal(invalid.filter((f) => f.includes('endpoints/online/custom-container/')).length, 8);
});

interface Expected {
  file: string;
  references: { line: number; commented: boolean; value: string }[];
}

test('hardcoded corpus: every reference outside a comment is found on its line, commented ones as reference-in-comment', () => {
  const expected = JSON.parse(readFileSync(path.join(CORPUS, 'hardcoded/expected.json'), 'utf8')) as Expected[];
  assert.equal(expected.length, 18);
  for (const entry of expected) {
    const file = path.join(CORPUS, 'hardcoded', entry.file);
    const findings = lint(file);
    const text = readFileSync(file, 'utf8');
    for (const ref of entry.references) {
      const onLine = findings.filter((f) => f.range.startLine + 1 === ref.line);
      if (ref.commented) {
        assert.ok(onLine.some((f) => f.rule === 'reference-in-comment'), `${entry.file}:${ref.line} commented reference`);
        continue;
      }
      const hit = onLine.filter(atLeastWarning);
      assert.ok(hit.length, `${entry.file}:${ref.line} not found: ${ref.value}`);
      // The range covers the reference as written (a tracking URI's range holds the workspace id inside it).
      const head = ref.value.slice(0, 24);
      assert.ok(
        hit.some((f) => text.slice(f.start, f.end).includes(head)),
        `${entry.file}:${ref.line} range does not start on the reference`,
      );
    }
    // Nothing loud where the corpus lists no reference.
    const lines = new Set(entry.references.map((r) => r.line));
    for (const f of findings.filter(atLeastWarning)) assert.ok(lines.has(f.range.startLine + 1), `unexpected ${show(file, f)}`);
  }
});

test('notebooks: the one passing literal workspace coordinates to MLClient is flagged, the other 29 are not', () => {
  const files = walk(path.join(CORPUS, 'notebooks')).filter((f) => f.endsWith('.ipynb'));
  assert.equal(files.length, 30);
  const flagged = files.filter((f) => lint(f).some(atLeastWarning)).map((f) => path.basename(f));
  assert.deepEqual(flagged, ['nemo_ptuning_summarization_with_text_gen.ipynb']);
  const file = files.find((f) => f.endsWith('nemo_ptuning_summarization_with_text_gen.ipynb'))!;
  const [finding] = lint(file).filter(atLeastWarning);
  assert.equal(finding!.rule, 'literal-workspace-client');
  assert.match(finding!.message, /OSSTesting/);
  // Reported on the .ipynb line holding `MLClient(` of the fallback branch.
  const lines = readFileSync(file, 'utf8').split('\n');
  assert.match(lines[finding!.range.startLine]!, /workspace_ml_client = MLClient\(/);
});
