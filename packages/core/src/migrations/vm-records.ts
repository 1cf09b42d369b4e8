import type { MigrationVmStatus } from '@skyport/model';
import type { BrokerContext } from '../context.js';
import type { MigrationVmPatch, MigrationVmRecord } from '../ports/index.js';
import { vmView } from './migration-views.js';

/** Tells event stream watchers (SSE, `migrate status --watch`) that a VM changed. */
export function publishVm(ctx: BrokerContext, vm: MigrationVmRecord): void {
  ctx.events.publish({ type: 'migration.updated', providerId: vm.sourceProviderId, planId: vm.planId, vm: vmView(vm) });
}

/** Writes a VM (compare-and-set with `expect`) and publishes the change; undefined when another writer won. */
export async function saveVm(
  ctx: BrokerContext,
  id: string,
  patch: MigrationVmPatch,
  expect?: { readonly statuses?: readonly MigrationVmStatus[]; readonly operationId?: string | null },
): Promise<MigrationVmRecord | undefined> {
  const saved = await ctx.store.migrations.updateVm(id, { ...patch, updatedAt: ctx.clock.now().toISOString() }, expect);
  if (saved !== undefined) publishVm(ctx, saved);
  return saved;
}
