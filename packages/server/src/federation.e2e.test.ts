/**
 * Federation: broker A runs the `skyport` driver against broker B's REST API, both real
 * brokers on loopback. The conformance suite runs against B's `sim` provider through the
 * driver; A's users create and stop instances that live in B; remote errors keep their code
 * and B's request id; and a migration plan moves a VM from A's own sim cloud into B.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClient, type SkyportClient } from '@skyport/client';
import { runConformance } from '@skyport/conformance';
import { skyportDriver } from '@skyport/driver-skyport';
import type { DriverConfig } from '@skyport/core';
import { SkyportError, type Operation } from '@skyport/model';
import { loadConfig, startServer, type RunningServer } from './index.js';

const run = promisify(execFile);
const FAST_SIM = { latencyMs: 1, transitionMs: 150 };
const TUNING = { pollFastMs: 200, pollIdleMs: 1000, operationPollMs: 40, retryBaseDelayMs: 20 };

interface Broker {
  readonly server: RunningServer;
  readonly client: SkyportClient;
  readonly dataDir: string;
}

async function startBroker(label: string): Promise<Broker> {
  const dataDir = await mkdtemp(join(tmpdir(), `skyport-federation-${label}-`));
  const config = loadConfig({
    SKYPORT_DATA_DIR: dataDir,
    SKYPORT_PORT: '0',
    SKYPORT_EC2_PORT: '0',
    SKYPORT_LOG_LEVEL: process.env['E2E_LOG'] ?? 'silent',
    SKYPORT_SEED_SIM: 'false',
    SKYPORT_SEED_LOCAL: 'false',
  });
  const server = await startServer(config, { tuning: TUNING });
  return { server, dataDir, client: createClient({ baseUrl: server.url, token: server.adminToken.token! }) };
}

async function stopBroker(broker: Broker | undefined): Promise<void> {
  if (broker === undefined) return;
  await broker.server.close();
  await rm(broker.dataDir, { recursive: true, force: true });
}

/** Broker B, the remote site: one sim provider `site`. Started once, for every test here. */
let remote: Promise<Broker> | undefined;
function siteB(): Promise<Broker> {
  remote ??= (async () => {
    const broker = await startBroker('b');
    await broker.client.providers.add({ name: 'site', driver: 'sim', region: 'site-1', settings: FAST_SIM });
    await broker.client.providers.sync('site');
    return broker;
  })();
  return remote;
}
after(async () => stopBroker(await remote));

async function driverConfig(overrides: Partial<DriverConfig> = {}): Promise<DriverConfig> {
  const b = await siteB();
  const dataDir = await mkdtemp(join(tmpdir(), 'skyport-federation-driver-'));
  return {
    providerId: 'prv-federated',
    name: 'federated',
    endpoint: b.server.url,
    credentials: { token: b.server.adminToken.token! },
    settings: { remoteProvider: 'site', pollMs: 50 },
    dataDir,
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<SkyportError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SkyportError, `expected a SkyportError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

let conformanceDir = '';
runConformance({
  name: 'skyport (broker B, provider sim)',
  factory: skyportDriver,
  config: async () => {
    const config = await driverConfig();
    conformanceDir = config.dataDir;
    return config;
  },
  timeouts: { stateChangeMs: 15_000, pollMs: 20 },
  cleanup: () => rm(conformanceDir, { recursive: true, force: true }),
});

describe('the skyport driver at its edge', () => {
  test('remote errors keep their code, the remote request id and the remote code as provider code', async () => {
    const config = await driverConfig();
    const driver = skyportDriver.create(config);
    try {
      const error = await rejection(driver.stopInstance('inst-does-not-exist'));
      assert.equal(error.code, 'NotFound');
      assert.equal(error.providerCode, 'NotFound');
      assert.match(error.message, /inst-does-not-exist/);
      assert.match(error.message, new RegExp(`remote broker ${(await siteB()).server.url}`));
      // The request id is B's: B answers the same id in x-request-id for the same kind of request.
      const probe = await fetch(`${(await siteB()).server.url}/api/v1/instances/inst-does-not-exist/stop`, {
        method: 'POST',
        headers: { authorization: `Bearer ${config.credentials['token']}` },
      });
      const probeId = probe.headers.get('x-request-id');
      assert.ok(error.requestId !== undefined && probeId !== null && error.requestId !== probeId);
      assert.equal(error.requestId.length, probeId.length, `request id ${error.requestId} has the shape of B's (${probeId})`);
      assert.equal(((await probe.json()) as { requestId: string }).requestId, probeId);
      assert.equal(await driver.getInstance('inst-does-not-exist'), undefined);
    } finally {
      await driver.close();
      await rm(config.dataDir, { recursive: true, force: true });
    }
  });

  test('a wrong token, an unknown remote provider and an unreachable broker are told apart', async () => {
    const wrongToken = await driverConfig({ credentials: { token: 'skp_wrong' } });
    const unauthenticated = await rejection(skyportDriver.create(wrongToken).testConnection());
    assert.equal(unauthenticated.code, 'Unauthenticated');
    assert.match(unauthenticated.message, /credentials\.token/);
    assert.ok(unauthenticated.requestId, 'the remote request id is kept');

    const unknownProvider = await driverConfig({ settings: { remoteProvider: 'nowhere' } });
    const notThere = await rejection(skyportDriver.create(unknownProvider).testConnection());
    assert.equal(notThere.code, 'InvalidArgument');
    assert.match(notThere.message, /no provider "nowhere"/);

    const unreachable = await driverConfig({ endpoint: 'http://127.0.0.1:9' });
    const down = await rejection(skyportDriver.create(unreachable).listInstances());
    assert.equal(down.code, 'ProviderUnavailable');
    assert.equal(down.retryable, true);
    assert.match(down.message, /cannot be reached/);

    assert.throws(() => skyportDriver.create({ ...unreachable, endpoint: 'ftp://x' }), /must be http/);
    assert.throws(() => skyportDriver.create({ ...unreachable, settings: {} }), /settings\.remoteProvider/);
    for (const c of [wrongToken, unknownProvider, unreachable]) await rm(c.dataDir, { recursive: true, force: true });
  });
});

describe('broker A federates broker B', () => {
  let a: Broker;
  let b: Broker;

  const settle = async (client: SkyportClient, operation: Promise<Operation>): Promise<Operation> => {
    const done = await client.operations.waitFor((await operation).id, { timeoutSeconds: 60 });
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    return done;
  };

  before(async () => {
    b = await siteB();
    a = await startBroker('a');
    await a.client.providers.add({ name: 'home', driver: 'sim', region: 'home-1', settings: FAST_SIM });
    await a.client.providers.add({
      name: 'fed',
      driver: 'skyport',
      endpoint: b.server.url,
      credentials: { token: b.server.adminToken.token! },
      settings: { remoteProvider: 'site', pollMs: 50 },
    });
    await a.client.providers.sync('home');
    await a.client.providers.sync('fed');
  });

  after(() => stopBroker(a));

  test('a provider is not added when the remote refuses the token', async () => {
    const error = await rejection(
      a.client.providers.add({ name: 'fed-bad', driver: 'skyport', endpoint: b.server.url, credentials: { token: 'skp_nope' }, settings: { remoteProvider: 'site' } }),
    );
    // The core refuses the provider (its connection test failed), quoting the remote's refusal.
    assert.equal(error.code, 'InvalidArgument', error.message);
    assert.match(error.message, /refused the token/);
    assert.ok(!(await a.client.providers.list()).some((p) => p.name === 'fed-bad'));
  });

  test("A's inventory shows B's provider, and an instance made through A lives in B", async () => {
    const [image] = (await a.client.images.list({ provider: ['fed'], name: 'debian-12' })).items;
    assert.ok(image, 'B\'s sim images are listed in A');
    const created = await settle(a.client, a.client.instances.create({ providerId: 'fed', name: 'fed-web', imageId: image.id, hardwareProfileId: 'small', tags: { site: 'b' } }));
    const inA = await a.client.instances.get(created.targetId!);
    assert.equal(inA.state, 'running');
    const [inB] = (await b.client.instances.list({ provider: ['site'], name: 'fed-web' })).items;
    assert.ok(inB, 'the instance exists in B');
    assert.equal(inB.state, 'running');
    assert.equal(inB.tags['site'], 'b');
    assert.equal(inB.imageId, (await b.client.images.list({ provider: ['site'], name: 'debian-12' })).items[0]?.id, "B's image id was passed through as the native id");

    await settle(a.client, a.client.instances.stop(inA.id));
    assert.equal((await a.client.instances.get(inA.id)).state, 'stopped');
    assert.equal((await b.client.instances.get(inB.id)).state, 'stopped');
    // B refuses what its own state machine forbids; A passes the refusal on.
    await settle(a.client, a.client.instances.destroy(inA.id));
    assert.equal((await b.client.instances.get(inB.id)).state, 'terminated');
  });

  test('a migration plan moves a VM from A\'s own cloud into B, disk content unchanged', async () => {
    const [homeImage] = (await a.client.images.list({ provider: ['home'], name: 'debian-12' })).items;
    const source = await settle(a.client, a.client.instances.create({ providerId: 'home', name: 'mover', imageId: homeImage!.id, hardwareProfileId: 'small', tags: { app: 'mover' } }));
    const plan = await a.client.migrations.create({ name: 'to-site-b', sourceProviderId: 'home', targetProviderId: 'fed', instanceIds: [source.targetId!] });
    const preflight = await a.client.migrations.preflight(plan.id);
    assert.equal(preflight.ok, true, JSON.stringify(preflight));
    await a.client.migrations.run(plan.id);
    const done = await a.client.migrations.waitFor(plan.id, { timeoutSeconds: 120 });
    const [vm] = done.vms;
    assert.equal(done.status, 'completed', JSON.stringify(done.vms.map((v) => [v.status, v.step, v.error?.message])));
    assert.equal(vm?.status, 'cut-over');

    // In B: the imported image and the running instance, made by A's plan.
    await b.client.providers.sync('site');
    const [image] = (await b.client.images.list({ provider: ['site'], name: `skyport-mig-${vm.id}` })).items;
    assert.ok(image, 'the migrated disk is an image in B');
    assert.equal(image.state, 'available');
    // A's own tag travels under skyport-fed: (B reserves skyport: for itself) and reads back as skyport: in A.
    const targets = (await b.client.instances.list({ provider: ['site'], tags: { 'skyport-fed:migration': vm.id } })).items;
    assert.equal((await a.client.instances.get(vm.targetInstanceId!)).tags['skyport:migration'], vm.id);
    assert.equal(targets.length, 1, 'exactly one instance in B');
    assert.equal(targets[0]!.state, 'running');
    assert.equal(targets[0]!.name, 'mover');
    assert.equal(targets[0]!.tags['app'], 'mover');
    assert.equal((await a.client.instances.get(vm.targetInstanceId!)).state, 'running');
    assert.equal((await a.client.instances.get(source.targetId!)).state, 'stopped', 'the source is kept, stopped');

    // The guest-visible bytes at B are the source disk's (formats differ: qcow2/raw there, VMDK on the way).
    const srcDisks = join(a.dataDir, 'providers', 'home', 'disks');
    const sourceDisk = join(srcDisks, (await readdir(srcDisks)).find((f) => f.startsWith('img-debian-12'))!);
    const siteDisks = join(b.dataDir, 'providers', 'site', 'disks');
    const candidates = (await readdir(siteDisks)).filter((f) => !f.startsWith('img-debian-12') && !f.endsWith('.partial'));
    const same = await Promise.all(
      candidates.map((f) => run('qemu-img', ['compare', sourceDisk, join(siteDisks, f)]).then(() => true, () => false)),
    );
    assert.ok(same.includes(true), `a disk in B (${candidates.join(', ')}) holds the source's content`);
  });
});
