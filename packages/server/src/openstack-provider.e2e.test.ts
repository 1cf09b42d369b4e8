/**
 * An OpenStack provider through the whole broker: added over REST with its Keystone URL,
 * project and password, synced into the inventory, and driven by operations — against the
 * replayed OpenStack API reference (`@skyport/driver-openstack/testing`).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type SkyportClient } from '@skyport/client';
import { OpenStackReplayCloud, REPLAY_USER, makeSeedImage } from '@skyport/driver-openstack/testing';
import type { Operation } from '@skyport/model';
import { loadConfig, startServer, type RunningServer } from './index.js';

const TUNING = { pollFastMs: 100, pollIdleMs: 500, operationPollMs: 50, retryBaseDelayMs: 20 };

let root: string;
let server: RunningServer;
let client: SkyportClient;
let cloud: OpenStackReplayCloud;

const settings = { username: REPLAY_USER.username, projectName: REPLAY_USER.projectName, projectDomainId: REPLAY_USER.projectDomainId, imagePollMs: 20 };

async function settle(operation: Promise<Operation>): Promise<Operation> {
  const done = await client.operations.waitFor((await operation).id, { timeoutSeconds: 60 });
  assert.equal(done.status, 'succeeded', `${done.type}: ${JSON.stringify(done.error)}`);
  return done;
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'skyport-openstack-e2e-'));
  cloud = await OpenStackReplayCloud.start({ seedImageData: await makeSeedImage(), transitionMs: 50 });
  server = await startServer(
    loadConfig({ SKYPORT_DATA_DIR: root, SKYPORT_PORT: '0', SKYPORT_EC2_PORT: '0', SKYPORT_LOG_LEVEL: process.env['E2E_LOG'] ?? 'silent', SKYPORT_SEED_SIM: 'false', SKYPORT_SEED_LOCAL: 'false' }),
    { tuning: TUNING },
  );
  client = createClient({ baseUrl: server.url, token: server.adminToken.token! });
});

after(async () => {
  await server?.close();
  await cloud?.close();
  await rm(root, { recursive: true, force: true });
});

test('a provider with a wrong password is not added', async () => {
  await assert.rejects(
    client.providers.add({ name: 'os-bad', driver: 'openstack', endpoint: cloud.authUrl, region: 'RegionOne', credentials: { password: 'wrong' }, settings }),
    (error: unknown) => {
      // The broker reports refused credentials as a bad provider request; the cause is kept.
      const e = error as { code?: string; message?: string; details?: Record<string, unknown> };
      return e.code === 'InvalidArgument' && e.details?.['cause'] === 'Unauthenticated' && /Keystone refused the credentials of user admin/.test(e.message ?? '');
    },
  );
  assert.equal((await client.providers.list()).some((p) => p.name === 'os-bad'), false);
});

test('an OpenStack project is synced and driven through the broker', async () => {
  const provider = await client.providers.add({ name: 'os', driver: 'openstack', endpoint: cloud.authUrl, region: 'RegionOne', credentials: { password: REPLAY_USER.password }, settings });
  assert.equal(provider.status, 'available');
  await client.providers.sync('os');
  const profiles = (await client.hardwareProfiles.list({ provider: [provider.id] })).items;
  assert.deepEqual(profiles.map((p) => p.name).sort(), ['m1.large', 'm1.medium', 'm1.small', 'm1.small.description', 'm1.tiny', 'm1.tiny.specs', 'm1.xlarge']);
  const image = (await client.images.list({ provider: [provider.id] })).items.find((i) => i.name === 'cirros-0.3.2-x86_64-disk');
  assert.ok(image, 'the recorded public image is in the inventory');
  const tiny = profiles.find((p) => p.name === 'm1.tiny');
  assert.ok(tiny);

  const created = await settle(client.instances.create({ providerId: provider.id, name: 'web-1', imageId: image.id, hardwareProfileId: tiny.id, tags: { env: 'e2e' } }));
  const id = created.targetId!;
  const running = await client.instances.waitFor(id, ['running'], { timeoutSeconds: 30 });
  assert.equal(running.rawState, 'ACTIVE');
  assert.deepEqual(running.addresses, [{ kind: 'private', address: '192.168.1.30' }]);
  assert.equal(running.tags['env'], 'e2e');
  assert.match((await client.instances.console(id)).output, /FAKE CONSOLE OUTPUT/);

  await settle(client.instances.stop(id));
  assert.equal((await client.instances.get(id)).state, 'stopped');
  await settle(client.instances.destroy(id));
  assert.deepEqual(cloud.server.violations, [], 'every request the broker caused matched a recording');
  assert.equal([...cloud.servers.values()].length, 0, 'the server is gone from Nova');
});
