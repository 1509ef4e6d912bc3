/**
 * Every `amlFailover.*` setting with its default. Keep in step with package.json `contributes.configuration`
 * (test/unit/vscode/settings.test.ts checks both ways). Read settings through src/vscode/settings.ts.
 * To add one: a line here (with `as <type>` when the literal would be too narrow) and its entry in package.json.
 */
export const SETTING_DEFAULTS = {
  /** Also switch `.azure/config` `[defaults] group/workspace` in the project folder when switching. */
  'switch.updateAzureCliDefaults': false as boolean,
  /** Show the active workspace in the status bar. */
  'statusBar.enabled': true as boolean,
};

export type Settings = typeof SETTING_DEFAULTS;
export type SettingKey = keyof Settings;

/** The configuration section, i.e. the `amlFailover` in `amlFailover.switch.updateAzureCliDefaults`. */
export const SETTINGS_SECTION = 'amlFailover';

/** The value when it has the default's type, else the default (a hand-edited settings.json may hold anything). */
export function coerceSetting<K extends SettingKey>(key: K, value: unknown): Settings[K] {
  const fallback = SETTING_DEFAULTS[key];
  if (value === undefined || value === null) return fallback;
  if (Array.isArray(fallback) !== Array.isArray(value) || typeof value !== typeof fallback) return fallback;
  return value as Settings[K];
}
