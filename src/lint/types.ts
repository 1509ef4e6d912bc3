/** The linter's vocabulary, shared by the core, the CLI and the VS Code adapter. Nothing here imports `vscode`. */

export type Severity = 'error' | 'warning' | 'info' | 'hint';
/** A severity as configured: `off` turns a rule off. */
export type ConfiguredSeverity = Severity | 'off';

export type RuleCode =
  | 'workspace-arm-id'
  | 'workspace-datastore-uri'
  | 'workspace-location-uri'
  | 'region-tracking-uri'
  | 'job-output-reference'
  | 'literal-workspace-client'
  | 'literal-subscription-id'
  | 'literal-env-default'
  | 'reference-in-comment'
  | 'not-in-other-workspace'
  | 'workspace-storage-url'
  | 'invalid-yaml'
  | 'invalid-json'
  | 'skipped-file'
  | 'unreadable-file';

/** 0-based line and column (UTF-16 code units, as VS Code counts), end exclusive. */
export interface Range {
  startLine: number;
  startCol: number;
  endLine: number;
  endCol: number;
}

/** Replace the text between two offsets of the linted text. */
export interface TextEdit {
  start: number;
  end: number;
  newText: string;
}

export interface Fix {
  title: string;
  edits: TextEdit[];
  /** The fix an editor applies first (and "fix all" applies). */
  isPreferred: boolean;
}

/** The workspace a reference pins, as far as the reference says. */
export interface PinnedWorkspace {
  subscription?: string;
  resourceGroup?: string;
  workspace?: string;
  /** Workspace GUID of `azureml://locations/<region>/workspaces/<guid>/…`. */
  workspaceId?: string;
  region?: string;
}

export interface Finding {
  rule: RuleCode;
  severity: Severity;
  /** The full explanation: what is pinned, why it matters, what to write instead (editor hover, JSON, SARIF). */
  message: string;
  /** One line of at most about 100 characters for the CLI's compiler-style text output (`--explain` adds `message`). */
  short?: string;
  /** Offsets into the linted text, end exclusive. */
  start: number;
  end: number;
  range: Range;
  /**
   * The line an inline ignore comment refers to: the first line of the statement or YAML value holding the finding
   * (a comment cannot be put inside a multi-line quoted value).
   */
  anchorLine: number;
  fixes: Fix[];
  /** The reference as written (decoded), when the finding is about one. */
  reference?: string;
  pinned?: PinnedWorkspace;
}

/**
 * A reference the remote check can look up: `azureml:<name>:<version>`, `azureml:<name>@latest`, a compute, or a
 * storage URL (`https://<account>.blob.core.windows.net/<container>/<path>`, `wasbs://`, `abfss://`), which is
 * pinned when the account is a workspace's own storage.
 */
export interface PortableReference {
  kind: 'asset' | 'compute' | 'storage-url';
  /** storage-url: the account, container and path. */
  account?: string;
  container?: string;
  path?: string;
  /** models, environments, data, components, or computes */
  assetType?: 'models' | 'environments' | 'data' | 'components';
  name: string;
  version?: string;
  start: number;
  end: number;
  anchorLine: number;
}

export type FileKind = 'yaml' | 'json' | 'python' | 'notebook';
