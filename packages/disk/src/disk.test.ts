/** qemu-img for real: conversions with content checks, progress, and the refusals. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkImage, convertImage, exportDiskToOva, imageInfo, importOva, measureImage } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'skyport-disk-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const MiB = 1024 * 1024;

/** A 64 MiB raw disk with 2 MiB of random data at 1 MiB and a marker at the end. */
function rawDisk(): { path: string; data: Buffer } {
  const path = join(dir, `src-${Math.random().toString(36).slice(2)}.raw`);
  const data = Buffer.alloc(64 * MiB);
  randomBytes(2 * MiB).copy(data, MiB);
  data.write('SKYPORT-END', 64 * MiB - 512);
  writeFileSync(path, data);
  return { path, data };
}

test('convert raw → qcow2 → vmdk streamOptimized → vhd → raw keeps every byte, with progress', async () => {
  const { path, data } = rawDisk();
  const percents: number[] = [];
  const qcow2 = join(dir, 'a.qcow2');
  const vmdk = join(dir, 'a.vmdk');
  const vhd = join(dir, 'a.vhd');
  const back = join(dir, 'a.raw');
  const q = await convertImage({ source: path, sourceFormat: 'raw', target: qcow2, targetFormat: 'qcow2', onProgress: (p) => percents.push(p) });
  assert.equal(q.virtualSizeBytes, 64 * MiB);
  const v = await convertImage({ source: qcow2, sourceFormat: 'qcow2', target: vmdk, targetFormat: 'vmdk' });
  assert.equal(v.subformat, 'streamOptimized');
  const h = await convertImage({ source: vmdk, sourceFormat: 'vmdk', target: vhd, targetFormat: 'vhd' });
  assert.equal(h.virtualSizeBytes, 64 * MiB, 'force_size keeps the exact size');
  await convertImage({ source: vhd, sourceFormat: 'vhd', target: back, targetFormat: 'raw' });
  assert.ok(readFileSync(back).equals(data));
  assert.equal(percents.at(-1), 100);
  assert.ok(percents.length >= 2);
  assert.ok((await measureImage(path, 'raw', 'qcow2')).requiredBytes > 2 * MiB);
  assert.deepEqual(await checkImage(qcow2, 'qcow2'), { ok: true, corruptions: 0, leaks: 0 });
});

test('a wrong format, a backing file and an extent outside the folder are refused by name', async () => {
  const { path } = rawDisk();
  const qcow2 = join(dir, 'b.qcow2');
  execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', path, qcow2]);
  await assert.rejects(imageInfo(qcow2, 'vmdk'), /b\.qcow2: this is not a vmdk image \(it is qcow2\)/);
  await assert.rejects(imageInfo(qcow2, 'raw'), /declared raw but it is a qcow2 image/);
  const overlay = join(dir, 'overlay.qcow2');
  execFileSync('qemu-img', ['create', '-f', 'qcow2', '-F', 'qcow2', '-b', qcow2, overlay]);
  await assert.rejects(imageInfo(overlay, 'qcow2'), (e: Error & { code?: string; details?: Record<string, unknown> }) => e.code === 'InvalidArgument' && e.details?.['reason'] === 'backing-file' && e.message.includes('overlay.qcow2'));
  const sub = join(dir, 'pkg');
  execFileSync('mkdir', ['-p', sub]);
  const evil = join(sub, 'evil.vmdk');
  writeFileSync(evil, `# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="monolithicFlat"\n\nRW 131072 FLAT "${path}" 0\n`);
  await assert.rejects(imageInfo(evil, 'vmdk'), /extent .* outside its own folder/);
  const delta = join(sub, 'delta.vmdk');
  writeFileSync(delta, '# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=12345678\nparentFileNameHint="../base.vmdk"\ncreateType="monolithicSparse"\n');
  await assert.rejects(imageInfo(delta, 'vmdk'), /delta of "..\/base.vmdk"/);
  await assert.rejects(imageInfo(join(dir, 'missing.qcow2'), 'qcow2'), /cannot open the disk file/);
});

test('a missing qemu-img is one clear error with the install command', async () => {
  const previous = process.env['SKYPORT_QEMU_IMG'];
  process.env['SKYPORT_QEMU_IMG'] = '/nonexistent/qemu-img';
  try {
    const { path } = rawDisk();
    await assert.rejects(imageInfo(path, 'raw'), (e: Error & { code?: string }) => e.code === 'Internal' && e.message.includes('apt-get install -y --no-install-recommends qemu-utils'));
  } finally {
    if (previous === undefined) delete process.env['SKYPORT_QEMU_IMG'];
    else process.env['SKYPORT_QEMU_IMG'] = previous;
  }
});

test('export a disk to an OVA and import it back: same bytes, valid for vSphere', async () => {
  const { path, data } = rawDisk();
  const ova = join(dir, 'round.ova');
  const percents: number[] = [];
  const exported = await exportDiskToOva({ disk: { path, format: 'raw' }, vm: { id: 'round', name: 'round', cpus: 2, memoryMiB: 512, firmware: 'bios', hardwareFamilies: [], os: { id: 101 }, nics: [{ network: 'VM Network', adapter: 'virtio' }], cdroms: 0, products: [] }, out: ova, onProgress: (p) => percents.push(p) });
  assert.equal(exported.manifest?.length, 2);
  assert.equal(Math.round(percents.at(-1) ?? 0), 100);
  assert.deepEqual(execFileSync('tar', ['-tf', ova], { encoding: 'utf8' }).trim().split('\n'), ['round.ovf', 'round.mf', 'round-disk1.vmdk']);
  const imported = await importOva({ source: ova, workDir: join(dir, 'import'), target: 'vsphere' });
  try {
    assert.equal(imported.disks.length, 1);
    assert.equal(imported.disks[0]?.format, 'vmdk');
    assert.equal(imported.disks[0]?.virtualSizeBytes, 64 * MiB);
    const raw = join(dir, 'round.raw');
    await convertImage({ source: imported.disks[0]?.path ?? '', sourceFormat: 'vmdk', target: raw, targetFormat: 'raw' });
    assert.ok(readFileSync(raw).equals(data));
  } finally {
    await imported.release();
  }
});
