// A minimal in-process stand-in for the `vscode` module, for the start-up bench only (bench/foundation.bench.ts).
// It lets `require` and `activate` of the bundled extension run under plain Node, so the bench measures OUR code's
// start-up cost (module evaluation, building services, reading the project) — not VS Code's. Real behaviour is
// tested in the real VS Code (test/vscode, test/ui). The few values activate reads (the workspace folder,
// settings defaults, events, Uri) are real enough; every other API is a permissive no-op that returns disposables.
'use strict';
const path = require('node:path');

const noop = () => undefined;
/** Any property is a callable that returns another such thing; `then` is absent so it is never awaited as a promise. */
function anything(name) {
  const target = function () {};
  return new Proxy(target, {
    get(_t, prop) {
      if (prop === 'then' || typeof prop === 'symbol') return undefined;
      if (prop === 'dispose') return noop;
      if (prop === 'toString') return () => `[stand-in ${name}]`;
      return anything(`${name}.${String(prop)}`);
    },
    set: () => true,
    apply: () => anything(`${name}()`),
    construct: () => anything(`new ${name}`),
  });
}

class Disposable {
  constructor(fn) { this._fn = fn; }
  static from(...ds) { return new Disposable(() => ds.forEach((d) => d && d.dispose && d.dispose())); }
  dispose() { if (this._fn) this._fn(); this._fn = undefined; }
}

class EventEmitter {
  constructor() {
    this._listeners = new Set();
    this.event = (listener, thisArg) => {
      const l = thisArg ? listener.bind(thisArg) : listener;
      this._listeners.add(l);
      return new Disposable(() => this._listeners.delete(l));
    };
  }
  fire(e) { for (const l of [...this._listeners]) l(e); }
  dispose() { this._listeners.clear(); }
}
const never = () => new Disposable(noop);

class Uri {
  constructor(scheme, fsPath) { this.scheme = scheme; this.fsPath = fsPath; this.path = fsPath; }
  static file(p) { return new Uri('file', path.resolve(p)); }
  static joinPath(base, ...parts) { return new Uri(base.scheme, path.join(base.fsPath, ...parts)); }
  static parse(s) { return new Uri(s.split(':')[0], s.replace(/^file:\/\//, '')); }
  with() { return this; }
  toString() { return `file://${this.fsPath}`; }
}

class TreeItem {
  constructor(label, collapsibleState) { this.label = label; this.collapsibleState = collapsibleState; }
}
class MarkdownString {
  constructor(value = '') { this.value = value; }
  appendMarkdown(s) { this.value += s; return this; }
  appendText(s) { this.value += s; return this; }
  appendCodeblock(s) { this.value += s; return this; }
}
class Simple { constructor(...args) { this.args = args; } }

function configuration() {
  return { get: (_key, fallback) => fallback, has: () => false, inspect: () => undefined, update: async () => undefined };
}

function createStandIn(projectDir) {
  const folder = { uri: Uri.file(projectDir), name: path.basename(projectDir), index: 0 };
  const output = () => {
    const channel = anything('LogOutputChannel');
    return channel;
  };
  const api = {
    Disposable,
    EventEmitter,
    Uri,
    TreeItem,
    MarkdownString,
    ThemeIcon: Simple,
    ThemeColor: Simple,
    Range: Simple,
    Position: Simple,
    Selection: Simple,
    Diagnostic: Simple,
    CodeAction: Simple,
    CodeActionKind: { QuickFix: { value: 'quickfix', append: () => ({}) }, SourceFixAll: { value: 'source.fixAll', append: () => ({}) } },
    WorkspaceEdit: Simple,
    RelativePattern: Simple,
    TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
    StatusBarAlignment: { Left: 1, Right: 2 },
    DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    FileType: { Unknown: 0, File: 1, Directory: 2, SymbolicLink: 64 },
    ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
    ExtensionMode: { Production: 1, Development: 2, Test: 3 },
    window: new Proxy({ createOutputChannel: output }, { get: (t, p) => (p in t ? t[p] : anything(`window.${String(p)}`)) }),
    workspace: new Proxy(
      {
        workspaceFolders: [folder],
        getWorkspaceFolder: () => folder,
        getConfiguration: configuration,
        textDocuments: [],
        onDidChangeConfiguration: never,
        onDidChangeWorkspaceFolders: never,
        onDidOpenTextDocument: never,
        onDidCloseTextDocument: never,
        onDidChangeTextDocument: never,
        onDidSaveTextDocument: never,
        createFileSystemWatcher: () => ({
          onDidChange: never, onDidCreate: never, onDidDelete: never, dispose: noop,
        }),
      },
      { get: (t, p) => (p in t ? t[p] : anything(`workspace.${String(p)}`)) },
    ),
    commands: { registerCommand: never, executeCommand: async () => undefined, getCommands: async () => [] },
    languages: anything('languages'),
    extensions: anything('extensions'),
    env: anything('env'),
  };
  return new Proxy(api, { get: (t, p) => (p in t ? t[p] : anything(String(p))) });
}

function fakeContext(extensionPath) {
  return {
    subscriptions: [],
    extensionPath,
    extensionUri: Uri.file(extensionPath),
    extensionMode: 1,
    globalState: { get: (_k, d) => d, update: async () => undefined, keys: () => [], setKeysForSync: noop },
    workspaceState: { get: (_k, d) => d, update: async () => undefined, keys: () => [] },
    globalStorageUri: Uri.file(path.join(extensionPath, '.bench-storage')),
    storageUri: undefined,
    logUri: Uri.file(path.join(extensionPath, '.bench-logs')),
    asAbsolutePath: (p) => path.join(extensionPath, p),
  };
}

module.exports = { createStandIn, fakeContext };
