/**
 * What the portal's end-to-end tests run against: a real broker started in-process (SQLite
 * in a temp folder, fast sim clouds, the built portal at `/`) and Debian's Chromium driven
 * by playwright-core, with a fresh profile.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createClient, type SkyportClient } from '@skyport/client';
import { loadConfig, startServer, type RunningServer } from '@skyport/server';

export const PORTAL_DIST = join(import.meta.dirname, '..', 'dist');
export const CHROMIUM = '/usr/bin/chromium';

/** The flags this machine needs: no sandbox as root, and no background calls to the closed network. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Sim clouds that answer at once and move through states in a fraction of a second. */
export const FAST_SIM = { latencyMs: 1, transitionMs: 300 };
const TUNING = { pollFastMs: 200, pollIdleMs: 1000, operationPollMs: 40, retryBaseDelayMs: 20 };

export interface PortalHarness {
  readonly server: RunningServer;
  /** The admin, through the API (as the CLI would act). */
  readonly admin: SkyportClient;
  readonly context: BrowserContext;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function startPortalHarness(): Promise<PortalHarness> {
  if (!existsSync(join(PORTAL_DIST, 'index.html'))) {
    throw new Error(`the portal is not built (${PORTAL_DIST}): run npm run build:portal, or npm test, which builds it`);
  }
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (npm test installs it as root)`);
  const dataDir = await mkdtemp(join(tmpdir(), 'skyport-portal-'));
  const profile = await mkdtemp(join(tmpdir(), 'skyport-chromium-'));
  const config = loadConfig({
    SKYPORT_DATA_DIR: dataDir,
    SKYPORT_PORT: '0',
    SKYPORT_LOG_LEVEL: process.env['E2E_LOG'] ?? 'silent',
    SKYPORT_SEED_SIM: 'false',
    SKYPORT_SEED_LOCAL: 'false',
  });
  const server = await startServer(config, { tuning: TUNING, portalDir: PORTAL_DIST });
  const admin = createClient({ baseUrl: server.url, token: server.adminToken.token! });
  let context: BrowserContext | undefined;
  try {
    // A persistent context on a new folder: the fresh --user-data-dir the machine notes ask for.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1360, height: 860 },
    });
  } catch (error) {
    await server.close();
    throw error;
  }
  const browser = context;
  // The suite runs many test files at once on two cores: give the page time, not flakiness.
  browser.setDefaultTimeout(60_000);
  return {
    server,
    admin,
    context: browser,
    newPage: () => browser.newPage(),
    async close() {
      await browser.close().catch(() => undefined);
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Signs in through the login form with a user name and password. */
export async function signIn(page: Page, url: string, userName: string, password: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('User name').fill(userName);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
}

