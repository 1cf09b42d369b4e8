/**
 * The portal with a large inventory, in headless Chromium (Debian's), against a real broker:
 *   render: navigation to /instances → the first page of rows and its "1–100 of N" summary,
 *   filter: a state filter ticked → only rows in that state, with the new count,
 *   sort:   the Name header clicked twice → the first row is the last name of all N,
 *   page:   Next → the second page's rows.
 * Side by side, in the same run: the REST request each of those screens makes (same filters,
 * same fields, same page size) timed from Node, which is the floor the portal adds its cost to.
 * Prints JSON. Options: BENCH_INSTANCES (10000), BENCH_ROUNDS (5). Needs the built portal
 * (npm run build:portal) and /usr/bin/chromium.
 */
import { loadavg } from 'node:os';
import type { Page } from 'playwright-core';
import { startPortalHarness, signIn } from '../../apps/portal/e2e/portal-harness.js';

const instances = Number(process.env['BENCH_INSTANCES'] ?? 10_000);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 5);
const PASSWORD = 'bench password, long enough';
/** The fields the inventory table's default columns ask for. */
const FIELDS = 'addresses,cpus,createdAt,memoryMiB,name,providerId,state,tags';

const harness = await startPortalHarness();
const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)]! * 10) / 10;
};
const timed = async (fn: () => Promise<unknown>): Promise<number> => {
  const start = performance.now();
  await fn();
  return performance.now() - start;
};

try {
  const seedStart = performance.now();
  const big = await harness.admin.providers.add({ name: 'big', driver: 'sim', region: 'big-1', settings: { seedInstances: instances, latencyMs: 0 } });
  await harness.admin.providers.sync('big');
  const seedMs = performance.now() - seedStart;
  const counts = await harness.admin.instances.counts(big.id);
  const lastName = (await harness.admin.instances.list({ provider: big.id, sort: '-name', limit: 1 })).items[0]!.name;
  const total = (n: number) => n.toLocaleString('en-US');
  await harness.admin.users.create({ name: 'bench', password: PASSWORD, memberships: [{ tenantId: 'default', role: 'admin' }] });
  const signInPage = await harness.newPage();
  await signIn(signInPage, harness.server.url, 'bench', PASSWORD);
  await signInPage.close();

  const portal = { render: [] as number[], filter: [] as number[], sort: [] as number[], page: [] as number[] };
  const api = { render: [] as number[], filter: [] as number[], sort: [] as number[], page: [] as number[] };
  const token = harness.server.adminToken.token!;
  const rest = async (query: string) => {
    const response = await fetch(`${harness.server.url}/api/v1/instances?${query}`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await response.json()) as { items: unknown[]; nextCursor?: string };
    if (!response.ok || body.items.length === 0) throw new Error(`GET /instances?${query} answered ${response.status}`);
    return body;
  };
  const base = `provider=${big.id}&limit=100&fields=${FIELDS}`;

  for (let round = 0; round < rounds; round++) {
    // A new tab each round: the bundle comes from the browser's cache as for a returning user,
    // the data from the broker.
    const page: Page = await harness.newPage();
    const rows = page.locator('tbody tr');
    const pager = page.locator('.pager-page');
    portal.render.push(
      await timed(async () => {
        await page.goto(`${harness.server.url}/instances?provider=${big.id}`);
        await pager.filter({ hasText: `1–100 of ${total(instances)}` }).waitFor();
        await rows.nth(99).waitFor();
      }),
    );
    portal.filter.push(
      await timed(async () => {
        await page.getByRole('checkbox', { name: 'error', exact: true }).check();
        await pager.filter({ hasText: `of ${total(counts.error)}` }).waitFor();
        await page.locator('tbody [data-state]:not([data-state="error"])').first().waitFor({ state: 'detached' });
      }),
    );
    await page.getByRole('checkbox', { name: 'error', exact: true }).uncheck();
    await pager.filter({ hasText: `of ${total(instances)}` }).waitFor();
    portal.sort.push(
      await timed(async () => {
        const header = page.getByRole('button', { name: 'Name', exact: true });
        await header.click();
        await page.waitForURL(/sort=name/);
        await header.click();
        await page.locator(`tbody tr:first-child[data-name="${lastName}"]`).waitFor();
      }),
    );
    const firstOfPage1 = await rows.first().getAttribute('data-id');
    portal.page.push(
      await timed(async () => {
        await page.getByRole('button', { name: 'Next →' }).click();
        await pager.filter({ hasText: 'Page 2' }).waitFor();
        await page.locator(`tbody tr:first-child:not([data-id="${firstOfPage1}"])`).waitFor();
      }),
    );
    await page.close();

    api.render.push(await timed(() => rest(base)));
    api.filter.push(await timed(() => rest(`${base}&state=error`)));
    // Two requests, as the portal's two clicks make (ascending, then descending).
    api.sort.push(await timed(async () => (await rest(`${base}&sort=name`), await rest(`${base}&sort=-name`))));
    const first = await rest(`${base}&sort=-name`);
    api.page.push(await timed(() => rest(`${base}&sort=-name&cursor=${first.nextCursor!}`)));
  }

  const row = (key: keyof typeof portal) => ({ portalMs: median(portal[key]), apiMs: median(api[key]), portalRuns: portal[key].map(Math.round) });
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'portal',
        instances,
        rounds,
        seedAndSyncMs: Math.round(seedMs),
        loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
        note: 'medians; portalMs from the action in Chromium to the rows on screen, apiMs the same REST request(s) from Node',
        firstRender: row('render'),
        filterChange: row('filter'),
        sortByNameDescending: row('sort'),
        nextPage: row('page'),
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await harness.close();
}
