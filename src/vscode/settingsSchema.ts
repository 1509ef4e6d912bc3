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
  /** Probe both workspaces in the background (health in the status bar and the tree). */
  'health.enabled': true as boolean,
  /** Seconds between probes of each workspace. */
  'health.intervalSeconds': 5 as number,
  /** Hard cap of requests per minute to each workspace's region, also while it is down. */
  'health.maxRequestsPerMinute': 60 as number,
  /** Offer the switch when the active workspace goes down, and the way back when it recovers. */
  'health.notifications': true as boolean,
  /** Minutes between automatic refreshes of what each workspace holds (0: only when asked). */
  'inventory.refreshIntervalMinutes': 0 as number,
  /** Lint YAML, JSON job payloads, Python and notebook cells for workspace-pinned references as you type. */
  'lint.enabled': true as boolean,
  /** Local severity overrides per lint rule, on top of the `lint.rules` of aml-failover.yaml. */
  'lint.rules': {} as Record<string, string>,
  /** Extra path globs (relative to the project folder) never linted here, on top of `lint.ignore`. */
  'lint.ignore': [] as string[],
  /** Flag portable references to assets and computes missing from the other workspace (lists both in the background). */
  'lint.remoteCheck': true as boolean,
  /** Hours after which a workspace's newest backup is shown as a warning in the Failover view. */
  'backup.maxAgeHours': 24 as number,
  /** Custom-cloud endpoints the user trusts with their token (application scope: only the user's own value is read). */
  trustedClouds: [] as string[],
  /** Sign in with the Azure CLI's login (az login) instead of VS Code's Microsoft accounts. */
  'signIn.useAzureCli': false as boolean,
  /** How "Start Sandbox Cloud" runs the CLI (machine scope: a workspace cannot change what runs). */
  'sandbox.command': 'npx --no aml-failover' as string,
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
