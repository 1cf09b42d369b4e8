import { SkyportError, type Instance } from '@skyport/model';
import { migrationTags, snapshotImageName } from '../migration-names.js';
import { call, deleteImage, findImageByName, observeImage, observeInstance, waitForInstance, waitUntil } from '../provider-calls.js';
import type { MigrationStep, VmStepContext } from '../step-types.js';
import type { PreflightOutput } from './preflight-step.js';

export interface StopSourceOutput {
  readonly mode: 'stop' | 'snapshot';
  /** Whether the source ran before the migration touched it: a rollback restarts it then. */
  readonly wasRunning: boolean;
  /** `snapshot` mode: the temporary image the disk is read from. */
  readonly snapshotImageNativeId?: string;
}

/**
 * Brings a source instance to `stopped`, recording first whether it ran, so that a resumed
 * step (which finds it stopped) still knows to restart it on rollback.
 */
export async function stopInstance(step: VmStepContext, nativeId: string): Promise<boolean> {
  const current = await observeInstance(step, step.source, nativeId);
  if (current === undefined || current.state === 'terminated') {
    throw new SkyportError('NotFound', `source instance ${step.vm.sourceName} no longer exists in provider ${step.source.record.name}`, { details: { instanceId: step.vm.sourceInstanceId } });
  }
  let wasRunning = step.partial['wasRunning'] as boolean | undefined;
  if (wasRunning === undefined) {
    wasRunning = current.state !== 'stopped';
    await step.checkpoint({ wasRunning });
  }
  await settleStopped(step, current, nativeId);
  return wasRunning;
}

async function settleStopped(step: VmStepContext, current: Instance, nativeId: string): Promise<void> {
  let state = current.state;
  if (state === 'stopped') return;
  if (state === 'pending' || state === 'rebooting') {
    step.progress({ message: `waiting for ${step.vm.sourceName} to finish ${state} before stopping it` });
    state = (await waitForInstance(step, step.source, nativeId, 'running', `source ${step.vm.sourceName} settling`))?.state ?? 'terminated';
  }
  if (state === 'running' || state === 'error') {
    step.progress({ message: `stopping ${step.vm.sourceName} at ${step.source.record.name}` });
    await call(step, () => step.source.driver.stopInstance(nativeId)).catch((error: unknown) => {
      // Stopping already (another request, or an earlier attempt): wait for it below.
      if (!(error instanceof SkyportError && error.code === 'InvalidState')) throw error;
    });
  }
  await waitForInstance(step, step.source, nativeId, 'stopped', `stopping source ${step.vm.sourceName}`);
}

/** Starts a stopped source again (rollback); a source gone or running already is left as it is. */
export async function restartSource(step: VmStepContext, nativeId: string): Promise<Record<string, unknown>> {
  let current = await observeInstance(step, step.source, nativeId);
  if (current === undefined || current.state === 'terminated') return { restarted: false, reason: 'the source no longer exists' };
  if (current.state === 'stopping') current = await waitForInstance(step, step.source, nativeId, 'stopped', `source ${step.vm.sourceName} stopping`);
  if (current?.state === 'stopped') {
    await call(step, () => step.source.driver.startInstance(nativeId)).catch((error: unknown) => {
      if (!(error instanceof SkyportError && error.code === 'InvalidState')) throw error;
    });
  }
  await waitForInstance(step, step.source, nativeId, 'running', `restarting source ${step.vm.sourceName}`);
  return { restarted: true };
}

/** `snapshot` mode: an image of the source (found by its name when an interrupted run made it). */
async function snapshot(step: VmStepContext, sourceNativeId: string): Promise<StopSourceOutput> {
  const { driver } = step.source;
  if (driver.createImageFromInstance === undefined) throw new SkyportError('Unsupported', `provider ${step.source.record.name} cannot make images of instances`);
  const name = snapshotImageName(step.vm.id);
  let nativeId = step.partial['snapshotImageNativeId'] as string | undefined;
  if (nativeId === undefined && step.partial['snapshotAttempted'] === true) nativeId = (await findImageByName(step, step.source, name))?.nativeId;
  if (nativeId === undefined) {
    await step.checkpoint({ snapshotAttempted: true });
    const create = driver.createImageFromInstance.bind(driver);
    const native = await call(step, () => create(sourceNativeId, name, { description: `snapshot for migration ${step.vm.id}`, tags: migrationTags(step.vm.id) }), false);
    await observeImage(step, step.source, native);
    nativeId = native.nativeId;
    await step.checkpoint({ snapshotImageNativeId: nativeId });
  }
  const id = nativeId;
  step.progress({ message: `waiting for the snapshot of ${step.vm.sourceName}` });
  await waitUntil(step, `snapshot of ${step.vm.sourceName}`, () => findImageByName(step, step.source, name), (i) =>
    i === undefined ? 'the snapshot image disappeared' : i.state === 'available' ? true : i.state === 'failed' ? 'the snapshot failed at the provider' : false,
  );
  return { mode: 'snapshot', wasRunning: false, snapshotImageNativeId: id };
}

export const stopSourceStep: MigrationStep<StopSourceOutput> = {
  id: 'stop-source',
  weight: 8,
  async run(step) {
    const { sourceNativeId } = await step.output<PreflightOutput>('preflight');
    if (step.spec.options.sourceMode === 'snapshot') return snapshot(step, sourceNativeId);
    return { mode: 'stop', wasRunning: await stopInstance(step, sourceNativeId) };
  },
  async compensate(step, output) {
    const result: Record<string, unknown> = {};
    const snapshotId = output?.snapshotImageNativeId ?? (step.partial['snapshotImageNativeId'] as string | undefined);
    const snapshotName = snapshotImageName(step.vm.id);
    const leftover = snapshotId ?? (step.partial['snapshotAttempted'] === true ? (await findImageByName(step, step.source, snapshotName))?.nativeId : undefined);
    if (leftover !== undefined) result['snapshot'] = await deleteImage(step, step.source, leftover);
    const wasRunning = output?.wasRunning ?? (step.partial['wasRunning'] as boolean | undefined) ?? false;
    if (!wasRunning) return result;
    const preflight = step.stored<PreflightOutput>('preflight');
    if (preflight === undefined) return result;
    return { ...result, ...(await restartSource(step, preflight.sourceNativeId)) };
  },
};
