/**
 * What the conformance suite does not look at: session handling (one login reused, a new one
 * after SESSION_INVALID, logout on close), XAPI error arrays mapped to SkyportErrors with the
 * XAPI code, settings refused with a reason, and the exact calls behind a create.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DriverConfig } from '@skyport/core';
import { SkyportError } from '@skyport/model';
import { xenDriver, type XenCloudDriver } from './index.js';
import { REPLAY_USER, XapiReplay } from './replay/xapi-replay.js';
import { tagChange, tagsOf } from './xapi-records.js';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('xen driver against the replayed pool', () => {
  let replay: XapiReplay;
  let dataDir: string;
  const config = (overrides: Partial<DriverConfig> = {}): DriverConfig => ({
    providerId: 'prv-xen',
    name: 'xcp-lab',
    endpoint: replay.url,
    credentials: { username: REPLAY_USER.username, password: REPLAY_USER.password },
    settings: {},
    dataDir,
    ...overrides,
  });

  before(async () => {
    replay = await XapiReplay.start({ transitionMs: 20 });
    dataDir = await mkdtemp(join(tmpdir(), 'skyport-xen-test-'));
  });
  after(async () => {
    await replay.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('logs in once, reuses the session and logs out on close', async () => {
    const driver = xenDriver.create(config()) as XenCloudDriver;
    await driver.testConnection();
    await driver.listInstances();
    await driver.listImages();
    assert.equal(driver.client.logins, 1);
    const before = replay.log.filter((m) => m === 'session.logout').length;
    await driver.close();
    assert.equal(replay.log.filter((m) => m === 'session.logout').length, before + 1);
  });

  it('logs in again when the pool answers SESSION_INVALID, and the call succeeds', async () => {
    const driver = xenDriver.create(config()) as XenCloudDriver;
    try {
      await driver.testConnection();
      replay.expireSessions();
      const locations = await driver.listLocations();
      assert.equal(locations[0]?.name, 'xcp-lab');
      assert.equal(driver.client.logins, 2);
      assert.ok((replay.failures.get('SESSION_INVALID') ?? 0) >= 1, 'the pool refused the old session first');
    } finally {
      await driver.close();
    }
  });

  it('a wrong password is Unauthenticated with the XAPI code', async () => {
    const driver = xenDriver.create(config({ credentials: { username: 'root', password: 'wrong' } }));
    try {
      await assert.rejects(driver.testConnection(), (error: unknown) => {
        assert.ok(error instanceof SkyportError);
        assert.equal(error.code, 'Unauthenticated');
        assert.equal(error.providerCode, 'SESSION_AUTHENTICATION_FAILED');
        assert.match(error.message, /refused the username or password/);
        assert.ok(error.requestId, 'the JSON-RPC call id is kept as the request id');
        return true;
      });
    } finally {
      await driver.close();
    }
  });

  it('an unreachable pool is ProviderUnavailable', async () => {
    const driver = xenDriver.create(config({ endpoint: 'http://127.0.0.1:9' }));
    try {
      await assert.rejects(driver.testConnection(), (error: unknown) => error instanceof SkyportError && error.code === 'ProviderUnavailable' && /cannot reach/.test(error.message));
    } finally {
      await driver.close();
    }
  });

  it('settings are checked when the provider is added', () => {
    const refused = (overrides: Partial<DriverConfig>, pattern: RegExp) =>
      assert.throws(() => xenDriver.create(config(overrides)), (error: unknown) => error instanceof SkyportError && error.code === 'InvalidArgument' && pattern.test(error.message));
    refused({ endpoint: undefined }, /needs an endpoint/);
    refused({ endpoint: 'ftp://pool' }, /must use https/);
    refused({ credentials: {} }, /credentials username and password/);
    refused({ settings: { colour: 'blue' } }, /unknown setting colour/);
    refused({ settings: { requestTimeoutMs: 0 } }, /requestTimeoutMs must be an integer/);
  });

  it('a create clones the template, sizes the copy and starts it asynchronously', async () => {
    const driver = xenDriver.create(config({ settings: { network: 'Pool-wide network associated with eth0' } }));
    try {
      const image = (await driver.listImages()).find((i) => i.name === 'debian-12-base');
      assert.ok(image, 'the custom template is an image; the built-in install template is not');
      assert.equal((await driver.listImages()).some((i) => i.name === 'Other install media'), false);
      const start = replay.log.length;
      const created = await driver.createInstance({ name: 'web-1', imageId: image.nativeId, hardwareProfileId: 'xen-vm', cpus: 2, memoryMiB: 2048, diskGiB: 12, tags: { team: 'ops' } });
      const calls = replay.log.slice(start);
      for (const method of ['VM.clone', 'VM.provision', 'VM.set_is_a_template', 'VM.set_VCPUs_max', 'VM.set_VCPUs_at_startup', 'VM.set_memory_limits', 'VDI.resize', 'VIF.create', 'VM.add_tags', 'Async.VM.start']) {
        assert.ok(calls.includes(method), `${method} was called`);
      }
      assert.ok(calls.indexOf('VM.set_VCPUs_max') < calls.indexOf('VM.set_VCPUs_at_startup'), 'growing vCPUs raises the maximum first');
      assert.equal(created.state, 'pending');
      assert.deepEqual([created.cpus, created.memoryMiB, created.diskGiB], [2, 2048, 12]);
      assert.equal(created.tags['team'], 'ops');
      const vm = replay.records('VM').find((r) => r.uuid === created.nativeId);
      assert.deepEqual(vm?.['tags'], ['team=ops'], 'tags are XAPI tags key=value; the template tags are not inherited');
      assert.equal((vm?.['VIFs'] as string[]).length, 1);
      await driver.destroyInstance(created.nativeId);
      assert.equal(await driver.getInstance(created.nativeId), undefined);
      assert.equal(replay.records('VDI').filter((v) => v['name_label'] === 'debian-12-base root').length, 1, 'the clone of the root disk went with the VM');
    } finally {
      await driver.close();
    }
  });

  it('XAPI errors become SkyportErrors naming the XAPI code', async () => {
    const driver = xenDriver.create(config());
    try {
      await assert.rejects(driver.startInstance(UNKNOWN), (error: unknown) => error instanceof SkyportError && error.code === 'NotFound' && error.providerCode === 'UUID_INVALID');
      assert.equal(await driver.getInstance(UNKNOWN), undefined);
      await assert.rejects(driver.createInstance({ name: 'too-big', imageId: (await driver.listImages())[0]?.nativeId ?? '', hardwareProfileId: 'xen-vm', cpus: 64, memoryMiB: 1024, diskGiB: 10 }), (error: unknown) =>
        error instanceof SkyportError && error.code === 'InvalidArgument' && /cpus 64 is outside hardware profile xen-vm: allowed 1\.\.32/.test(error.message),
      );
      await assert.rejects(driver.createInstance({ name: 'small-disk', imageId: (await driver.listImages())[0]?.nativeId ?? '', hardwareProfileId: 'xen-vm', cpus: 1, memoryMiB: 1024, diskGiB: 1 }), (error: unknown) =>
        error instanceof SkyportError && error.code === 'InvalidArgument' && /smaller than image/.test(error.message),
      );
      assert.equal(replay.records('VM').some((vm) => vm['name_label'] === 'small-disk' || vm['name_label'] === 'too-big'), false, 'a refused create leaves nothing');
    } finally {
      await driver.close();
    }
  });

  it('a volume is a VDI of the requested size; deleting it twice is NotFound', async () => {
    const driver = xenDriver.create(config());
    try {
      const volume = await driver.createVolume({ name: 'data-1', sizeGiB: 1 });
      const vdi = replay.records('VDI').find((v) => v.uuid === volume.nativeId);
      assert.equal(vdi?.['virtual_size'], 1024 ** 3);
      await driver.deleteVolume(volume.nativeId);
      await assert.rejects(driver.deleteVolume(volume.nativeId), (error: unknown) => error instanceof SkyportError && error.code === 'NotFound');
    } finally {
      await driver.close();
    }
  });

  it('the replay saw only documented calls', () => {
    assert.deepEqual(replay.violations, []);
  });
});

describe('XAPI tags as key=value', () => {
  it('reads plain tags as keys with empty values', () => {
    assert.deepEqual(tagsOf(['env=prod', 'backup', 'note=a=b']), { env: 'prod', backup: '', note: 'a=b' });
  });

  it('replaces a key by removing its old tag and adding the new one', () => {
    assert.deepEqual(tagChange(['env=prod', 'team=ops'], { set: { env: 'dev' }, remove: ['team'] }), { remove: ['env=prod', 'team=ops'], add: ['env=dev'], result: { env: 'dev' } });
    assert.deepEqual(tagChange(['env=prod'], { set: { env: 'prod' } }), { remove: [], add: [], result: { env: 'prod' } });
  });
});
