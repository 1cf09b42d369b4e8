/** Provider calls from migration steps: retried where repeating is safe, waits that honour cancel. */
import { SkyportError, type Instance, type InstanceState, type Image } from '@skyport/model';
import type { NativeImage, NativeInstance } from '../ports/index.js';
import type { Connection } from '../provider-connections.js';
import { withRetry } from '../util/retry.js';
import type { VmStepContext } from './step-types.js';

/**
 * Calls the provider, retrying retryable errors. A create is retried only on throttling: a 5xx
 * or timeout may have created the resource, which the step then finds by its tag or name.
 */
export function call<T>(step: VmStepContext, fn: () => Promise<T>, safeToRepeat = true): Promise<T> {
  const { tuning, clock } = step.services.ctx;
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
    { attempts: tuning.retryAttempts, baseDelayMs: tuning.retryBaseDelayMs, maxDelayMs: 30_000, clock, signal: step.signal },
  );
}

/** Polls `read` until `settled` says true (done) or a string (why it failed); Timeout after `timeoutMs`. */
export async function waitUntil<T>(step: VmStepContext, what: string, read: () => Promise<T>, settled: (value: T) => boolean | string, timeoutMs?: number): Promise<T> {
  const { tuning, clock } = step.services.ctx;
  const limit = timeoutMs ?? tuning.operationTimeoutMs;
  const deadline = Date.now() + limit;
  for (;;) {
    const value = await call(step, read);
    const verdict = settled(value);
    if (verdict === true) return value;
    if (typeof verdict === 'string') throw new SkyportError('ProviderError', verdict);
    if (Date.now() > deadline) throw new SkyportError('Timeout', `${what} did not finish within ${Math.round(limit / 1000)} s`);
    await clock.sleep(tuning.operationPollMs, step.signal);
  }
}

/** Reads an instance from its provider and writes it to the inventory, so watchers see each state. */
export async function observeInstance(step: VmStepContext, conn: Connection, nativeId: string): Promise<Instance | undefined> {
  const native = await conn.driver.getInstance(nativeId);
  if (native === undefined) return undefined;
  return (await step.services.ctx.inventory.put(conn.record.id, 'instance', native)).data as unknown as Instance;
}

/** Waits for an instance to reach `state`; `gone` counts as terminated. */
export function waitForInstance(step: VmStepContext, conn: Connection, nativeId: string, state: InstanceState, what: string, timeoutMs?: number): Promise<Instance | undefined> {
  return waitUntil(
    step,
    what,
    () => observeInstance(step, conn, nativeId),
    (i) => {
      if (i === undefined) return state === 'terminated' ? true : `instance ${nativeId} disappeared at provider ${conn.record.name}`;
      if (i.state === state) return true;
      if (i.state === 'error') return `instance ${i.name} went to error at provider ${conn.record.name}${i.stateReason === undefined ? '' : `: ${i.stateReason}`}`;
      if (state !== 'terminated' && i.state === 'terminated') return `instance ${i.name} was terminated at provider ${conn.record.name}`;
      return false;
    },
    timeoutMs,
  );
}

/** Instances of a provider carrying `tag=value` that are not terminated (what an interrupted create made). */
export async function findTaggedInstances(step: VmStepContext, conn: Connection, tag: string, value: string): Promise<NativeInstance[]> {
  const all = await call(step, () => conn.driver.listInstances());
  return all.filter((i) => i.tags[tag] === value && i.state !== 'terminated' && i.state !== 'shutting-down');
}

export async function findImageByName(step: VmStepContext, conn: Connection, name: string): Promise<NativeImage | undefined> {
  const all = await call(step, () => conn.driver.listImages());
  return all.find((i) => i.name === name && i.state !== 'deleted');
}

/** Writes an image to the inventory (after an import or snapshot) and returns its broker view. */
export async function observeImage(step: VmStepContext, conn: Connection, native: NativeImage): Promise<Image> {
  return (await step.services.ctx.inventory.put(conn.record.id, 'image', native)).data as unknown as Image;
}

/** Deletes an image, treating "already gone" as done, and forgets it in the inventory. */
export async function deleteImage(step: VmStepContext, conn: Connection, nativeId: string): Promise<'deleted' | 'unsupported'> {
  const { driver } = conn;
  if (driver.deleteImage === undefined) return 'unsupported';
  const remove = driver.deleteImage.bind(driver);
  await call(step, () => remove(nativeId)).catch((error: unknown) => {
    if (!(error instanceof SkyportError && error.code === 'NotFound')) throw error;
  });
  await step.services.ctx.inventory.sync(conn.record.id, 'image', await call(step, () => driver.listImages()));
  return 'deleted';
}

/** Destroys an instance and waits until it is gone; an instance already gone is fine. */
export async function destroyInstance(step: VmStepContext, conn: Connection, nativeId: string): Promise<void> {
  const current = await call(step, () => conn.driver.getInstance(nativeId));
  if (current === undefined || current.state === 'terminated') return;
  await call(step, () => conn.driver.destroyInstance(nativeId)).catch((error: unknown) => {
    if (!(error instanceof SkyportError && (error.code === 'NotFound' || error.code === 'InvalidState'))) throw error;
  });
  await waitForInstance(step, conn, nativeId, 'terminated', `destroying instance ${nativeId} at provider ${conn.record.name}`);
}
