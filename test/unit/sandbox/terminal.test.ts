import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commandWords, DEFAULT_SANDBOX_COMMAND, sandboxProcess } from '../../../src/sandbox/terminal';

describe('sandbox terminal process', () => {
  it('runs the installed CLI by default, never downloading one', () => {
    assert.deepEqual(sandboxProcess('', '/home/ana/proj', 'linux'), { executable: 'npx', args: ['--no', 'aml-failover', 'sandbox', '--project', '/home/ana/proj'] });
    assert.equal(DEFAULT_SANDBOX_COMMAND, 'npx --no aml-failover');
  });

  it('passes the folder as one argument, untouched, whatever it holds', () => {
    for (const dir of ['C:\\p$(calc)', "/tmp/it's $HOME; rm -rf ~", '/p "q" `id` $(touch x)', 'C:\\Users\\Ana Lopez\\proj']) {
      for (const platform of ['linux', 'darwin'] as const) {
        const p = sandboxProcess('node /opt/aml/dist/cli.js', dir, platform);
        assert.deepEqual(p, { executable: 'node', args: ['/opt/aml/dist/cli.js', 'sandbox', '--project', dir] });
      }
    }
    assert.deepEqual(sandboxProcess('node C:\\aml\\cli.js', 'C:\\p$(calc)', 'win32').args, ['C:\\aml\\cli.js', 'sandbox', '--project', 'C:\\p$(calc)']);
  });

  it('on Windows refuses a folder cmd.exe would interpret when the command is not an .exe (npx is npx.cmd)', () => {
    assert.throws(() => sandboxProcess('', 'C:\\p&calc', 'win32'), /cmd\.exe would interpret/);
    assert.deepEqual(sandboxProcess('"C:\\Program Files\\nodejs\\node.exe" C:\\aml\\cli.js', 'C:\\p&calc', 'win32'), {
      executable: 'C:\\Program Files\\nodejs\\node.exe',
      args: ['C:\\aml\\cli.js', 'sandbox', '--project', 'C:\\p&calc'],
    });
  });

  it('reads the setting as words, quotes grouping, nothing expanded', () => {
    assert.deepEqual(commandWords(`node "/opt/my tools/cli.js"  '--x y' $HOME`), ['node', '/opt/my tools/cli.js', '--x y', '$HOME']);
  });
});
