import type * as vscode from 'vscode';
import type { CredentialProvider } from '../azure/credentials';
import type { CloudTrust } from '../azure/trust';
import type { Logger } from '../common/logger';
import type { FailoverTreeApi } from '../view/contributions';
import type { FailoverProject } from './project';
import type { Refresher } from './refresh';

/**
 * The services activate() builds once and hands to every capability's `registerX(context, deps)`.
 * - `project`: the pair file, the active workspace and config warnings, re-read on every change (onDidChange)
 * - `tree`: the Failover tree's contribution API (src/view/README.md)
 * - `refresh`: the one Refresh command's participants, and the product's own writes (views re-read after them)
 * - `cloudTrust`: pass to every connect() (src/azure/trust.ts)
 */
export interface ExtensionDeps {
  log: vscode.LogOutputChannel;
  logger: Logger;
  project: FailoverProject;
  tree: FailoverTreeApi;
  refresh: Refresher;
  /** The endpoints the user trusts with their Azure token (user setting, prompts remembered per endpoint). */
  cloudTrust: CloudTrust;
  /** The project's one credential per cloud: pass to every connect() with cloudTrust (src/azure/credentials.ts). */
  credentials: CredentialProvider;
}
