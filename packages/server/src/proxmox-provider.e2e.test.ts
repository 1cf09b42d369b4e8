/**
 * A Proxmox VE provider through the whole broker: added over REST with an API token, synced
 * into the inventory (nodes as zones), and driven by operations — against the replayed API
 * viewer (`@skyport/driver-proxmox/testing`).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PveReplay, REPLAY_TOKEN } from '@skyport/driver-proxmox/testing';
import { assertCredentialsRefused, startTestBroker, type TestBroker } from './testing/index.js';

let broker: TestBroker;
let cluster: PveReplay;

before(async () => {
  cluster = await PveReplay.start({ taskMs: 30 });
  broker = await startTestBroker('proxmox-e2e');
});

after(async () => {
  await broker?.close();
  await cluster?.close();
});

test('a Proxmox provider with a wrong token secret is not added', async () => {
  const addition = broker.client.providers.add({ name: 'pve-bad', driver: 'proxmox', endpoint: cluster.url, credentials: { tokenId: REPLAY_TOKEN.tokenId, tokenSecret: 'wrong' }, settings: {} });
  await assertCredentialsRefused(broker, 'pve-bad', addition, /authentication failure/);
});

test('a Proxmox VE cluster is synced and driven through the broker', async () => {
  const provider = await broker.client.providers.add({ name: 'pve', driver: 'proxmox', endpoint: cluster.url, credentials: { tokenId: REPLAY_TOKEN.tokenId, tokenSecret: REPLAY_TOKEN.secret }, settings: { taskPollMs: 10 } });
  assert.equal(provider.status, 'available');
  await broker.client.providers.sync('pve');
  const image = (await broker.client.images.list({ provider: [provider.id] })).items.find((i) => i.name === 'debian-12-cloud');
  assert.ok(image, 'the cluster template is an image in the inventory');
  const profile = (await broker.client.hardwareProfiles.list({ provider: [provider.id] })).items.find((p) => p.name.startsWith('Proxmox VM'));
  assert.ok(profile);

  const created = await broker.settle(broker.client.instances.create({ providerId: provider.id, name: 'web-1', imageId: image.id, hardwareProfileId: profile.id, tags: { env: 'e2e' } }));
  const id = created.targetId!;
  const running = await broker.client.instances.waitFor(id, ['running'], { timeoutSeconds: 30 });
  assert.equal(running.rawState, 'running');
  assert.equal(running.tags['env'], 'e2e');
  await broker.settle(broker.client.instances.stop(id));
  assert.equal((await broker.client.instances.get(id)).state, 'stopped');
  await broker.settle(broker.client.instances.destroy(id));
  assert.deepEqual(cluster.violations, [], 'every request the broker caused matched a recording');
  assert.equal(cluster.vms().some((vm) => vm.config['name'] === 'web-1'), false, 'the VM is gone from the cluster');
});
