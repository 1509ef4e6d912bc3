// The real Azure ML parser as referee: test/support/python/referee.py loads each YAML with azure-ai-ml 1.4.0
// (Debian's python3-azure, installed by scripts/setup-test-env.sh) the way `az ml … create -f` does, with the
// pydash stand-in of test/support/python/pydash on its path.
import { execFile } from 'node:child_process';
import * as path from 'node:path';

export interface RefereeVerdict {
  file: string;
  ok: boolean;
  kind?: string;
  type?: string;
  error?: string;
  steps?: Record<string, string>;
}

const SCRIPT = path.resolve(__dirname, 'python/referee.py');
/** Debian's interpreter: another python3 earlier on PATH would not see python3-azure. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

export function loadWithRealParser(files: string[]): Promise<RefereeVerdict[]> {
  return new Promise((resolve, reject) => {
    execFile(SYSTEM_PYTHON, [SCRIPT, ...files], { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`referee.py failed: ${err.message}\n${stderr}`));
      const verdicts = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as RefereeVerdict);
      if (verdicts.length !== files.length) return reject(new Error(`referee.py answered ${verdicts.length} of ${files.length} files\n${stdout}\n${stderr}`));
      resolve(verdicts);
    });
  });
}

/** One line per refused file, for an assertion message. */
export function refusals(verdicts: RefereeVerdict[]): string {
  return verdicts
    .filter((v) => !v.ok)
    .map((v) => `${v.file}: ${v.error}`)
    .join('\n');
}
