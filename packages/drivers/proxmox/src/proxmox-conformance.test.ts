/**
 * The shared conformance suite against the replayed Proxmox VE cluster: every request the
 * driver makes is checked against the API viewer's recording of it (path, parameters, API
 * token) and answered by the replay's state machine, with tasks that take time.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runConformance } from '@skyport/conformance';
import { proxmoxDriver } from './index.js';
import { PveReplay, REPLAY_TOKEN } from './replay/pve-replay.js';

let replay: PveReplay | undefined;
let dataDir = '';

runConformance({
  name: 'proxmox (replayed API viewer)',
  factory: proxmoxDriver,
  config: async () => {
    replay = await PveReplay.start({ taskMs: 30 });
    dataDir = await mkdtemp(join(tmpdir(), 'skyport-proxmox-conformance-'));
    return {
      providerId: 'prv-proxmox',
      name: 'pve-lab',
      endpoint: replay.url,
      credentials: { tokenId: REPLAY_TOKEN.tokenId, tokenSecret: REPLAY_TOKEN.secret },
      settings: { taskPollMs: 10 },
      dataDir,
    };
  },
  timeouts: { stateChangeMs: 3000, pollMs: 10 },
  fixtures: { unknownId: '999999' },
  cleanup: async () => {
    await replay?.close();
    await rm(dataDir, { recursive: true, force: true });
  },
});

test('the replay received only recorded, well-formed requests', () => {
  assert.ok(replay, 'the replayed cluster started');
  assert.deepEqual(replay.violations, []);
  assert.ok(replay.log.length > 100, `the suite made ${replay.log.length} requests`);
  assert.ok(replay.log.some((l) => l.startsWith('POST /nodes/pve1/storage/local/upload')), 'an import went through the upload endpoint');
});

test('the suite left no VM or uploaded file of its own in the cluster', () => {
  assert.ok(replay);
  // The last destroy may still run when the cluster stops: its VM is locked 'destroyed'.
  assert.deepEqual(replay.vms().filter((vm) => String(vm.config['name']).startsWith('cf-') && vm.lock !== 'destroyed').map((vm) => `${vm.vmid} ${vm.config['name']}`), []);
  assert.deepEqual(replay.importVolumes(), []);
});
