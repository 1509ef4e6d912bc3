import type * as vscode from 'vscode';
import type { CloudTrust } from '../azure/trust';
import type { Logger } from '../common/logger';
import type { FailoverTreeApi } from '../view/contributions';
import type { FailoverProject } from './project';

/**
 * The services activate() builds once and hands to every capability's `registerX(context, deps)`.
 * - `project`: the pair file, the active workspace and config warnings, re-read on every change (onDidChange)
 * - `tree`: the Failover tree's contribution API (src/view/README.md)
 * - `cloudTrust`: pass to every connect() (src/azure/trust.ts)
 */
export interface ExtensionDeps {
  log: vscode.LogOutputChannel;
  logger: Logger;
  project: FailoverProject;
  tree: FailoverTreeApi;
  /** The endpoints the user trusts with their Azure token (user setting, prompts remembered per endpoint). */
  cloudTrust: CloudTrust;
}
