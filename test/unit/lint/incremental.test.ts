// Re-linting after a keystroke without a new parse must give exactly what a full lint of the new text gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { IncrementalLinter } from '../../../src/lint/incremental';
import { lintText } from '../../../src/lint/lint';
import type { LintResult } from '../../../src/lint/lint';
import { pipelineYaml } from '../../../bench/lint.bench';

const CORPUS = path.join(import.meta.dirname, '../../fixtures/corpus');
const walk = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(path.join(dir, n)).isDirectory() ? walk(path.join(dir, n)) : [path.join(dir, n)]));
const seeds = [
  ...walk(path.join(CORPUS, 'hardcoded')).filter((f) => /\.(ya?ml|json)$/.test(f)),
  ...walk(path.join(CORPUS, 'azureml-examples-cli')).filter((_, i) => i % 40 === 0),
].map((file) => ({ file, text: readFileSync(file, 'utf8') }));
seeds.push({ file: 'pipeline.yml', text: pipelineYaml(400) });

const comparable = (r: Pick<LintResult, 'findings'>) => JSON.stringify(r.findings.map((f) => [f.rule, f.severity, f.start, f.end, f.range, f.anchorLine, f.message, f.fixes]));

const edit = fc.record({
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  remove: fc.nat(3),
  insert: fc.oneof(
    { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z0-9_./-]{0,4}$/) },
    { weight: 1, arbitrary: fc.constantFrom('\n', ': ', '"', "'", '#', ' ', '/subscriptions/', '{', 'true', '1') },
  ),
});

test('in-place re-lint equals a full lint after every edit (and is taken for most keystrokes in values)', () => {
  let inPlace = 0;
  let edits = 0;
  fc.assert(
    fc.property(fc.nat(seeds.length - 1), fc.array(edit, { minLength: 1, maxLength: 6 }), (i, steps) => {
      const seed = seeds[i]!;
      const linter = new IncrementalLinter();
      const options = { fileName: seed.file };
      let text = seed.text;
      linter.lint(text, options);
      for (const s of steps) {
        // Aim most edits inside a value: after the first ": " of a random line.
        const lines = text.split('\n');
        const line = Math.min(lines.length - 1, Math.floor(s.at * lines.length));
        const colon = lines[line]!.indexOf(': ');
        const lineStart = lines.slice(0, line).reduce((n, l) => n + l.length + 1, 0);
        const at = colon >= 0 ? lineStart + colon + 3 + Math.floor(s.at * 3) : Math.floor(s.at * text.length);
        const pos = Math.min(at, text.length);
        text = text.slice(0, pos) + s.insert + text.slice(Math.min(pos + s.remove, text.length));
        edits++;
        assert.equal(comparable(linter.lint(text, options)), comparable(lintText(text, options)), `after editing ${seed.file} at ${pos}`);
      }
      inPlace += linter.inPlace;
    }),
    { numRuns: 400, seed: 99 },
  );
  assert.ok(inPlace > edits / 4, `only ${inPlace} of ${edits} edits were re-linted in place`);
});

test('typing a pinned id into a value, character by character, flags it exactly as a full lint does', () => {
  const linter = new IncrementalLinter();
  const id = 'azureml:/subscriptions/92c76a2f-0e1c-4216-b65e-abf7a3f34c1e/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/computes/gpu';
  const base = pipelineYaml(200);
  const at = base.indexOf('azureml:cpu-cluster') + 'azureml:cpu-cluster'.length;
  let text = base;
  linter.lint(text, { fileName: 'p.yml' });
  for (let n = 1; n <= id.length - 'azureml:'.length; n++) {
    text = base.slice(0, at) + id.slice('azureml:'.length, 'azureml:'.length + n) + base.slice(at);
    assert.equal(comparable(linter.lint(text, { fileName: 'p.yml' })), comparable(lintText(text, { fileName: 'p.yml' })));
  }
  assert.ok(linter.inPlace > 100, `${linter.inPlace}`);
});
