import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DriverConfig } from '@skyport/core';
import { runConformance, waitForInstanceState } from '@skyport/conformance';
import { isSkyportError, type SkyportError } from '@skyport/model';
import { simDriver } from './index.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function simConfig(dataDir: string, settings: Record<string, unknown>, credentials: Record<string, string> = {}): DriverConfig {
  return { providerId: 'prv-test', name: 'sim-test', dataDir, credentials, settings };
}

/** A fresh data folder, removed when the test ends. */
async function dataDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'skyport-sim-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function rejection(promise: Promise<unknown>): Promise<SkyportError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isSkyportError(error), `expected a SkyportError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

let conformanceDir = '';
runConformance({
  name: 'sim',
  factory: simDriver,
  config: async () => {
    conformanceDir = await mkdtemp(join(tmpdir(), 'skyport-sim-conformance-'));
    return simConfig(conformanceDir, { transitionMs: 40, latencyMs: 1, terminatedRetentionMs: 2000 });
  },
  timeouts: { stateChangeMs: 5000, pollMs: 5 },
  cleanup: () => rm(conformanceDir, { recursive: true, force: true }),
});

const SMALL = { imageId: 'img-debian-12', hardwareProfileId: 'small', cpus: 1, memoryMiB: 1024, diskGiB: 20 };

test('a reopened data folder restores everything and continues transitions', async (t) => {
  const dir = await dataDir(t);
  const settings = { transitionMs: 800, latencyMs: 0 };
  const first = simDriver.create(simConfig(dir, settings));
  await first.createKeyPair('persisted-key');
  const volume = await first.createVolume({ name: 'persisted-volume', sizeGiB: 5 });
  await first.updateTags('image', 'img-fedora-41', { set: { golden: 'yes' } });
  const running = await first.createInstance({ ...SMALL, name: 'to-stop' });
  await waitForInstanceState(first, running.nativeId, ['running'], 5000);
  const booting = await first.createInstance({ ...SMALL, name: 'persisted', keyName: 'persisted-key', tags: { env: 'test' } });
  await first.stopInstance(running.nativeId);
  assert.equal(booting.state, 'pending');
  await first.close();

  const second = simDriver.create(simConfig(dir, settings));
  t.after(() => second.close());
  // Both transitions were under way at close; the reopened cloud is still in the middle of them.
  const reopened = await second.getInstance(booting.nativeId);
  assert.equal(reopened?.state, 'pending');
  assert.equal(reopened?.rawState, 'PROVISIONING');
  assert.deepEqual({ ...reopened, addresses: [] }, { ...booting, addresses: [] });
  assert.equal((await second.getInstance(running.nativeId))?.state, 'stopping');
  await waitForInstanceState(second, booting.nativeId, ['running'], 5000, { from: 'pending' });
  await waitForInstanceState(second, running.nativeId, ['stopped'], 5000, { from: 'stopping' });
  assert.deepEqual((await second.listKeyPairs()).map((k) => k.name), ['persisted-key']);
  assert.deepEqual((await second.listVolumes()).map((v) => v.nativeId), [volume.nativeId]);
  assert.equal((await second.listImages()).find((i) => i.nativeId === 'img-fedora-41')?.tags['golden'], 'yes');
  assert.equal((await second.listInstances()).length, 2);
});

test('faults: rates are honoured over 500 calls, repeat with a seed, and carry request ids', async (t) => {
  const dir = await dataDir(t);
  const faults = { errorRate: 0.1, throttleRate: 0.1, timeoutRate: 0.05, retryAfterMs: 250, timeoutMs: 1, seed: 42 };
  const run = async (): Promise<string[]> => {
    const driver = simDriver.create(simConfig(dir, { latencyMs: 0, faults }));
    const outcomes: string[] = [];
    for (let i = 0; i < 500; i++) {
      try {
        await driver.listLocations();
        outcomes.push('ok');
      } catch (error) {
        assert.ok(isSkyportError(error), `a fault must be a SkyportError: ${String(error)}`);
        assert.match(error.requestId ?? '', UUID, 'every fault carries a request id');
        assert.equal(error.details?.['injected'], true);
        if (error.code === 'Throttled') {
          assert.equal(error.retryAfterMs, 250);
          assert.equal(error.providerCode, 'RequestLimitExceeded');
        } else if (error.code === 'ProviderUnavailable') {
          assert.equal(error.providerCode, 'InternalError');
        } else {
          assert.equal(error.code, 'Timeout');
        }
        assert.ok(error.retryable, `${error.code} is retryable`);
        outcomes.push(error.code);
      }
    }
    await driver.close();
    return outcomes;
  };
  const outcomes = await run();
  const count = (code: string): number => outcomes.filter((o) => o === code).length;
  t.diagnostic(`ok ${count('ok')}, ProviderUnavailable ${count('ProviderUnavailable')}, Throttled ${count('Throttled')}, Timeout ${count('Timeout')}`);
  // Expected 50 / 50 / 25 of 500; the bounds are about three standard deviations wide.
  assert.ok(count('ProviderUnavailable') >= 30 && count('ProviderUnavailable') <= 70);
  assert.ok(count('Throttled') >= 30 && count('Throttled') <= 70);
  assert.ok(count('Timeout') >= 10 && count('Timeout') <= 42);
  assert.deepEqual(await run(), outcomes, 'the same seed gives the same sequence');
});

test('every provider error carries a request id and a provider code', async (t) => {
  const driver = simDriver.create(simConfig(await dataDir(t), { latencyMs: 0 }));
  t.after(() => driver.close());
  const error = await rejection(driver.deleteVolume('disk-missing'));
  assert.equal(error.code, 'NotFound');
  assert.equal(error.providerCode, 'Volume.NotFound');
  assert.match(error.requestId ?? '', UUID);
  assert.match(error.message, /disk-missing/);
});

test('requiredApiKey: a missing or wrong key is Unauthenticated, the right one works', async (t) => {
  const dir = await dataDir(t);
  const settings = { latencyMs: 0, requiredApiKey: 'open-sesame' };
  for (const credentials of [{}, { apiKey: 'wrong' }] as Record<string, string>[]) {
    const driver = simDriver.create(simConfig(dir, settings, credentials));
    for (const call of [() => driver.testConnection(), () => driver.listInstances(), () => driver.createKeyPair('k')]) {
      const error = await rejection(call());
      assert.equal(error.code, 'Unauthenticated');
      assert.equal(error.providerCode, 'AuthFailure');
      assert.match(error.requestId ?? '', UUID);
    }
    await driver.close();
  }
  const driver = simDriver.create(simConfig(dir, settings, { apiKey: 'open-sesame' }));
  await driver.testConnection();
  assert.deepEqual(await driver.listKeyPairs(), [], 'rejected calls changed nothing');
  await driver.close();
});

test('100k seeded instances are listed with a mix of states and tags', async (t) => {
  const dir = await dataDir(t);
  const settings = { seedInstances: 100_000, latencyMs: 0, transitionMs: 50 };
  const driver = simDriver.create(simConfig(dir, settings));
  let started = performance.now();
  await driver.testConnection(); // opens the cloud, which seeds it
  const seedMs = performance.now() - started;
  started = performance.now();
  const instances = await driver.listInstances();
  const listMs = performance.now() - started;
  t.diagnostic(`seeding 100k took ${seedMs.toFixed(0)} ms; listInstances at 100k took ${listMs.toFixed(0)} ms`);
  assert.equal(instances.length, 100_000);
  assert.equal(instances[0]?.name, 'sim-000001');
  assert.equal(instances.at(-1)?.name, 'sim-100000');
  const byState = new Map<string, number>();
  for (const i of instances) byState.set(i.state, (byState.get(i.state) ?? 0) + 1);
  assert.equal(byState.get('stopped'), 15_000);
  assert.equal(byState.get('error'), 2_000);
  assert.equal((byState.get('running') ?? 0) + (byState.get('pending') ?? 0), 83_000);
  assert.equal(instances.filter((i) => i.tags['env'] === 'prod').length, 50_000);
  assert.ok(instances.every((i) => i.tags['team'] !== undefined && i.rawState !== ''));
  assert.equal(new Set(instances.map((i) => i.nativeId)).size, 100_000);
  const [defaultGroup] = (await driver.listSecurityGroups?.()) ?? [];
  assert.ok(instances.every((i) => i.securityGroupIds?.length === 1 && i.securityGroupIds[0] === defaultGroup?.nativeId), 'seeded instances are in the default group');
  await driver.close();

  const reopened = simDriver.create(simConfig(dir, settings));
  assert.equal((await reopened.listInstances()).length, 100_000, 'reopening does not seed again');
  await reopened.close();
});
