/**
 * The shared driver conformance suite against real QEMU VMs (TCG). "running" means QEMU runs the
 * guest, so most cases do not wait for guest boots; stops of guests still booting fall back to a
 * hard stop after the (short) ACPI timeout.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { runConformance } from '@skyport/conformance';
import { qemuDriver } from './index.js';
import { guestImageReady, qemuConfig, qemuProcessesFor } from './test-support.js';

let dataDir = '';

runConformance({
  name: 'qemu',
  factory: qemuDriver,
  config: async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'skyport-qemu-conformance-'));
    const config = qemuConfig(dataDir, { stopTimeoutMs: 3_000, terminatedRetentionMs: 2_000 });
    // The suite picks its image from listImages: let skyport-tiny finish first (cached per host).
    const warmup = qemuDriver.create(config);
    await guestImageReady(warmup);
    await warmup.close();
    return config;
  },
  timeouts: { stateChangeMs: 60_000, pollMs: 50 },
  fixtures: { imageId: 'skyport-tiny' },
  cleanup: async () => {
    assert.deepEqual(await qemuProcessesFor(dataDir), [], 'no QEMU of the suite is left running');
    await rm(dataDir, { recursive: true, force: true });
  },
});

after(async () => {
  if (dataDir !== '') assert.deepEqual(await qemuProcessesFor(dataDir), []);
});
