/**
 * The image store: imports in every declared format with progress, the hostile and broken files
 * an import must refuse (leaving nothing behind), disk export, and images made from a stopped
 * instance that keep what its guest wrote.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CloudDriver } from '@skyport/core';
import type { DiskFormat } from '@skyport/model';
import { qemuDriver } from './index.js';
import {
  eventually,
  filesUnder,
  httpAddress,
  httpGet,
  lifo,
  qemuConfig,
  qemuProcessesFor,
  readyDriver,
  rejection,
  tempDir,
  waitForConsole,
  waitForState,
} from './test-support.js';

const TINY = { imageId: 'skyport-tiny', hardwareProfileId: 'tiny', cpus: 1, memoryMiB: 128, diskGiB: 1 } as const;
const MIB = 1024 * 1024;

function qemuImg(...args: string[]): void {
  execFileSync('qemu-img', args, { stdio: 'pipe' });
}

/** Imports into a driver that has no guest image, so the data folder holds only what imports make. */
async function importDriver(t: Parameters<typeof tempDir>[0]): Promise<{ driver: CloudDriver; dataDir: string; work: string }> {
  const cleanup = lifo(t);
  const dataDir = await tempDir(cleanup);
  const work = await tempDir(cleanup, 'skyport-qemu-sources-');
  const driver = qemuDriver.create(qemuConfig(dataDir, { guestImage: false }));
  cleanup.after(() => driver.close());
  await driver.listImages();
  return { driver, dataDir, work };
}

test('imports qcow2, raw, vmdk, vhd and vhdx with progress', async (t) => {
  const { driver, work } = await importDriver(t);
  const sources: [DiskFormat, string, string[]][] = [
    ['qcow2', 'disk.qcow2', ['-f', 'qcow2']],
    ['raw', 'disk.raw', ['-f', 'raw']],
    ['vmdk', 'disk.vmdk', ['-f', 'vmdk', '-o', 'subformat=streamOptimized']],
    ['vhd', 'disk.vhd', ['-f', 'vpc', '-o', 'subformat=fixed,force_size=on']],
    ['vhdx', 'disk.vhdx', ['-f', 'vhdx']],
  ];
  for (const [format, file, options] of sources) {
    qemuImg('create', '-q', ...options, join(work, file), String(48 * MIB));
    const progress: number[] = [];
    const image = await driver.importImage!({ name: `imported-${format}`, path: join(work, file), format, architecture: 'x86_64', os: 'linux', tags: { from: format }, onProgress: (done, total) => progress.push(done / total) });
    assert.equal(image.state, 'available', format);
    assert.equal(image.sizeGiB, 1, `${format}: 48 MiB rounds up to 1 GiB`);
    assert.equal(image.public, false);
    assert.deepEqual(image.tags, { from: format });
    assert.equal(progress.at(-1), 1, `${format}: progress ends at 100%`);
    const exported = await driver.exportDisk!('image', image.nativeId);
    assert.equal(exported.format, 'qcow2');
    assert.equal(exported.virtualSizeBytes, 48 * MIB, `${format}: virtual size kept`);
    await exported.release();
  }
  for (const image of await driver.listImages()) await driver.deleteImage!(image.nativeId);
  assert.deepEqual(await driver.listImages(), []);
});

test('hostile or broken disks are refused with a reason, leaving no file, record or process', async (t) => {
  const { driver, dataDir, work } = await importDriver(t);
  qemuImg('create', '-q', '-f', 'qcow2', join(work, 'base.qcow2'), String(16 * MIB));
  qemuImg('create', '-q', '-f', 'qcow2', '-b', join(work, 'base.qcow2'), '-F', 'qcow2', join(work, 'overlay.qcow2'));
  qemuImg('create', '-q', '-f', 'vmdk', '-o', 'subformat=monolithicFlat', join(work, 'flat.vmdk'), String(16 * MIB));
  qemuImg('create', '-q', '-f', 'qcow2', '-o', `data_file=${join(work, 'data.raw')}`, join(work, 'external-data.qcow2'), String(16 * MIB));
  await writeFile(join(work, 'garbage.qcow2'), Buffer.concat([Buffer.from('QFI\xfb', 'latin1'), Buffer.alloc(4096, 0xa5)]));
  qemuImg('create', '-q', '-f', 'qcow2', '-o', 'preallocation=metadata', join(work, 'truncated.qcow2'), String(64 * MIB));
  await truncate(join(work, 'truncated.qcow2'), 96 * 1024);
  await writeFile(join(work, 'not-a-vmdk.vmdk'), 'this is text, not a disk\n');
  const before = await filesUnder(dataDir);
  const cases: { what: string; path: string; format: string; reason: RegExp }[] = [
    { what: 'a qcow2 with a backing file', path: 'overlay.qcow2', format: 'qcow2', reason: /names a backing file \(.*base\.qcow2\); only standalone images can be imported/ },
    { what: 'a VMDK with an external extent', path: 'flat.vmdk', format: 'vmdk', reason: /references an external extent \(.*flat-flat\.vmdk\)/ },
    { what: 'a qcow2 with an external data file', path: 'external-data.qcow2', format: 'qcow2', reason: /keeps its data in an external file/ },
    { what: 'a corrupted qcow2 header', path: 'garbage.qcow2', format: 'qcow2', reason: /cannot be read as a qcow2 image/ },
    { what: 'a truncated qcow2', path: 'truncated.qcow2', format: 'qcow2', reason: /is corrupt|could not be converted|cannot be read/ },
    { what: 'text posing as a VMDK', path: 'not-a-vmdk.vmdk', format: 'vmdk', reason: /cannot be read as a vmdk image/ },
    { what: 'an unknown format', path: 'base.qcow2', format: 'iso', reason: /format "iso" is not one of qcow2, raw, vmdk, vhd, vhdx/ },
    { what: 'a missing file', path: 'nowhere.qcow2', format: 'qcow2', reason: /is not a readable file/ },
    { what: 'a qcow2 declared raw (its header would be ignored, the guest would boot nothing)', path: 'overlay.qcow2', format: 'raw', reason: /is declared raw but it is a qcow2 image; import it with its real format/ },
    { what: 'a VMDK descriptor declared raw', path: 'flat.vmdk', format: 'raw', reason: /is declared raw but it is a VMDK descriptor image/ },
  ];
  for (const c of cases) {
    const error = await rejection(driver.importImage!({ name: `bad-${c.path}`, path: join(work, c.path), format: c.format as DiskFormat, architecture: 'x86_64' }));
    assert.equal(error.code, 'InvalidArgument', `${c.what}: ${error.message}`);
    assert.match(error.message, c.reason, c.what);
    assert.deepEqual(await driver.listImages(), [], `${c.what}: no image record`);
    assert.deepEqual(await filesUnder(dataDir), before, `${c.what}: no file left in the data folder`);
  }
  const wrongArch = await rejection(driver.importImage!({ name: 'arm', path: join(work, 'base.qcow2'), format: 'qcow2', architecture: 'aarch64' }));
  assert.equal(wrongArch.code, 'Unsupported');
  assert.deepEqual(await qemuProcessesFor(dataDir), []);
});

test('too much memory, unknown references and a missing QEMU are clear errors that create nothing', async (t) => {
  const { driver, dataDir } = await readyDriver(t);
  const before = await filesUnder(dataDir);
  const flex = (await driver.listHardwareProfiles()).find((p) => p.nativeId === 'flex')!;
  assert.equal(flex.memoryMiB.kind, 'range');
  const max = flex.memoryMiB.kind === 'range' ? flex.memoryMiB.max : 0;
  const tooMuch = await rejection(driver.createInstance({ ...TINY, name: 'greedy', hardwareProfileId: 'flex', memoryMiB: max, diskGiB: 2 }));
  assert.equal(tooMuch.code, 'QuotaExceeded');
  assert.match(tooMuch.message, new RegExp(`^the instance needs ${max} MiB of memory but this host has only \\d+ MiB available \\(\\d+ MiB in total\\); choose at most \\d+ MiB or stop other instances$`));
  const outside = await rejection(driver.createInstance({ ...TINY, name: 'huge', hardwareProfileId: 'flex', memoryMiB: max + 128, diskGiB: 2 }));
  assert.equal(outside.code, 'InvalidArgument');
  assert.match(outside.message, /memoryMiB \d+ is not allowed by hardware profile flex: it must be 128\.\.\d+ in steps of 128/);
  assert.equal((await rejection(driver.createInstance({ ...TINY, name: 'x', keyName: 'no-such-key' }))).code, 'NotFound');
  assert.equal((await rejection(driver.createInstance({ ...TINY, name: 'x', imageId: 'img-0000000000' }))).code, 'NotFound');
  assert.equal((await rejection(driver.createInstance({ ...TINY, name: 'x', userData: 'x'.repeat(17_000) }))).code, 'InvalidArgument');
  assert.deepEqual(await driver.listInstances(), []);
  assert.deepEqual(await filesUnder(dataDir), before);
  assert.deepEqual(await qemuProcessesFor(dataDir), []);

  const missing = qemuDriver.create(qemuConfig(await tempDir(t), { qemuSystem: 'qemu-system-x86_64-not-installed', qemuImg: '/nonexistent/qemu-img' }));
  for (const call of [() => missing.testConnection(), () => missing.listImages(), () => missing.listInstances()]) {
    const error = await rejection(call());
    assert.equal(error.code, 'ProviderUnavailable');
    assert.match(error.message, /^QEMU is not installed on this host: qemu-system-x86_64-not-installed, \/nonexistent\/qemu-img not found\. /);
    assert.ok(error.message.includes('apt-get install -y --no-install-recommends qemu-system-x86 qemu-utils'), error.message);
  }
  await missing.close();
});

test('an image made from a stopped instance keeps what the guest wrote; deleting it spares its instances', async (t) => {
  const { driver, dataDir } = await readyDriver(t);
  const source = await driver.createInstance({ ...TINY, name: 'golden', userData: '#!/bin/sh\necho "baked into the image" > /var/www/baked.txt\n' });
  await waitForConsole(driver, source.nativeId, /SKYPORT-BOOTED/);
  const running = await rejection(driver.createImageFromInstance!(source.nativeId, 'too-early'));
  assert.equal(running.code, 'InvalidState');
  assert.match(running.message, /stop it first/);
  await driver.stopInstance(source.nativeId);
  await waitForState(driver, source.nativeId, 'stopped', 30_000);

  const exported = await driver.exportDisk!('instance', source.nativeId);
  assert.equal(exported.format, 'qcow2');
  assert.ok((await stat(exported.path)).isFile());
  await exported.release();
  await assert.rejects(stat(exported.path), /ENOENT/, 'release removes the flattened copy');

  const image = await driver.createImageFromInstance!(source.nativeId, 'golden-image', { description: 'baked', tags: { tier: 'gold' } });
  assert.equal(image.state, 'pending');
  const duplicate = await rejection(driver.createImageFromInstance!(source.nativeId, 'golden-image'));
  assert.equal(duplicate.code, 'AlreadyExists');
  await eventually('image available', async () => ((await driver.listImages()).find((i) => i.nativeId === image.nativeId)?.state === 'available' ? true : undefined), 60_000);

  const clone = await driver.createInstance({ ...TINY, imageId: image.nativeId, name: 'clone' });
  await waitForConsole(driver, clone.nativeId, /SKYPORT-BOOTED/);
  const cloneRunning = await waitForState(driver, clone.nativeId, 'running');
  assert.equal(await httpGet(httpAddress(cloneRunning), '/baked.txt'), 'baked into the image\n');
  assert.equal((await httpGet(httpAddress(cloneRunning))).trim(), clone.nativeId, 'the clone has its own identity');
  const cloneConsole = await driver.getConsoleOutput!(clone.nativeId);
  assert.doesNotMatch(cloneConsole, /running user-data/, "the source's user-data does not run again in the clone");

  await driver.deleteImage!(image.nativeId);
  assert.equal((await driver.listImages()).some((i) => i.nativeId === image.nativeId), false);
  assert.equal((await driver.getInstance(clone.nativeId))?.state, 'running');
  assert.ok((await filesUnder(dataDir)).includes(join('images', image.nativeId, 'disk.qcow2')), 'the base disk stays while the clone uses it');
  await driver.destroyInstance(clone.nativeId);
  await waitForState(driver, clone.nativeId, 'terminated', 30_000);
  assert.ok(!(await filesUnder(dataDir)).some((f) => f.startsWith(join('images', image.nativeId))), 'and goes with its last instance');
  const builtIn = await rejection(driver.deleteImage!('skyport-tiny'));
  assert.equal(builtIn.code, 'InvalidArgument');
});

test("skyport-tiny's disk boots by itself through the firmware: exported, imported and launched like any disk", async (t) => {
  const { driver, dataDir } = await readyDriver(t);
  const exported = await driver.exportDisk!('image', 'skyport-tiny');
  let copy;
  try {
    copy = await driver.importImage!({ name: 'tiny-copy', path: exported.path, format: 'qcow2', architecture: 'x86_64', os: 'linux' });
  } finally {
    await exported.release();
  }
  const instance = await driver.createInstance({ ...TINY, imageId: copy.nativeId, name: 'from-copy' });
  await waitForState(driver, instance.nativeId, 'running');
  const recorded = JSON.parse(await readFile(join(dataDir, 'instances', instance.nativeId, 'qemu-args.json'), 'utf8')) as { args: string[] };
  assert.ok(!recorded.args.includes('-kernel'), 'an imported disk boots through the firmware, not by direct kernel boot');
  assert.ok(recorded.args.includes('virtio-blk-pci,drive=root,addr=0x4,bootindex=0'));
  const console = await waitForConsole(driver, instance.nativeId, /SKYPORT-BOOTED/, 180_000);
  assert.match(console, new RegExp(`SKYPORT-BOOTED instance=${instance.nativeId} hostname=from-copy `));
});
