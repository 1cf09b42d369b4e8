/**
 * Disk import and export (`imageImport`, `diskExport`): an imported disk becomes an available
 * image whose exported disk holds the same bytes; hostile disks are refused with nothing left
 * behind; only stopped instances and available images hand out their disk.
 */
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import type { DriverImportImageRequest, ExportedDisk, NativeImage } from '@skyport/core';
import type { DiskFormat } from '@skyport/model';
import type { CaseContext, ConformanceCase } from '../conformance-case.js';
import { deleteImageQuietly } from '../cleanup.js';
import { expectSkyportError, expectUnsupported } from '../expect-error.js';
import { makeTestDisks, type TestDisks } from '../test-disk.js';
import { createRunning, waitFor } from './instance-helpers.js';

type ImportImage = (request: DriverImportImageRequest) => Promise<NativeImage>;
type ExportDisk = (kind: 'image' | 'instance', nativeId: string) => Promise<ExportedDisk>;

/** The driver's importImage when it declares `imageImport` (it must then have it). */
function importer(ctx: CaseContext): ImportImage | undefined {
  if (ctx.factory.capabilities.imageImport === undefined) return undefined;
  const fn = ctx.driver.importImage?.bind(ctx.driver);
  assert.ok(fn, 'a driver declaring imageImport must implement importImage');
  assert.ok(ctx.driver.deleteImage, 'a driver declaring imageImport must implement deleteImage, or imported images could never be removed');
  assert.ok(ctx.factory.capabilities.imageImport.formats.length > 0, 'imageImport.formats lists at least one format');
  return fn;
}

/** The driver's exportDisk when it declares `diskExport` (it must then have it). */
function exporter(ctx: CaseContext): ExportDisk | undefined {
  if (ctx.factory.capabilities.diskExport === undefined) return undefined;
  const fn = ctx.driver.exportDisk?.bind(ctx.driver);
  assert.ok(fn, 'a driver declaring diskExport must implement exportDisk');
  return fn;
}

/** An undeclared feature must be refused with Unsupported when the method exists at all. */
async function expectUndeclared(ctx: CaseContext, feature: 'importImage' | 'exportDisk'): Promise<void> {
  if (feature === 'importImage') {
    const fn = ctx.driver.importImage?.bind(ctx.driver);
    if (fn === undefined) return ctx.log('the driver cannot import images; nothing to check');
    await expectUnsupported('importImage', async () => {
      const image = await fn({ name: ctx.name('undeclared-import'), path: '/nonexistent.raw', format: 'raw', architecture: 'x86_64' });
      ctx.defer('delete wrongly imported image', () => deleteImageQuietly(ctx.driver, image.nativeId));
    });
    return;
  }
  const fn = ctx.driver.exportDisk?.bind(ctx.driver);
  if (fn === undefined) return ctx.log('the driver cannot export disks; nothing to check');
  await expectUnsupported('exportDisk', async () => (await fn('image', (await ctx.fixtures.image()).nativeId)).release());
}

/** The format to import in: raw when accepted (no conversion in the way), else the first listed. */
function importFormat(ctx: CaseContext): DiskFormat {
  const formats = ctx.factory.capabilities.imageImport?.formats ?? [];
  return formats.includes('raw') ? 'raw' : (formats[0] ?? 'raw');
}

async function testDisks(ctx: CaseContext): Promise<TestDisks> {
  const disks = await makeTestDisks();
  ctx.defer('remove the test disks', () => disks.remove());
  return disks;
}

/** Checks a handed-out disk and releases it (twice: release must be idempotent). */
async function checkExported(ctx: CaseContext, disk: ExportedDisk, what: string): Promise<void> {
  try {
    const formats = ctx.factory.capabilities.diskExport?.formats ?? [];
    assert.ok(formats.includes(disk.format), `${what}: format ${disk.format} is not one of the declared diskExport formats ${formats.join(', ')}`);
    assert.ok(disk.virtualSizeBytes > 0, `${what}: virtualSizeBytes is ${disk.virtualSizeBytes}`);
    assert.ok((await stat(disk.path)).isFile(), `${what}: ${disk.path} is not a file`);
  } finally {
    await disk.release();
    await disk.release();
  }
}

function assertSameContent(actual: Buffer, expected: Buffer, what: string): void {
  assert.ok(actual.length >= expected.length, `${what}: the disk shrank from ${expected.length} to ${actual.length} bytes`);
  assert.ok(actual.subarray(0, expected.length).equals(expected), `${what}: the disk's bytes differ from what was imported`);
  // A provider may round a disk up to its allocation unit; what it adds must read as zeros.
  assert.ok(actual.subarray(expected.length).every((b) => b === 0), `${what}: bytes past the imported disk are not zero`);
}

export const diskCases: readonly ConformanceCase[] = [
  {
    group: 'disks',
    name: 'an imported disk becomes an available image, and exports the same bytes',
    async run(ctx) {
      const importImage = importer(ctx);
      if (importImage === undefined) return expectUndeclared(ctx, 'importImage');
      const disks = await testDisks(ctx);
      const format = importFormat(ctx);
      const path = await disks.file(format);
      const name = ctx.name('imported');
      const progress: number[] = [];
      const image = await importImage({
        name,
        description: 'conformance import',
        path,
        format,
        architecture: (await ctx.fixtures.profile()).architecture,
        os: 'linux',
        tags: { 'conformance-run': ctx.fixtures.runId },
        onProgress: (done, total) => progress.push(total === 0 ? 1 : done / total),
      });
      ctx.defer(`delete image ${image.nativeId}`, () => deleteImageQuietly(ctx.driver, image.nativeId));
      assert.equal(image.state, 'available', 'importImage resolves when the image is available');
      assert.equal(image.name, name, 'image name');
      assert.equal(image.public, false, 'an imported image is private');
      assert.equal(image.description, 'conformance import', 'image description');
      assert.equal(image.tags['conformance-run'], ctx.fixtures.runId, 'image tags from the request');
      assert.ok(image.sizeGiB === undefined || image.sizeGiB >= 1, `sizeGiB ${image.sizeGiB}`);
      assert.ok(progress.length > 0 && Math.max(...progress) === 1, `progress reached ${Math.max(0, ...progress)}, not 100%`);
      const listed = (await ctx.driver.listImages()).find((i) => i.nativeId === image.nativeId);
      assert.equal(listed?.state, 'available', 'the imported image is listed as available');

      await expectSkyportError('importing under a taken name', 'AlreadyExists', async () => {
        const again = await importImage({ name, path, format, architecture: image.architecture });
        ctx.defer('delete duplicate image', () => deleteImageQuietly(ctx.driver, again.nativeId));
      });

      const exportDisk = exporter(ctx);
      if (exportDisk === undefined) return ctx.log('the driver does not export disks; content not compared');
      const exported = await exportDisk('image', image.nativeId);
      try {
        assertSameContent(await disks.readBack(exported.path, exported.format), disks.content, `exported disk of image ${image.nativeId}`);
      } finally {
        await checkExported(ctx, exported, `image ${image.nativeId}`);
      }
    },
  },
  {
    group: 'disks',
    name: 'imports refuse a disk that is not what it claims or needs a backing file',
    async run(ctx) {
      const importImage = importer(ctx);
      if (importImage === undefined) return expectUndeclared(ctx, 'importImage');
      const disks = await testDisks(ctx);
      const formats = ctx.factory.capabilities.imageImport?.formats ?? [];
      const architecture = (await ctx.fixtures.profile()).architecture;
      const refused = async (what: string, path: string, format: DiskFormat): Promise<void> => {
        const name = ctx.name(`refused-${format}`);
        await expectSkyportError(`importImage of ${what}`, 'InvalidArgument', async () => {
          const image = await importImage({ name, path, format, architecture });
          ctx.defer('delete wrongly imported image', () => deleteImageQuietly(ctx.driver, image.nativeId));
        });
        const left = (await ctx.driver.listImages()).find((i) => i.name === name);
        assert.equal(left, undefined, `a refused import (${what}) left image ${left?.nativeId} behind`);
      };
      await refused('a file that does not exist', `${disks.dir}/missing.${importFormat(ctx)}`, importFormat(ctx));
      if (formats.includes('qcow2')) {
        await refused('a text file declared qcow2', await disks.notADisk(), 'qcow2');
        await refused('a qcow2 with a backing file', await disks.withBackingFile(), 'qcow2');
      }
      if (formats.includes('raw') && formats.includes('qcow2')) {
        // Taken as raw, a qcow2 would boot nothing (and its header could name files to read).
        await refused('a qcow2 declared raw', await disks.file('qcow2'), 'raw');
      }
    },
  },
  {
    group: 'disks',
    name: "an image's and a stopped instance's disk can be exported; a running instance's cannot",
    async run(ctx) {
      const exportDisk = exporter(ctx);
      if (exportDisk === undefined) return expectUndeclared(ctx, 'exportDisk');
      const image = await ctx.fixtures.image();
      await checkExported(ctx, await exportDisk('image', image.nativeId), `image ${image.nativeId}`);

      const instance = await createRunning(ctx, 'export-source');
      await expectSkyportError("exportDisk of a running instance's disk", 'InvalidState', async () => (await exportDisk('instance', instance.nativeId)).release());
      await ctx.driver.stopInstance(instance.nativeId);
      const stopped = await waitFor(ctx, instance.nativeId, ['stopped'], 'running');
      assert.ok(stopped, `instance ${instance.nativeId} vanished on its way to stopped`);
      await checkExported(ctx, await exportDisk('instance', instance.nativeId), `instance ${instance.nativeId}`);
    },
  },
  {
    group: 'disks',
    name: 'exports of unknown images and instances throw NotFound',
    async run(ctx) {
      const exportDisk = exporter(ctx);
      if (exportDisk === undefined) return expectUndeclared(ctx, 'exportDisk');
      await expectSkyportError('exportDisk(image, unknown)', 'NotFound', async () => (await exportDisk('image', ctx.fixtures.unknownId)).release());
      await expectSkyportError('exportDisk(instance, unknown)', 'NotFound', async () => (await exportDisk('instance', ctx.fixtures.unknownId)).release());
    },
  },
];
