/**
 * A real OpenStack client against the same replay: Debian's `openstack` CLI (python-openstackclient
 * with keystoneauth and openstacksdk) discovers versions, authenticates and lists what the driver
 * created. Its requests must match the recordings too, which shows they are what real clients
 * send and accept.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { openstackDriver } from './index.js';
import { OpenStackReplayCloud, REPLAY_USER } from './replay/replay-cloud.js';
import { makeSeedImage } from './replay/seed-image.js';

const OPENSTACK_CLI = '/usr/bin/openstack';

let cloud: OpenStackReplayCloud;
let home: string;

before(async () => {
  cloud = await OpenStackReplayCloud.start({ seedImageData: await makeSeedImage(), transitionMs: 20 });
  home = await mkdtemp(join(tmpdir(), 'skyport-openstack-cli-'));
});
after(async () => {
  await cloud.close();
  await rm(home, { recursive: true, force: true });
});

/** Runs the CLI asynchronously: the replay answers from this same process. */
async function openstack(...args: string[]): Promise<unknown> {
  const { stdout } = await promisify(execFile)(
    OPENSTACK_CLI,
    [
      '--os-auth-url', cloud.authUrl,
      '--os-username', REPLAY_USER.username,
      '--os-password', REPLAY_USER.password,
      '--os-project-name', REPLAY_USER.projectName,
      '--os-user-domain-name', REPLAY_USER.userDomainName,
      '--os-project-domain-id', REPLAY_USER.projectDomainId,
      '--os-region-name', 'RegionOne',
      '--os-compute-api-version', '2.73',
      ...args,
      '-f', 'json',
    ],
    // No OS_* variables or clouds.yaml of the machine may leak in.
    { env: { PATH: '/usr/bin:/bin', HOME: home }, encoding: 'utf8', timeout: 60_000 },
  );
  return JSON.parse(stdout);
}

test('openstack flavor list shows the flavors the driver lists as hardware profiles', async () => {
  const driver = openstackDriver.create({
    providerId: 'p', name: 'cli', endpoint: cloud.authUrl, region: 'RegionOne', dataDir: home,
    credentials: { password: REPLAY_USER.password },
    settings: { username: REPLAY_USER.username, projectName: REPLAY_USER.projectName, projectDomainId: REPLAY_USER.projectDomainId },
  });
  const profiles = await driver.listHardwareProfiles();
  const flavors = (await openstack('flavor', 'list')) as { ID: string; Name: string; RAM: number; VCPUs: number; Disk: number }[];
  assert.deepEqual(
    flavors.map((f) => [f.ID, f.Name, f.VCPUs, f.RAM, f.Disk]),
    profiles.map((p) => [p.nativeId, p.name, p.cpus.kind === 'fixed' ? p.cpus.value : 0, p.memoryMiB.kind === 'fixed' ? p.memoryMiB.value : 0, p.diskGiB.kind === 'fixed' ? p.diskGiB.value : 0]),
  );
  assert.deepEqual(cloud.server.violations, []);
});

test('openstack server list shows a server the driver created', async () => {
  const driver = openstackDriver.create({
    providerId: 'p', name: 'cli', endpoint: cloud.authUrl, region: 'RegionOne', dataDir: home,
    credentials: { password: REPLAY_USER.password },
    settings: { username: REPLAY_USER.username, projectName: REPLAY_USER.projectName, projectDomainId: REPLAY_USER.projectDomainId },
  });
  const created = await driver.createInstance({ name: 'cli-visible', imageId: '1bea47ed-f6a9-463b-b423-14b9cca9ad27', hardwareProfileId: '1', cpus: 1, memoryMiB: 512, diskGiB: 1, tags: { team: 'infra' } });
  for (let i = 0; i < 100 && (await driver.getInstance(created.nativeId))?.state !== 'running'; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  const servers = (await openstack('server', 'list')) as { ID: string; Name: string; Status: string; Networks: unknown; Flavor: string }[];
  assert.equal(servers.length, 1);
  const [server] = servers;
  assert.equal(server?.ID, created.nativeId);
  assert.equal(server?.Name, 'cli-visible');
  assert.equal(server?.Status, 'ACTIVE');
  assert.equal(server?.Flavor, 'm1.tiny');
  assert.match(JSON.stringify(server?.Networks), /192\.168\.1\.30/);
  assert.deepEqual(cloud.server.violations, []);
  assert.ok(cloud.server.log.includes('GET /identity/v3'), 'the CLI discovered the identity version first');
});
