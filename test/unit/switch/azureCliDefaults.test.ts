import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readIniDefaults, setIniDefaults } from '../../../src/switch/azureCliDefaults';

test('an empty file gets a [defaults] section', () => {
  assert.equal(setIniDefaults('', { group: 'g', workspace: 'w' }), '[defaults]\ngroup = g\nworkspace = w\n');
});

test('a missing [defaults] section is appended after a blank line, other sections untouched', () => {
  assert.equal(setIniDefaults('[core]\noutput = json', { group: 'g' }), '[core]\noutput = json\n\n[defaults]\ngroup = g\n');
});

test('existing keys are replaced in place whatever their case and delimiter; comments survive', () => {
  const text = '[defaults]\n; the group\nGroup: old\nworkspace=old-ws\n# end\n[other]\ngroup = not-this\n';
  assert.equal(setIniDefaults(text, { group: 'g', workspace: 'w' }), '[defaults]\n; the group\nGroup: g\nworkspace=w\n# end\n[other]\ngroup = not-this\n');
});

test('CRLF files stay CRLF', () => {
  assert.equal(setIniDefaults('[defaults]\r\nlocation = eastus\r\n', { group: 'g' }), '[defaults]\r\nlocation = eastus\r\ngroup = g\r\n');
});

test('readIniDefaults reads only the [defaults] section', () => {
  assert.deepEqual(readIniDefaults('[core]\ngroup = x\n[defaults]\nGROUP = g\nworkspace: w\n'), { group: 'g', workspace: 'w' });
});
