import * as vscode from 'vscode';
import { ROLES } from '../pair/pairFile';
import type { FailoverProject } from '../vscode/project';
import { roleOf } from './active';
import { parseWorkspaceConfig, printable } from './configSearch';

const SELECTOR: vscode.DocumentSelector = {
  scheme: 'file',
  pattern: '**/{.azureml/config.json,.azureml/project.json,aml_config/config.json,aml_config/project.json,config.json,project.json}',
};

/**
 * A line above a workspace config file saying which workspace of the pair it names (and whether the SDK uses it
 * from the project folder), with a one-click switch when it is the file the switch writes.
 */
export function registerConfigCodeLens(project: FailoverProject): vscode.Disposable {
  const changed = new vscode.EventEmitter<void>();
  const provider: vscode.CodeLensProvider = {
    onDidChangeCodeLenses: changed.event,
    provideCodeLenses(doc) {
      const snapshot = project.snapshot;
      if (snapshot.pair.state !== 'valid' || !snapshot.active) return [];
      const parsed = parseWorkspaceConfig(doc.getText());
      if (!parsed.ok) return [];
      const pair = snapshot.pair.config;
      const role = roleOf(pair, parsed.workspace);
      const usedFromRoot = snapshot.active.hit?.file === doc.uri.fsPath;
      const top = new vscode.Range(0, 0, 0, 0);
      const label = role
        ? `$(cloud) ${role === 'primary' ? 'Primary' : 'Secondary'} workspace · ${pair.workspaces[role].region}${usedFromRoot ? ' · active' : ''}`
        : `$(warning) ${printable(parsed.workspace.workspace_name)} is not in the failover pair`;
      const lenses = [new vscode.CodeLens(top, { title: label, command: '' })];
      if (usedFromRoot && !doc.isDirty) {
        for (const other of ROLES.filter((r) => r !== role)) {
          const ws = pair.workspaces[other];
          lenses.push(new vscode.CodeLens(top, { title: `Switch to ${other} (${ws.workspace_name}, ${ws.region})`, command: 'amlFailover.switchTo', arguments: [other] }));
        }
      }
      return lenses;
    },
  };
  return vscode.Disposable.from(changed, project.onDidChange(() => changed.fire()), vscode.languages.registerCodeLensProvider(SELECTOR, provider));
}
