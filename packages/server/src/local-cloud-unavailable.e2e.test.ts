/**
 * Without QEMU the broker still starts, and provider `local` is listed as unavailable with the
 * exact command that installs QEMU; once QEMU is there, a sync brings it back. "Not installed"
 * is simulated with a PATH that holds no QEMU (this file runs in its own process).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type SkyportClient } from '@skyport/client';
import { loadConfig, startServer, type RunningServer } from './index.js';

const INSTALL = 'apt-get install -y --no-install-recommends qemu-system-x86 qemu-utils';
const realPath = process.env['PATH'];
let dataDir: string;
let server: RunningServer;
let client: SkyportClient;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'skyport-no-qemu-'));
  process.env['PATH'] = join(dataDir, 'no-tools-here');
  const config = loadConfig({ SKYPORT_DATA_DIR: dataDir, SKYPORT_PORT: '0', SKYPORT_LOG_LEVEL: 'silent', SKYPORT_SEED_SIM: 'false' });
  server = await startServer(config, { tuning: { pollFastMs: 200, pollIdleMs: 1000, retryBaseDelayMs: 10 } });
  client = createClient({ baseUrl: server.url, token: server.adminToken.token! });
});

after(async () => {
  process.env['PATH'] = realPath;
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
});

test('without QEMU the broker starts and local is unavailable with the install command; installing QEMU brings it back', async () => {
  const local = await client.providers.get('local');
  assert.equal(local.driver, 'qemu');
  assert.equal(local.status, 'unavailable');
  assert.ok(local.statusReason?.includes(INSTALL), local.statusReason);
  assert.match(local.statusReason ?? '', /^QEMU is not installed on this host: qemu-system-x86_64, qemu-img, genisoimage not found\./);
  const tested = await client.providers.test('local');
  assert.equal(tested.ok, false);
  assert.equal(tested.error?.code, 'ProviderUnavailable');
  assert.ok(tested.error?.message.includes(INSTALL));
  const health = await client.health();
  assert.equal(health.status, 'ok', 'the broker serves requests all the same');

  // "apt-get install" done: the tools are on PATH again, and the next sync finds them.
  process.env['PATH'] = realPath;
  await client.providers.sync('local');
  const back = await client.providers.get('local');
  assert.equal(back.status, 'available');
  assert.equal(back.statusReason, undefined);
});
