/**
 * An OpenStack provider through the whole broker: added over REST with its Keystone URL,
 * project and password, synced into the inventory, and driven by operations — against the
 * replayed OpenStack API reference (`@skyport/driver-openstack/testing`).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenStackReplayCloud, REPLAY_USER, makeSeedImage } from '@skyport/driver-openstack/testing';
import { assertCredentialsRefused, startTestBroker, type TestBroker } from './testing/index.js';

let broker: TestBroker;
let cloud: OpenStackReplayCloud;

const settings = { username: REPLAY_USER.username, projectName: REPLAY_USER.projectName, projectDomainId: REPLAY_USER.projectDomainId, imagePollMs: 20 };

before(async () => {
  cloud = await OpenStackReplayCloud.start({ seedImageData: await makeSeedImage(), transitionMs: 50 });
  broker = await startTestBroker('openstack-e2e');
});

after(async () => {
  await broker?.close();
  await cloud?.close();
});

test('a provider with a wrong password is not added', async () => {
  const addition = broker.client.providers.add({ name: 'os-bad', driver: 'openstack', endpoint: cloud.authUrl, region: 'RegionOne', credentials: { password: 'wrong' }, settings });
  await assertCredentialsRefused(broker, 'os-bad', addition, /Keystone refused the credentials of user admin/);
});

test('an OpenStack project is synced and driven through the broker', async () => {
  const provider = await broker.client.providers.add({ name: 'os', driver: 'openstack', endpoint: cloud.authUrl, region: 'RegionOne', credentials: { password: REPLAY_USER.password }, settings });
  assert.equal(provider.status, 'available');
  await broker.client.providers.sync('os');
  const profiles = (await broker.client.hardwareProfiles.list({ provider: [provider.id] })).items;
  assert.deepEqual(profiles.map((p) => p.name).sort(), ['m1.large', 'm1.medium', 'm1.small', 'm1.small.description', 'm1.tiny', 'm1.tiny.specs', 'm1.xlarge']);
  const image = (await broker.client.images.list({ provider: [provider.id] })).items.find((i) => i.name === 'cirros-0.3.2-x86_64-disk');
  assert.ok(image, 'the recorded public image is in the inventory');
  const tiny = profiles.find((p) => p.name === 'm1.tiny');
  assert.ok(tiny);

  const created = await broker.settle(broker.client.instances.create({ providerId: provider.id, name: 'web-1', imageId: image.id, hardwareProfileId: tiny.id, tags: { env: 'e2e' } }));
  const id = created.targetId!;
  const running = await broker.client.instances.waitFor(id, ['running'], { timeoutSeconds: 30 });
  assert.equal(running.rawState, 'ACTIVE');
  assert.deepEqual(running.addresses, [{ kind: 'private', address: '192.168.1.30' }]);
  assert.equal(running.tags['env'], 'e2e');
  assert.match((await broker.client.instances.console(id)).output, /FAKE CONSOLE OUTPUT/);

  await broker.settle(broker.client.instances.stop(id));
  assert.equal((await broker.client.instances.get(id)).state, 'stopped');
  await broker.settle(broker.client.instances.destroy(id));
  assert.deepEqual(cloud.server.violations, [], 'every request the broker caused matched a recording');
  assert.equal([...cloud.servers.values()].length, 0, 'the server is gone from Nova');
});
