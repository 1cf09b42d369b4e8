/**
 * Moving VMs through the portal, in Chromium against a real broker: export a stopped
 * instance as an OVA, download it, upload it into another cloud and watch it import; build a
 * migration plan from a tag selector, read its mappings and preflight, run it and watch each
 * VM's steps move live to cut-over, then finalize.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { Operation } from '@skyport/model';
import { FAST_SIM, signIn, startPortalHarness, type PortalHarness } from './portal-harness.js';

const PASSWORD = 'correct-horse-battery-staple';
const SCREENSHOTS = join(import.meta.dirname, '..', '..', '..', '.test-tmp', 'portal-screenshots');
const LIVE_TIMEOUT = 60_000;

describe('portal appliances and migrations in Chromium', () => {
  let harness: PortalHarness;
  let page: Page;
  let downloads: string;

  const settle = async (operation: Promise<Operation>) => {
    const done = await harness.admin.operations.waitFor((await operation).id, { timeoutSeconds: 30 });
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    return done;
  };
  const launch = async (name: string, tags: Record<string, string> = {}) => {
    const image = (await harness.admin.images.list({ provider: 'src', name: 'debian-12' })).items[0]!;
    return (await settle(harness.admin.instances.create({ providerId: 'src', name, imageId: image.id, hardwareProfileId: 'small', tags }))).targetId!;
  };

  before(async () => {
    downloads = await mkdtemp(join(tmpdir(), 'skyport-portal-downloads-'));
    harness = await startPortalHarness();
    for (const name of ['src', 'dst']) {
      await harness.admin.providers.add({ name, driver: 'sim', region: `${name}-1`, settings: FAST_SIM });
      await harness.admin.providers.sync(name);
    }
    await harness.admin.users.create({ name: 'olga', password: PASSWORD, memberships: [{ tenantId: 'default', role: 'operator' }] });
    page = await harness.newPage();
    await signIn(page, harness.server.url, 'olga', PASSWORD);
  });

  after(async () => {
    await harness?.close();
    await rm(downloads, { recursive: true, force: true });
  });

  test('export a stopped instance as an OVA, download it, and import it into another cloud with progress', async () => {
    const id = await launch('appliance-1');
    await settle(harness.admin.instances.stop(id));
    await page.goto(`${harness.server.url}/instances/${id}`);
    await page.getByTestId('instance-state').filter({ hasText: /^stopped$/ }).waitFor({ timeout: LIVE_TIMEOUT });
    await page.getByRole('button', { name: 'Export as OVA' }).click();
    const link = page.getByRole('link', { name: 'Download OVA' });
    await link.waitFor({ timeout: LIVE_TIMEOUT });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const ova = join(downloads, download.suggestedFilename());
    await download.saveAs(ova);
    assert.match(download.suggestedFilename(), /\.ova$/);
    // A tar whose first member is the OVF descriptor, as the OVF standard asks.
    const handle = await open(ova);
    const header = Buffer.alloc(100);
    await handle.read(header, 0, 100, 0);
    await handle.close();
    assert.match(header.toString('utf8').replace(/\0.*$/s, ''), /\.ovf$/);
    assert.ok((await stat(ova)).size > 1024);

    await page.goto(`${harness.server.url}/images`);
    // The images page lists every export that can still be downloaded, wherever it was started.
    const listed = page.locator('li[data-export]').filter({ hasText: download.suggestedFilename() });
    await listed.getByRole('link', { name: 'Download OVA' }).waitFor({ timeout: LIVE_TIMEOUT });
    await page.getByText('Import an OVA').click();
    const form = page.getByRole('form', { name: 'Import an OVA' });
    const dst = await harness.admin.providers.get('dst');
    await form.getByLabel('Into provider').selectOption(dst.id);
    await form.getByLabel('OVA file').setInputFiles(ova);
    await form.getByLabel('Image name').fill('imported-appliance');
    await page.getByRole('button', { name: 'Upload and import' }).click();
    await page.locator('.create-panel .operation.operation-succeeded').waitFor({ timeout: LIVE_TIMEOUT });
    // The new image shows up in the open list through the event stream.
    await page.locator('tbody tr', { hasText: 'imported-appliance' }).locator('[data-state="available"]').waitFor({ timeout: LIVE_TIMEOUT });
    const [image] = (await harness.admin.images.list({ provider: 'dst', name: 'imported-appliance' })).items;
    assert.equal(image?.state, 'available');
    await page.screenshot({ path: join(SCREENSHOTS, 'images-import.png'), fullPage: true });

    await listed.getByRole('button', { name: 'Delete the file' }).click();
    // Gone from the broker, and so from the list.
    await listed.waitFor({ state: 'detached', timeout: LIVE_TIMEOUT });
    assert.equal((await harness.admin.exports.list()).some((e) => e.fileName === download.suggestedFilename()), false);
  });

  test('a migration plan from a tag selector: proposals, preflight, a live run to cut-over, finalize', async () => {
    await launch('shop-1', { app: 'shop' });
    await launch('shop-2', { app: 'shop' });
    await harness.admin.providers.sync('src');
    const [src, dst] = await Promise.all([harness.admin.providers.get('src'), harness.admin.providers.get('dst')]);

    await page.goto(`${harness.server.url}/migrations`);
    await page.getByRole('link', { name: 'New plan' }).click();
    await page.getByLabel('Plan name').fill('shop-move');
    await page.getByLabel('From provider').selectOption(src.id);
    await page.getByLabel('To provider').selectOption(dst.id);
    await page.getByLabel('Every instance with tags').check();
    await page.getByLabel('Tags', { exact: true }).fill('app=shop');
    await page.getByRole('button', { name: 'Create plan' }).click();

    await page.waitForURL(/\/migrations\/(?!new)/);
    await page.locator('[data-plan-status="draft"]').waitFor();
    for (const name of ['shop-1', 'shop-2']) await page.locator(`tr[data-vm="${name}"][data-status="pending"]`).waitFor();
    // The broker's proposals are shown as such, and preflight has checked the plan.
    await page.locator('.mappings .badge', { hasText: 'proposed' }).first().waitFor();
    await page.locator('[data-preflight="ok"]').waitFor({ timeout: LIVE_TIMEOUT });
    await page.screenshot({ path: join(SCREENSHOTS, 'migration-draft.png'), fullPage: true });

    // A draft changes in place: the proposed profile, saved, becomes the plan's own choice.
    const draftId = new URL(page.url()).pathname.split('/').pop()!;
    const profileTarget = page.getByLabel(/^Target for /).first();
    await profileTarget.selectOption(await profileTarget.inputValue());
    await page.getByRole('button', { name: 'Save mappings' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    const saved = await harness.admin.migrations.get(draftId);
    assert.equal(Object.keys(saved.mappings.hardwareProfiles ?? {}).length, 1, 'the chosen profile is stored on the same plan');
    assert.equal(new URL(page.url()).pathname, `/migrations/${draftId}`);

    await page.getByRole('button', { name: 'Run', exact: true }).click();
    for (const name of ['shop-1', 'shop-2']) await page.locator(`tr[data-vm="${name}"][data-status="cut-over"]`).waitFor({ timeout: LIVE_TIMEOUT });
    await page.locator('[data-plan-status="completed"]').waitFor({ timeout: LIVE_TIMEOUT });
    await page.getByRole('button', { name: 'History of shop-1' }).click();
    await page.locator('.step-history li', { hasText: 'cutover' }).first().waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'migration-done.png'), fullPage: true });

    await page.getByRole('button', { name: 'Finalize' }).click();
    await page.locator('[data-plan-status="finalized"]').waitFor({ timeout: LIVE_TIMEOUT });
    const [plan] = (await harness.admin.migrations.list()).filter((p) => p.name === 'shop-move');
    assert.equal(plan?.status, 'finalized');
    assert.equal(plan?.vms.every((vm) => vm.targetInstanceId !== undefined), true);
  });
});
