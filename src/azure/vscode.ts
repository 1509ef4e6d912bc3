// VS Code adapter of src/azure/trust.ts: the endpoints a user trusts with their Azure token are theirs, never the
// workspace's. The user-level setting amlFailover.trustedClouds (application scope, and only its user value is read:
// a workspace's .vscode/settings.json cannot add to it), AML_FAILOVER_TRUSTED_CLOUDS, and endpoints the user trusted
// at a prompt (remembered per endpoint in the extension's global state).
import * as vscode from 'vscode';
import type { Logger } from '../common/logger';
import { SETTINGS_SECTION } from '../vscode/settingsSchema';
import { parseTrustedClouds, trustedCloudsFromEnv, TRUSTED_CLOUDS_SETTING, type CloudTrust, type Endpoint } from './trust';

const REMEMBERED_KEY = 'amlFailover.trustedEndpoints';
export const FORGET_TRUSTED_COMMAND = 'amlFailover.forgetTrustedClouds';
const KIND_TEXT: Record<Endpoint['kind'], string> = {
  resourceManager: 'its Azure Resource Manager endpoint',
  storage: 'a storage endpoint',
  authorityHost: 'its sign-in authority (a client secret may be sent there)',
};

/** The origins in a list of entries, each entry on its own (one typo does not drop the others). */
function originsOf(entries: unknown, logger: Logger): Set<string> {
  const origins = new Set<string>();
  for (const entry of Array.isArray(entries) ? entries : []) {
    try {
      for (const o of parseTrustedClouds([String(entry)], TRUSTED_CLOUDS_SETTING)) origins.add(o);
    } catch (err) {
      logger.warn((err as Error).message);
    }
  }
  return origins;
}

export function createCloudTrust(context: vscode.ExtensionContext, logger: Logger): CloudTrust {
  const prompts = new Map<string, Promise<boolean>>();
  // Declined in this window: background work (health, inventory) does not ask again until the window reloads.
  const declined = new Set<string>();
  const userSetting = () => originsOf(vscode.workspace.getConfiguration(SETTINGS_SECTION).inspect<string[]>('trustedClouds')?.globalValue, logger);
  const remembered = () => new Set(context.globalState.get<string[]>(REMEMBERED_KEY, []));
  const fromEnv = () => {
    try {
      return trustedCloudsFromEnv();
    } catch (err) {
      logger.warn((err as Error).message);
      return new Set<string>();
    }
  };
  return {
    isTrusted: (origin) => userSetting().has(origin) || remembered().has(origin) || fromEnv().has(origin),
    ask(endpoint, origin) {
      if (declined.has(origin)) return Promise.resolve(false);
      let prompt = prompts.get(origin);
      if (!prompt) {
        prompt = (async () => {
          const trust = `Trust ${origin}`;
          const choice = await vscode.window.showWarningMessage(
            `aml-failover.yaml sends your Azure sign-in to ${origin}, ${KIND_TEXT[endpoint.kind]}. Trust this endpoint only if you know it: the pair file comes with the repository.`,
            trust,
            'Not Now',
          );
          if (choice !== trust) {
            declined.add(origin);
            return false;
          }
          await context.globalState.update(REMEMBERED_KEY, [...new Set([...remembered(), origin])]);
          logger.info(`Trusted ${origin} with your Azure sign-in (remembered; "AML Failover: Forget Cloud Endpoints Trusted at a Prompt" forgets it).`);
          return true;
        })().finally(() => prompts.delete(origin));
        prompts.set(origin, prompt);
      }
      return prompt;
    },
  };
}

/** "Forget Cloud Endpoints Trusted at a Prompt": the user setting is the user's to edit; prompts are forgotten here. */
export function registerCloudTrust(context: vscode.ExtensionContext, deps: { logger: Logger }): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(FORGET_TRUSTED_COMMAND, async () => {
      const forgotten = context.globalState.get<string[]>(REMEMBERED_KEY, []);
      await context.globalState.update(REMEMBERED_KEY, []);
      deps.logger.info(`Forgot ${forgotten.length} endpoint(s) trusted at a prompt: ${forgotten.join(', ') || 'none'}.`);
      void vscode.window.showInformationMessage(forgotten.length ? `Forgot ${forgotten.join(', ')}.` : 'No endpoint was trusted at a prompt.');
    }),
  );
}
