/** Shared steps of the instance cases: create with cleanup, wait, check what an action did. */
import assert from 'node:assert/strict';
import type { DriverCreateInstanceRequest, NativeInstance } from '@skyport/core';
import { INSTANCE_STATES, type InstanceState } from '@skyport/model';
import type { CaseContext } from '../conformance-case.js';
import { destroyInstanceQuietly } from '../cleanup.js';
import { waitForInstanceState } from '../wait-for-instance-state.js';

/** Creates an instance and registers its destruction, whatever happens next. */
export async function createInstance(ctx: CaseContext, label: string, extra: Partial<DriverCreateInstanceRequest> = {}): Promise<{ request: DriverCreateInstanceRequest; created: NativeInstance }> {
  const request = await ctx.fixtures.instanceRequest(label, extra);
  const created = await ctx.driver.createInstance(request);
  ctx.defer(`destroy instance ${created.nativeId}`, () => destroyInstanceQuietly(ctx.driver, created.nativeId));
  return { request, created };
}

/** Waits for `states`, checking every observed change against the state machine. */
export async function waitFor(ctx: CaseContext, id: string, states: readonly InstanceState[], from?: InstanceState): Promise<NativeInstance | undefined> {
  return waitForInstanceState(ctx.driver, id, states, ctx.stateChangeMs, { pollMs: ctx.pollMs, ...(from === undefined ? {} : { from }) });
}

/** Creates an instance and brings it to `running` (starting it when the driver creates stopped ones). */
export async function createRunning(ctx: CaseContext, label: string, extra: Partial<DriverCreateInstanceRequest> = {}): Promise<NativeInstance> {
  const { created } = await createInstance(ctx, label, extra);
  let from = created.state;
  if (ctx.factory.behaviour.createdStopped) {
    await waitFor(ctx, created.nativeId, ['stopped'], from);
    await ctx.driver.startInstance(created.nativeId);
    from = 'stopped';
  }
  const running = await waitFor(ctx, created.nativeId, ['running'], from);
  assert.ok(running, `instance ${created.nativeId} vanished on its way to running`);
  return running;
}

/**
 * Right after an action returns, the provider must already show its effect: the instance is
 * in one of `expected` (the action's transitional state or its target), never still in the
 * old stable state. `undefined` stands for "gone".
 */
export async function expectStateAfterAction(
  ctx: CaseContext,
  id: string,
  action: string,
  expected: readonly (InstanceState | undefined)[],
): Promise<NativeInstance | undefined> {
  const instance = await ctx.driver.getInstance(id);
  const state = instance?.state;
  assert.ok(
    expected.includes(state),
    `right after ${action}, instance ${id} is ${state ?? 'gone'} (${instance?.rawState ?? '-'}); expected ${expected.map((s) => s ?? 'gone').join(' or ')}`,
  );
  return instance;
}

/** What every instance record must look like, and that it reflects the create request. */
export function checkInstance(instance: NativeInstance, request?: DriverCreateInstanceRequest): void {
  const id = instance.nativeId;
  assert.ok(typeof id === 'string' && id !== '', 'instance nativeId must be a non-empty string');
  assert.ok((INSTANCE_STATES as readonly string[]).includes(instance.state), `instance ${id} state ${instance.state} is not a model state`);
  assert.ok(typeof instance.rawState === 'string' && instance.rawState.trim() !== '', `instance ${id} rawState must be non-empty`);
  assert.ok(!Number.isNaN(Date.parse(instance.createdAt)), `instance ${id} createdAt ${instance.createdAt} is not a date`);
  assert.ok(Array.isArray(instance.addresses), `instance ${id} addresses must be an array`);
  for (const a of instance.addresses) assert.ok((a.kind === 'public' || a.kind === 'private') && a.address !== '', `instance ${id} has a malformed address ${JSON.stringify(a)}`);
  assert.equal(typeof instance.tags, 'object', `instance ${id} tags must be an object`);
  for (const [k, v] of Object.entries(instance.tags)) assert.equal(typeof v, 'string', `instance ${id} tag ${k} must be a string`);
  for (const n of [instance.cpus, instance.memoryMiB, instance.diskGiB]) assert.ok(Number.isInteger(n) && n > 0, `instance ${id} has a non-positive size: ${n}`);
  if (request === undefined) return;
  assert.equal(instance.name, request.name, `instance ${id} name`);
  assert.equal(instance.imageId, request.imageId, `instance ${id} imageId`);
  assert.equal(instance.hardwareProfileId, request.hardwareProfileId, `instance ${id} hardwareProfileId`);
  assert.equal(instance.cpus, request.cpus, `instance ${id} cpus`);
  assert.equal(instance.memoryMiB, request.memoryMiB, `instance ${id} memoryMiB`);
  assert.equal(instance.diskGiB, request.diskGiB, `instance ${id} diskGiB`);
  if (request.locationId !== undefined) assert.equal(instance.locationId, request.locationId, `instance ${id} locationId`);
  for (const [k, v] of Object.entries(request.tags ?? {})) assert.equal(instance.tags[k], v, `instance ${id} tag ${k}`);
}
