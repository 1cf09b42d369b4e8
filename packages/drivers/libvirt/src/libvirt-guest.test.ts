/**
 * One real boot of the skyport-tiny guest under libvirt (TCG, 256 MiB): the generated domain is
 * `type='qemu'`, the NoCloud seed carries the instance id, the key and the user-data, the serial
 * console log is read back through the pool, a volume is hot-plugged into the running guest, a
 * graceful stop reaches the guest (no destroy needed), and the stopped instance's disk exports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CloudDriver, NativeInstance } from '@skyport/core';
import { SkyportError } from '@skyport/model';
import { libvirtDriver } from './index.js';
import { startTestLibvirt, tinyGuestDisk } from './test-support.js';

const run = promisify(execFile);
const BOOT_TIMEOUT_MS = 120_000;

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = BOOT_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function consoleMatching(driver: CloudDriver, id: string, pattern: RegExp): Promise<string> {
  return eventually(`console of ${id} matching ${pattern}`, async () => {
    const text = (await driver.getConsoleOutput?.(id)) ?? '';
    return pattern.test(text) ? text : undefined;
  });
}

async function state(driver: CloudDriver, id: string, wanted: NativeInstance['state'], timeoutMs = BOOT_TIMEOUT_MS): Promise<NativeInstance> {
  return eventually(`instance ${id} ${wanted}`, async () => {
    const instance = await driver.getInstance(id);
    return instance?.state === wanted ? instance : undefined;
  }, timeoutMs);
}

test('skyport-tiny boots under libvirt with its seed, takes a hot-plugged volume, stops gracefully and exports its disk', async (t) => {
  const libvirt = await startTestLibvirt();
  t.after(() => libvirt.stop());
  const dataDir = await mkdtemp(join(tmpdir(), 'skyport-libvirt-guest-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  // A long ACPI timeout: the stop below must be the guest powering itself off.
  const driver = libvirtDriver.create({
    providerId: 'prv-libvirt',
    name: 'libvirt-guest',
    endpoint: libvirt.uri,
    credentials: {},
    settings: { poolPath: libvirt.poolPath, stopTimeoutMs: 90_000 },
    dataDir,
  });
  t.after(() => driver.close());

  const image = await driver.importImage!({ name: 'skyport-tiny', path: await tinyGuestDisk(), format: 'qcow2', architecture: 'x86_64', os: 'linux' });
  const { keyPair } = await driver.createKeyPair('laptop');
  const created = await driver.createInstance({
    name: 'Web-1',
    imageId: image.nativeId,
    hardwareProfileId: 'tiny',
    cpus: 1,
    memoryMiB: 256,
    diskGiB: 1,
    keyName: keyPair.name,
    userData: '#!/bin/sh\necho hello-from-user-data\n',
  });
  const id = created.nativeId;
  t.after(async () => {
    await driver.destroyInstance(id).catch(() => undefined);
  });
  assert.equal(created.state, 'pending');

  const xml = (await run('virsh', ['-c', libvirt.uri, 'dumpxml', id])).stdout;
  assert.match(xml, /<domain type='qemu'/, 'TCG: the domain is type qemu');
  assert.match(xml, /<memory unit='KiB'>262144<\/memory>/);
  assert.match(xml, /<serial>cidata<\/serial>/, 'the NoCloud seed disk is attached');

  const booted = await consoleMatching(driver, id, /SKYPORT-BOOTED/);
  assert.match(booted, new RegExp(`SKYPORT-BOOTED instance=${id} hostname=web-1`), 'the guest read its instance id and hostname from the seed');
  assert.match(await consoleMatching(driver, id, /user-data: hello-from-user-data/), /user-data: hello-from-user-data/);
  assert.deepEqual((await driver.getInstance(id))?.addresses, [{ kind: 'private', address: '10.0.2.15' }]);

  const volume = await driver.createVolume({ name: 'data', sizeGiB: 1 });
  await driver.attachVolume(volume.nativeId, id);
  // The guest names disks in the order it finds them (the seed is its vdb), the serial is the volume id.
  await consoleMatching(driver, id, new RegExp(`SKYPORT-DISK-ADDED vd[b-z] serial=${volume.nativeId} sectors=2097152`));
  assert.equal((await driver.listVolumes()).find((v) => v.nativeId === volume.nativeId)?.attachment?.device, '/dev/vdb');
  const refused = await driver.deleteVolume(volume.nativeId).then(() => undefined, (e: unknown) => e);
  assert.ok(refused instanceof SkyportError && refused.code === 'InvalidState', 'an attached volume is not deleted');
  await driver.detachVolume(volume.nativeId);

  const stopAsked = Date.now();
  await driver.stopInstance(id);
  // The tiny guest may power off before the next read: either is right; the console says it was graceful.
  assert.ok(['stopping', 'stopped'].includes((await driver.getInstance(id))?.state ?? ''), 'the stop was accepted');
  await state(driver, id, 'stopped', 60_000);
  assert.ok(Date.now() - stopAsked < 60_000, 'stopped well before the 90 s hard-stop timeout');
  assert.match(await driver.getConsoleOutput!(id), /SKYPORT-SHUTDOWN/, 'the guest shut down in response to the ACPI power button');

  const disk = await driver.exportDisk!('instance', id);
  try {
    assert.equal(disk.format, 'qcow2');
    assert.equal(disk.virtualSizeBytes, 1024 ** 3);
    const info = JSON.parse((await run('qemu-img', ['info', '--output=json', '-f', 'qcow2', disk.path])).stdout) as { 'backing-filename'?: string };
    assert.equal(info['backing-filename'], undefined, 'the exported disk is flattened, with no backing file');
    await run('qemu-img', ['check', '-f', 'qcow2', disk.path]);
  } finally {
    await disk.release();
  }

  await driver.destroyInstance(id);
  assert.equal((await driver.getInstance(id))?.state, 'terminated');
  assert.deepEqual((await run('virsh', ['-q', '-c', libvirt.uri, 'list', '--all', '--name'])).stdout.trim(), '', 'the domain is undefined');
  await driver.deleteVolume(volume.nativeId);
});
