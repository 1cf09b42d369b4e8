/** Block volumes and their snapshots. */
import assert from 'node:assert/strict';
import type { NativeVolume } from '@skyport/core';
import type { CaseContext, ConformanceCase } from '../conformance-case.js';
import { deleteSnapshotQuietly, deleteVolumeQuietly } from '../cleanup.js';
import { expectSkyportError, expectUnsupported } from '../expect-error.js';
import { poll } from '../poll.js';
import { waitForSnapshotState, waitForVolumeState } from '../wait-for-resource.js';
import { createRunning, waitFor } from './instance-helpers.js';

/** Creates a 1 GiB volume with cleanup and waits until it is available. */
export async function availableVolume(ctx: CaseContext, label: string, extra: { locationId?: string; snapshotId?: string } = {}): Promise<NativeVolume> {
  const created = await ctx.driver.createVolume({ name: ctx.name(label), sizeGiB: 1, tags: { 'conformance-run': ctx.fixtures.runId }, ...extra });
  ctx.defer(`delete volume ${created.nativeId}`, () => deleteVolumeQuietly(ctx.driver, created.nativeId, ctx.stateChangeMs));
  assert.ok(['creating', 'available'].includes(created.state), `createVolume returned state ${created.state}`);
  const volume = await waitForVolumeState(ctx.driver, created.nativeId, ['available'], ctx.stateChangeMs, ctx.pollMs);
  assert.ok(volume);
  return volume;
}

/** The instance to attach to: the shared running one, or a stopped one if the driver needs that. */
async function attachTarget(ctx: CaseContext) {
  if (ctx.factory.capabilities.volumes?.attachWhileRunning) return ctx.fixtures.runningInstance();
  const instance = await createRunning(ctx, 'attach-target');
  await ctx.driver.stopInstance(instance.nativeId);
  const stopped = await waitFor(ctx, instance.nativeId, ['stopped'], 'running');
  assert.ok(stopped);
  return stopped;
}

async function attached(ctx: CaseContext, label: string): Promise<{ volume: NativeVolume; instanceId: string }> {
  const instance = await attachTarget(ctx);
  const volume = await availableVolume(ctx, label, instance.locationId === undefined ? {} : { locationId: instance.locationId });
  await ctx.driver.attachVolume(volume.nativeId, instance.nativeId);
  const inUse = await waitForVolumeState(ctx.driver, volume.nativeId, ['in-use'], ctx.stateChangeMs, ctx.pollMs);
  assert.ok(inUse);
  return { volume: inUse, instanceId: instance.nativeId };
}

export const volumeCases: readonly ConformanceCase[] = [
  {
    group: 'volumes',
    name: 'create reaches available and delete removes it',
    async run(ctx) {
      if (ctx.factory.capabilities.volumes === undefined) {
        await expectUnsupported('createVolume', () => ctx.driver.createVolume({ name: ctx.name('volume'), sizeGiB: 1 }));
        return;
      }
      const volume = await availableVolume(ctx, 'volume');
      assert.equal(volume.sizeGiB, 1, 'volume size');
      assert.equal(volume.name, ctx.name('volume'), 'volume name');
      assert.equal(volume.attachment, undefined, 'a new volume is not attached');
      assert.equal(volume.tags['conformance-run'], ctx.fixtures.runId, 'volume tags from the request');
      await ctx.driver.deleteVolume(volume.nativeId);
      await waitForVolumeState(ctx.driver, volume.nativeId, ['deleted'], ctx.stateChangeMs, ctx.pollMs);
    },
  },
  {
    group: 'volumes',
    name: 'attach to a running instance and detach',
    async run(ctx) {
      if (ctx.factory.capabilities.volumes === undefined) {
        await expectUnsupported('attachVolume', () => ctx.driver.attachVolume(ctx.fixtures.unknownId, ctx.fixtures.unknownId));
        return;
      }
      const instance = await attachTarget(ctx);
      const volume = await availableVolume(ctx, 'attach', instance.locationId === undefined ? {} : { locationId: instance.locationId });
      await ctx.driver.attachVolume(volume.nativeId, instance.nativeId);
      const attaching = (await ctx.driver.listVolumes()).find((v) => v.nativeId === volume.nativeId);
      assert.ok(attaching && ['attaching', 'in-use'].includes(attaching.state), `right after attachVolume the volume is ${attaching?.state}`);
      const inUse = await waitForVolumeState(ctx.driver, volume.nativeId, ['in-use'], ctx.stateChangeMs, ctx.pollMs);
      assert.equal(inUse?.attachment?.instanceId, instance.nativeId, 'attachment names the instance');
      assert.ok(inUse?.attachment?.device, 'attachment names a device');
      await ctx.driver.detachVolume(volume.nativeId);
      const detaching = (await ctx.driver.listVolumes()).find((v) => v.nativeId === volume.nativeId);
      assert.ok(detaching && ['detaching', 'available'].includes(detaching.state), `right after detachVolume the volume is ${detaching?.state}`);
      const available = await waitForVolumeState(ctx.driver, volume.nativeId, ['available'], ctx.stateChangeMs, ctx.pollMs);
      assert.equal(available?.attachment, undefined, 'a detached volume has no attachment');
    },
  },
  {
    group: 'volumes',
    name: 'deleting an attached volume throws InvalidState',
    async run(ctx) {
      if (ctx.factory.capabilities.volumes === undefined) {
        await expectUnsupported('deleteVolume', () => ctx.driver.deleteVolume(ctx.fixtures.unknownId));
        return;
      }
      const { volume } = await attached(ctx, 'attached-delete');
      await expectSkyportError('deleteVolume on an attached volume', 'InvalidState', () => ctx.driver.deleteVolume(volume.nativeId));
      const still = (await ctx.driver.listVolumes()).find((v) => v.nativeId === volume.nativeId);
      assert.equal(still?.state, 'in-use', 'a refused delete leaves the volume attached');
    },
  },
  {
    group: 'volumes',
    name: 'a size above maxSizeGiB throws InvalidArgument',
    async run(ctx) {
      const caps = ctx.factory.capabilities.volumes;
      if (caps === undefined) {
        await expectUnsupported('createVolume', () => ctx.driver.createVolume({ name: ctx.name('huge'), sizeGiB: 1 }));
        return;
      }
      await expectSkyportError(`createVolume of ${caps.maxSizeGiB + 1} GiB`, 'InvalidArgument', async () => {
        const created = await ctx.driver.createVolume({ name: ctx.name('huge'), sizeGiB: caps.maxSizeGiB + 1 });
        ctx.defer('delete wrongly created volume', () => deleteVolumeQuietly(ctx.driver, created.nativeId, ctx.stateChangeMs));
        return created;
      });
      await expectSkyportError('createVolume of 0 GiB', 'InvalidArgument', () => ctx.driver.createVolume({ name: ctx.name('empty'), sizeGiB: 0 }));
    },
  },
  {
    group: 'volumes',
    name: 'actions on an unknown volume throw NotFound',
    async run(ctx) {
      const code = ctx.factory.capabilities.volumes === undefined ? 'Unsupported' : 'NotFound';
      const id = ctx.fixtures.unknownId;
      await expectSkyportError('detachVolume(unknown)', code, () => ctx.driver.detachVolume(id));
      await expectSkyportError('deleteVolume(unknown)', code, () => ctx.driver.deleteVolume(id));
      await expectSkyportError('attachVolume(unknown, unknown)', code, () => ctx.driver.attachVolume(id, id));
    },
  },
  {
    group: 'snapshots',
    name: 'a volume snapshot reaches completed',
    async run(ctx) {
      if (!ctx.factory.capabilities.snapshots?.volume || ctx.factory.capabilities.volumes === undefined) {
        await expectUnsupported('createSnapshot', () => ctx.driver.createSnapshot({ name: ctx.name('snap'), volumeId: ctx.fixtures.unknownId }));
        return;
      }
      const volume = await availableVolume(ctx, 'snap-source');
      const created = await ctx.driver.createSnapshot({ name: ctx.name('snap'), volumeId: volume.nativeId, tags: { 'conformance-run': ctx.fixtures.runId } });
      ctx.defer(`delete snapshot ${created.nativeId}`, () => deleteSnapshotQuietly(ctx.driver, created.nativeId));
      assert.ok(['pending', 'completed'].includes(created.state), `createSnapshot returned ${created.state}`);
      assert.equal(created.volumeId, volume.nativeId, 'snapshot names its volume');
      assert.ok(created.progress >= 0 && created.progress <= 100, `progress ${created.progress}`);
      const completed = await waitForSnapshotState(ctx.driver, created.nativeId, ['completed'], ctx.stateChangeMs, ctx.pollMs);
      assert.equal(completed?.progress, 100, 'a completed snapshot is at 100%');
      assert.equal(completed?.sizeGiB, volume.sizeGiB, 'snapshot size is the volume size');
      await ctx.driver.deleteSnapshot(created.nativeId);
      await waitForSnapshotState(ctx.driver, created.nativeId, ['deleted'], ctx.stateChangeMs, ctx.pollMs);
    },
  },
  {
    group: 'snapshots',
    name: 'a volume created from a snapshot names it',
    async run(ctx) {
      if (!ctx.factory.capabilities.snapshots?.volume || ctx.factory.capabilities.volumes === undefined) {
        await expectUnsupported('createSnapshot', () => ctx.driver.createSnapshot({ name: ctx.name('snap'), volumeId: ctx.fixtures.unknownId }));
        return;
      }
      const source = await availableVolume(ctx, 'restore-source');
      const snapshot = await ctx.driver.createSnapshot({ name: ctx.name('restore-snap'), volumeId: source.nativeId });
      ctx.defer(`delete snapshot ${snapshot.nativeId}`, () => deleteSnapshotQuietly(ctx.driver, snapshot.nativeId));
      await waitForSnapshotState(ctx.driver, snapshot.nativeId, ['completed'], ctx.stateChangeMs, ctx.pollMs);
      const restored = await availableVolume(ctx, 'restored', { snapshotId: snapshot.nativeId });
      assert.equal(restored.snapshotId, snapshot.nativeId, 'the restored volume names its snapshot');
      const listed = await poll('restored volume listed', ctx.stateChangeMs, ctx.pollMs, async () => (await ctx.driver.listVolumes()).find((v) => v.nativeId === restored.nativeId));
      assert.equal(listed.snapshotId, snapshot.nativeId);
    },
  },
  {
    group: 'snapshots',
    name: 'deleting an unknown snapshot throws NotFound',
    async run(ctx) {
      const code = ctx.factory.capabilities.snapshots === undefined ? 'Unsupported' : 'NotFound';
      await expectSkyportError('deleteSnapshot(unknown)', code, () => ctx.driver.deleteSnapshot(ctx.fixtures.unknownId));
    },
  },
];
