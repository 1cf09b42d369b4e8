/**
 * Hands waiting VMs to the job queue within the concurrency limits: per plan
 * (`options.maxParallel`), per source provider and per target provider (broker tuning). The
 * limits are counted from the store, so they hold across plans and, on a shared PostgreSQL,
 * across brokers (two brokers dispatching in the same instant may each take the last slot:
 * limits are checked, not reserved, like quotas).
 */
import { newId } from '@skyport/model';
import type { MigrationPlanRecord, MigrationVmRecord } from '../ports/index.js';
import { specOf } from './plan-spec.js';
import type { EngineServices } from './step-types.js';
import { MIGRATION_JOB, type MigrationJobInput } from './vm-job.js';
import { saveVm } from './vm-records.js';

/** VMs that hold a slot: a worker has them, or is about to. */
const BUSY = ['queued', 'running', 'cancelling', 'rolling-back', 'finalizing'] as const;

/** Queues the operation that carries a VM's job (the VM already names it). */
export async function enqueueJob(services: EngineServices, vm: MigrationVmRecord): Promise<void> {
  const input: MigrationJobInput = { planId: vm.planId, vmId: vm.id, job: vm.job };
  await services.ctx.operations.enqueue({
    id: vm.operationId!,
    type: MIGRATION_JOB,
    providerId: vm.sourceProviderId,
    targetKind: 'instance',
    targetId: vm.sourceInstanceId,
    input: { ...input },
    message: `queued: ${vm.job === 'forward' ? 'migrate' : vm.job === 'rollback' ? 'roll back' : 'finalize'} ${vm.sourceName}`,
  });
}

export class MigrationDispatcher {
  #busy = false;
  #again = false;

  constructor(private readonly services: EngineServices) {}

  /** Dispatches soon; calls while a pass runs make one more pass. */
  kick(): void {
    if (this.#busy) {
      this.#again = true;
      return;
    }
    this.#busy = true;
    void this.#loop();
  }

  async #loop(): Promise<void> {
    try {
      do {
        this.#again = false;
        await this.dispatchOnce();
      } while (this.#again);
    } catch (error) {
      this.services.ctx.logger.error({ err: error }, 'migration dispatch failed; retried on the next pass');
    } finally {
      this.#busy = false;
    }
  }

  async dispatchOnce(): Promise<void> {
    const { ctx } = this.services;
    const waiting = await ctx.store.migrations.listVms({ statuses: ['waiting'] });
    if (waiting.length === 0) return;
    const load = await ctx.store.migrations.load(BUSY);
    const bySource = { ...load.bySource };
    const byTarget = { ...load.byTarget };
    const byPlan = { ...load.byPlan };
    const plans = new Map<string, MigrationPlanRecord | undefined>();
    for (const vm of waiting) {
      if (!plans.has(vm.planId)) plans.set(vm.planId, await ctx.store.migrations.getPlan(vm.planId));
      const plan = plans.get(vm.planId);
      if (plan === undefined) continue;
      if ((byPlan[vm.planId] ?? 0) >= specOf(plan).options.maxParallel) continue;
      if ((bySource[vm.sourceProviderId] ?? 0) >= ctx.tuning.migrationsPerSource) continue;
      if ((byTarget[vm.targetProviderId] ?? 0) >= ctx.tuning.migrationsPerTarget) continue;
      const claimed = await saveVm(ctx, vm.id, { status: 'queued', job: 'forward', operationId: newId('operation') }, { statuses: ['waiting'] });
      if (claimed === undefined) continue;
      byPlan[vm.planId] = (byPlan[vm.planId] ?? 0) + 1;
      bySource[vm.sourceProviderId] = (bySource[vm.sourceProviderId] ?? 0) + 1;
      byTarget[vm.targetProviderId] = (byTarget[vm.targetProviderId] ?? 0) + 1;
      await enqueueJob(this.services, claimed);
    }
  }

  /**
   * After a crash: a VM a worker should hold whose operation is missing (the broker died
   * between the two writes) or already ended gets a new operation.
   */
  async recover(): Promise<number> {
    const { ctx } = this.services;
    let recovered = 0;
    for (const vm of await ctx.store.migrations.listVms({ statuses: BUSY })) {
      const op = vm.operationId === null ? undefined : await ctx.store.operations.get(vm.operationId);
      if (op !== undefined && (op.status === 'queued' || op.status === 'running')) continue;
      if (op === undefined && vm.operationId !== null) {
        await enqueueJob(this.services, vm);
      } else {
        const moved = await saveVm(ctx, vm.id, { operationId: newId('operation') }, { statuses: BUSY, operationId: vm.operationId });
        if (moved === undefined) continue;
        await enqueueJob(this.services, moved);
      }
      recovered++;
    }
    return recovered;
  }
}
