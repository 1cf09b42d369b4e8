/**
 * The driver's handling of Keystone and of OpenStack's error answers, each from a recorded
 * exchange of the API reference: token reuse and renewal, 401 then a fresh token, 404/409/413/
 * 429 mapped to SkyportError with the provider's code and request id, paging, settings.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CloudDriver, DriverConfig } from '@skyport/core';
import { isSkyportError, type SkyportError } from '@skyport/model';
import { faultToError, keystoneRoot, openstackDriver, parseOpenStackSettings } from './index.js';
import { OpenStackReplayCloud, REPLAY_APPLICATION_CREDENTIAL, REPLAY_USER } from './replay/replay-cloud.js';
import { loadExchanges } from './replay/recordings.js';
import { makeSeedImage } from './replay/seed-image.js';

let seed: Buffer;
let dataDir: string;

before(async () => {
  seed = await makeSeedImage();
  dataDir = await mkdtemp(join(tmpdir(), 'skyport-openstack-exchanges-'));
});
after(() => rm(dataDir, { recursive: true, force: true }));

function passwordConfig(cloud: OpenStackReplayCloud, settings: Record<string, unknown> = {}, password: string = REPLAY_USER.password): DriverConfig {
  return {
    providerId: 'prv-os',
    name: 'os-test',
    endpoint: cloud.authUrl,
    region: 'RegionOne',
    credentials: { password },
    settings: { username: REPLAY_USER.username, projectName: REPLAY_USER.projectName, projectDomainId: REPLAY_USER.projectDomainId, imagePollMs: 10, ...settings },
    dataDir,
  };
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

/** A fresh replayed cloud per test, checked for unrecorded or malformed requests at the end. */
async function replay(t: { after(fn: () => Promise<void>): void }, options: { tokenTtlMs?: number } = {}): Promise<OpenStackReplayCloud> {
  const cloud = await OpenStackReplayCloud.start({ seedImageData: seed, transitionMs: 20, ...options });
  t.after(async () => {
    await cloud.close();
    assert.deepEqual(cloud.server.violations, [], 'requests the recordings do not cover');
  });
  return cloud;
}

async function runningServer(driver: CloudDriver, name: string): Promise<string> {
  const created = await driver.createInstance({ name, imageId: '1bea47ed-f6a9-463b-b423-14b9cca9ad27', hardwareProfileId: '1', cpus: 1, memoryMiB: 512, diskGiB: 1 });
  for (let i = 0; i < 100; i++) {
    if ((await driver.getInstance(created.nativeId))?.state === 'running') return created.nativeId;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`server ${created.nativeId} never became ACTIVE`);
}

describe('keystone', () => {
  test('password authentication is scoped to the project and the token is reused', async (t) => {
    const cloud = await replay(t);
    const driver = openstackDriver.create(passwordConfig(cloud));
    await driver.testConnection();
    await driver.listImages();
    await driver.listHardwareProfiles();
    assert.equal(cloud.issued.password, 1, 'one token for all calls');
    const locations = await driver.listLocations();
    assert.deepEqual(locations.map((l) => [l.nativeId, l.kind, l.parent]), [['RegionOne', 'region', undefined], ['nova', 'zone', 'RegionOne']]);
  });

  test('an application credential authenticates without an explicit scope', async (t) => {
    const cloud = await replay(t);
    const driver = openstackDriver.create({
      ...passwordConfig(cloud),
      credentials: { applicationCredentialSecret: REPLAY_APPLICATION_CREDENTIAL.secret },
      settings: { applicationCredentialId: REPLAY_APPLICATION_CREDENTIAL.id },
    });
    const images = await driver.listImages();
    assert.equal(images[0]?.name, 'cirros-0.3.2-x86_64-disk');
    assert.equal(cloud.issued.applicationCredential, 1);
    assert.equal(cloud.issued.password, 0);
  });

  test('a wrong password is Unauthenticated with Keystone request id', async (t) => {
    const cloud = await replay(t);
    const driver = openstackDriver.create(passwordConfig(cloud, {}, 'not-the-password'));
    const error = await rejection(driver.testConnection());
    assert.equal(error.code, 'Unauthenticated');
    assert.equal(error.providerCode, 'Unauthorized');
    assert.equal(error.requestId, 'req-0f3e2b1a-6c4d-4b8e-9f21-5a7c3d2e1b00');
    assert.match(error.message, /user admin/);
  });

  test('a 401 from a service gets a fresh token and the same request again', async (t) => {
    const cloud = await replay(t);
    const driver = openstackDriver.create(passwordConfig(cloud));
    await driver.listHardwareProfiles();
    cloud.revokeTokens();
    const profiles = await driver.listHardwareProfiles();
    assert.equal(profiles.length, 7);
    assert.equal(cloud.server.used.get('identity.error.unauthorized'), 1, 'the service refused the old token once');
    assert.equal(cloud.issued.password, 2, 'then the driver authenticated again');
  });

  test('a token close to expiry is renewed before use', async (t) => {
    // Tokens live 200 s here; the driver renews anything with less than 300 s left.
    const cloud = await replay(t, { tokenTtlMs: 200_000 });
    const driver = openstackDriver.create(passwordConfig(cloud));
    await driver.listHardwareProfiles();
    await driver.listHardwareProfiles();
    assert.equal(cloud.issued.password, 2);
    assert.equal(cloud.server.used.get('identity.error.unauthorized') ?? 0, 0, 'no request went out with a stale token');
  });

  test('a region the catalog lacks is refused, naming the regions it has', async (t) => {
    const cloud = await replay(t);
    const driver = openstackDriver.create({ ...passwordConfig(cloud), region: 'RegionTwo' });
    const error = await rejection(driver.testConnection());
    assert.equal(error.code, 'ProviderUnavailable');
    assert.match(error.message, /no public compute endpoint in region RegionTwo; regions with one: RegionOne/);
  });

  test('the configured interface picks its endpoints from the catalog', async (t) => {
    const cloud = await replay(t);
    for (const [iface, prefix] of [['public', ''], ['internal', '/internal'], ['admin', '/admin']] as const) {
      const driver = openstackDriver.create(passwordConfig(cloud, { interface: iface }));
      await driver.testConnection();
      await driver.listImages();
      await driver.listVolumes();
      await driver.listSecurityGroups?.();
      const seen = cloud.server.log.splice(0).filter((l) => !l.includes('/identity/'));
      assert.deepEqual(seen.map((l) => l.split('?')[0]), [
        `GET ${prefix}/compute/v2.1/flavors`,
        `GET ${prefix}/image/v2/images`,
        `GET ${prefix}/volume/v3/${cloud.projectId}/volumes/detail`,
        `GET ${prefix}/networking/v2.0/security-groups`,
      ], `interface ${iface}`);
    }
  });
});

describe('errors', () => {
  test('404 itemNotFound: getInstance is undefined, actions are NotFound with the compute request id', async (t) => {
    const cloud = await replay(t);
    const driver = openstackDriver.create(passwordConfig(cloud));
    const unknown = '9c8ce1a2-2d2f-4f6e-8f0a-000000000000';
    assert.equal(await driver.getInstance(unknown), undefined);
    const error = await rejection(driver.destroyInstance(unknown));
    assert.equal(error.code, 'NotFound');
    assert.equal(error.providerCode, 'itemNotFound');
    assert.equal(error.requestId, 'req-1f2a3b4c-5d6e-4f7a-8b9c-0d1e2f3a4b5c');
    assert.match(error.message, new RegExp(`Instance ${unknown} could not be found`));
  });

  test('409 conflictingRequest: stopping a stopped server is InvalidState naming the state', async (t) => {
    const cloud = await replay(t);
    const driver = openstackDriver.create(passwordConfig(cloud));
    const id = await runningServer(driver, 'conflict');
    await driver.stopInstance(id);
    assert.equal((await driver.getInstance(id))?.rawState, 'ACTIVE(powering-off)');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal((await driver.getInstance(id))?.state, 'stopped');
    const error = await rejection(driver.stopInstance(id));
    assert.equal(error.code, 'InvalidState');
    assert.equal(error.providerCode, 'conflictingRequest');
    assert.match(error.message, /vm_state stopped/);
  });

  test('429 with Retry-After: a read waits and repeats, a change is Throttled', async (t) => {
    const cloud = await replay(t);
    const driver = openstackDriver.create(passwordConfig(cloud));
    const id = await runningServer(driver, 'throttled');
    cloud.server.inject('GET', '/compute/v2.1/servers/detail', 'compute.error.overLimit');
    const started = Date.now();
    const listed = await driver.listInstances();
    assert.ok(Date.now() - started >= 900, 'the driver waited for Retry-After (1 s)');
    assert.deepEqual(listed.map((i) => i.nativeId), [id]);
    cloud.server.inject('POST', '/compute/v2.1/servers/{server_id}/action', 'compute.error.overLimit');
    const error = await rejection(driver.rebootInstance(id));
    assert.equal(error.code, 'Throttled');
    assert.equal(error.retryable, true);
    assert.equal(error.retryAfterMs, 1000);
    assert.equal(error.providerCode, 'overLimit');
    assert.equal(cloud.server.used.get('compute.error.overLimit'), 2);
  });

  test('413 overLimit without Retry-After is a quota: QuotaExceeded', async (t) => {
    const cloud = await replay(t);
    const driver = openstackDriver.create(passwordConfig(cloud));
    const error = await rejection(driver.createVolume({ name: 'too-big', sizeGiB: 2000 }));
    assert.equal(error.code, 'QuotaExceeded');
    assert.equal(error.providerCode, 'overLimit');
    assert.match(error.message, /exceeds allowed gigabytes quota/);
    assert.equal(error.requestId, 'req-1f2a3b4c-5d6e-4f7a-8b9c-0d1e2f3a4b5c');
  });

  test('NeutronError: unknown and in-use security groups', async (t) => {
    const cloud = await replay(t);
    const driver = openstackDriver.create(passwordConfig(cloud));
    const unknown = await rejection(driver.deleteSecurityGroup?.('85cc3048-0000-43cc-89b3-377341426ac5') ?? Promise.resolve());
    assert.equal(unknown.code, 'NotFound');
    assert.equal(unknown.providerCode, 'SecurityGroupNotFound');
    assert.equal(unknown.requestId, 'req-9b0c1d2e-3f4a-4b5c-6d7e-8f9a0b1c2d3e');
    const group = await driver.createSecurityGroup?.({ name: 'web', description: 'web servers' });
    assert.ok(group);
    assert.deepEqual(group.egress, [{ protocol: '-1', cidr: '0.0.0.0/0' }, { protocol: '-1', cidr: '::/0' }], 'Neutron adds the allow-all egress rules');
    await driver.createInstance({ name: 'in-group', imageId: '1bea47ed-f6a9-463b-b423-14b9cca9ad27', hardwareProfileId: '1', cpus: 1, memoryMiB: 512, diskGiB: 1, securityGroupIds: [group.nativeId] });
    const inUse = await rejection(driver.deleteSecurityGroup?.(group.nativeId) ?? Promise.resolve());
    assert.equal(inUse.code, 'InvalidState');
    assert.equal(inUse.providerCode, 'SecurityGroupInUse');
    const duplicate = await rejection(driver.createSecurityGroup?.({ name: 'web', description: 'again' }) ?? Promise.resolve());
    assert.equal(duplicate.code, 'AlreadyExists');
    await driver.authorizeSecurityGroup?.(group.nativeId, 'ingress', [{ protocol: 'tcp', fromPort: 443, toPort: 443, cidr: '0.0.0.0/0' }]);
    const exists = await rejection(driver.authorizeSecurityGroup?.(group.nativeId, 'ingress', [{ protocol: 'tcp', fromPort: 443, toPort: 443, cidr: '0.0.0.0/0' }]) ?? Promise.resolve());
    assert.equal(exists.code, 'AlreadyExists');
    assert.equal(exists.providerCode, 'SecurityGroupRuleExists');
  });

  test("Glance's HTML 404 is NotFound with its text", async (t) => {
    const cloud = await replay(t);
    const driver = openstackDriver.create(passwordConfig(cloud));
    const error = await rejection(driver.deleteImage?.('1bea47ed-0000-463b-b423-14b9cca9ad27') ?? Promise.resolve());
    assert.equal(error.code, 'NotFound');
    assert.match(error.message, /No image found with ID 1bea47ed-0000-463b-b423-14b9cca9ad27/);
    assert.equal(error.requestId, 'req-3f4a5b6c-7d8e-4f9a-0b1c-2d3e4f5a6b7c');
  });

  test('every recorded error body maps to the code its status means', () => {
    const expected: Record<number, string[]> = { 400: ['InvalidArgument'], 401: ['Unauthenticated'], 404: ['NotFound'], 409: ['InvalidState', 'AlreadyExists'], 413: ['QuotaExceeded'], 429: ['Throttled'] };
    const errors = [...loadExchanges().values()].filter((e) => e.request.path === '*');
    assert.ok(errors.length >= 10);
    for (const e of errors) {
      const text = e.response.text ?? JSON.stringify(e.response.body);
      const retryAfter = e.response.headers['retry-after'];
      const error = faultToError({ status: e.response.status, text, requestId: 'req-x', retryAfterMs: retryAfter === undefined ? undefined : Number(retryAfter) * 1000, call: 'GET x', what: 'x' });
      assert.ok(expected[e.response.status]?.includes(error.code), `${e.id}: ${e.response.status} became ${error.code}`);
      assert.ok(!error.message.includes('{'), `${e.id}: the message shows the fault's text, not its JSON: ${error.message}`);
      assert.equal(error.requestId, 'req-x');
    }
  });
});

describe('paging and records', () => {
  test('lists follow next links page by page', async (t) => {
    const cloud = await replay(t);
    const driver = openstackDriver.create(passwordConfig(cloud, { pageSize: 2 }));
    for (let i = 0; i < 5; i++) await driver.importKeyPair(`key-${i}`, 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDx8nkQv/zgGgB4rMYmIf+6A4l6Rr+o/6lHBQdW5aYd44bd8JttDCE/F/pNRr0lRE+PiqSPO8nDPHw0010JeMH9gYgnnFlyY3/OcJ02RhIPyyxYpv9FhY+2YiUkpwFOcLImyrxEsYXpD/0d3ac30bNH6Sw9JD9UZHYcpSxsIbECHw== Generated-by-Nova');
    const keys = await driver.listKeyPairs();
    assert.deepEqual(keys.map((k) => k.name), ['key-0', 'key-1', 'key-2', 'key-3', 'key-4']);
    assert.equal(keys[0]?.fingerprint, '1e:2c:9b:56:79:4b:45:77:f9:ca:7a:98:2c:b0:d5:3c', 'the fingerprint the reference shows for its example key');
    const pages = cloud.server.log.filter((l) => l.startsWith('GET /compute/v2.1/os-keypairs?'));
    assert.deepEqual(pages, ['GET /compute/v2.1/os-keypairs?limit=2', 'GET /compute/v2.1/os-keypairs?limit=2&marker=key-1', 'GET /compute/v2.1/os-keypairs?limit=2&marker=key-3']);
    const flavors = await driver.listHardwareProfiles();
    assert.equal(flavors.length, 7);
    assert.deepEqual(flavors[0], { nativeId: '1', name: 'm1.tiny', architecture: 'x86_64', cpus: { kind: 'fixed', value: 1 }, memoryMiB: { kind: 'fixed', value: 512 }, diskGiB: { kind: 'fixed', value: 1 } });
  });

  test('a server shows its flavor, image, state and addresses as Nova reports them', async (t) => {
    const cloud = await replay(t);
    const driver = openstackDriver.create(passwordConfig(cloud));
    const created = await driver.createInstance({ name: 'web-1', imageId: '1bea47ed-f6a9-463b-b423-14b9cca9ad27', hardwareProfileId: '1', cpus: 1, memoryMiB: 512, diskGiB: 1, userData: '#!/bin/sh\necho hi\n', tags: { env: 'test' } });
    assert.equal(created.state, 'pending');
    assert.equal(created.rawState, 'BUILD(spawning)');
    assert.deepEqual(created.addresses, []);
    const id = await runningServer(driver, 'web-2');
    const running = await driver.getInstance(id);
    assert.deepEqual(running?.addresses, [{ kind: 'private', address: '192.168.1.30' }]);
    assert.equal(running?.hardwareProfileId, '1', 'the flavor id, found from the name microversion 2.73 reports');
    assert.equal(running?.locationId, 'nova');
    const sent = cloud.servers.get(created.nativeId)?.userData;
    assert.equal(Buffer.from(sent ?? '', 'base64').toString(), '#!/bin/sh\necho hi\n', 'user data is sent base64-encoded');
    assert.equal(await driver.getConsoleOutput?.(id), 'FAKE CONSOLE OUTPUT\nANOTHER\nLAST LINE');
  });
});

describe('settings', () => {
  const base: DriverConfig = { providerId: 'p', name: 'n', endpoint: 'https://keystone.example.com:5000', credentials: { password: 'x' }, settings: { username: 'u', projectName: 'p' }, dataDir: '/tmp' };

  test('the Keystone URL is normalized to its /v3 root', () => {
    assert.equal(keystoneRoot('https://keystone.example.com:5000'), 'https://keystone.example.com:5000/v3');
    assert.equal(keystoneRoot('https://cloud.example.com/identity/v3/'), 'https://cloud.example.com/identity/v3');
    assert.equal(parseOpenStackSettings(base).interface, 'public');
  });

  test('bad settings are refused when the provider is added, naming the field', () => {
    const refused = (config: DriverConfig, field: string) => {
      assert.throws(() => openstackDriver.create(config), (e: unknown) => isSkyportError(e) && e.code === 'InvalidArgument' && e.details?.['field'] === field);
    };
    refused({ ...base, endpoint: undefined }, 'endpoint');
    refused({ ...base, endpoint: 'ftp://x' }, 'endpoint');
    refused({ ...base, credentials: {} }, 'username');
    refused({ ...base, settings: { username: 'u' } }, 'projectName');
    refused({ ...base, settings: { ...base.settings, interface: 'private' } }, 'interface');
    refused({ ...base, settings: { ...base.settings, applicationCredentialId: 'id' } }, 'applicationCredentialId');
    refused({ ...base, settings: { ...base.settings, pagesize: 10 } }, 'pagesize');
  });
});
