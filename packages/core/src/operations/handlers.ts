import { ACTION_TARGET_STATE, SkyportError, type Instance, type InstanceAction, type InstanceState, type ResourceKind, type Tags } from '@skyport/model';
import type { BrokerContext } from '../context.js';
import type { Connection } from '../provider-connections.js';
import type {
  DriverCreateInstanceRequest,
  DriverCreateSnapshotRequest,
  DriverCreateVolumeRequest,
  OperationRecord,
  ResourceRecord,
} from '../ports/index.js';
import type { AnyNative } from '../inventory/resource-mapper.js';
import { withRetry } from '../util/retry.js';
import { findCreatedByEarlierAttempt } from './adopt-created.js';
import { exportHandler } from '../appliances/export-handler.js';
import { importImageHandler } from '../appliances/import-handler.js';

/** What a step gets: the operation, the provider's driver, and ways to report and checkpoint. */
export interface StepContext {
  readonly ctx: BrokerContext;
  readonly op: OperationRecord;
  readonly conn: Connection;
  readonly signal: AbortSignal;
  report(progress: number, message: string): Promise<void>;
  /** Stores partial results before the next step, so a resumed operation does not redo it. */
  checkpoint(result: Record<string, unknown>): Promise<void>;
}

export type OperationHandler = (step: StepContext) => Promise<Record<string, unknown>>;

/** Inputs as stored in the operation record (validated, provider-native ids). */
export interface InstanceCreateInput {
  readonly request: DriverCreateInstanceRequest;
}
export interface InstanceActionInput {
  readonly nativeId: string;
  readonly force?: boolean;
}
export interface VolumeCreateInput {
  readonly request: DriverCreateVolumeRequest;
}
export interface VolumeActionInput {
  readonly nativeId: string;
  readonly instanceNativeId?: string;
  readonly device?: string;
}
export interface SnapshotCreateInput {
  readonly request: DriverCreateSnapshotRequest;
}
export interface ImageCreateInput {
  readonly instanceNativeId: string;
  readonly name: string;
  readonly description?: string;
  readonly tags?: Tags;
}
export interface ImageDeleteInput {
  readonly nativeId: string;
}

function input<T>(op: OperationRecord): T {
  return op.input as T;
}

/**
 * Calls the provider, retrying what is safe to retry. Creates are retried only when the
 * provider said it did not process the request (throttling); a 5xx or timeout on a create
 * may have created the resource, so it surfaces instead of risking a duplicate.
 */
function call<T>(step: StepContext, fn: () => Promise<T>, safeToRepeat = true): Promise<T> {
  const { tuning, clock } = step.ctx;
  return withRetry(
    async () => {
      try {
        return await fn();
      } catch (error) {
        if (!safeToRepeat && error instanceof SkyportError && error.code !== 'Throttled' && error.retryable) {
          throw new SkyportError(error.code, error.message, { ...error, retryable: false, cause: error });
        }
        throw error;
      }
    },
    {
      attempts: tuning.retryAttempts,
      baseDelayMs: tuning.retryBaseDelayMs,
      maxDelayMs: 30_000,
      clock,
      signal: step.signal,
      onRetry: (error, attempt, delayMs) =>
        void step.report(step.op.progress, `provider answered ${error.code}; retry ${attempt} in ${Math.round(delayMs)} ms`).catch(() => undefined),
    },
  );
}

/**
 * Polls `read` until `settled` says done (true) or failed (a message); each read updates the
 * inventory so watchers see every intermediate state.
 */
async function waitUntil<T>(
  step: StepContext,
  what: string,
  read: () => Promise<T>,
  settled: (value: T) => boolean | string,
  onProgress?: (value: T) => Promise<void>,
): Promise<T> {
  const { ctx, signal } = step;
  const deadline = Date.now() + ctx.tuning.operationTimeoutMs;
  for (let attempt = 0; ; attempt++) {
    const value = await call(step, read);
    const verdict = settled(value);
    if (verdict === true) return value;
    if (typeof verdict === 'string') throw new SkyportError('ProviderError', verdict);
    await onProgress?.(value);
    if (Date.now() > deadline) {
      throw new SkyportError('Timeout', `${what} did not finish within ${Math.round(ctx.tuning.operationTimeoutMs / 1000)} s`);
    }
    // Quick first looks (25, 50, 100 ms...) catch fast transitions (a local VM is running in
    // ~0.1 s); the interval then settles at operationPollMs.
    await ctx.clock.sleep(Math.min(ctx.tuning.operationPollMs, 25 * 2 ** attempt), signal);
  }
}

/** Reads one instance from the provider and writes it to the inventory. */
async function observeInstance(step: StepContext, nativeId: string): Promise<Instance | undefined> {
  const native = await step.conn.driver.getInstance(nativeId);
  if (!native) return undefined;
  const record = await step.ctx.inventory.put(step.conn.record.id, 'instance', native, step.op.targetId ?? undefined);
  return record.data as unknown as Instance;
}

/** Finds one native resource through the driver's listing (drivers have no get for these kinds). */
async function observeListed(step: StepContext, kind: ResourceKind, nativeId: string): Promise<ResourceRecord | undefined> {
  const { driver } = step.conn;
  const listing: AnyNative[] =
    kind === 'volume'
      ? await driver.listVolumes()
      : kind === 'snapshot'
        ? await driver.listSnapshots()
        : kind === 'image'
          ? await driver.listImages()
          : await driver.listKeyPairs();
  const native = listing.find((n) => n.nativeId === nativeId);
  if (!native) return undefined;
  return step.ctx.inventory.put(step.conn.record.id, kind, native, step.op.targetId ?? undefined);
}

async function markGone(step: StepContext): Promise<void> {
  if (!step.op.targetId) return;
  const record = await step.ctx.store.resources.get(step.op.targetId);
  if (record) await step.ctx.inventory.remove(record);
}

const STATE_PROGRESS: Partial<Record<InstanceState, number>> = { pending: 50, stopping: 50, rebooting: 50, 'shutting-down': 50 };

function instanceSettled(target: InstanceState) {
  return (instance: Instance | undefined): boolean | string => {
    if (!instance) return target === 'terminated' ? true : 'the instance disappeared at the provider';
    if (instance.state === target) return true;
    if (instance.state === 'error') return `the instance went to error${instance.stateReason ? `: ${instance.stateReason}` : ''} (provider state ${instance.rawState})`;
    if (target !== 'terminated' && instance.state === 'terminated') return 'the instance was terminated';
    return false;
  };
}

const createInstance: OperationHandler = async (step) => {
  const { request } = input<InstanceCreateInput>(step.op);
  let nativeId = step.op.result?.['nativeId'] as string | undefined;
  if (nativeId === undefined) {
    // An earlier attempt that asked for the instance and died before its checkpoint may have
    // created it: adopt that one rather than create a second.
    const adopted = step.op.result?.['createRequested'] === true ? await call(step, () => findCreatedByEarlierAttempt(step, request.name)) : undefined;
    if (adopted === undefined) await step.checkpoint({ createRequested: true });
    await step.report(10, adopted ? `adopting ${request.name}, created by an earlier attempt` : `asking ${step.conn.record.name} to create ${request.name}`);
    const native = adopted ?? (await call(step, () => step.conn.driver.createInstance(request), false));
    nativeId = native.nativeId;
    await step.ctx.inventory.put(step.conn.record.id, 'instance', native, step.op.targetId ?? undefined);
    await step.checkpoint({ nativeId });
  }
  const target: InstanceState = step.conn.factory.behaviour.createdStopped ? 'stopped' : 'running';
  const id = nativeId;
  const instance = await waitUntil(step, `creating instance ${request.name}`, () => observeInstance(step, id), instanceSettled(target), async (i) => {
    if (i) await step.report(STATE_PROGRESS[i.state] ?? 30, `instance is ${i.state} (provider: ${i.rawState})`);
  });
  return { nativeId, instanceId: instance?.id, state: instance?.state };
};

function instanceAction(action: InstanceAction): OperationHandler {
  return async (step) => {
    const { nativeId, force } = input<InstanceActionInput>(step.op);
    const { driver } = step.conn;
    if (step.op.result?.['accepted'] !== true) {
      await step.report(10, `asking ${step.conn.record.name} to ${action} the instance`);
      await call(step, () => {
        switch (action) {
          case 'start':
            return driver.startInstance(nativeId);
          case 'stop':
            return driver.stopInstance(nativeId, { force: force === true });
          case 'reboot':
            return driver.rebootInstance(nativeId);
          case 'destroy':
            return driver.destroyInstance(nativeId);
        }
      });
      await step.checkpoint({ accepted: true });
    }
    const target = ACTION_TARGET_STATE[action];
    const instance = await waitUntil(step, `${action} of instance ${step.op.targetId}`, () => observeInstance(step, nativeId), instanceSettled(target), async (i) => {
      if (i) await step.report(STATE_PROGRESS[i.state] ?? 30, `instance is ${i.state} (provider: ${i.rawState})`);
    });
    return { state: instance?.state ?? 'terminated' };
  };
}

const createVolume: OperationHandler = async (step) => {
  const { request } = input<VolumeCreateInput>(step.op);
  let nativeId = step.op.result?.['nativeId'] as string | undefined;
  if (nativeId === undefined) {
    await step.report(10, `asking ${step.conn.record.name} to create volume ${request.name}`);
    const native = await call(step, () => step.conn.driver.createVolume(request), false);
    nativeId = native.nativeId;
    await step.ctx.inventory.put(step.conn.record.id, 'volume', native, step.op.targetId ?? undefined);
    await step.checkpoint({ nativeId });
  }
  const id = nativeId;
  await waitUntil(step, `creating volume ${request.name}`, () => observeListed(step, 'volume', id), (r) =>
    !r ? 'the volume disappeared at the provider' : r.state === 'available' ? true : r.state === 'error' ? 'the volume went to error' : false,
  );
  return { nativeId, volumeId: step.op.targetId };
};

function volumeAction(action: 'attach' | 'detach' | 'delete'): OperationHandler {
  return async (step) => {
    const { nativeId, instanceNativeId, device } = input<VolumeActionInput>(step.op);
    const { driver } = step.conn;
    if (step.op.result?.['accepted'] !== true) {
      await step.report(10, `asking ${step.conn.record.name} to ${action} the volume`);
      await call(step, () =>
        action === 'attach' ? driver.attachVolume(nativeId, instanceNativeId ?? '', device) : action === 'detach' ? driver.detachVolume(nativeId) : driver.deleteVolume(nativeId),
      );
      await step.checkpoint({ accepted: true });
    }
    const want = action === 'attach' ? 'in-use' : action === 'detach' ? 'available' : 'deleted';
    const record = await waitUntil(step, `${action} of volume ${step.op.targetId}`, () => observeListed(step, 'volume', nativeId), (r) =>
      !r ? (want === 'deleted' ? true : 'the volume disappeared at the provider') : r.state === want ? true : r.state === 'error' ? 'the volume went to error' : false,
    );
    if (want === 'deleted') await markGone(step);
    return { state: record?.state ?? 'deleted' };
  };
}

const createSnapshot: OperationHandler = async (step) => {
  const { request } = input<SnapshotCreateInput>(step.op);
  let nativeId = step.op.result?.['nativeId'] as string | undefined;
  if (nativeId === undefined) {
    await step.report(5, `asking ${step.conn.record.name} to snapshot the volume`);
    const native = await call(step, () => step.conn.driver.createSnapshot(request), false);
    nativeId = native.nativeId;
    await step.ctx.inventory.put(step.conn.record.id, 'snapshot', native, step.op.targetId ?? undefined);
    await step.checkpoint({ nativeId });
  }
  const id = nativeId;
  await waitUntil(
    step,
    `snapshot ${request.name}`,
    () => observeListed(step, 'snapshot', id),
    (r) => (!r ? 'the snapshot disappeared at the provider' : r.state === 'completed' ? true : r.state === 'error' ? 'the snapshot failed at the provider' : false),
    async (r) => {
      const progress = Number((r?.data as { progress?: number } | undefined)?.progress ?? 0);
      await step.report(Math.max(5, Math.min(99, progress)), `snapshot ${progress}% done`);
    },
  );
  return { nativeId, snapshotId: step.op.targetId };
};

const deleteSnapshot: OperationHandler = async (step) => {
  const { nativeId } = input<{ nativeId: string }>(step.op);
  if (step.op.result?.['accepted'] !== true) {
    await call(step, () => step.conn.driver.deleteSnapshot(nativeId));
    await step.checkpoint({ accepted: true });
  }
  await waitUntil(step, `deleting snapshot ${step.op.targetId}`, () => observeListed(step, 'snapshot', nativeId), (r) => !r || r.state === 'deleted');
  await markGone(step);
  return {};
};

const createImage: OperationHandler = async (step) => {
  const { instanceNativeId, name, description, tags } = input<ImageCreateInput>(step.op);
  const { driver } = step.conn;
  if (!driver.createImageFromInstance) throw new SkyportError('Unsupported', `provider ${step.conn.record.name} does not support creating images from instances`);
  let nativeId = step.op.result?.['nativeId'] as string | undefined;
  if (nativeId === undefined) {
    await step.report(5, `asking ${step.conn.record.name} to create image ${name}`);
    const create = driver.createImageFromInstance.bind(driver);
    const options = { ...(description === undefined ? {} : { description }), ...(tags === undefined ? {} : { tags }) };
    const native = await call(step, () => create(instanceNativeId, name, options), false);
    nativeId = native.nativeId;
    await step.ctx.inventory.put(step.conn.record.id, 'image', native, step.op.targetId ?? undefined);
    await step.checkpoint({ nativeId });
  }
  const id = nativeId;
  await waitUntil(
    step,
    `creating image ${name}`,
    () => observeListed(step, 'image', id),
    (r) => (!r ? 'the image disappeared at the provider' : r.state === 'available' ? true : r.state === 'failed' ? 'the image failed at the provider' : false),
    async (r) => {
      if (r) await step.report(50, `image is ${r.state}`);
    },
  );
  return { nativeId, imageId: step.op.targetId };
};

const deleteImage: OperationHandler = async (step) => {
  const { nativeId } = input<ImageDeleteInput>(step.op);
  const { driver } = step.conn;
  if (!driver.deleteImage) throw new SkyportError('Unsupported', `provider ${step.conn.record.name} does not support deleting images`);
  if (step.op.result?.['accepted'] !== true) {
    await step.report(10, `asking ${step.conn.record.name} to delete the image`);
    const remove = driver.deleteImage.bind(driver);
    // A retried delete may find the image already gone: that is the outcome asked for.
    await call(step, () => remove(nativeId)).catch((error: unknown) => {
      if (!(error instanceof SkyportError && error.code === 'NotFound')) throw error;
    });
    await step.checkpoint({ accepted: true });
  }
  await waitUntil(step, `deleting image ${step.op.targetId}`, () => observeListed(step, 'image', nativeId), (r) => !r || r.state === 'deleted');
  // Kept as vanished rather than removed: instances made from the image go on naming it by
  // its broker id, and `includeVanished` lists still show what it was.
  const listing = await call(step, () => driver.listImages());
  await step.ctx.inventory.sync(step.conn.record.id, 'image', listing);
  return {};
};

export const OPERATION_HANDLERS: Readonly<Record<string, OperationHandler>> = {
  'instance.create': createInstance,
  'instance.start': instanceAction('start'),
  'instance.stop': instanceAction('stop'),
  'instance.reboot': instanceAction('reboot'),
  'instance.destroy': instanceAction('destroy'),
  'volume.create': createVolume,
  'volume.attach': volumeAction('attach'),
  'volume.detach': volumeAction('detach'),
  'volume.delete': volumeAction('delete'),
  'snapshot.create': createSnapshot,
  'snapshot.delete': deleteSnapshot,
  'image.create': createImage,
  'image.delete': deleteImage,
  'image.import': importImageHandler,
  'image.export': exportHandler,
  'instance.export': exportHandler,
};
