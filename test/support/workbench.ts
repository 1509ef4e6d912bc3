// One VS Code window for a UI test: a sandbox project, code-server with the .vsix installed, Chromium on the
// workbench, and screenshots. Screenshots go to test-results/screenshots/ (and to media/screenshots/, used by the
// README, with AML_FAILOVER_UPDATE_SCREENSHOTS=1).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { REPO, launchChromium, startCodeServer, type RunningCodeServer } from './codeServer';
import { startSandbox, type RunningSandbox, type SandboxOptions } from './sandbox';

const SHOT_DIRS = [
  path.join(REPO, 'test-results', 'screenshots'),
  ...(process.env.AML_FAILOVER_UPDATE_SCREENSHOTS === '1' ? [path.join(REPO, 'media', 'screenshots')] : []),
];

export interface SandboxWorkbench {
  sandbox: RunningSandbox;
  server: RunningCodeServer;
  browser: Browser;
  page: Page;
  /** Saves the page as <name>.png (see above for where). */
  screenshot(name: string): Promise<void>;
  /** Closes the browser, stops code-server and the sandbox (each by PID); safe after a partial start. */
  stop(): Promise<void>;
}

/** Starts everything and loads the workbench on the sandbox project (dark theme, 1280×760, for the README). */
export async function openSandboxWorkbench(sandboxOptions: SandboxOptions = {}): Promise<SandboxWorkbench> {
  const started: Partial<SandboxWorkbench> = {};
  const stop = async () => {
    await started.browser?.close();
    await started.server?.stop();
    await started.sandbox?.stop();
  };
  try {
    started.sandbox = await startSandbox(sandboxOptions);
    started.server = await startCodeServer({ settings: { 'workbench.colorTheme': 'Default Dark Modern' } });
    started.browser = await launchChromium();
    const page = await (await started.browser.newContext({ viewport: { width: 1280, height: 760 } })).newPage();
    await page.goto(started.server.workbenchUrl(started.sandbox.projectDir));
    const screenshot = async (name: string) => {
      const png = await page.screenshot();
      for (const dir of SHOT_DIRS) {
        await fs.mkdir(dir, { recursive: true });
        await fs.writeFile(path.join(dir, `${name}.png`), png);
      }
    };
    return { ...(started as Required<Pick<SandboxWorkbench, 'sandbox' | 'server' | 'browser'>>), page, screenshot, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
