/**
 * A Xen provider through the whole broker: added over REST with the pool master's address and
 * a XAPI user, synced into the inventory, and driven by operations — against the replayed
 * XenAPI reference (`@skyport/driver-xen/testing`).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { REPLAY_USER, XapiReplay } from '@skyport/driver-xen/testing';
import { assertCredentialsRefused, startTestBroker, type TestBroker } from './testing/index.js';

let broker: TestBroker;
let pool: XapiReplay;

before(async () => {
  pool = await XapiReplay.start({ transitionMs: 50 });
  broker = await startTestBroker('xen-e2e');
});

after(async () => {
  await broker?.close();
  await pool?.close();
});

test('a Xen provider with a wrong password is not added', async () => {
  const addition = broker.client.providers.add({ name: 'xen-bad', driver: 'xen', endpoint: pool.url, credentials: { username: 'root', password: 'wrong' }, settings: {} });
  await assertCredentialsRefused(broker, 'xen-bad', addition, /refused the username or password/);
});

test('a XAPI pool is synced and driven through the broker', async () => {
  const provider = await broker.client.providers.add({ name: 'xcp', driver: 'xen', endpoint: pool.url, credentials: { username: REPLAY_USER.username, password: REPLAY_USER.password }, settings: {} });
  assert.equal(provider.status, 'available');
  await broker.client.providers.sync('xcp');
  const image = (await broker.client.images.list({ provider: [provider.id] })).items.find((i) => i.name === 'debian-12-base');
  assert.ok(image, 'the pool template is an image in the inventory');
  assert.equal(image.tags['os'], 'debian');
  const profile = (await broker.client.hardwareProfiles.list({ provider: [provider.id] })).items.find((p) => p.name.startsWith('Xen VM'));
  assert.ok(profile);

  const created = await broker.settle(broker.client.instances.create({ providerId: provider.id, name: 'web-1', imageId: image.id, hardwareProfileId: profile.id, tags: { env: 'e2e' } }));
  const id = created.targetId!;
  const running = await broker.client.instances.waitFor(id, ['running'], { timeoutSeconds: 30 });
  assert.equal(running.rawState, 'Running');
  assert.equal(running.tags['env'], 'e2e');
  await broker.settle(broker.client.instances.stop(id));
  assert.equal((await broker.client.instances.get(id)).state, 'stopped');
  await broker.settle(broker.client.instances.destroy(id));
  assert.deepEqual(pool.violations, [], 'every call the broker caused matched the reference');
  assert.equal(pool.records('VM').some((vm) => vm['name_label'] === 'web-1'), false, 'the VM is gone from the pool');
});
