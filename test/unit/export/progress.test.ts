// `aml-failover export` progress in a CI log (not a terminal): one total per phase, never going backwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExportProgress } from '../../../src/export/engine';
import { progressLines } from '../../../src/export/cli';

/** What the engine reports for 34 downloads (2.3 MB, small files first, one retry) and then 21 generated files. */
function run(): ExportProgress[] {
  const sizes = [...Array.from({ length: 33 }, () => 10_000), 2_081_000];
  const p: ExportProgress = { files: 55, filesDone: 0, bytes: sizes.reduce((a, b) => a + b, 0), bytesDone: 0, downloads: 34, downloadsDone: 0, writes: 21, writesDone: 0 };
  const out: ExportProgress[] = [];
  for (const [i, size] of sizes.entries()) {
    if (i === 33) {
      // The large file in chunks; a retry counts bytes that are then settled back to the file's size.
      for (let n = 0; n < 10; n++) {
        p.bytesDone += size / 5;
        out.push({ ...p });
      }
      p.bytesDone -= size;
    } else p.bytesDone += size;
    if (i === 20) continue; // one download fails: no count for it
    p.filesDone++;
    p.downloadsDone++;
    out.push({ ...p });
  }
  for (let i = 0; i < 21; i++) {
    p.filesDone++;
    p.writesDone++;
    out.push({ ...p });
  }
  return out;
}

test('one total per phase, percentages that only grow, and each phase closes with its final count', () => {
  const printer = progressLines();
  const lines = [...run().flatMap((p) => printer.update(p)), ...printer.done()];
  const parsed = lines.map((l) => {
    const m = /^export: (download|write) (\d+)% \((\d+)\/(\d+) files(?:, ([\d.]+)\/([\d.]+) MB)?\)$/.exec(l);
    assert.ok(m, `unexpected line: ${l}`);
    return { phase: m[1]!, percent: Number(m[2]), done: Number(m[3]), total: Number(m[4]) };
  });
  const downloads = parsed.filter((p) => p.phase === 'download');
  const writes = parsed.filter((p) => p.phase === 'write');
  assert.deepEqual([...new Set(downloads.map((p) => p.total))], [34], lines.join('\n'));
  assert.deepEqual([...new Set(writes.map((p) => p.total))], [21], lines.join('\n'));
  assert.equal(parsed.findIndex((p) => p.phase === 'write'), downloads.length, 'downloads first, then writes');
  for (const phase of [downloads, writes]) {
    for (let i = 1; i < phase.length; i++) {
      assert.ok(phase[i]!.percent >= phase[i - 1]!.percent && phase[i]!.done >= phase[i - 1]!.done, lines.join('\n'));
    }
  }
  assert.ok(downloads.length <= 12 && writes.length <= 12, 'about one line per tenth');
  assert.deepEqual(downloads.at(-1), { phase: 'download', percent: 100, done: 33, total: 34 });
  assert.deepEqual(writes.at(-1), { phase: 'write', percent: 100, done: 21, total: 21 });
});
