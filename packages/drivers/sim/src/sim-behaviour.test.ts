/** The sim behaving like a real cloud: validation, error wording, retention, console, settings. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CloudDriver, DriverCreateInstanceRequest } from '@skyport/core';
import { waitForInstanceState, waitForVolumeState } from '@skyport/conformance';
import { canTransition, isSkyportError, type ErrorCode, type InstanceState, type SkyportError } from '@skyport/model';
import { simDriver } from './index.js';

const SMALL: DriverCreateInstanceRequest = { name: 'vm', imageId: 'img-debian-12', hardwareProfileId: 'small', cpus: 1, memoryMiB: 1024, diskGiB: 20 };

async function openSim(t: { after(fn: () => Promise<void>): void }, settings: Record<string, unknown> = {}): Promise<CloudDriver> {
  const dir = await mkdtemp(join(tmpdir(), 'skyport-sim-'));
  const driver = simDriver.create({ providerId: 'prv-test', name: 'sim', dataDir: dir, credentials: {}, settings: { latencyMs: 0, transitionMs: 30, ...settings } });
  t.after(async () => {
    await driver.close();
    await rm(dir, { recursive: true, force: true });
  });
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

test('raw states are the sim dialect, normalized beside them', async (t) => {
  const sim = await openSim(t);
  const created = await sim.createInstance(SMALL);
  assert.deepEqual([created.state, created.rawState], ['pending', 'PROVISIONING']);
  const running = await waitForInstanceState(sim, created.nativeId, ['running'], 2000);
  assert.deepEqual([running?.state, running?.rawState], ['running', 'ACTIVE']);
  assert.ok(running?.addresses.some((a) => a.kind === 'public'), 'a running instance has a public address');
});

test('wrong-state actions name the current and the allowed states', async (t) => {
  const sim = await openSim(t);
  const { nativeId } = await sim.createInstance(SMALL);
  const error = await fails('InvalidState', sim.startInstance(nativeId), /it is pending \(PROVISIONING\); start is allowed only when it is stopped, error/);
  assert.equal(error.providerCode, 'IncorrectState');
  assert.deepEqual(error.details?.['allowedStates'], ['stopped', 'error']);
  await fails('InvalidState', sim.rebootInstance(nativeId), /reboot is allowed only when it is running/);
});

test('requests are validated like a real cloud, naming what was wrong', async (t) => {
  const sim = await openSim(t);
  const notFound = async (request: Partial<DriverCreateInstanceRequest>, field: string, id: string) => {
    const error = await fails('NotFound', sim.createInstance({ ...SMALL, ...request }), new RegExp(id));
    assert.equal(error.details?.['field'], field);
  };
  await notFound({ imageId: 'img-plan9' }, 'imageId', 'img-plan9');
  await notFound({ hardwareProfileId: 'huge' }, 'hardwareProfileId', 'huge');
  await notFound({ locationId: 'mars-1a' }, 'locationId', 'mars-1a');
  await notFound({ keyName: 'nobody' }, 'keyName', 'nobody');
  await fails('InvalidArgument', sim.createInstance({ ...SMALL, cpus: 2 }), /cpus 2 is not allowed by flavor small: it must be exactly 1/);
  const flex = { hardwareProfileId: 'flex', cpus: 2, memoryMiB: 700, diskGiB: 40 };
  await fails('InvalidArgument', sim.createInstance({ ...SMALL, ...flex }), /memoryMiB 700 .* 512\.\.65536 in steps of 512/);
  await fails('InvalidArgument', sim.createInstance({ ...SMALL, imageId: 'img-windows-2022' }), /at least 30 GiB/);
  await fails('InvalidArgument', sim.createInstance({ ...SMALL, tags: { 'sim:owner': 'me' } }), /reserved prefix/);
  await fails('InvalidArgument', sim.createInstance({ ...SMALL, userData: 'x'.repeat(20_000) }), /user data/);
  const inRegion = await sim.createInstance({ ...SMALL, locationId: 'sim-1' });
  assert.equal(inRegion.locationId, 'sim-1a', 'a region places the instance in its first zone');
  await sim.createKeyPair('ops');
  await fails('AlreadyExists', sim.importKeyPair('ops', (await sim.createKeyPair('other')).keyPair.publicKey ?? ''), /"ops" already exists/);
  await fails('InvalidArgument', sim.importKeyPair('bad', 'ssh-rsa AAAAB3NzaC1yc2E='), /not an OpenSSH public key \(the key data is truncated/);
  await fails('InvalidArgument', sim.importKeyPair('bad', 'ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIGnqQq6GZ5rq2PoZAXvHqN8X0mXB7+ZyOrbzKDlxS0ZA'), /does not match its type/);
});

test('generated key pairs are real OpenSSH keys with matching fingerprints', async (t) => {
  const sim = await openSim(t);
  const { keyPair, privateKey } = await sim.createKeyPair('real');
  assert.match(privateKey, /^-----BEGIN OPENSSH PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+\n-----END OPENSSH PRIVATE KEY-----\n$/);
  assert.match(keyPair.publicKey ?? '', /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]+=* real$/);
  const imported = await sim.importKeyPair('again', keyPair.publicKey ?? '');
  assert.equal(imported.fingerprint, keyPair.fingerprint);
  assert.match(keyPair.fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
});

test('a destroy during a stop takes over at once: shutting-down, then terminated', async (t) => {
  const sim = await openSim(t, { transitionMs: 200 });
  const { nativeId } = await sim.createInstance(SMALL);
  await waitForInstanceState(sim, nativeId, ['running'], 2000);
  await sim.stopInstance(nativeId);
  assert.equal((await sim.getInstance(nativeId))?.state, 'stopping');
  await sim.destroyInstance(nativeId);
  const seen: InstanceState[] = ['stopping'];
  await waitForInstanceState(sim, nativeId, ['terminated'], 2000, { pollMs: 2, onObserve: (i) => i && seen.at(-1) !== i.state && seen.push(i.state) });
  await fails('InvalidState', sim.startInstance(nativeId), /terminated/);
  assert.deepEqual(seen, ['stopping', 'shutting-down', 'terminated']);
  for (let i = 1; i < seen.length; i++) assert.ok(canTransition(seen[i - 1]!, seen[i]!));
});

test('terminated instances stay visible for terminatedRetentionMs, then disappear', async (t) => {
  const sim = await openSim(t, { terminatedRetentionMs: 300 });
  const { nativeId } = await sim.createInstance(SMALL);
  await sim.destroyInstance(nativeId);
  const terminated = await waitForInstanceState(sim, nativeId, ['terminated'], 2000);
  assert.equal(terminated?.rawState, 'DELETED');
  assert.equal((await sim.listInstances()).find((i) => i.nativeId === nativeId)?.state, 'terminated');
  await fails('InvalidState', sim.destroyInstance(nativeId));
  await sleep(350);
  assert.equal(await sim.getInstance(nativeId), undefined);
  assert.equal((await sim.listInstances()).length, 0);
  await fails('NotFound', sim.destroyInstance(nativeId));
});

test('volumes: zones must match, and a destroyed instance releases its volumes', async (t) => {
  const sim = await openSim(t);
  const instance = await sim.createInstance({ ...SMALL, locationId: 'sim-1a' });
  await waitForInstanceState(sim, instance.nativeId, ['running'], 2000);
  const elsewhere = await sim.createVolume({ name: 'far', sizeGiB: 1, locationId: 'sim-1b' });
  await waitForVolumeState(sim, elsewhere.nativeId, ['available'], 2000);
  await fails('InvalidArgument', sim.attachVolume(elsewhere.nativeId, instance.nativeId), /same zone/);
  const near = await sim.createVolume({ name: 'near', sizeGiB: 1, locationId: 'sim-1a' });
  await fails('InvalidState', sim.attachVolume(near.nativeId, instance.nativeId), /it is creating/);
  await waitForVolumeState(sim, near.nativeId, ['available'], 2000);
  await sim.attachVolume(near.nativeId, instance.nativeId);
  const inUse = await waitForVolumeState(sim, near.nativeId, ['in-use'], 2000);
  assert.deepEqual(inUse?.attachment, { instanceId: instance.nativeId, device: '/dev/vdb' });
  await fails('InvalidState', sim.deleteVolume(near.nativeId), /delete is allowed only when it is available, error/);
  await sim.destroyInstance(instance.nativeId);
  const released = await waitForVolumeState(sim, near.nativeId, ['available'], 2000);
  assert.equal(released?.attachment, undefined);
});

test('console output grows as the instance lives', async (t) => {
  const sim = await openSim(t, { transitionMs: 60 });
  const { nativeId } = await sim.createInstance({ ...SMALL, name: 'Web Server 1' });
  await waitForInstanceState(sim, nativeId, ['running'], 2000);
  const booted = await sim.getConsoleOutput!(nativeId);
  assert.match(booted, /Linux version/);
  assert.match(booted, /web-server-1 login: $/);
  await sim.rebootInstance(nativeId);
  await waitForInstanceState(sim, nativeId, ['running'], 2000, { from: 'rebooting' });
  const rebooted = await sim.getConsoleOutput!(nativeId);
  assert.ok(rebooted.startsWith(booted), 'the log only grows');
  assert.match(rebooted, /reboot: Restarting system/);
});

test('settings are validated when the provider is created', () => {
  const create = (settings: Record<string, unknown>) => () => simDriver.create({ providerId: 'p', name: 'n', dataDir: '/nonexistent', credentials: {}, settings });
  assert.throws(create({ latencyMS: 5 }), /sim setting latencyMS .* must be one of the known settings \(latencyMs, /);
  assert.throws(create({ faults: { errorRate: 0.7, throttleRate: 0.5 } }), /add up to at most 1/);
  assert.throws(create({ faults: { errorRate: 2 } }), /faults\.errorRate = 2/);
  assert.throws(create({ seedInstances: 1.5 }), /whole number/);
});

test('a closed driver refuses calls, and closing twice is harmless', async (t) => {
  const sim = await openSim(t);
  await sim.testConnection();
  await sim.close();
  await sim.close();
  await fails('Internal', sim.listInstances(), /closed sim driver/);
});
