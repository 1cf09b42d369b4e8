import { SkyportError } from '@skyport/model';
import type { NativeInstance } from '../../ports/index.js';
import { enforceQuota } from '../../services/quotas.js';
import { MIGRATION_TAG, migrationTags } from '../migration-names.js';
import { call, destroyInstance, findTaggedInstances, observeInstance, waitForInstance, waitUntil } from '../provider-calls.js';
import type { MigrationStep, VmStepContext } from '../step-types.js';
import type { ImportOutput } from './import-image.js';
import type { PreflightOutput } from './preflight-step.js';

export interface CreateTargetOutput {
  readonly instanceNativeId: string;
  readonly instanceId: string;
}

function canTag(step: VmStepContext): boolean {
  return step.target.factory.capabilities.tags?.kinds.includes('instance') === true;
}

/**
 * Instances an interrupted run created: found by the VM's tag, or (for providers without
 * instance tags) by name and image.
 */
async function leftovers(step: VmStepContext): Promise<NativeInstance[]> {
  if (canTag(step)) return findTaggedInstances(step, step.target, MIGRATION_TAG, step.vm.id);
  const image = step.stored<ImportOutput>('import');
  const all = await call(step, () => step.target.driver.listInstances());
  return all.filter((i) => i.name === step.vm.targetName && image !== undefined && i.imageId === image.imageNativeId && i.state !== 'terminated');
}

export const createTargetStep: MigrationStep<CreateTargetOutput> = {
  id: 'create-target',
  weight: 10,
  async run(step) {
    const { ctx } = step.services;
    const { target } = await step.output<PreflightOutput>('preflight');
    let nativeId = step.partial['instanceNativeId'] as string | undefined;
    if (nativeId === undefined && step.partial['attempted'] === true) nativeId = (await leftovers(step))[0]?.nativeId;
    if (nativeId === undefined) {
      const image = await step.output<ImportOutput>('import');
      await enforceQuota(ctx, step.plan.tenantId, { instances: 1, vcpus: target.cpus, memoryMiB: target.memoryMiB });
      await step.checkpoint({ attempted: true });
      step.progress({ message: `creating ${target.name} in ${step.target.record.name}` });
      const native = await call(
        step,
        () =>
          step.target.driver.createInstance({
            name: target.name,
            imageId: image.imageNativeId,
            hardwareProfileId: target.hardwareProfileId,
            cpus: target.cpus,
            memoryMiB: target.memoryMiB,
            diskGiB: target.diskGiB,
            ...(target.locationId === undefined ? {} : { locationId: target.locationId }),
            ...(target.keyName === undefined ? {} : { keyName: target.keyName }),
            ...(target.securityGroupIds === undefined ? {} : { securityGroupIds: target.securityGroupIds }),
            tags: canTag(step) ? { ...target.tags, ...migrationTags(step.vm.id) } : target.tags,
          }),
        false,
      );
      nativeId = native.nativeId;
      // Into the inventory before the checkpoint: a run interrupted here finds it by its tag.
      await ctx.inventory.put(step.target.record.id, 'instance', native);
      await step.checkpoint({ instanceNativeId: nativeId });
    }
    const record = await ctx.store.resources.getByNativeId(step.target.record.id, 'instance', nativeId);
    if (record === undefined) {
      const native = await call(step, () => step.target.driver.getInstance(nativeId!));
      if (native === undefined) throw new SkyportError('ProviderError', `the new instance ${nativeId} disappeared at provider ${step.target.record.name}`);
      await ctx.inventory.put(step.target.record.id, 'instance', native);
    }
    const instanceId = (await ctx.store.resources.getByNativeId(step.target.record.id, 'instance', nativeId))!.id;
    await step.setTargets({ targetInstanceId: instanceId });
    step.progress({ message: `waiting for ${target.name} to start` });
    const id = nativeId;
    // Providers that create instances stopped settle in `stopped` first; start them then.
    const createdStopped = step.target.factory.behaviour.createdStopped;
    const settled = await waitUntil(step, `creating ${target.name}`, () => observeInstance(step, step.target, id), (i) => {
      if (i === undefined) return `the new instance ${id} disappeared at provider ${step.target.record.name}`;
      if (i.state === 'running' || (createdStopped && i.state === 'stopped')) return true;
      if (i.state === 'error' || i.state === 'terminated') return `the new instance ${target.name} went to ${i.state}${i.stateReason === undefined ? '' : `: ${i.stateReason}`}`;
      return false;
    });
    if (settled?.state === 'stopped') {
      await call(step, () => step.target.driver.startInstance(id));
      await waitForInstance(step, step.target, id, 'running', `starting ${target.name}`);
    }
    return { instanceNativeId: id, instanceId };
  },
  async compensate(step, output) {
    const recorded = output?.instanceNativeId ?? (step.partial['instanceNativeId'] as string | undefined);
    // Everything carrying this VM's tag goes, not only the recorded one.
    const found = step.partial['attempted'] === true || recorded !== undefined ? await leftovers(step) : [];
    const ids = new Set([...(recorded === undefined ? [] : [recorded]), ...found.map((i) => i.nativeId)]);
    for (const id of ids) {
      step.progress({ message: `removing the target instance ${id}` });
      await destroyInstance(step, step.target, id);
    }
    await step.setTargets({ targetInstanceId: null });
    return { destroyed: [...ids] };
  },
};
