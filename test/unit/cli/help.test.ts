// The CLI's help reads as one voice: every command, option and argument description in sentence case (upper-case
// first letter) without a final period; `aml-failover` alone prints the help on stdout and exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { Command } from 'commander';
import { buildProgram } from '../../../src/cli';
import type { CliContext } from '../../../src/cli/context';
import { silentLogger } from '../../../src/common/logger';
import { fixedTrust } from '../../../src/azure/trust';
import { cliNodeArgs } from '../../support/cli';

const REPO = path.resolve(import.meta.dirname, '../../..');

const ctx: CliContext = {
  out: () => undefined,
  err: () => undefined,
  logger: silentLogger,
  projectDir: () => REPO,
  isTTY: false,
  signal: new AbortController().signal,
  setExitCode: () => undefined,
  azureAccess: () => ({ trust: fixedTrust([]) }),
  cloudTrust: () => fixedTrust([]),
};

/** Every description the help shows, with where it comes from. */
function descriptions(cmd: Command, prefix = 'aml-failover'): [string, string][] {
  const help = cmd.createHelp();
  const out: [string, string][] = [[prefix, cmd.description()]];
  for (const o of help.visibleOptions(cmd)) out.push([`${prefix} ${o.flags}`, o.description]);
  for (const a of help.visibleArguments(cmd)) out.push([`${prefix} <${a.name()}>`, a.description]);
  for (const sub of help.visibleCommands(cmd)) {
    if (sub.name() === 'help') out.push([`${prefix} help`, sub.description()]);
    else out.push(...descriptions(sub, `${prefix} ${sub.name()}`));
  }
  return out;
}

test('every description starts upper-case and has no final period', () => {
  const all = descriptions(buildProgram(ctx));
  assert.ok(all.length > 50, `${all.length} descriptions`);
  const bad = all.filter(([, d]) => !d || !/^[A-Z]/.test(d) || /\.$/.test(d));
  assert.deepEqual(bad, []);
});

test('aml-failover with no command (or only global options) prints the help on stdout and exits 0', () => {
  for (const args of [[], ['--project', REPO], ['-v']]) {
    const r = spawnSync(process.execPath, cliNodeArgs(args), { cwd: REPO, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^Usage: aml-failover \[options\] \[command\]/);
    assert.match(r.stdout, /^ {2}lint \[options\] \[paths\.\.\.\] +Flag /m);
  }
  // An unknown command is still bad usage.
  const unknown = spawnSync(process.execPath, cliNodeArgs(['lnt']), { cwd: REPO, encoding: 'utf8' });
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command 'lnt'/);
});
