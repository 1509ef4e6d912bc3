// Runs one suite file with mocha inside the VS Code extension host. test/vscode/run.ts bundles a small entry per suite
// that calls runSuite(() => require('<suite>')), so `describe`/`it` exist as globals before the suite's body runs.
import { promises as fs } from 'node:fs';
import Mocha from 'mocha';

export interface SuiteResult {
  passed: number;
  failed: number;
  pending: number;
  failures: Array<{ title: string; error: string }>;
}

export function runSuite(load: () => void): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', color: false, timeout: 30_000, slow: 5_000 });
  mocha.suite.emit('pre-require', globalThis, 'suite', mocha);
  load();
  return new Promise((resolve, reject) => {
    const result: SuiteResult = { passed: 0, failed: 0, pending: 0, failures: [] };
    const runner = mocha.run((failures) => {
      void writeResult(result).then(() =>
        failures > 0 ? reject(new Error(`${failures} test(s) failed`)) : resolve(),
      );
    });
    runner.on('pass', () => result.passed++);
    runner.on('pending', () => result.pending++);
    runner.on('fail', (test, err: Error) => {
      result.failed++;
      result.failures.push({ title: test.fullTitle(), error: err.stack ?? String(err) });
    });
  });
}

/** The runner reads the counts from this file (the extension host runs on the same machine). */
async function writeResult(result: SuiteResult): Promise<void> {
  const file = process.env.AML_FAILOVER_SUITE_RESULT;
  if (file) await fs.writeFile(file, JSON.stringify(result));
}
