// The typed settings module and package.json's contributes.configuration name the same settings with the same defaults.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { SETTINGS_SECTION, SETTING_DEFAULTS, coerceSetting } from '../../../src/vscode/settingsSchema';

const pkg = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../../package.json'), 'utf8'));
const contributed: Record<string, { default?: unknown; type?: string }> = pkg.contributes.configuration.properties;

test('every setting in package.json is in src/vscode/settingsSchema.ts with the same default, and back', () => {
  const fromPackage = Object.fromEntries(Object.entries(contributed).map(([k, v]) => [k.slice(SETTINGS_SECTION.length + 1), v.default]));
  assert.ok(Object.keys(contributed).every((k) => k.startsWith(`${SETTINGS_SECTION}.`)));
  assert.deepEqual(fromPackage, SETTING_DEFAULTS);
});

test('a value of the wrong type falls back to the default', () => {
  assert.equal(coerceSetting('switch.updateAzureCliDefaults', 'yes'), false);
  assert.equal(coerceSetting('switch.updateAzureCliDefaults', true), true);
  assert.equal(coerceSetting('statusBar.enabled', undefined), true);
});
