/** The sim's disk files: generated for the catalogue, shared with images made from instances, removed when unused. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { CloudDriver, DriverConfig } from '@skyport/core';
import { waitForInstanceState } from '@skyport/conformance';
import { simDriver } from './index.js';

const SMALL = { hardwareProfileId: 'small', cpus: 1, memoryMiB: 1024, diskGiB: 20 };

async function setup(t: { after(fn: () => Promise<void>): void }): Promise<{ dir: string; driver: CloudDriver }> {
  const dir = await mkdtemp(join(tmpdir(), 'skyport-sim-disks-'));
  const config: DriverConfig = { providerId: 'prv-test', name: 'sim-test', dataDir: dir, credentials: {}, settings: { transitionMs: 30, latencyMs: 0 } };
  const driver = simDriver.create(config);
  t.after(async () => {
    await driver.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { dir, driver };
}

function rawOf(path: string, format: string, dir: string): Buffer {
  const out = join(dir, `read-${Math.random().toString(36).slice(2)}.raw`);
  execFileSync('qemu-img', ['convert', '-f', format, '-O', 'raw', path, out]);
  return execFileSync('head', ['-c', '4096', out]);
}

test('a catalogue image gets a labelled disk of its size on first export, made once', async (t) => {
  const { dir, driver } = await setup(t);
  const [a, b] = await Promise.all([driver.exportDisk!('image', 'img-debian-12'), driver.exportDisk!('image', 'img-debian-12')]);
  assert.equal(a.path, b.path);
  assert.equal(a.format, 'qcow2');
  assert.equal(a.virtualSizeBytes, 2 * 1024 ** 3);
  assert.match(rawOf(a.path, 'qcow2', dir).toString('latin1'), /^SKYPORT SIM DISK debian-12 \(img-debian-12\)\n/);
  await a.release();
  await b.release();
  const again = await driver.exportDisk!('image', 'img-debian-12');
  assert.equal(again.path, a.path, 'the generated disk is kept');
  await again.release();
});

test("an image made from an instance reads its source image's disk; deleting the last user removes an imported file", async (t) => {
  const { dir, driver } = await setup(t);
  const source = join(dir, 'source.raw');
  await writeFile(source, Buffer.concat([Buffer.from('IMPORTED-CONTENT'), Buffer.alloc(1024 * 1024 - 16)]));
  const imported = await driver.importImage!({ name: 'imported-1', path: source, format: 'raw', architecture: 'x86_64' });
  assert.equal(imported.sizeGiB, 1);
  const instance = await driver.createInstance({ ...SMALL, name: 'from-import', imageId: imported.nativeId });
  await waitForInstanceState(driver, instance.nativeId, ['running'], 5000);
  await driver.stopInstance(instance.nativeId);
  await waitForInstanceState(driver, instance.nativeId, ['stopped'], 5000);
  const copy = await driver.createImageFromInstance!(instance.nativeId, 'copy-1');
  await new Promise((resolve) => setTimeout(resolve, 200));

  for (const [kind, id] of [['instance', instance.nativeId], ['image', copy.nativeId]] as const) {
    const disk = await driver.exportDisk!(kind, id);
    assert.equal(disk.format, 'raw');
    assert.equal((await readFile(disk.path)).subarray(0, 16).toString(), 'IMPORTED-CONTENT', `${kind} ${id}`);
    await disk.release();
  }
  const files = async () => (await readdir(join(dir, 'disks'))).filter((f) => f.startsWith(imported.nativeId));
  await driver.deleteImage!(imported.nativeId);
  assert.equal((await files()).length, 1, 'kept: the copy and the instance still read it');
  await driver.destroyInstance(instance.nativeId);
  await waitForInstanceState(driver, instance.nativeId, ['terminated'], 5000);
  await driver.deleteImage!(copy.nativeId);
  assert.equal((await files()).length, 1, 'kept while the terminated instance is still visible');

  const unused = await driver.importImage!({ name: 'imported-2', path: source, format: 'raw', architecture: 'x86_64' });
  assert.equal((await readdir(join(dir, 'disks'))).filter((f) => f.startsWith(unused.nativeId)).length, 1);
  await driver.deleteImage!(unused.nativeId);
  assert.equal((await readdir(join(dir, 'disks'))).filter((f) => f.startsWith(unused.nativeId)).length, 0, 'removed: nothing reads it');
});

test('a multi-file VMDK is stored as qcow2; a sim.db of schema 2 is upgraded', async (t) => {
  const { dir, driver } = await setup(t);
  const raw = join(dir, 'flat.raw');
  await writeFile(raw, Buffer.alloc(1024 * 1024, 7));
  const vmdk = join(dir, 'flat.vmdk');
  execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'vmdk', '-o', 'subformat=monolithicFlat', raw, vmdk]);
  const image = await driver.importImage!({ name: 'flat-vmdk', path: vmdk, format: 'vmdk', architecture: 'x86_64' });
  const disk = await driver.exportDisk!('image', image.nativeId);
  assert.equal(disk.format, 'qcow2');
  assert.equal(rawOf(disk.path, 'qcow2', dir)[100], 7);
  await disk.release();
  await driver.close();

  // Back to schema 2, as a broker from before disk files left it.
  const old = new Database(join(dir, 'sim.db'));
  for (const c of ['disk_image_id', 'disk_file', 'disk_format', 'virtual_size']) old.exec(`ALTER TABLE images DROP COLUMN ${c}`);
  old.pragma('user_version = 2');
  old.close();
  const reopened = simDriver.create({ providerId: 'prv-test', name: 'sim-test', dataDir: dir, credentials: {}, settings: { latencyMs: 0 } });
  try {
    assert.ok((await reopened.listImages()).some((i) => i.nativeId === image.nativeId));
    const generated = await reopened.exportDisk!('image', image.nativeId);
    assert.equal(generated.format, 'qcow2', 'the upgraded row lost its file record, so a disk is generated');
    await generated.release();
  } finally {
    await reopened.close();
  }
  const db = new Database(join(dir, 'sim.db'));
  try {
    assert.equal(db.pragma('user_version', { simple: true }), 3);
  } finally {
    db.close();
  }
});
