// Helpers for suites running inside the extension host (test/vscode/suite/*.test.ts). See test/vscode/README.md.
import * as vscode from 'vscode';

/** `publisher.name` from package.json. */
export const EXTENSION_ID = 'aml-failover.aml-failover';

/** The folder the window has open: a fresh copy of the suite's `// @fixture`, or the sandbox project. */
export function projectDir(): string {
  const dir = process.env.AML_FAILOVER_TEST_PROJECT;
  if (!dir) throw new Error('AML_FAILOVER_TEST_PROJECT is not set: run suites through test/vscode/run.ts');
  return dir;
}

/** What the runner tells a `// @sandbox` suite about the sandbox it started for it. */
export interface SandboxInfo {
  projectDir: string;
  armUrl: string;
  pid: number;
}

export function sandbox(): SandboxInfo {
  const json = process.env.AML_FAILOVER_TEST_SANDBOX;
  if (!json) throw new Error('AML_FAILOVER_TEST_SANDBOX is not set: declare `// @sandbox` at the top of the suite');
  return JSON.parse(json) as SandboxInfo;
}

/** Activates the installed extension (a no-op once active) and returns its exports. */
export async function activateExtension<T = unknown>(): Promise<vscode.Extension<T>> {
  const ext = vscode.extensions.getExtension<T>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not installed`);
  await ext.activate();
  return ext;
}

/**
 * Waits until `condition` holds (re-checked every 50 ms) or fails with `what` after `timeoutMs`. For state the
 * vscode API offers no event for (a command's effect on the tree, the status bar text); prefer an event when there is one.
 */
export async function waitFor<T>(
  condition: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Runs a command and answers each question it asks (quick pick or input box) with its first, selected answer — Enter,
 * as a person accepting the defaults — until the command ends; resolves with its result.
 */
export async function runAcceptingDefaults<T>(command: string, args: unknown[], what: string, timeoutMs: number): Promise<T> {
  let done = false;
  const running = vscode.commands.executeCommand<T>(command, ...args);
  void running.then(() => (done = true), () => (done = true));
  await waitFor(async () => {
    if (!done) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    return done || undefined;
  }, what, timeoutMs);
  return running;
}

/** Resolves with the next event `event` fires that satisfies `match`, or fails after `timeoutMs`. */
export function nextEvent<T>(event: vscode.Event<T>, what: string, match: (e: T) => boolean = () => true, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const sub = event((e) => {
      if (!match(e)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(e);
    });
  });
}
