/**
 * The shared conformance suite against the replayed XAPI pool: every JSON-RPC call the driver
 * makes is checked against the XenAPI reference's signature for it and answered by the
 * replay's state machine; disk bytes go through the replay's import/export handlers.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runConformance } from '@skyport/conformance';
import { xenDriver } from './index.js';
import { REPLAY_USER, XapiReplay } from './replay/xapi-replay.js';

let replay: XapiReplay | undefined;
let dataDir = '';

runConformance({
  name: 'xen (replayed XAPI reference)',
  factory: xenDriver,
  config: async () => {
    replay = await XapiReplay.start({ transitionMs: 40 });
    dataDir = await mkdtemp(join(tmpdir(), 'skyport-xen-conformance-'));
    return {
      providerId: 'prv-xen',
      name: 'xcp-lab',
      endpoint: replay.url,
      credentials: { username: REPLAY_USER.username, password: REPLAY_USER.password },
      settings: { network: 'Pool-wide network associated with eth0' },
      dataDir,
    };
  },
  timeouts: { stateChangeMs: 3000, pollMs: 10 },
  fixtures: { unknownId: '00000000-0000-4000-8000-000000000000' },
  cleanup: async () => {
    await replay?.close();
    await rm(dataDir, { recursive: true, force: true });
  },
});

test('the replay received only documented, well-formed calls', () => {
  assert.ok(replay, 'the replayed pool started');
  assert.deepEqual(replay.violations, []);
  assert.ok(replay.log.length > 100, `the suite made ${replay.log.length} calls`);
  assert.ok(replay.log.includes('PUT /import_raw_vdi format=raw') && replay.log.includes('GET /export_raw_vdi format=vhd'), 'disk bytes went through the HTTP handlers');
});

test('the suite left no VM, volume or image of its own in the pool', () => {
  assert.ok(replay);
  const vms = replay.records('VM').filter((vm) => String(vm['name_label']).startsWith('cf-'));
  assert.deepEqual(vms.map((vm) => vm['name_label']), []);
  const vdis = replay.records('VDI').filter((vdi) => String(vdi['name_label']).startsWith('cf-'));
  assert.deepEqual(vdis.map((vdi) => vdi['name_label']), []);
});
