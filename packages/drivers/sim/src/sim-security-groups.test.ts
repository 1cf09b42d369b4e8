/** The sim's security groups and images from instances, and the upgrade of a sim.db from before them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { CloudDriver, DriverConfig, DriverCreateInstanceRequest } from '@skyport/core';
import { waitForInstanceState } from '@skyport/conformance';
import { isSkyportError, type ErrorCode, type SkyportError } from '@skyport/model';
import { simDriver } from './index.js';
import { SCHEMA_V1 } from './sim-database.js';

const SMALL: DriverCreateInstanceRequest = { name: 'vm', imageId: 'img-debian-12', hardwareProfileId: 'small', cpus: 1, memoryMiB: 1024, diskGiB: 20 };

async function dataDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'skyport-sim-sg-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function config(dir: string, settings: Record<string, unknown> = {}): DriverConfig {
  return { providerId: 'prv-test', name: 'sim', dataDir: dir, credentials: {}, settings: { latencyMs: 0, transitionMs: 30, ...settings } };
}

function open(t: { after(fn: () => Promise<void>): void }, dir: string, settings: Record<string, unknown> = {}): CloudDriver {
  const driver = simDriver.create(config(dir, settings));
  t.after(() => driver.close());
  return driver;
}

async function fails(code: ErrorCode, promise: Promise<unknown>, message?: RegExp): Promise<SkyportError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isSkyportError(error), String(error));
    assert.equal(error.code, code, error.message);
    if (message !== undefined) assert.match(error.message, message);
    return error;
  }
  assert.fail(`expected ${code}`);
}

test('each region has a default group that instances join unless told otherwise; it cannot be deleted', async (t) => {
  const driver = open(t, await dataDir(t));
  const [defaultGroup, ...others] = (await driver.listSecurityGroups?.()) ?? [];
  assert.equal(others.length, 0);
  assert.equal(defaultGroup?.name, 'default');
  assert.deepEqual(defaultGroup?.ingress, []);
  assert.deepEqual(defaultGroup?.egress, [{ protocol: '-1', cidr: '0.0.0.0/0' }]);
  const plain = await driver.createInstance({ ...SMALL, name: 'plain' });
  assert.deepEqual(plain.securityGroupIds, [defaultGroup.nativeId]);
  const error = await fails('InvalidState', driver.deleteSecurityGroup!(defaultGroup.nativeId), /default group/);
  assert.equal(error.providerCode, 'CannotDelete');
});

test('rules are checked, stored canonical, refused whole when one is wrong, and kept across reopening', async (t) => {
  const dir = await dataDir(t);
  const first = simDriver.create(config(dir));
  const group = await first.createSecurityGroup!({ name: 'web', description: 'web servers', tags: { env: 'prod' } });
  await first.authorizeSecurityGroup!(group.nativeId, 'ingress', [
    { protocol: 'tcp', fromPort: 443, toPort: 443, cidr: '0.0.0.0/0' },
    { protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '2001:DB8::/32' },
  ]);
  const wrong = await fails('InvalidArgument', first.authorizeSecurityGroup!(group.nativeId, 'ingress', [{ protocol: 'udp', fromPort: 53, toPort: 53, cidr: '0.0.0.0/0' }, { protocol: 'tcp', fromPort: 9, toPort: 8, cidr: '0.0.0.0/0' }]));
  assert.equal(wrong.details?.['field'], 'rules[1].toPort');
  const duplicate = await fails('AlreadyExists', first.authorizeSecurityGroup!(group.nativeId, 'ingress', [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '2001:db8::/32' }]));
  assert.equal(duplicate.providerCode, 'InvalidPermission.Duplicate');
  await fails('InvalidArgument', first.authorizeSecurityGroup!(group.nativeId, 'sideways' as 'ingress', [{ protocol: '-1', cidr: '0.0.0.0/0' }]), /direction/);
  await fails('AlreadyExists', first.createSecurityGroup!({ name: 'web', description: 'again' }));
  await fails('InvalidArgument', first.createSecurityGroup!({ name: 'sg-lookalike', description: '' }), /sg-/);
  await first.updateTags('securityGroup', group.nativeId, { set: { team: 'edge' } });
  await first.close();

  const second = open(t, dir);
  const reopened = (await second.listSecurityGroups!()).find((g) => g.nativeId === group.nativeId);
  assert.deepEqual(reopened?.ingress, [
    { protocol: 'tcp', fromPort: 443, toPort: 443, cidr: '0.0.0.0/0' },
    { protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '2001:db8::/32' },
  ]);
  assert.deepEqual(reopened?.tags, { env: 'prod', team: 'edge' });
  await second.revokeSecurityGroup!(group.nativeId, 'ingress', [{ protocol: 'tcp', fromPort: 443, toPort: 443, cidr: '0.0.0.0/0' }]);
  assert.equal((await second.listSecurityGroups!()).find((g) => g.nativeId === group.nativeId)?.ingress.length, 1);
});

test('a group in use names the instance; terminated instances no longer count', async (t) => {
  const driver = open(t, await dataDir(t), { terminatedRetentionMs: 60_000 });
  const group = await driver.createSecurityGroup!({ name: 'db', description: 'databases' });
  const instance = await driver.createInstance({ ...SMALL, name: 'db-1', securityGroupIds: [group.nativeId, group.nativeId] });
  assert.deepEqual(instance.securityGroupIds, [group.nativeId], 'a group named twice is joined once');
  const error = await fails('InvalidState', driver.deleteSecurityGroup!(group.nativeId), new RegExp(instance.nativeId));
  assert.equal(error.providerCode, 'DependencyViolation');
  await waitForInstanceState(driver, instance.nativeId, ['running'], 5000);
  await driver.destroyInstance(instance.nativeId);
  await waitForInstanceState(driver, instance.nativeId, ['terminated'], 5000);
  await driver.deleteSecurityGroup!(group.nativeId);
  await fails('NotFound', driver.createInstance({ ...SMALL, name: 'db-2', securityGroupIds: [group.nativeId] }), /security group/);
});

test('an image from a stopped instance is pending, then available; deleting it leaves its instances alone', async (t) => {
  const driver = open(t, await dataDir(t));
  const source = await driver.createInstance({ ...SMALL, name: 'golden' });
  await fails('InvalidState', driver.createImageFromInstance!(source.nativeId, 'too-early'), /stop it first/);
  await waitForInstanceState(driver, source.nativeId, ['running'], 5000);
  await driver.stopInstance(source.nativeId);
  await waitForInstanceState(driver, source.nativeId, ['stopped'], 5000);
  const image = await driver.createImageFromInstance!(source.nativeId, 'golden-v1', { description: 'golden image', tags: { release: '1' } });
  assert.equal(image.state, 'pending');
  assert.equal(image.sizeGiB, 20, "the image is the size of the instance's disk");
  await fails('InvalidState', driver.createInstance({ ...SMALL, name: 'too-soon', imageId: image.nativeId }), /pending/);
  await fails('AlreadyExists', driver.createImageFromInstance!(source.nativeId, 'golden-v1'));
  const deadline = Date.now() + 5000;
  while ((await driver.listImages()).find((i) => i.nativeId === image.nativeId)?.state !== 'available') {
    assert.ok(Date.now() < deadline, 'the image became available');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const child = await driver.createInstance({ ...SMALL, name: 'child', imageId: image.nativeId });
  await waitForInstanceState(driver, child.nativeId, ['running'], 5000);
  await fails('InvalidArgument', driver.deleteImage!('img-debian-12'), /public/);
  await driver.deleteImage!(image.nativeId);
  assert.equal((await driver.listImages()).some((i) => i.nativeId === image.nativeId), false);
  assert.equal((await driver.getInstance(child.nativeId))?.imageId, image.nativeId);
  assert.match(await driver.getConsoleOutput!(child.nativeId), /Linux/, 'the console still knows the deleted image');
  await fails('NotFound', driver.deleteImage!(image.nativeId));
  await fails('NotFound', driver.updateTags('image', image.nativeId, { set: { a: 'b' } }));
  // The name is free again once the image is deregistered, as on EC2.
  const again = await driver.createImageFromInstance!(source.nativeId, 'golden-v1');
  assert.notEqual(again.nativeId, image.nativeId);
});

test('a sim.db from before security groups is upgraded in place and keeps its resources', async (t) => {
  const dir = await dataDir(t);
  const legacy = new Database(join(dir, 'sim.db'));
  legacy.exec(SCHEMA_V1);
  legacy.pragma('user_version = 1');
  // What a version-1 sim left behind: its catalogue, one instance and a key pair.
  legacy.exec(`
    INSERT INTO meta (key, value) VALUES ('region', 'sim-1'), ('createdAt', '2025-01-01T00:00:00.000Z');
    INSERT INTO locations (id, name, kind, parent, available) VALUES ('sim-1', 'sim-1', 'region', NULL, 1), ('sim-1a', 'sim-1a', 'zone', 'sim-1', 1);
    INSERT INTO flavors (id, name, architecture, cpus, memory_mib, disk_gib) VALUES ('small', 'small', 'x86_64', '{"kind":"fixed","value":1}', '{"kind":"fixed","value":1024}', '{"kind":"fixed","value":20}');
    INSERT INTO images (id, name, description, architecture, os, size_gib, state, public, tags, created_at) VALUES ('img-debian-12', 'debian-12', NULL, 'x86_64', 'linux', 2, 'available', 1, '{}', '2024-11-01T00:00:00.000Z');
    INSERT INTO instances (id, name, image_id, flavor_id, cpus, memory_mib, disk_gib, zone, tags, timeline, created_at)
      VALUES ('srv-old', 'old-timer', 'img-debian-12', 'small', 1, 1024, 20, 'sim-1a', '{"env":"prod"}', '[[0,"PROVISIONING"],[1,"SHUTOFF"]]', '2025-01-01T00:00:00.000Z');
    INSERT INTO key_pairs (id, name, fingerprint, public_key, created_at) VALUES ('kp-old', 'old-key', 'SHA256:x', 'ssh-ed25519 AAAA', '2025-01-01T00:00:00.000Z');
  `);
  legacy.close();

  const driver = open(t, dir);
  const groups = await driver.listSecurityGroups!();
  assert.deepEqual(groups.map((g) => g.name), ['default']);
  const old = await driver.getInstance('srv-old');
  assert.equal(old?.state, 'stopped');
  assert.deepEqual(old?.tags, { env: 'prod' });
  assert.deepEqual(old?.securityGroupIds, [groups[0]?.nativeId], 'instances from before groups are in the default group');
  assert.deepEqual((await driver.listKeyPairs()).map((k) => k.name), ['old-key']);
  const image = await driver.createImageFromInstance!('srv-old', 'from-legacy');
  assert.equal(image.state, 'pending');
  await driver.close();

  const check = new Database(join(dir, 'sim.db'), { readonly: true });
  t.after(() => check.close());
  // Upgraded through every later version too (3: disk files).
  assert.equal(check.pragma('user_version', { simple: true }), 3);
});

test('a sim.db newer than this sim is refused with a reason', async (t) => {
  const dir = await dataDir(t);
  const future = new Database(join(dir, 'sim.db'));
  future.pragma('user_version = 99');
  future.close();
  const driver = open(t, dir);
  const error = await fails('ProviderUnavailable', driver.testConnection(), /schema version 99/);
  assert.equal(error.providerCode, 'StorageVersionMismatch');
});
