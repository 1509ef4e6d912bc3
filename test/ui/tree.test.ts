// The Failover tree as a user works it in the real VS Code UI (code-server + Chromium, the .vsix installed, a sandbox
// project open): every kind of node opens when its twistie is clicked and shows its children; the per-model actions
// run from a model's context menu and inline button; commands started on Primary use the primary without asking;
// "Replicate Everything Missing" asks first, listing what it creates, and shows its conflicts; the status bar has one
// item per region with that region's actions; a long export stops with the notification's own Cancel button.
// Screenshots go to test-results/screenshots/ (and media/screenshots/ with AML_FAILOVER_UPDATE_SCREENSHOTS=1).
import * as assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import type { RunningSandbox } from '../support/sandbox';
import { openSandboxWorkbench, type SandboxWorkbench } from '../support/workbench';

let workbench: SandboxWorkbench;
let sandbox: RunningSandbox;
let page: Page;
let screenshot: (name: string) => Promise<void>;

before(async () => {
  workbench = await openSandboxWorkbench({ largeModelMb: 48 });
  ({ sandbox, page, screenshot } = workbench);
});

after(async () => {
  await workbench?.stop();
});

const exactly = (text: string) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
/** The tree row whose label is `name` (a RegExp matches the label), optionally at a depth (1 = root). */
const row = (name: string | RegExp, level?: number): Locator =>
  page
    .locator(`.pane-body .monaco-list-row${level ? `[aria-level="${level}"]` : ''}`)
    .filter({ has: page.locator('.label-name', { hasText: typeof name === 'string' ? exactly(name) : name }) })
    .first();
const statusItem = (text: string | RegExp) => page.locator('.part.statusbar .statusbar-item', { hasText: text });
const toast = (text: string | RegExp) => page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
const menuItem = (text: string) => page.locator('.context-view .monaco-menu .action-item', { hasText: exactly(text) });
const quickPickRow = (text: string | RegExp) => page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: text }).first();

async function expand(r: Locator): Promise<void> {
  if ((await r.getAttribute('aria-expanded')) !== 'true') await r.locator('.monaco-tl-twistie').click();
  await r.and(page.locator('[aria-expanded="true"]')).waitFor({ timeout: 30_000 });
}

async function collapse(r: Locator): Promise<void> {
  if ((await r.getAttribute('aria-expanded')) === 'true') await r.locator('.monaco-tl-twistie').click();
  await r.and(page.locator('[aria-expanded="false"]')).waitFor();
}

async function contextMenu(r: Locator, item: string): Promise<void> {
  await r.click({ button: 'right' });
  const entry = menuItem(item);
  await entry.hover();
  await entry.click();
  // A click that lands while the menu is still settling (a busy machine) is ignored and the menu stays open; the
  // entry is focused by the hover then, and Enter runs it. The menu closes as soon as an entry runs.
  const menu = page.locator('.context-view .monaco-menu');
  if (await menu.waitFor({ state: 'hidden', timeout: 3_000 }).then(() => false, () => true)) {
    await page.keyboard.press('Enter');
    await menu.waitFor({ state: 'hidden' });
  }
}

async function dismissToasts(): Promise<void> {
  for (const close of await page.locator('.notifications-toasts .notification-toast .codicon-notifications-clear').all()) await close.click().catch(() => undefined);
}

const driftCount = async () => Number(/Drift \((\d+)\)/.exec(await row(/^Drift/, 1).innerText())?.[1]);

test('every kind of node opens from its twistie and shows its children; the verdict leads the description', async () => {
  await page.locator('.part.activitybar .action-item a[aria-label^="Failover"]').click({ timeout: 60_000 });
  const primary = row('Primary', 1);
  await primary.filter({ hasText: 'healthy' }).waitFor({ timeout: 30_000 });
  // At the default side-bar width the description is cut at the end: the verdict comes first.
  assert.match(await primary.locator('.label-description').innerText(), /^healthy · active · eastus/);

  await expand(primary);
  // Each section of the primary, one at a time (the list only renders what fits), down to its leaves.
  for (const [section, child, grandchild] of [
    ['Models', 'credit-default', 'version 3'],
    ['Environments', 'sklearn-env', 'version 2'],
    ['Computes'],
    ['Datastores', 'workspaceblobstore'],
    ['Jobs'],
    ['Notebooks', 'Users'],
  ] as const) {
    const s = row(section, 2);
    await expand(s);
    await (child ? row(child, 3) : page.locator('.pane-body .monaco-list-row[aria-level="3"]').first()).waitFor();
    if (child && grandchild) {
      await expand(row(child, 3));
      await row(grandchild, 4).waitFor();
      if (section === 'Models') await screenshot('failover-tree');
      await collapse(row(child, 3));
    }
    if (section === 'Notebooks') {
      await expand(row('Users', 3));
      const alias = page.locator('.pane-body .monaco-list-row[aria-level="4"]').first();
      await expand(alias);
      await row(/\.ipynb$/, 5).waitFor();
      await collapse(row('Users', 3));
    }
    await collapse(s);
  }
  await collapse(primary);

  const secondary = row('Secondary', 1);
  await expand(secondary);
  await expand(row('Models', 2));
  await row('legacy-scorer', 3).waitFor();
  await collapse(row('Models', 2));
  await collapse(secondary);

  const drift = row(/^Drift \(\d+\)$/, 1);
  await drift.waitFor({ timeout: 30_000 });
  await expand(drift);
  await expand(row(/^Models \(\d+\)$/, 2));
  await row('fraud-detector', 3).waitFor();
  await collapse(drift);
});

test('"Replicate to Secondary" from a model’s context menu registers it there and the Drift count drops by itself', async () => {
  const before = await driftCount();
  await expand(row('Primary', 1));
  await expand(row('Models', 2));
  await contextMenu(row('fraud-detector', 3), 'Replicate to Secondary');
  // Both of its versions: 1 in the default store, 2 in securestore (read with the identity).
  await toast('Replicated: 2 registered').waitFor({ timeout: 60_000 });
  // Nobody pressed Refresh.
  await row(`Drift (${before - 1})`, 1).waitFor({ timeout: 30_000 });
});

test('"Export Model" from a model’s inline button: the notification names the folder and opens the manifest', async () => {
  const churn = row('churn-classifier', 3);
  await churn.hover();
  await churn.locator('.action-label[aria-label="Export Model"]').click();
  const done = toast('Exported from the primary workspace into aml-export/primary');
  await done.waitFor({ timeout: 60_000 });
  assert.ok(existsSync(path.join(sandbox.projectDir, 'aml-export', 'primary', 'models', 'churn-classifier', '1', 'model.yml')));
  await done.locator('.monaco-button', { hasText: 'Reveal in Explorer' }).waitFor();
  await done.locator('.monaco-button', { hasText: 'Open Manifest' }).click();
  await page.locator('.part.editor .tab', { hasText: 'manifest.json' }).waitFor();
  await collapse(row('Models', 2));
  await collapse(row('Primary', 1));
});

test('a model under Secondary offers "Replicate to Primary", not "to Secondary"', async () => {
  await expand(row('Secondary', 1));
  await expand(row('Models', 2));
  await row('legacy-scorer', 3).click({ button: 'right' });
  await menuItem('Replicate to Primary').waitFor();
  assert.equal(await menuItem('Replicate to Secondary').count(), 0);
  await page.keyboard.press('Escape');
  await collapse(row('Models', 2));
  await collapse(row('Secondary', 1));
});

test('right-click Primary → Export Notebooks exports the primary’s without asking; Reveal in Explorer shows the folder', async () => {
  await dismissToasts();
  await contextMenu(row('Primary', 1), 'Export Notebooks');
  const done = toast(/Exported from the primary workspace into aml-export\/primary/);
  await done.waitFor({ timeout: 60_000 });
  assert.equal(await page.locator('.quick-input-widget', { hasText: 'Export from which workspace?' }).count(), 0, 'it did not ask');
  await done.locator('.monaco-button', { hasText: 'Reveal in Explorer' }).click();
  await page.locator('.explorer-folders-view .monaco-list-row.selected', { hasText: 'primary' }).waitFor({ timeout: 15_000 });
  await page.locator('.part.activitybar .action-item a[aria-label^="Failover"]').click();

  await dismissToasts();
  await contextMenu(row('Secondary', 1), 'Export Notebooks');
  await toast(/Exported from the secondary workspace into aml-export\/secondary/).waitFor({ timeout: 60_000 });
  assert.equal(await page.locator('.quick-input-widget', { hasText: 'Export from which workspace?' }).count(), 0, 'it did not ask');
});

test('right-click Secondary → Restore from Backup…: the project’s export picked from the offered backups, the plan confirmed, the primary’s notebooks then listed under Secondary → Notebooks', async () => {
  // The backup: aml-export/primary, written by "Export Notebooks" on Primary above.
  await dismissToasts();
  await contextMenu(row('Secondary', 1), 'Restore from Backup…');
  // The project's backups are offered first, each with what it is and how old: no browsing.
  const offered = quickPickRow('aml-export/primary');
  await offered.waitFor({ timeout: 30_000 });
  assert.match(await offered.innerText(), /export of the primary · \d+ min old/);
  await page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'Browse…' }).waitFor();
  await offered.click();
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.waitFor({ timeout: 60_000 });
  assert.match(await dialog.innerText(), /Restore \d+ files? into the secondary workspace mlw-demo-westus\?/);
  assert.match(await dialog.innerText(), /notebooks\/Users\/alice\//, 'the plan names what it creates');
  await dialog.locator('.monaco-button', { hasText: /^Restore \d+ Files?$/ }).click();
  await toast(/Restored into mlw-demo-westus: \d+ file\(s\) created/).waitFor({ timeout: 120_000 });
  // Nobody pressed Refresh: the Secondary's Notebooks node lists what was restored.
  const secondary = row('Secondary', 1);
  await expand(secondary);
  await expand(row('Notebooks', 2));
  await expand(row('Users', 3));
  await expand(row('alice', 4));
  await row('distributed-cifar10.ipynb', 5).waitFor({ timeout: 30_000 });
  await collapse(secondary);
});

test('an export with warnings says how many, and the log shows each at warning level', async () => {
  await dismissToasts();
  await contextMenu(row('Primary', 1), 'Export…');
  // Jobs now export portably; a data asset outside the workspace is the seed's warning (its reference is kept).
  await quickPickRow(exactly('Data')).click();
  const done = toast(/Exported from the primary workspace into aml-export\/primary: .* \d+ warnings? \(see the log\)/);
  await done.waitFor({ timeout: 60_000 });
  await done.locator('.monaco-button', { hasText: 'Show Log' }).click();
  // The editor draws spaces as no-break spaces: \s matches both.
  await page.locator('.part.panel .view-lines', { hasText: /\[warning\]\sdata\scredit-public/ }).waitFor({ timeout: 15_000 });
  await page.keyboard.press('Control+J');
});

test('"Replicate Everything Missing to Secondary" lists what it creates first, then shows the conflicts with why', async () => {
  await dismissToasts();
  const before = await driftCount();
  await contextMenu(row(/^Drift/, 1), 'Replicate Everything Missing to Secondary');
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.waitFor({ timeout: 30_000 });
  const text = await dialog.innerText();
  assert.match(text, /Create \d+ versions? in the secondary workspace/);
  assert.match(text, /model credit-default:3/);
  assert.match(text, /model sentiment-bert:1/);
  assert.doesNotMatch(text, /fraud-detector/, 'already replicated: not listed');
  await screenshot('replicate-confirm');
  await dialog.locator('.monaco-button', { hasText: /^Replicate \d+$/ }).click();
  const result = toast(/Replicated: \d+ registered.*conflict/);
  await result.waitFor({ timeout: 120_000 });
  await result.locator('.monaco-button', { hasText: /^Show \d+ Problems?$/ }).click();
  // The sandbox's secondary holds inference-env:1 with another image: a conflict, never overwritten.
  const conflict = quickPickRow('inference-env:1');
  await conflict.waitFor();
  assert.match(await conflict.innerText(), /conflict[\s\S]*exists there with/);
  await page.keyboard.press('Escape');
  // Lower than before, without a Refresh (what is left differs in content, or only exists in the secondary).
  await row(new RegExp(`^Drift \\((?!${before}\\))\\d+\\)$`), 1).waitFor({ timeout: 30_000 });
  assert.ok((await driftCount()) < before);
});

test('the status bar has one item per region, the active one marked, each offering its actions', async () => {
  await statusItem(/Primary eastus \(active\)/).waitFor();
  await statusItem('Secondary westus').first().waitFor();
  assert.doesNotMatch(await statusItem('Secondary westus').first().innerText(), /active/);
  assert.equal(await statusItem(sandbox.primary.workspace_name).count(), 0, 'the workspace is not named a second time');
  await statusItem('Secondary westus').first().click();
  for (const action of ['Switch to Secondary', 'Run Diagnostics', 'Refresh', 'Show Log']) await quickPickRow(action).waitFor();
  await page.keyboard.press('Escape');
});

test('the Cancel button of the export notification stops a long export, leaving only complete files', async () => {
  await dismissToasts();
  const out = path.join(sandbox.projectDir, 'aml-export', 'primary');
  // Slow the primary's storage so the large model takes a while; on before the export starts.
  await sandbox.fault('primary', 'slow', { latencyMs: 400 });
  try {
    await contextMenu(row('Primary', 1), 'Export…');
    await quickPickRow(exactly('Models')).click();
    const progress = toast('Exporting models from the primary workspace');
    await progress.filter({ hasText: /[1-9]\d*\/\d+ files/ }).waitFor({ timeout: 120_000 });
    await progress.locator('.monaco-button', { hasText: 'Cancel' }).click();
    await toast('Cancelled the export from the primary workspace').waitFor({ timeout: 60_000 });
    const manifest = JSON.parse(await fs.readFile(path.join(out, 'manifest.json'), 'utf8')) as { complete: boolean; files: { path: string; size: number }[] };
    assert.equal(manifest.complete, false);
    const onDisk = (await fs.readdir(out, { recursive: true })).map(String);
    assert.deepEqual(onDisk.filter((f) => f.endsWith('.amlf-partial')), [], 'no partial file is left');
    assert.ok(!manifest.files.some((f) => f.size >= 48 * 1024 * 1024), 'the large model was not finished');
  } finally {
    await sandbox.fault('primary', 'none');
  }
});
