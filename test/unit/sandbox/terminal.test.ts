import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_SANDBOX_COMMAND, sandboxCommandLine, shellQuote } from '../../../src/sandbox/terminal';

describe('sandbox terminal command line', () => {
  it('runs the installed CLI by default, never downloading one', () => {
    assert.equal(sandboxCommandLine('', '/home/ana/proj', 'linux'), 'npx --no aml-failover sandbox --project /home/ana/proj');
    assert.equal(DEFAULT_SANDBOX_COMMAND, 'npx --no aml-failover');
  });

  it('quotes folders with spaces, quotes and shell characters', () => {
    assert.equal(shellQuote("/tmp/it's $HOME; rm -rf", 'linux'), `'/tmp/it'\\''s $HOME; rm -rf'`);
    assert.equal(shellQuote('C:\\Users\\Ana Lopez\\proj', 'win32'), '"C:\\Users\\Ana Lopez\\proj"');
    assert.equal(sandboxCommandLine('node /opt/aml/dist/cli.js', '/p q', 'darwin'), "node /opt/aml/dist/cli.js sandbox --project '/p q'");
  });
});
