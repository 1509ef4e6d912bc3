import * as vscode from 'vscode';
import { SETTINGS_SECTION, coerceSetting, type SettingKey, type Settings } from './settingsSchema';

export type { SettingKey, Settings } from './settingsSchema';

/**
 * One typed setting, read fresh each time (settings are cheap to read and may change at any moment). Without a
 * scope the value for "any resource" is read (null), which VS Code accepts for resource-scoped settings too.
 */
export function getSetting<K extends SettingKey>(key: K, scope?: vscode.ConfigurationScope | null): Settings[K] {
  return coerceSetting(key, vscode.workspace.getConfiguration(SETTINGS_SECTION, scope ?? null).get(key));
}

/** Calls `listener` when any of `keys` changes (in any scope). */
export function onDidChangeSetting(
  keys: SettingKey | readonly SettingKey[],
  listener: (event: vscode.ConfigurationChangeEvent) => void,
): vscode.Disposable {
  const list = typeof keys === 'string' ? [keys] : keys;
  return vscode.workspace.onDidChangeConfiguration((event) => {
    if (list.some((key) => event.affectsConfiguration(`${SETTINGS_SECTION}.${key}`))) listener(event);
  });
}
