import type { ConfiguredSeverity, RuleCode, Severity } from './types';

export interface RuleInfo {
  code: RuleCode;
  defaultSeverity: Severity;
  /** One line, for the docs table, SARIF and the CLI's rule list. */
  summary: string;
}

/**
 * Every rule. Each has a section `## <code>` in docs/lint-rules.md (the diagnostic's `code` links there).
 * Severities are the defaults; `lint.rules` in aml-failover.yaml (and the `amlFailover.lint.rules` setting) change them.
 */
export const RULES: Record<RuleCode, RuleInfo> = {
  'workspace-arm-id': {
    code: 'workspace-arm-id',
    defaultSeverity: 'warning',
    summary: 'ARM id of an Azure ML workspace or of something inside one (asset, compute, job, virtual cluster): it names one workspace.',
  },
  'workspace-datastore-uri': {
    code: 'workspace-datastore-uri',
    defaultSeverity: 'warning',
    summary: 'azureml://subscriptions/…/workspaces/<ws>/… URI (datastore paths, job outputs): it names one workspace.',
  },
  'workspace-location-uri': {
    code: 'workspace-location-uri',
    defaultSeverity: 'warning',
    summary: 'azureml://locations/<region>/workspaces/<guid>/… URI: it names one workspace in one region.',
  },
  'region-tracking-uri': {
    code: 'region-tracking-uri',
    defaultSeverity: 'warning',
    summary: 'MLflow tracking URI pinned to one region and workspace.',
  },
  'job-output-reference': {
    code: 'job-output-reference',
    defaultSeverity: 'info',
    summary: 'azureml://jobs/<name>/outputs/…: the outputs of one job run, which exists in one workspace only.',
  },
  'literal-workspace-client': {
    code: 'literal-workspace-client',
    defaultSeverity: 'warning',
    summary: 'MLClient(...) / Workspace(...) / Workspace.get(...) with a literal subscription, resource group or workspace name.',
  },
  'literal-subscription-id': {
    code: 'literal-subscription-id',
    defaultSeverity: 'warning',
    summary: 'A literal subscription GUID assigned to a workspace setting in Python.',
  },
  'literal-env-default': {
    code: 'literal-env-default',
    defaultSeverity: 'warning',
    summary: 'os.getenv("…WORKSPACE…", "<literal>") in Python: the literal default picks one workspace, resource group, subscription or region where the variable is unset.',
  },
  'reference-in-comment': {
    code: 'reference-in-comment',
    defaultSeverity: 'info',
    summary: 'A workspace-pinned reference inside a comment: harmless today, pinned again when uncommented.',
  },
  'not-in-other-workspace': {
    code: 'not-in-other-workspace',
    defaultSeverity: 'warning',
    summary: 'A portable reference to an asset or compute that exists in the active workspace but not in the other one of the pair.',
  },
  'workspace-storage-url': {
    code: 'workspace-storage-url',
    defaultSeverity: 'warning',
    summary: "A storage URL of a workspace's own storage account (known when the workspaces are reachable): it stays in that region.",
  },
  'invalid-yaml': {
    code: 'invalid-yaml',
    defaultSeverity: 'info',
    summary: 'The file is not valid YAML, so it could only be checked as far as it could be read.',
  },
  'invalid-json': {
    code: 'invalid-json',
    defaultSeverity: 'info',
    summary: 'The file is not valid JSON (or not a notebook), so it could only be checked as far as it could be read.',
  },
  'skipped-file': {
    code: 'skipped-file',
    defaultSeverity: 'info',
    summary: 'The file is too large or binary and was not checked.',
  },
  'unreadable-file': {
    code: 'unreadable-file',
    defaultSeverity: 'error',
    summary: 'A file named on the command line could not be read.',
  },
};

export const RULE_CODES = Object.keys(RULES) as RuleCode[];

export function isRuleCode(value: string): value is RuleCode {
  return Object.prototype.hasOwnProperty.call(RULES, value);
}

export const SEVERITIES: readonly ConfiguredSeverity[] = ['error', 'warning', 'info', 'hint', 'off'];

/** Higher is more severe; `warning` and above fail the CLI. */
export function severityRank(s: Severity): number {
  return s === 'error' ? 3 : s === 'warning' ? 2 : s === 'info' ? 1 : 0;
}

/** Where a rule's explanation lives, relative to the extension / repository root. */
export const RULES_DOC = 'docs/lint-rules.md';
