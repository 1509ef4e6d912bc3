import * as vscode from 'vscode';
import type { ExtensionDeps } from '../vscode/deps';
import { getSetting, onDidChangeSetting } from '../vscode/settings';
import { withOverrides } from './config';
import { fixAll } from './lint';
import { IncrementalLinter } from './incremental';
import { lintProjectFrom, withConfig, type LintProject } from './project';
import { RULES_DOC } from './rules';
import { RemoteHoldings, remoteFindings } from './remote';
import { azureHoldings } from './remoteAzure';
import { isTrusted, onDidGrantTrust } from '../vscode/workspaceTrust';
import { pairIdentity } from '../health/session';
import type { FileKind, Finding, PortableReference, Severity } from './types';
import type { RawFinding } from './findings';

/** Time between the last keystroke and fresh diagnostics. */
export const LINT_DEBOUNCE_MS = 300;
export const LINT_SOURCE = 'AML Failover';
const FIX_ALL_KIND = vscode.CodeActionKind.SourceFixAll.append('amlFailover');
const SCHEMES = new Set(['file', 'untitled', 'vscode-notebook-cell', 'vscode-remote', 'vscode-vfs']);

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

/** What the editor knows about one linted document, for code actions. */
interface Linted {
  version: number;
  findings: Finding[];
  kind: FileKind;
}

/** The kind a document is linted as, or undefined when it is not ours (notebook cells are Python). */
function kindOf(doc: vscode.TextDocument): FileKind | undefined {
  if (!SCHEMES.has(doc.uri.scheme)) return undefined;
  if (doc.languageId === 'yaml' || /\.ya?ml$/i.test(doc.fileName)) return 'yaml';
  if (doc.languageId === 'python') return 'python';
  if ((doc.languageId === 'json' || doc.languageId === 'jsonc') && /\.json$/i.test(doc.fileName)) return 'json';
  return undefined;
}

/**
 * Lint diagnostics as you type: debounced per document, superseded runs dropped, cleared on close; quick fixes
 * keyed on the rule code (preferred: the portable spelling), fix-all-in-file and an ignore comment for one line.
 */
export function registerLint(context: vscode.ExtensionContext, deps: ExtensionDeps): void {
  const collection = vscode.languages.createDiagnosticCollection('aml-failover-lint');
  const linted = new Map<string, Linted>();
  // Per document: a keystroke inside a value is re-linted without a new parse (incremental.ts).
  const linters = new Map<string, IncrementalLinter>();
  const pending = new Map<string, { timer: NodeJS.Timeout; cancel: vscode.CancellationTokenSource }>();
  const docsUri = vscode.Uri.joinPath(context.extensionUri, RULES_DOC);
  let project = currentProject(deps);
  let remote: { key: string; holdings: RemoteHoldings; check: (portable: PortableReference[]) => RawFinding[] } | undefined;

  const cancelPending = (key: string) => {
    const p = pending.get(key);
    if (p) {
      clearTimeout(p.timer);
      p.cancel.cancel();
      p.cancel.dispose();
      pending.delete(key);
    }
  };

  const lintNow = (doc: vscode.TextDocument, token?: vscode.CancellationToken) => {
    const key = doc.uri.toString();
    const kind = kindOf(doc);
    if (!kind || !getSetting('lint.enabled', doc.uri) || (doc.uri.scheme === 'file' && project.isIgnored(doc.uri.fsPath))) {
      collection.delete(doc.uri);
      linted.delete(key);
      linters.delete(key);
      return;
    }
    const version = doc.version;
    let linter = linters.get(key);
    if (!linter) linters.set(key, (linter = new IncrementalLinter()));
    const result = linter.lint(doc.getText(), { fileName: doc.fileName, kind, config: project.config, pair: project.pair, remote: remote?.check });
    // Superseded while running (a newer edit, a close): its own run publishes.
    if (token?.isCancellationRequested || doc.isClosed || doc.version !== version) return;
    linted.set(key, { version, findings: result.findings, kind });
    collection.set(doc.uri, result.findings.map((f) => toDiagnostic(doc, f, docsUri)));
  };

  const schedule = (doc: vscode.TextDocument, delay = LINT_DEBOUNCE_MS) => {
    if (!kindOf(doc)) return;
    const key = doc.uri.toString();
    cancelPending(key);
    const cancel = new vscode.CancellationTokenSource();
    const timer = setTimeout(() => {
      pending.delete(key);
      try {
        lintNow(doc, cancel.token);
      } catch (err) {
        deps.logger.error(err as Error);
      } finally {
        cancel.dispose();
      }
    }, delay);
    pending.set(key, { timer, cancel });
  };

  const relintOpen = () => {
    for (const doc of vscode.workspace.textDocuments) schedule(doc, 0);
  };

  // The remote check answers from a cache filled in the background; new data re-lints the open documents. The cache
  // belongs to the pair, not to the active workspace: a switch (say, during an outage) keeps what was known.
  const resetRemote = () => {
    const snapshot = deps.project.snapshot;
    // Off in Restricted Mode: the remote check sends the user's sign-in to the pair file's endpoints.
    const key = snapshot.pair.state === 'valid' && getSetting('lint.remoteCheck') && isTrusted() ? pairIdentity(snapshot.pair.config) : undefined;
    if (remote && remote.key === key) return;
    remote?.holdings.dispose();
    remote = undefined;
    if (snapshot.pair.state !== 'valid' || !key) return;
    const holdings = new RemoteHoldings(azureHoldings(snapshot.pair.config, deps.logger, { trust: deps.cloudTrust, credentials: deps.credentials }), { logger: deps.logger, onDidChange: relintOpen });
    remote = {
      key,
      holdings,
      check: (portable) => {
        const role = deps.project.snapshot.active?.role;
        if (!role) return [];
        holdings.ensureFresh();
        return remoteFindings(portable, role, holdings.snapshot());
      },
    };
  };

  const relintAll = () => {
    project = currentProject(deps);
    for (const p of project.problems) deps.logger.warn(`aml-failover.yaml: ${p}`);
    resetRemote();
    relintOpen();
  };

  const selector: vscode.DocumentSelector = [
    { language: 'yaml' },
    { language: 'python' },
    { language: 'json', pattern: '**/*.json' },
    { language: 'jsonc', pattern: '**/*.json' },
  ];

  context.subscriptions.push(
    collection,
    { dispose: () => [...pending.keys()].forEach(cancelPending) },
    { dispose: () => remote?.holdings.dispose() },
    vscode.workspace.onDidOpenTextDocument((doc) => schedule(doc, 0)),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length) schedule(e.document);
    }),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      const key = doc.uri.toString();
      cancelPending(key);
      linted.delete(key);
      linters.delete(key);
      collection.delete(doc.uri);
    }),
    deps.project.onDidChange(relintAll),
    // After a switch or a replicate what each side holds (or whether it answers) is worth asking again.
    deps.refresh.onDidWrite(() => void remote?.holdings.refresh()),
    deps.refresh.add('lint remote check', async () => remote?.holdings.refresh()),
    onDidChangeSetting(['lint.enabled', 'lint.rules', 'lint.ignore', 'lint.remoteCheck'], relintAll),
    onDidGrantTrust(relintAll),
    vscode.languages.registerCodeActionsProvider(selector, new LintCodeActions(linted, () => project), {
      providedCodeActionKinds: [vscode.CodeActionKind.QuickFix, FIX_ALL_KIND],
    }),
    vscode.commands.registerCommand('amlFailover.lint.fixAll', async (uri?: vscode.Uri) => {
      const doc = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
      if (!doc || !kindOf(doc)) return 0;
      const edit = fixAllEdit(doc, project);
      if (!edit) return 0;
      await vscode.workspace.applyEdit(edit.edit);
      return edit.applied;
    }),
  );
  resetRemote();
  relintOpen();
}

function currentProject(deps: ExtensionDeps): LintProject {
  const snapshot = deps.project.snapshot;
  const dir = snapshot.projectDir ?? '';
  const base = lintProjectFrom(dir, snapshot.pair.state === 'valid' ? snapshot.pair.config : undefined);
  const local = withOverrides(base.config, { rules: getSetting('lint.rules'), ignore: getSetting('lint.ignore') });
  return withConfig(dir, local.config, base.pair, [...base.problems, ...local.problems]);
}

function toRange(doc: vscode.TextDocument, start: number, end: number): vscode.Range {
  return new vscode.Range(doc.positionAt(start), doc.positionAt(end));
}

function toDiagnostic(doc: vscode.TextDocument, f: Finding, docsUri: vscode.Uri): vscode.Diagnostic {
  const d = new vscode.Diagnostic(toRange(doc, f.start, f.end), f.message, SEVERITY[f.severity]);
  d.source = LINT_SOURCE;
  d.code = { value: f.rule, target: docsUri.with({ fragment: f.rule }) };
  return d;
}

function fixAllEdit(doc: vscode.TextDocument, project: LintProject): { edit: vscode.WorkspaceEdit; applied: number } | undefined {
  const kind = kindOf(doc);
  if (!kind) return undefined;
  const text = doc.getText();
  const fixed = fixAll(text, { fileName: doc.fileName, kind, config: project.config, pair: project.pair });
  if (!fixed.applied) return undefined;
  const edit = new vscode.WorkspaceEdit();
  // One replacement of the changed middle keeps the undo step small and the cursor where it was.
  let head = 0;
  while (head < text.length && head < fixed.text.length && text[head] === fixed.text[head]) head++;
  let tail = 0;
  while (tail < text.length - head && tail < fixed.text.length - head && text[text.length - 1 - tail] === fixed.text[fixed.text.length - 1 - tail]) tail++;
  edit.replace(doc.uri, toRange(doc, head, text.length - tail), fixed.text.slice(head, fixed.text.length - tail));
  return { edit, applied: fixed.applied };
}

class LintCodeActions implements vscode.CodeActionProvider {
  constructor(
    private readonly linted: Map<string, Linted>,
    private readonly project: () => LintProject,
  ) {}

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const state = this.linted.get(doc.uri.toString());
    if (!state || state.version !== doc.version) return [];
    if (context.only && FIX_ALL_KIND.contains(context.only)) return this.fixAllActions(doc, state, FIX_ALL_KIND);
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== LINT_SOURCE) continue;
      const rule = typeof diagnostic.code === 'object' ? String(diagnostic.code.value) : String(diagnostic.code);
      const finding = state.findings.find((f) => f.rule === rule && toRange(doc, f.start, f.end).isEqual(diagnostic.range));
      if (!finding) continue;
      for (const fix of finding.fixes) {
        const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
        action.edit = new vscode.WorkspaceEdit();
        for (const e of fix.edits) action.edit.replace(doc.uri, toRange(doc, e.start, e.end), e.newText);
        action.diagnostics = [diagnostic];
        action.isPreferred = fix.isPreferred;
        actions.push(action);
      }
      if (state.kind !== 'json' && !['invalid-yaml', 'invalid-json', 'skipped-file'].includes(rule)) {
        const line = doc.lineAt(Math.min(finding.anchorLine, doc.lineCount - 1));
        const indent = line.text.slice(0, line.firstNonWhitespaceCharacterIndex);
        const action = new vscode.CodeAction(`Ignore ${rule} on this line`, vscode.CodeActionKind.QuickFix);
        action.edit = new vscode.WorkspaceEdit();
        action.edit.insert(doc.uri, line.range.start, `${indent}# aml-failover-lint: ignore-next-line ${rule}\n`);
        action.diagnostics = [diagnostic];
        actions.push(action);
      }
    }
    if (actions.some((a) => a.isPreferred) && state.findings.filter((f) => f.fixes.length).length > 1) {
      actions.push(...this.fixAllActions(doc, state, vscode.CodeActionKind.QuickFix));
    }
    return actions;
  }

  private fixAllActions(doc: vscode.TextDocument, state: Linted, kind: vscode.CodeActionKind): vscode.CodeAction[] {
    if (!state.findings.some((f) => f.fixes.length)) return [];
    const fix = fixAllEdit(doc, this.project());
    if (!fix) return [];
    const action = new vscode.CodeAction(`Fix all pinned workspace references in this file (${fix.applied})`, kind);
    action.edit = fix.edit;
    return [action];
  }
}
