// Health as a user meets it in the real VS Code UI (code-server + Chromium, the .vsix installed, a sandbox project
// open): both regions in the status bar, verdicts and contents in the Failover view; an outage of the primary
// turns it down and a notification offers "Fail Over…" beside "Switch only" — Switch only clicked here —, the recovery
// offers the way back, and on the next outage "Fail Over…" is clicked through: the runbook's steps show in the
// Failover Runbook view and the report opens. Screenshots go to test-results/screenshots/ (and media/screenshots/ with AML_FAILOVER_UPDATE_SCREENSHOTS=1).
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { takeFailoverBackup } from '../support/failoverBackup';
import type { RunningSandbox } from '../support/sandbox';
import { openSandboxWorkbench, type SandboxWorkbench } from '../support/workbench';

let workbench: SandboxWorkbench;
let sandbox: RunningSandbox;
let page: Page;
let screenshot: (name: string) => Promise<void>;

before(async () => {
  workbench = await openSandboxWorkbench({ largeModelMb: 1 });
  ({ sandbox, page, screenshot } = workbench);
});

after(async () => {
  await workbench?.stop();
});

const row = (label: string | RegExp) => page.locator('.pane-body .monaco-list-row', { hasText: label });
const statusItem = (text: string) => page.locator('.part.statusbar .statusbar-item', { hasText: text });
const toast = (text: string) => page.locator('.notifications-toasts .notification-toast', { hasText: text });
const activeWorkspace = async () => JSON.parse(await fs.readFile(path.join(sandbox.projectDir, '.azureml', 'config.json'), 'utf8')).workspace_name as string;

test('both regions show in the status bar and the view, with what the primary holds', async () => {
  await page.locator('.part.activitybar .action-item a[aria-label^="Failover"]').click({ timeout: 60_000 });
  await statusItem('Primary eastus (active)').waitFor({ timeout: 30_000 });
  await statusItem('Secondary westus').first().waitFor();
  await row('Primary').filter({ hasText: 'healthy' }).waitFor({ timeout: 30_000 });
  await row('Secondary').filter({ hasText: 'healthy' }).waitFor({ timeout: 30_000 });
  await row('Primary').click();
  await row('Models').filter({ hasText: 'as of' }).first().waitFor({ timeout: 30_000 });
  await row('Notebooks').first().waitFor();
  await row(/^Drift/).first().waitFor();
  await screenshot('health-view');
});

test('an outage of the primary offers "Fail Over…" and "Switch only"; one click on Switch only switches', async () => {
  await sandbox.fault('primary', 'outage');
  const offer = toast('The primary workspace (eastus) is down');
  await offer.waitFor({ timeout: 30_000 });
  await row('Primary').filter({ hasText: 'down' }).waitFor();
  assert.match((await statusItem('Primary eastus').first().getAttribute('class')) ?? '', /error-kind|has-background-color/);
  await screenshot('health-outage');
  await offer.locator('.monaco-button', { hasText: 'Fail Over…' }).waitFor();
  await offer.locator('.monaco-button', { hasText: 'Switch only' }).click();
  await statusItem('Secondary westus (active)').waitFor({ timeout: 15_000 });
  assert.equal(await activeWorkspace(), sandbox.secondary.workspace_name);
});

test('the recovery of the primary offers the way back', async () => {
  await sandbox.fault('primary', 'none');
  const back = toast('The primary workspace (eastus) is healthy again');
  await back.waitFor({ timeout: 30_000 });
  await back.locator('.monaco-button', { hasText: 'Switch back to primary' }).click();
  await statusItem('Primary eastus (active)').waitFor({ timeout: 15_000 });
  assert.equal(await activeWorkspace(), sandbox.primary.workspace_name);
});

test('the next outage: "Fail Over…" clicked through runs the runbook, shows its steps and opens the report', async () => {
  // The team's backup, taken while the primary answered, and the compute the secondary lacks mapped in the pair file.
  await takeFailoverBackup(sandbox.projectDir);
  await fs.appendFile(path.join(sandbox.projectDir, 'aml-failover.yaml'), '\nresubmit:\n  compute: {gpu-cluster: cpu-cluster}\n');
  await sandbox.fault('primary', 'outage');
  const offer = toast('The primary workspace (eastus) is down');
  await offer.waitFor({ timeout: 30_000 });
  await offer.locator('.monaco-button', { hasText: 'Fail Over…' }).click();
  await page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'Run all steps' }).first().click();
  await row('Pre-flight').first().waitFor({ timeout: 30_000 });
  await page.locator('.tabs-container .tab', { hasText: /^failover-.*\.md/ }).first().waitFor({ timeout: 90_000 });
  for (const step of ['Pre-flight', 'Bring work across', 'Switch the workspace config', 'Resubmit interrupted jobs', 'Confirm jobs reached Queued', 'Report']) {
    await row(step).filter({ hasText: 'done' }).first().waitFor({ timeout: 10_000 });
  }
  await statusItem('Secondary westus (active)').waitFor({ timeout: 15_000 });
  assert.equal(await activeWorkspace(), sandbox.secondary.workspace_name);
  await screenshot('failover-runbook');
});
