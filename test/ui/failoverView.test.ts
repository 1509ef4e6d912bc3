// The user's path through the real VS Code UI: the .vsix installed into code-server, a sandbox project open, the
// Failover view opened from the activity bar, the switch clicked on the Secondary node; the status bar and
// .azureml/config.json follow; the walkthrough, opened from the palette, checks off its steps as the user does them
// (a step's own button, or the same action in the tree). Screenshots go to test-results/screenshots/ (and to media/screenshots/, used by the
// README, with AML_FAILOVER_UPDATE_SCREENSHOTS=1).
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { RunningSandbox } from '../support/sandbox';
import { openSandboxWorkbench, type SandboxWorkbench } from '../support/workbench';

let workbench: SandboxWorkbench;
let sandbox: RunningSandbox;
let page: Page;
let screenshot: (name: string) => Promise<void>;

before(async () => {
  workbench = await openSandboxWorkbench();
  ({ sandbox, page, screenshot } = workbench);
});

after(async () => {
  await workbench?.stop();
});

/** Drags the sash at the side bar's right edge, so the screenshots show the nodes' descriptions in full. */
async function widenSideBar(width: number): Promise<void> {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (!box) throw new Error('the side bar is not visible');
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width - 1, y);
  await page.mouse.down();
  await page.mouse.move(box.x + width, y, { steps: 5 });
  await page.mouse.up();
  await page.mouse.move(box.x + width + 200, y);
}

const row = (label: string) => page.locator('.pane-body .monaco-list-row', { hasText: label });
const statusItem = (text: string) => page.locator('.part.statusbar .statusbar-item', { hasText: text });

test('the Failover view lists both workspaces, the primary active, and the status bar names it', async () => {
  const { primary, secondary } = sandbox;
  await page.locator('.part.activitybar .action-item a[aria-label^="Failover"]').click({ timeout: 60_000 });

  const primaryRow = row('Primary');
  const secondaryRow = row('Secondary');
  await primaryRow.waitFor({ timeout: 30_000 });
  await secondaryRow.waitFor();
  assert.match(await primaryRow.innerText(), new RegExp(`active[\\s\\S]*${primary.region}[\\s\\S]*${primary.workspace_name}`));
  assert.match(await secondaryRow.innerText(), new RegExp(`${secondary.region}[\\s\\S]*${secondary.workspace_name}`));
  assert.doesNotMatch(await secondaryRow.innerText(), /\bactive\b/);
  await statusItem(`Primary ${primary.region} (active)`).first().waitFor();
  // The sandbox's regions are up, so health says so on both nodes once its first check is back.
  await primaryRow.filter({ hasText: 'healthy' }).waitFor({ timeout: 30_000 });
  await secondaryRow.filter({ hasText: 'healthy' }).waitFor({ timeout: 30_000 });

  // For the screenshot: the pair file beside the view, as a user would have it open.
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input').fill('aml-failover.yaml');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'aml-failover.yaml' }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.part.editor .tab', { hasText: 'aml-failover.yaml' }).waitFor();
  await widenSideBar(520);
  await screenshot('failover-view');
});

test('clicking "Switch to this workspace" on Secondary switches config.json and the status bar follows', async () => {
  const { primary, secondary } = sandbox;
  const secondaryRow = row('Secondary');
  await secondaryRow.hover();
  await secondaryRow.locator('.action-label[aria-label^="Switch to this workspace"]').click();

  await statusItem(`Secondary ${secondary.region} (active)`).first().waitFor({ timeout: 15_000 });
  await row('Secondary').filter({ hasText: 'active' }).waitFor();
  assert.doesNotMatch(await row('Primary').innerText(), /\bactive\b/);

  // What the Azure ML SDK will read from the project folder now.
  const config = JSON.parse(await fs.readFile(path.join(sandbox.projectDir, '.azureml', 'config.json'), 'utf8'));
  assert.equal(config.workspace_name, secondary.workspace_name);
  assert.equal(config.resource_group, secondary.resource_group);
  assert.notEqual(config.workspace_name, primary.workspace_name);
  await page.mouse.move(0, 0);
  await screenshot('failover-switched');
});

test('the walkthrough opens from the palette and checks off its steps as the user does them', async () => {
  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget input').fill('>Welcome: Open Walkthrough');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Open Walkthrough' }).first().click();
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Get Ready for a Regional Outage' }).first().click();
  const step = (title: string) => page.locator('.getting-started-step', { hasText: title }).first();
  const checked = (title: string) => step(title).and(page.locator('[aria-checked="true"]'));
  await step('Describe your workspace pair').waitFor({ timeout: 30_000 });
  for (const title of ['Open the Failover view', 'Switch the workspace config', 'Fix hardcoded references']) {
    assert.equal(await checked(title).count(), 0, `${title}: not checked before the user does it`);
  }

  // A step's own button runs its command.
  await step('Open the Failover view').click();
  await step('Open the Failover view').getByRole('button', { name: 'Open the Failover View' }).click();
  await checked('Open the Failover view').waitFor({ timeout: 15_000 });
  await step('Fix hardcoded references').click();
  await step('Fix hardcoded references').getByRole('button', { name: 'Fix All in This File' }).click();
  await checked('Fix hardcoded references').waitFor({ timeout: 15_000 });

  // The same action done elsewhere checks the step too: switching back to Primary from the tree.
  const primaryRow = row('Primary');
  await primaryRow.hover();
  await primaryRow.locator('.action-label[aria-label^="Switch to this workspace"]').click();
  await statusItem(`Primary ${sandbox.primary.region} (active)`).first().waitFor({ timeout: 15_000 });
  await checked('Switch the workspace config').waitFor({ timeout: 15_000 });
  assert.equal(await checked('Back up the primary').count(), 0, 'what the user has not done stays unchecked');
  await screenshot('walkthrough');
});
