import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FailoverProject } from '../vscode/project';
import { PAIR_DOC, PAIR_FILE_NAME, parsePairFile, type PairProblem, type Range } from './pairFile';
import { pairValueCompletions } from './completion';

const DEBOUNCE_MS = 300;
const SOURCE = 'aml-failover';

function toRange(r: Range): vscode.Range {
  return new vscode.Range(r.startLine, r.startCol, r.endLine, r.endCol);
}

function toDiagnostic(p: PairProblem, docs: vscode.Uri): vscode.Diagnostic {
  const d = new vscode.Diagnostic(toRange(p.range), p.message, p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
  d.source = SOURCE;
  d.code = { value: p.code, target: docs.with({ fragment: p.code }) };
  return d;
}

export function isPairFile(uri: vscode.Uri): boolean {
  return path.basename(uri.path) === PAIR_FILE_NAME;
}

/**
 * Validates aml-failover.yaml as the user types (debounced per document) and offers the parser's fixes as quick
 * fixes. A pair file that is not open in an editor still shows the problems of its saved text, so the Problems
 * panel always explains why switching is off.
 */
export function registerPairDiagnostics(context: vscode.ExtensionContext, deps: { project: FailoverProject }): vscode.DiagnosticCollection {
  const collection = vscode.languages.createDiagnosticCollection(SOURCE);
  const docs = vscode.Uri.joinPath(context.extensionUri, PAIR_DOC);
  const timers = new Map<string, NodeJS.Timeout>();
  /** Problems by document URI, kept for the quick fixes. */
  const problems = new Map<string, PairProblem[]>();

  const publish = (uri: vscode.Uri, list: PairProblem[]) => {
    problems.set(uri.toString(), list);
    collection.set(uri, list.map((p) => toDiagnostic(p, docs)));
  };
  const validate = (doc: vscode.TextDocument) => {
    publish(doc.uri, parsePairFile(doc.getText(), path.dirname(doc.uri.fsPath)).problems);
  };
  const schedule = (doc: vscode.TextDocument) => {
    if (!isPairFile(doc.uri)) return;
    const key = doc.uri.toString();
    clearTimeout(timers.get(key));
    timers.set(key, setTimeout(() => {
      timers.delete(key);
      validate(doc);
    }, DEBOUNCE_MS));
  };
  const isOpen = (uri: vscode.Uri) => vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString());
  /** The project's saved pair file, when no editor holds it. */
  const fromDisk = () => {
    const s = deps.project.snapshot;
    if (!s.pairFile || isOpen(s.pairFile)) return;
    if (s.pair.state === 'invalid' || s.pair.state === 'valid') publish(s.pairFile, s.pair.problems);
    else {
      problems.delete(s.pairFile.toString());
      collection.delete(s.pairFile);
    }
  };

  context.subscriptions.push(
    collection,
    vscode.workspace.onDidOpenTextDocument((doc) => isPairFile(doc.uri) && validate(doc)),
    vscode.workspace.onDidChangeTextDocument((e) => schedule(e.document)),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      if (!isPairFile(doc.uri)) return;
      clearTimeout(timers.get(doc.uri.toString()));
      timers.delete(doc.uri.toString());
      problems.delete(doc.uri.toString());
      collection.delete(doc.uri);
      fromDisk();
    }),
    deps.project.onDidChange(fromDisk),
    vscode.languages.registerCodeActionsProvider({ pattern: `**/${PAIR_FILE_NAME}` }, {
      provideCodeActions(doc, range) {
        return (problems.get(doc.uri.toString()) ?? [])
          .filter((p) => p.fix && toRange(p.range).intersection(range))
          .map((p) => {
            const fix = p.fix as NonNullable<PairProblem['fix']>;
            const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
            action.edit = new vscode.WorkspaceEdit();
            action.edit.replace(doc.uri, toRange(fix.range), fix.newText);
            action.diagnostics = [toDiagnostic(p, docs)];
            action.isPreferred = true;
            return action;
          });
      },
    }, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }),
    vscode.languages.registerCompletionItemProvider({ pattern: `**/${PAIR_FILE_NAME}` }, {
      provideCompletionItems(doc, position) {
        const typed = doc.getText(new vscode.Range(position.line, 0, position.line, position.character));
        const word = /[^\s:]*$/.exec(typed)?.[0] ?? '';
        const range = new vscode.Range(position.line, position.character - word.length, position.line, position.character);
        return pairValueCompletions(doc.getText(), position.line).map((c, i) => {
          const item = new vscode.CompletionItem(c.label, vscode.CompletionItemKind.Value);
          item.detail = c.detail;
          item.range = range;
          item.preselect = c.preferred;
          item.sortText = `${c.preferred ? 0 : 1}${String(i).padStart(3, '0')}`;
          return item;
        });
      },
    }, ':', ' '),
    { dispose: () => timers.forEach((t) => clearTimeout(t)) },
  );
  for (const doc of vscode.workspace.textDocuments) if (isPairFile(doc.uri)) validate(doc);
  return collection;
}
