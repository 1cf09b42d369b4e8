/** Images made from instances: from a stopped instance, available, bootable, deletable. */
import assert from 'node:assert/strict';
import type { NativeImage, NativeInstance } from '@skyport/core';
import type { CaseContext, ConformanceCase } from '../conformance-case.js';
import { deleteImageQuietly } from '../cleanup.js';
import { expectSkyportError, expectUnsupported } from '../expect-error.js';
import { poll } from '../poll.js';
import { createRunning, waitFor } from './instance-helpers.js';

type CreateImage = (instanceNativeId: string, name: string, options?: { readonly description?: string; readonly tags?: Readonly<Record<string, string>> }) => Promise<NativeImage>;

/** The driver's createImageFromInstance when it declares the capability (it must then have it). */
function imageMaker(ctx: CaseContext): CreateImage | undefined {
  if (ctx.factory.capabilities.imageFromInstance === undefined) return undefined;
  const create = ctx.driver.createImageFromInstance?.bind(ctx.driver);
  assert.ok(create, 'a driver declaring imageFromInstance must implement createImageFromInstance');
  assert.ok(ctx.driver.deleteImage, 'a driver declaring imageFromInstance must implement deleteImage, or its images could never be removed');
  return create;
}

async function expectNoImages(ctx: CaseContext): Promise<void> {
  const create = ctx.driver.createImageFromInstance?.bind(ctx.driver);
  if (create === undefined) {
    ctx.log('the driver cannot make images from instances; nothing to check');
    return;
  }
  await expectUnsupported('createImageFromInstance', async () => {
    const image = await create(ctx.fixtures.unknownId, ctx.name('undeclared-image'));
    ctx.defer('delete wrongly created image', () => deleteImageQuietly(ctx.driver, image.nativeId));
  });
}

async function stoppedInstance(ctx: CaseContext, label: string): Promise<NativeInstance> {
  const instance = await createRunning(ctx, label);
  await ctx.driver.stopInstance(instance.nativeId);
  const stopped = await waitFor(ctx, instance.nativeId, ['stopped'], 'running');
  assert.ok(stopped, `instance ${instance.nativeId} vanished on its way to stopped`);
  return stopped;
}

function listedImage(ctx: CaseContext, id: string, what: string, check: (i: NativeImage | undefined) => boolean): Promise<NativeImage | undefined> {
  let last: NativeImage | undefined;
  const gone = Symbol('gone');
  return poll<NativeImage | typeof gone>(
    `image ${id}: ${what}`,
    ctx.stateChangeMs,
    ctx.pollMs,
    async () => {
      last = (await ctx.driver.listImages()).find((i) => i.nativeId === id);
      if (last?.state === 'failed') throw new Error(`image ${id} failed at the provider`);
      if (!check(last)) return undefined;
      return last ?? gone;
    },
    () => JSON.stringify(last ?? 'not listed'),
  ).then((r) => (r === gone ? undefined : r));
}

export const imageCases: readonly ConformanceCase[] = [
  {
    group: 'images',
    name: 'an image from a stopped instance becomes available, boots, and is deleted',
    async run(ctx) {
      const create = imageMaker(ctx);
      if (create === undefined) return expectNoImages(ctx);
      const source = await stoppedInstance(ctx, 'image-source');
      const name = ctx.name('image');
      const image = await create(source.nativeId, name, { description: 'conformance image', tags: { 'conformance-run': ctx.fixtures.runId } });
      ctx.defer(`delete image ${image.nativeId}`, () => deleteImageQuietly(ctx.driver, image.nativeId));
      assert.ok(['pending', 'available'].includes(image.state), `a new image is ${image.state}`);
      assert.equal(image.name, name, 'image name');
      assert.equal(image.public, false, "an instance's image is private");
      assert.equal(image.tags['conformance-run'], ctx.fixtures.runId, 'image tags from the request');
      const available = await listedImage(ctx, image.nativeId, 'available', (i) => i?.state === 'available');
      assert.ok(available);
      assert.equal(available.description, 'conformance image', 'image description');
      assert.equal(available.architecture, (await ctx.fixtures.profile()).architecture, 'the image keeps the architecture');

      const launched = await createRunning(ctx, 'from-image', { imageId: image.nativeId });
      assert.equal(launched.imageId, image.nativeId, 'the new instance names its image');

      await ctx.driver.deleteImage?.(image.nativeId);
      await listedImage(ctx, image.nativeId, 'gone from listImages', (i) => i === undefined || i.state === 'deleted');
      const survivor = await ctx.driver.getInstance(launched.nativeId);
      assert.equal(survivor?.state, 'running', 'an instance made from a deleted image keeps running');
      assert.equal(survivor?.imageId, image.nativeId, 'and still names the image it came from');
      await expectSkyportError('deleting the image again', 'NotFound', async () => ctx.driver.deleteImage?.(image.nativeId));
    },
  },
  {
    group: 'images',
    name: 'an image from a running instance needs whileRunning',
    async run(ctx) {
      const create = imageMaker(ctx);
      if (create === undefined) return expectNoImages(ctx);
      if (ctx.factory.capabilities.imageFromInstance?.whileRunning) {
        ctx.log('the driver makes images of running instances; covered by the stopped case');
        return;
      }
      const running = await ctx.fixtures.runningInstance();
      await expectSkyportError('createImageFromInstance of a running instance', 'InvalidState', async () => {
        const image = await create(running.nativeId, ctx.name('running-image'));
        ctx.defer('delete wrongly created image', () => deleteImageQuietly(ctx.driver, image.nativeId));
      });
    },
  },
  {
    group: 'images',
    name: 'images of unknown instances, and unknown images, throw NotFound',
    async run(ctx) {
      const create = imageMaker(ctx);
      if (create === undefined) return expectNoImages(ctx);
      await expectSkyportError('createImageFromInstance(unknown)', 'NotFound', async () => {
        const image = await create(ctx.fixtures.unknownId, ctx.name('orphan-image'));
        ctx.defer('delete wrongly created image', () => deleteImageQuietly(ctx.driver, image.nativeId));
      });
      await expectSkyportError('deleteImage(unknown)', 'NotFound', async () => ctx.driver.deleteImage?.(ctx.fixtures.unknownId));
    },
  },
];
