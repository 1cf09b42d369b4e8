/**
 * A Proxmox VE provider through the whole broker: added over REST with an API token, synced
 * into the inventory (nodes as zones), and driven by operations — against the replayed API
 * viewer (`@skyport/driver-proxmox/testing`).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type SkyportClient } from '@skyport/client';
import { PveReplay, REPLAY_TOKEN } from '@skyport/driver-proxmox/testing';
import type { Operation } from '@skyport/model';
import { loadConfig, startServer, type RunningServer } from './index.js';

const TUNING = { pollFastMs: 100, pollIdleMs: 500, operationPollMs: 50, retryBaseDelayMs: 20 };

let root: string;
let server: RunningServer;
let client: SkyportClient;
let cluster: PveReplay;

async function settle(operation: Promise<Operation>): Promise<Operation> {
  const done = await client.operations.waitFor((await operation).id, { timeoutSeconds: 60 });
  assert.equal(done.status, 'succeeded', `${done.type}: ${JSON.stringify(done.error)}`);
  return done;
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'skyport-proxmox-e2e-'));
  cluster = await PveReplay.start({ taskMs: 30 });
  server = await startServer(
    loadConfig({ SKYPORT_DATA_DIR: root, SKYPORT_PORT: '0', SKYPORT_EC2_PORT: '0', SKYPORT_LOG_LEVEL: process.env['E2E_LOG'] ?? 'silent', SKYPORT_SEED_SIM: 'false', SKYPORT_SEED_LOCAL: 'false' }),
    { tuning: TUNING },
  );
  client = createClient({ baseUrl: server.url, token: server.adminToken.token! });
});

after(async () => {
  await server?.close();
  await cluster?.close();
  await rm(root, { recursive: true, force: true });
});

test('a Proxmox provider with a wrong token secret is not added', async () => {
  await assert.rejects(client.providers.add({ name: 'pve-bad', driver: 'proxmox', endpoint: cluster.url, credentials: { tokenId: REPLAY_TOKEN.tokenId, tokenSecret: 'wrong' }, settings: {} }), (error: unknown) => {
    const e = error as { code?: string; message?: string; details?: Record<string, unknown> };
    return e.code === 'InvalidArgument' && e.details?.['cause'] === 'Unauthenticated' && /authentication failure/.test(e.message ?? '');
  });
  assert.equal((await client.providers.list()).some((p) => p.name === 'pve-bad'), false);
});

test('a Proxmox VE cluster is synced and driven through the broker', async () => {
  const provider = await client.providers.add({ name: 'pve', driver: 'proxmox', endpoint: cluster.url, credentials: { tokenId: REPLAY_TOKEN.tokenId, tokenSecret: REPLAY_TOKEN.secret }, settings: { taskPollMs: 10 } });
  assert.equal(provider.status, 'available');
  await client.providers.sync('pve');
  const image = (await client.images.list({ provider: [provider.id] })).items.find((i) => i.name === 'debian-12-cloud');
  assert.ok(image, 'the cluster template is an image in the inventory');
  const profile = (await client.hardwareProfiles.list({ provider: [provider.id] })).items.find((p) => p.name.startsWith('Proxmox VM'));
  assert.ok(profile);

  const created = await settle(client.instances.create({ providerId: provider.id, name: 'web-1', imageId: image.id, hardwareProfileId: profile.id, tags: { env: 'e2e' } }));
  const id = created.targetId!;
  const running = await client.instances.waitFor(id, ['running'], { timeoutSeconds: 30 });
  assert.equal(running.rawState, 'running');
  assert.equal(running.tags['env'], 'e2e');
  await settle(client.instances.stop(id));
  assert.equal((await client.instances.get(id)).state, 'stopped');
  await settle(client.instances.destroy(id));
  assert.deepEqual(cluster.violations, [], 'every request the broker caused matched a recording');
  assert.equal(cluster.vms().some((vm) => vm.config['name'] === 'web-1'), false, 'the VM is gone from the cluster');
});
