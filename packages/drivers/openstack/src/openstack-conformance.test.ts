/**
 * The shared conformance suite against the replayed OpenStack cloud: every request the driver
 * makes is answered from a recording of the API reference, and checked against it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runConformance } from '@skyport/conformance';
import { openstackDriver } from './index.js';
import { OpenStackReplayCloud, REPLAY_USER } from './replay/replay-cloud.js';
import { makeSeedImage } from './replay/seed-image.js';

let cloud: OpenStackReplayCloud | undefined;
let dataDir = '';

runConformance({
  name: 'openstack (replayed API reference)',
  factory: openstackDriver,
  config: async () => {
    cloud = await OpenStackReplayCloud.start({ transitionMs: 30, seedImageData: await makeSeedImage() });
    dataDir = await mkdtemp(join(tmpdir(), 'skyport-openstack-conformance-'));
    return {
      providerId: 'prv-openstack',
      name: 'openstack-replay',
      endpoint: cloud.authUrl,
      region: 'RegionOne',
      credentials: { password: REPLAY_USER.password },
      // A small page size makes every list follow `next` links.
      settings: { username: REPLAY_USER.username, userDomainName: REPLAY_USER.userDomainName, projectName: REPLAY_USER.projectName, projectDomainId: REPLAY_USER.projectDomainId, pageSize: 2, imagePollMs: 10 },
      dataDir,
    };
  },
  timeouts: { stateChangeMs: 3000, pollMs: 10 },
  fixtures: { unknownId: '00000000-0000-4000-8000-000000000000' },
  cleanup: async () => {
    await cloud?.close();
    await rm(dataDir, { recursive: true, force: true });
  },
});

test('the replay received only recorded, well-formed requests', () => {
  assert.ok(cloud, 'the replayed cloud started');
  assert.deepEqual(cloud.server.violations, []);
  assert.ok(cloud.server.log.length > 100, `the suite made ${cloud.server.log.length} requests`);
});
