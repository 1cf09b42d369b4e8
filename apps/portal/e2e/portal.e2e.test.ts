/**
 * The portal as a user meets it: Debian's Chromium, driven by playwright-core, against a real
 * broker started in-process (SQLite, fast sim clouds) serving the built portal at `/`.
 * Changes made "elsewhere" go through the REST API as the CLI would make them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { SkyportError } from '@skyport/model';
import { FAST_SIM, signIn, startPortalHarness, type PortalHarness } from './portal-harness.js';

const PASSWORD = 'correct-horse-battery-staple';
/** Screenshots for a person to look at (git-ignored); the tests assert on the page, not on pixels. */
const SCREENSHOTS = join(import.meta.dirname, '..', '..', '..', '.test-tmp', 'portal-screenshots');
const LIVE_TIMEOUT = 60_000;

describe('portal end to end in Chromium', () => {
  let harness: PortalHarness;
  let page: Page;
  let fastId = '';

  /** Marks the document; a reload would lose the mark, so a later check proves the page stayed. */
  // Page-side functions reach the page through globalThis: these tests are type-checked for
  // Node, without the DOM library (and the broker's CSP forbids evaluating strings).
  const markDocument = () => page.evaluate(() => ((globalThis as Record<string, unknown>)['skyportMark'] = 1));
  const assertNotReloaded = async () => assert.equal(await page.evaluate(() => (globalThis as Record<string, unknown>)['skyportMark']), 1, 'the page was reloaded');
  const rowOf = (name: string) => page.locator(`tbody tr[data-name="${name}"]`);
  const shot = async (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

  before(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    harness = await startPortalHarness();
    fastId = (await harness.admin.providers.add({ name: 'fast', driver: 'sim', region: 'fast-1', settings: FAST_SIM })).id;
    await harness.admin.providers.sync('fast');
    await harness.admin.users.create({ name: 'olga', password: PASSWORD, memberships: [{ tenantId: 'default', role: 'operator' }] });
    page = await harness.newPage();
  });

  after(async () => {
    await harness?.close();
  });

  test('a wrong password is refused in the API words; the right one opens the dashboard, live', async () => {
    await page.goto(harness.server.url);
    await page.getByLabel('User name').fill('olga');
    await page.getByLabel('Password', { exact: true }).fill('wrong-password-here');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const refusal = await page.getByRole('alert').textContent();
    assert.match(refusal ?? '', /Unauthenticated/);

    await signIn(page, harness.server.url, 'olga', PASSWORD);
    await page.locator('[data-live="live"]').waitFor();
    assert.match((await page.locator('.topbar .user').textContent()) ?? '', /olga.*operator/);
    // A cookie session: the token stays in an HttpOnly cookie, out of the page's reach.
    const cookies = await harness.context.cookies(harness.server.url);
    assert.equal(cookies.find((c) => c.name === 'skyport_session')?.httpOnly, true);
    const readable = await page.evaluate(() => (globalThis as unknown as { document: { cookie: string } }).document.cookie);
    assert.ok(readable.includes('skyport_csrf') && !readable.includes('skyport_session'));
  });

  test('the dashboard shows every provider with its health, last sync and counts per state', async () => {
    const seeded = await harness.admin.providers.add({ name: 'small-cloud', driver: 'sim', region: 'small-1', settings: { ...FAST_SIM, seedInstances: 12 } });
    await harness.admin.providers.sync(seeded.name);
    await page.goto(harness.server.url);
    const card = page.locator('[data-provider="small-cloud"]');
    await card.locator('.state-count').first().waitFor();
    assert.match((await card.textContent()) ?? '', /available/);
    assert.match((await card.textContent()) ?? '', /Last sync.*(just now|s ago)/);
    const counts = await harness.admin.instances.counts(seeded.id);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    assert.match((await card.locator('dd').nth(1).textContent()) ?? '', new RegExp(`^${total}$`));
    await page.locator('[data-provider="fast"]').waitFor();
    await shot('dashboard');
  });

  test('launch through the wizard, then watch it reach running and stop it from its page, live', async () => {
    await page.goto(`${harness.server.url}/launch`);
    await page.getByRole('radio', { name: /^fast/ }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('radio', { name: /^debian-12/ }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('radio', { name: /^flex/ }).check();
    await page.getByLabel('vCPUs', { exact: true }).fill('4');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: '4. Key pair' }).waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: '5. Security groups' }).waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Name', { exact: true }).fill('web-portal-1');
    await page.getByRole('textbox', { name: 'User data' }).fill('#cloud-config\nhostname: web-portal-1\n');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: '7. Review' }).waitFor();
    await shot('launch-review');
    await markDocument();
    await page.getByRole('button', { name: 'Launch', exact: true }).click();

    await page.waitForURL(/\/instances\/i-/);
    const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    const state = page.getByTestId('instance-state');
    await state.filter({ hasText: /^running$/ }).waitFor({ timeout: LIVE_TIMEOUT });
    const instance = await harness.admin.instances.get(id);
    assert.equal(instance.name, 'web-portal-1');
    assert.equal(instance.cpus, 4);
    await page.locator('.console-output').waitFor();
    await shot('instance-detail');

    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await state.filter({ hasText: /^stopped$/ }).waitFor({ timeout: LIVE_TIMEOUT });
    // Only the actions the stopped state accepts are offered now.
    await page.getByRole('button', { name: 'Start', exact: true }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Stop', exact: true }).count(), 0);
    assert.equal((await harness.admin.instances.get(id)).state, 'stopped');
    await assertNotReloaded();
  });

  test('an instance created through the API (as by the CLI) appears in the open table without a reload', async () => {
    await page.goto(`${harness.server.url}/instances?provider=${fastId}`);
    await page.locator('table[aria-busy="false"]').waitFor();
    await page.locator('[data-live="live"]').waitFor();
    await markDocument();
    const [image] = (await harness.admin.instances.list({ provider: 'fast', limit: 1 })).items;
    const operation = await harness.admin.instances.create({ providerId: 'fast', name: 'from-cli', imageId: image!.imageId, hardwareProfileId: 'small' });
    await rowOf('from-cli').waitFor({ timeout: LIVE_TIMEOUT });
    await rowOf('from-cli').locator('[data-state="running"]').waitFor({ timeout: LIVE_TIMEOUT });
    assert.equal(await rowOf('from-cli').getAttribute('data-id'), operation.targetId);
    await assertNotReloaded();
  });

  test('a launch outside the profile shows the API message next to the field that caused it', async () => {
    await page.goto(`${harness.server.url}/launch?provider=${fastId}`);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('radio', { name: /^debian-12/ }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('radio', { name: /^flex/ }).check();
    await page.getByLabel('vCPUs', { exact: true }).fill('99');
    for (let i = 0; i < 3; i++) await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Name', { exact: true }).fill('too-big');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Launch', exact: true }).click();

    // The wizard goes back to the step of the field the API named, and the field has focus.
    await page.getByRole('heading', { name: '3. Hardware' }).waitFor();
    const cpus = page.getByLabel('vCPUs', { exact: true });
    await page.locator('[aria-invalid="true"]:focus').waitFor();
    assert.equal(await cpus.getAttribute('aria-invalid'), 'true');
    const shown = await page.locator('.field', { has: cpus }).locator('.field-error').textContent();
    const image = (await harness.admin.images.list({ provider: 'fast', name: 'debian-12' })).items[0]!;
    const apiError = await harness.admin.instances.create({ providerId: fastId, name: 'too-big', imageId: image.id, hardwareProfileId: 'flex', cpus: 99 }).catch((e: unknown) => e);
    assert.ok(apiError instanceof SkyportError);
    assert.equal(shown, apiError.message);
    assert.match(shown ?? '', /cpus 99 is not allowed by hardware profile flex: it must be 1\.\.16/);
    await shot('launch-error');
    assert.equal((await harness.admin.instances.list({ provider: 'fast', name: 'too-big' })).items.length, 0);
  });

  test('bulk actions on several selected rows go only where the state allows them', async () => {
    const image = (await harness.admin.images.list({ provider: 'fast', name: 'debian-12' })).items[0]!;
    const operations = await Promise.all(
      ['bulk-1', 'bulk-2', 'bulk-3'].map((name) => harness.admin.instances.create({ providerId: 'fast', name, imageId: image.id, hardwareProfileId: 'small' })),
    );
    await Promise.all(operations.map((o) => harness.admin.operations.waitFor(o.id, { timeoutSeconds: 30 })));
    await page.goto(`${harness.server.url}/instances?provider=${fastId}&name=bulk-`);
    for (const name of ['bulk-1', 'bulk-2', 'bulk-3']) await rowOf(name).locator('[data-state="running"]').waitFor({ timeout: LIVE_TIMEOUT });
    assert.equal(await page.locator('tbody tr').count(), 3);
    await page.getByLabel('Select every instance on this page').check();
    await page.getByRole('button', { name: 'Stop (3)' }).click();
    await page.getByRole('status').filter({ hasText: 'Stop started on 3 instances.' }).waitFor();
    for (const name of ['bulk-1', 'bulk-2', 'bulk-3']) await rowOf(name).locator('[data-state="stopped"]').waitFor({ timeout: LIVE_TIMEOUT });

    await page.getByLabel('Select bulk-1').check();
    await page.getByLabel('Select bulk-2').check();
    await page.getByRole('button', { name: 'Start (2)' }).click();
    await page.getByRole('status').filter({ hasText: 'Start started on 2 instances.' }).waitFor();
    await rowOf('bulk-1').locator('[data-state="running"]').waitFor({ timeout: LIVE_TIMEOUT });

    // A running and a stopped row: stop goes only to the one whose state accepts it.
    await page.getByLabel('Select bulk-1').check();
    await page.getByLabel('Select bulk-3').check();
    await page.getByRole('button', { name: 'Stop (1)' }).click();
    await page.getByRole('status').filter({ hasText: 'Stop started on 1 instance. 1 skipped: their state does not allow stop.' }).waitFor();

    await page.getByLabel('Select bulk-2').check();
    await page.getByLabel('Select bulk-3').check();
    await page.getByRole('button', { name: 'Destroy (2)' }).click();
    await page.getByRole('button', { name: 'Yes' }).click();
    await page.getByRole('status').filter({ hasText: 'Destroy started on 2 instances.' }).waitFor();
    await rowOf('bulk-3').locator('[data-state="terminated"]').waitFor({ timeout: LIVE_TIMEOUT });
  });

  test('a 10k-instance cloud: the table renders a server page, pages forward and back, filters and resizes', async () => {
    const big = await harness.admin.providers.add({ name: 'big', driver: 'sim', region: 'big-1', settings: { seedInstances: 10_000, latencyMs: 0 } });
    await harness.admin.providers.sync('big');
    await page.goto(`${harness.server.url}/instances?provider=${big.id}`);
    const rows = page.locator('tbody tr');
    const pager = page.locator('.pager-page');
    await pager.filter({ hasText: '1–100 of 10,000' }).waitFor({ timeout: LIVE_TIMEOUT });
    assert.equal(await rows.count(), 100);
    await shot('instances-10k');
    const firstOfPage1 = await rows.first().getAttribute('data-id');

    await page.getByRole('button', { name: 'Next →' }).click();
    await pager.filter({ hasText: 'Page 2 · 101–200 of 10,000' }).waitFor();
    await page.locator(`tbody tr:first-child:not([data-id="${firstOfPage1}"])`).waitFor();
    const firstOfPage2 = await rows.first().getAttribute('data-id');
    assert.ok(firstOfPage2! > firstOfPage1!, 'pages follow the id order');
    await page.getByRole('button', { name: '← Previous' }).click();
    await pager.filter({ hasText: 'Page 1 · 1–100' }).waitFor();
    assert.equal(await rows.first().getAttribute('data-id'), firstOfPage1);

    await page.getByLabel('Per page').selectOption('1000');
    await pager.filter({ hasText: '1–1,000 of 10,000' }).waitFor({ timeout: LIVE_TIMEOUT });
    assert.equal(await rows.count(), 1000);

    // Sorting is the server's, over all 10,000: name descending starts at the last name.
    const lastName = (await harness.admin.instances.list({ provider: big.id, sort: '-name', limit: 1 })).items[0]!.name;
    const sortByName = page.getByRole('button', { name: 'Name', exact: true });
    await sortByName.click();
    await page.waitForURL(/sort=name/);
    await sortByName.click();
    await page.waitForURL(/sort=-name/);
    await page.locator(`tbody tr:first-child[data-name="${lastName}"]`).waitFor({ timeout: LIVE_TIMEOUT });
    assert.equal(await page.locator('th[aria-sort="descending"]').textContent(), 'Name ▼');
    // The tests are compiled without the DOM's types: a row is read through the one field used.
    const names = await rows.evaluateAll((trs) => trs.map((tr) => (tr as unknown as { dataset: { name?: string } }).dataset.name ?? ''));
    assert.equal(names.length, 1000);
    assert.deepEqual(names, [...names].sort().reverse());

    const counts = await harness.admin.instances.counts(big.id);
    await page.getByRole('checkbox', { name: 'error', exact: true }).check();
    await pager.filter({ hasText: `of ${counts.error.toLocaleString('en-US')}` }).waitFor();
    assert.equal(await page.locator('tbody [data-state]:not([data-state="error"])').count(), 0);

    await page.getByLabel('Name starts with').fill('sim-0001');
    // One CSS query the browser answers, rather than a round trip per row.
    await page.locator('tbody tr:not([data-name^="sim-0001"])').first().waitFor({ state: 'detached', timeout: LIVE_TIMEOUT });
    assert.ok((await rows.count()) > 0);
    assert.match(page.url(), /name=sim-0001/);
  });

  test('column choice asks only for the chosen fields and is remembered', async () => {
    await page.goto(`${harness.server.url}/instances?provider=${fastId}`);
    await page.locator('tbody tr').first().waitFor();
    await page.getByText('Columns', { exact: true }).click();
    const request = page.waitForRequest((r) => r.url().includes('/api/v1/instances?') && r.url().includes('rawState'));
    await page.getByRole('checkbox', { name: 'Provider state' }).check();
    await request;
    await page.getByRole('columnheader', { name: 'Provider state' }).waitFor();
    await page.reload();
    await page.getByRole('columnheader', { name: 'Provider state' }).waitFor();
  });

  test('key pairs, volumes, snapshots, security groups and images pages create and list', async () => {
    await page.goto(`${harness.server.url}/key-pairs`);
    await page.getByText('New key pair').click();
    await page.getByRole('form', { name: 'New key pair' }).getByLabel('Provider').selectOption(fastId);
    await page.getByRole('form', { name: 'New key pair' }).getByLabel('Name').fill('ops');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.getByLabel('Private key').waitFor();
    assert.match((await page.getByLabel('Private key').textContent()) ?? '', /PRIVATE KEY/);
    await page.locator('tbody tr', { hasText: 'ops' }).waitFor();

    await page.goto(`${harness.server.url}/volumes`);
    await page.getByText('New volume').click();
    const volumeForm = page.getByRole('form', { name: 'New volume' });
    await volumeForm.getByLabel('Provider').selectOption(fastId);
    await volumeForm.getByLabel('Name').fill('data-1');
    await volumeForm.getByLabel('Size (GiB)').fill('2');
    await page.getByRole('button', { name: 'Create volume' }).click();
    await page.locator('.action-log .op-succeeded').waitFor({ timeout: LIVE_TIMEOUT });
    await page.locator('tbody tr', { hasText: 'data-1' }).locator('[data-state="available"]').waitFor({ timeout: LIVE_TIMEOUT });

    await page.goto(`${harness.server.url}/snapshots`);
    await page.getByText('New snapshot').click();
    const volume = (await harness.admin.volumes.list({ name: 'data-1' })).items[0]!;
    await page.getByRole('form', { name: 'New snapshot' }).getByLabel('Volume').selectOption(volume.id);
    await page.getByRole('form', { name: 'New snapshot' }).getByLabel('Name').fill('data-1-snap');
    await page.getByRole('button', { name: 'Create snapshot' }).click();
    await page.locator('tbody tr', { hasText: 'data-1-snap' }).waitFor({ timeout: LIVE_TIMEOUT });

    await page.goto(`${harness.server.url}/security-groups`);
    await page.getByText('New security group').click();
    const groupForm = page.getByRole('form', { name: 'New security group' });
    await groupForm.getByLabel('Provider').selectOption(fastId);
    await groupForm.getByLabel('Name').fill('web');
    await groupForm.getByLabel('Description').fill('web servers');
    await page.getByRole('button', { name: 'Create group' }).click();
    const ruleForm = page.getByRole('form', { name: 'Add a rule to web' });
    await ruleForm.getByLabel('To port').fill('80');
    await ruleForm.getByLabel('From port').fill('90');
    await page.getByRole('button', { name: 'Add rule' }).click();
    // fromPort above toPort: the API names the field, and the portal shows it there.
    await ruleForm.locator('.field-error').waitFor();
    await ruleForm.getByLabel('From port').fill('80');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.locator('.rules .mono', { hasText: 'tcp 80 0.0.0.0/0' }).waitFor();

    await page.goto(`${harness.server.url}/images`);
    await page.locator('tbody tr', { hasText: 'debian-12' }).first().waitFor();
  });

  test('an API token signs in too; admins read and verify the audit log; viewers get no change buttons', async () => {
    const tokenPage = await harness.context.newPage();
    await harness.context.clearCookies();
    await tokenPage.goto(harness.server.url);
    await tokenPage.getByText('Use an API token instead').click();
    await tokenPage.getByRole('textbox', { name: 'API token' }).fill(harness.server.adminToken.token!);
    await tokenPage.getByRole('button', { name: 'Sign in with token' }).click();
    await tokenPage.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await tokenPage.getByRole('link', { name: 'Audit log' }).click();
    await tokenPage.locator('tbody tr', { hasText: 'session.login' }).first().waitFor();
    await tokenPage.getByRole('button', { name: 'Verify the chain' }).click();
    await tokenPage.getByText(/The chain of [\d,]+ entries is intact/).waitFor();
    await tokenPage.getByRole('button', { name: 'Sign out' }).click();
    await tokenPage.getByLabel('User name').waitFor();
    await tokenPage.close();

    await harness.admin.users.create({ name: 'vera', password: PASSWORD, memberships: [{ tenantId: 'default', role: 'viewer' }] });
    await signIn(page, harness.server.url, 'vera', PASSWORD);
    await page.goto(`${harness.server.url}/instances?provider=${fastId}`);
    await page.locator('tbody tr').first().waitFor();
    assert.equal(await page.locator('tbody input[type="checkbox"]').count(), 0);
    await page.locator('tbody tr a.row-link').first().click();
    await page.getByTestId('instance-state').waitFor();
    assert.equal(await page.getByRole('group', { name: 'Instance actions' }).count(), 0);
    assert.equal(await page.getByRole('link', { name: 'Audit log' }).count(), 0);
  });

  test('the broker serves the portal beside the API: deep links, assets, API 404s and its headers', async () => {
    const deep = await fetch(`${harness.server.url}/instances/i-anything`);
    assert.equal(deep.status, 200);
    assert.match(deep.headers.get('content-type') ?? '', /text\/html/);
    assert.match(deep.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal(deep.headers.get('cache-control'), 'no-store');
    const html = await deep.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(asset, 'index.html names its bundle');
    const bundle = await fetch(`${harness.server.url}${asset}`);
    assert.equal(bundle.status, 200);
    assert.match(bundle.headers.get('cache-control') ?? '', /immutable/);
    const missingAsset = await fetch(`${harness.server.url}/assets/nope.js`);
    assert.equal(missingAsset.status, 404);
    const apiMissing = await fetch(`${harness.server.url}/api/v1/nope`);
    assert.equal(apiMissing.status, 404);
    assert.equal(((await apiMissing.json()) as { code: string }).code, 'NotFound');
    const traversal = await fetch(`${harness.server.url}/assets/..%2f..%2fpackage.json`);
    assert.notEqual(traversal.status, 200);
  });
});
