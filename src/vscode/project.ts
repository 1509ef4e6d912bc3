import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Logger } from '../common/logger';
import { errorMessage } from '../common/errors';
import { PAIR_FILE_NAME, parsePairFile, type PairConfig, type PairProblem } from '../pair/pairFile';
import { configWarnings, resolveActive, type ActiveWorkspace, type ConfigWarning } from '../switch/active';

export type PairState =
  | { state: 'noFolder' }
  | { state: 'missing' }
  | { state: 'invalid'; problems: PairProblem[] }
  | { state: 'valid'; config: PairConfig; problems: PairProblem[] };

/** What the extension knows about the open project: the pair file, the active workspace, config warnings. */
export interface ProjectSnapshot {
  /** The workspace folder holding aml-failover.yaml (else the first folder). */
  folder?: vscode.WorkspaceFolder;
  projectDir?: string;
  pairFile?: vscode.Uri;
  pair: PairState;
  /** Set when the pair is valid. */
  active?: ActiveWorkspace;
  warnings: ConfigWarning[];
}

// The folders too: deleting `.azureml/` may be reported as one event for the folder, not one per file inside.
const CONFIG_GLOB = '**/{.azureml,aml_config,.azureml/config.json,.azureml/project.json,aml_config/config.json,aml_config/project.json,config.json,project.json}';

/**
 * The project's state, re-read from disk whenever the pair file or any SDK config file changes (by anyone),
 * when folders change, and on {@link refresh}. Views and commands listen to {@link onDidChange}.
 */
export class FailoverProject implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<ProjectSnapshot>();
  readonly onDidChange = this.changed.event;
  private current: ProjectSnapshot = { pair: { state: 'noFolder' }, warnings: [] };
  private pending: Promise<ProjectSnapshot> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly logger: Logger) {
    const watchers = [
      vscode.workspace.createFileSystemWatcher(`**/${PAIR_FILE_NAME}`),
      vscode.workspace.createFileSystemWatcher(CONFIG_GLOB),
    ];
    for (const w of watchers) {
      this.disposables.push(w, w.onDidCreate(() => this.soon()), w.onDidChange(() => this.soon()), w.onDidDelete(() => this.soon()));
    }
    this.disposables.push(
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.soon()),
      this.changed,
      { dispose: () => clearTimeout(this.timer) },
    );
  }

  get snapshot(): ProjectSnapshot {
    return this.current;
  }

  /** Re-reads everything now; concurrent calls share one read and a call during a read schedules one more. */
  refresh(): Promise<ProjectSnapshot> {
    if (this.pending) {
      this.again = true;
      return this.pending;
    }
    this.pending = (async () => {
      try {
        do {
          this.again = false;
          this.current = await this.read();
        } while (this.again);
        this.changed.fire(this.current);
        return this.current;
      } finally {
        this.pending = undefined;
      }
    })();
    return this.pending;
  }

  /** Coalesces bursts of file events (a save touches a file several times) into one re-read. */
  private soon(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh().catch((err) => this.logger.error(err as Error)), 100);
  }

  private async read(): Promise<ProjectSnapshot> {
    const folder = await projectFolder();
    if (!folder) return { pair: { state: 'noFolder' }, warnings: [] };
    const projectDir = folder.uri.fsPath;
    const pairFile = vscode.Uri.joinPath(folder.uri, PAIR_FILE_NAME);
    let text: string;
    try {
      text = new TextDecoder().decode(await vscode.workspace.fs.readFile(pairFile));
    } catch {
      return { folder, projectDir, pairFile, pair: { state: 'missing' }, warnings: [] };
    }
    const parsed = parsePairFile(text, projectDir);
    if (!parsed.ok) return { folder, projectDir, pairFile, pair: { state: 'invalid', problems: parsed.problems }, warnings: [] };
    let active: ActiveWorkspace;
    let warnings: ConfigWarning[] = [];
    try {
      active = await resolveActive(projectDir, parsed.config);
      warnings = await configWarnings(projectDir, parsed.config, active);
    } catch (err) {
      this.logger.error(`Could not read the workspace config of ${projectDir}: ${errorMessage(err)}`);
      active = { state: 'invalid', error: errorMessage(err) };
    }
    // Logged once when they appear, not on every re-read.
    const before = new Set(this.current.warnings.map((w) => w.message));
    for (const w of warnings) if (!before.has(w.message)) this.logger.warn(w.message);
    return { folder, projectDir, pairFile, pair: { state: 'valid', config: parsed.config, problems: parsed.problems }, active, warnings };
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** The first workspace folder holding the pair file, else the first folder (where "Create failover config" writes). */
async function projectFolder(): Promise<vscode.WorkspaceFolder | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  for (const folder of folders) {
    try {
      await vscode.workspace.fs.stat(vscode.Uri.joinPath(folder.uri, PAIR_FILE_NAME));
      return folder;
    } catch {
      // not this one
    }
  }
  return folders[0];
}

/** `path/in/project` for messages. */
export function projectRelative(snapshot: ProjectSnapshot, file: string): string {
  return snapshot.projectDir ? path.relative(snapshot.projectDir, file).split(path.sep).join('/') : file;
}
