/**
 * The shared conformance suite against a real libvirtd (session mode, started here) and real
 * QEMU domains under TCG. "running" is the domain running, so cases do not wait for guests to
 * boot; stops of guests still booting fall back to destroy after the short ACPI timeout.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { DriverConfig } from '@skyport/core';
import { runConformance } from '@skyport/conformance';
import { libvirtDriver } from './index.js';
import { startTestLibvirt, tinyGuestDisk, type TestLibvirt } from './test-support.js';

const run = promisify(execFile);
let libvirt: TestLibvirt | undefined;
let dataDir = '';

runConformance({
  name: 'libvirt',
  factory: libvirtDriver,
  config: async () => {
    libvirt = await startTestLibvirt();
    dataDir = await mkdtemp(join(tmpdir(), 'skyport-libvirt-conformance-'));
    const config: DriverConfig = {
      providerId: 'prv-libvirt',
      name: 'libvirt-test',
      endpoint: libvirt.uri,
      credentials: {},
      settings: { poolPath: libvirt.poolPath, stopTimeoutMs: 3_000, terminatedRetentionMs: 2_000 },
      dataDir,
    };
    // The suite picks its image from listImages: the host's skyport-tiny disk, imported once.
    const setup = libvirtDriver.create(config);
    await setup.importImage?.({ name: 'skyport-tiny', path: await tinyGuestDisk(), format: 'qcow2', architecture: 'x86_64', os: 'linux' });
    await setup.close();
    return config;
  },
  timeouts: { stateChangeMs: 60_000, pollMs: 100 },
  cleanup: async () => {
    if (libvirt !== undefined) {
      const { stdout } = await run('virsh', ['-q', '-c', libvirt.uri, 'list', '--all', '--name']);
      assert.deepEqual(stdout.split('\n').filter((l) => l.trim() !== ''), [], 'no domain of the suite is left defined');
      await libvirt.stop();
    }
    await rm(dataDir, { recursive: true, force: true });
  },
});
