/**
 * The ec2 driver against Skyport's own EC2 API: the real AWS SDK (inside the driver) talking
 * to a real broker on loopback, which serves a fast `sim` provider. The shared conformance
 * suite runs through both, so the driver and the EC2 front end check each other.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { factoryForProvider, type CreatedAccessKey, type DriverConfig } from '@skyport/core';
import { runConformance } from '@skyport/conformance';
import { ec2Driver } from '@skyport/driver-ec2';
import { isSkyportError, type SkyportError } from '@skyport/model';
import { loadConfig } from './config.js';
import { startServer, type RunningServer } from './start-server.js';

const REGION = 'ec2-door';
/** Fast enough for tests, slow enough that transitional states are seen. */
const SIM = { latencyMs: 1, transitionMs: 150, terminatedRetentionMs: 5_000 };
const TUNING = { pollFastMs: 150, pollIdleMs: 1000, operationPollMs: 40, retryBaseDelayMs: 20 };

interface Door {
  readonly server: RunningServer;
  readonly key: CreatedAccessKey;
  readonly dataDir: string;
}

let door: Door | undefined;

async function openDoor(): Promise<Door> {
  const dataDir = await mkdtemp(join(tmpdir(), 'skyport-ec2-driver-'));
  const config = loadConfig({ SKYPORT_DATA_DIR: dataDir, SKYPORT_PORT: '0', SKYPORT_EC2_PORT: '0', SKYPORT_LOG_LEVEL: 'silent', SKYPORT_SEED_SIM: 'false', SKYPORT_SEED_LOCAL: 'false' });
  const server = await startServer(config, { tuning: TUNING });
  const admin = server.broker.as(server.adminToken.principal);
  await admin.providers.add({ name: REGION, driver: 'sim', region: `${REGION}-1`, settings: SIM });
  await admin.providers.sync(REGION);
  return { server, key: await admin.accessKeys.create(), dataDir };
}

async function closeDoor(): Promise<void> {
  const open = door;
  door = undefined;
  if (open === undefined) return;
  await open.server.close();
  await rm(open.dataDir, { recursive: true, force: true });
}

const SETTINGS = {
  // Skyport's instance types are the provider's hardware profile names, its public images are owned by `amazon`.
  instanceTypes: ['*'],
  imageOwners: ['amazon'],
  // The sim's smallest image has a 2 GiB root; Skyport's EC2 API takes no block device mappings.
  rootDiskGiB: 2,
  // Skyport's EC2 API takes the provider's device names (the sim's are /dev/vdb-/dev/vdz).
  deviceNames: ['b', 'c', 'd', 'e', 'f', 'g'].map((l) => `/dev/vd${l}`),
  maxAttempts: 3,
};

/** How the ec2 driver is configured for Skyport's EC2 API (docs/drivers/ec2.md). */
function driverConfig(open: Door, dataDir: string, credentials: Record<string, string> = { accessKeyId: open.key.accessKeyId, secretAccessKey: open.key.secretAccessKey }): DriverConfig {
  return {
    providerId: 'prv-ec2-test',
    name: 'ec2-test',
    endpoint: open.server.ec2Url,
    region: REGION,
    credentials,
    settings: SETTINGS,
    dataDir,
  };
}

let conformanceDir = '';
runConformance({
  name: 'ec2 against Skyport EC2 API (sim)',
  // Without a bucket the provider has no image import or export; the suite checks they are refused.
  factory: factoryForProvider(ec2Driver, SETTINGS),
  config: async () => {
    door = await openDoor();
    conformanceDir = await mkdtemp(join(tmpdir(), 'skyport-ec2-driver-data-'));
    return driverConfig(door, conformanceDir);
  },
  timeouts: { stateChangeMs: 20_000, pollMs: 100 },
  skip: [],
  cleanup: async () => {
    await closeDoor();
    await rm(conformanceDir, { recursive: true, force: true });
  },
});

async function rejection(promise: Promise<unknown>): Promise<SkyportError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isSkyportError(error), `expected a SkyportError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

describe('ec2 driver against Skyport EC2 API: bad input', () => {
  let open: Door;
  let dataDir: string;
  before(async () => {
    open = await openDoor();
    dataDir = await mkdtemp(join(tmpdir(), 'skyport-ec2-driver-bad-'));
  });
  after(async () => {
    await open?.server.close();
    await rm(open?.dataDir ?? '', { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  });

  test('a wrong secret is Unauthenticated, saying what to check, with the request id', async () => {
    const driver = ec2Driver.create(driverConfig(open, dataDir, { accessKeyId: open.key.accessKeyId, secretAccessKey: 'not-the-secret' }));
    try {
      const error = await rejection(driver.testConnection());
      assert.equal(error.code, 'Unauthenticated');
      assert.equal(error.providerCode, 'AuthFailure');
      assert.match(error.requestId ?? '', /\S/);
      assert.match(error.message, /check the provider's credentials accessKeyId and secretAccessKey/);
    } finally {
      await driver.close();
    }
  });

  test('an unknown access key is Unauthenticated too; a provider without credentials is refused when created', async () => {
    const driver = ec2Driver.create(driverConfig(open, dataDir, { accessKeyId: 'AKSPNOSUCHKEY0000000', secretAccessKey: 'x' }));
    try {
      assert.equal((await rejection(driver.listInstances())).code, 'Unauthenticated');
    } finally {
      await driver.close();
    }
    assert.throws(() => ec2Driver.create(driverConfig(open, dataDir, {})), (e: unknown) => isSkyportError(e) && e.code === 'InvalidArgument' && /accessKeyId and secretAccessKey/.test(e.message));
  });

  test('an unknown instance is NotFound with the provider code and request id; getInstance says undefined', async () => {
    const driver = ec2Driver.create(driverConfig(open, dataDir));
    try {
      const missing = 'i-00000000000000000';
      for (const call of [() => driver.startInstance(missing), () => driver.stopInstance(missing), () => driver.destroyInstance(missing), () => driver.getConsoleOutput!(missing)]) {
        const error = await rejection(call());
        assert.equal(error.code, 'NotFound');
        assert.equal(error.providerCode, 'InvalidInstanceID.NotFound');
        assert.match(error.requestId ?? '', /\S/);
        assert.match(error.message, /i-00000000000000000/);
      }
      assert.equal(await driver.getInstance(missing), undefined);
    } finally {
      await driver.close();
    }
  });

  test('a provider added with the ec2 driver lists the sim behind the EC2 API; its capabilities follow its settings', async () => {
    const admin = open.server.broker.as(open.server.adminToken.principal);
    const provider = await admin.providers.add({
      name: 'via-ec2',
      driver: 'ec2',
      endpoint: open.server.ec2Url,
      region: REGION,
      credentials: { accessKeyId: open.key.accessKeyId, secretAccessKey: open.key.secretAccessKey },
      settings: SETTINGS,
    });
    assert.equal(provider.capabilities.imageImport, undefined, 'no bucket, no image import');
    await admin.providers.sync('via-ec2');
    const profiles = await admin.hardwareProfiles.list({ providerIds: [provider.id] });
    assert.deepEqual(profiles.items.map((p) => p.name).sort(), ['flex', 'medium', 'mem', 'small']);
    await assert.rejects(
      admin.providers.add({ name: 'bad-ec2', driver: 'ec2', endpoint: open.server.ec2Url, region: REGION, credentials: { accessKeyId: open.key.accessKeyId, secretAccessKey: 'wrong' }, settings: SETTINGS }),
      // The broker reports bad credentials of a new provider as a bad field of the request.
      (e: unknown) => isSkyportError(e) && e.code === 'InvalidArgument' && e.details?.['cause'] === 'Unauthenticated' && e.providerCode === 'AuthFailure' && /check the provider's credentials/.test(e.message),
    );
  });
});
