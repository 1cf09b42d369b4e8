/**
 * A Xen provider through the whole broker: added over REST with the pool master's address and
 * a XAPI user, synced into the inventory, and driven by operations — against the replayed
 * XenAPI reference (`@skyport/driver-xen/testing`).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type SkyportClient } from '@skyport/client';
import { REPLAY_USER, XapiReplay } from '@skyport/driver-xen/testing';
import type { Operation } from '@skyport/model';
import { loadConfig, startServer, type RunningServer } from './index.js';

const TUNING = { pollFastMs: 100, pollIdleMs: 500, operationPollMs: 50, retryBaseDelayMs: 20 };

let root: string;
let server: RunningServer;
let client: SkyportClient;
let pool: XapiReplay;

async function settle(operation: Promise<Operation>): Promise<Operation> {
  const done = await client.operations.waitFor((await operation).id, { timeoutSeconds: 60 });
  assert.equal(done.status, 'succeeded', `${done.type}: ${JSON.stringify(done.error)}`);
  return done;
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'skyport-xen-e2e-'));
  pool = await XapiReplay.start({ transitionMs: 50 });
  server = await startServer(
    loadConfig({ SKYPORT_DATA_DIR: root, SKYPORT_PORT: '0', SKYPORT_EC2_PORT: '0', SKYPORT_LOG_LEVEL: process.env['E2E_LOG'] ?? 'silent', SKYPORT_SEED_SIM: 'false', SKYPORT_SEED_LOCAL: 'false' }),
    { tuning: TUNING },
  );
  client = createClient({ baseUrl: server.url, token: server.adminToken.token! });
});

after(async () => {
  await server?.close();
  await pool?.close();
  await rm(root, { recursive: true, force: true });
});

test('a Xen provider with a wrong password is not added', async () => {
  await assert.rejects(client.providers.add({ name: 'xen-bad', driver: 'xen', endpoint: pool.url, credentials: { username: 'root', password: 'wrong' }, settings: {} }), (error: unknown) => {
    const e = error as { code?: string; message?: string; details?: Record<string, unknown> };
    return e.code === 'InvalidArgument' && e.details?.['cause'] === 'Unauthenticated' && /refused the username or password/.test(e.message ?? '');
  });
  assert.equal((await client.providers.list()).some((p) => p.name === 'xen-bad'), false);
});

test('a XAPI pool is synced and driven through the broker', async () => {
  const provider = await client.providers.add({ name: 'xcp', driver: 'xen', endpoint: pool.url, credentials: { username: REPLAY_USER.username, password: REPLAY_USER.password }, settings: {} });
  assert.equal(provider.status, 'available');
  await client.providers.sync('xcp');
  const image = (await client.images.list({ provider: [provider.id] })).items.find((i) => i.name === 'debian-12-base');
  assert.ok(image, 'the pool template is an image in the inventory');
  assert.equal(image.tags['os'], 'debian');
  const profile = (await client.hardwareProfiles.list({ provider: [provider.id] })).items.find((p) => p.name.startsWith('Xen VM'));
  assert.ok(profile);

  const created = await settle(client.instances.create({ providerId: provider.id, name: 'web-1', imageId: image.id, hardwareProfileId: profile.id, tags: { env: 'e2e' } }));
  const id = created.targetId!;
  const running = await client.instances.waitFor(id, ['running'], { timeoutSeconds: 30 });
  assert.equal(running.rawState, 'Running');
  assert.equal(running.tags['env'], 'e2e');
  await settle(client.instances.stop(id));
  assert.equal((await client.instances.get(id)).state, 'stopped');
  await settle(client.instances.destroy(id));
  assert.deepEqual(pool.violations, [], 'every call the broker caused matched the reference');
  assert.equal(pool.records('VM').some((vm) => vm['name_label'] === 'web-1'), false, 'the VM is gone from the pool');
});
