/** The migration use cases of `Broker.migrations`, scoped to the caller's tenant. */
import { rm } from 'node:fs/promises';
import {
  SkyportError,
  isMigrationVmActive,
  newId,
  type Instance,
  type MigrationPlan,
  type MigrationVmStatus,
  type PreflightFinding,
} from '@skyport/model';
import type { Broker, CreateMigrationPlanRequest, MigrationVmSelection } from '../broker.js';
import type { BrokerContext } from '../context.js';
import type { MigrationPlanRecord, MigrationVmRecord } from '../ports/index.js';
import { recordOf } from '../services/queries.js';
import { requireName } from '../services/validation.js';
import { InventoryLookup } from './inventory-lookup.js';
import type { MigrationEngine } from './migration-engine.js';
import { planView, stepView } from './migration-views.js';
import { MAX_PLAN_VMS, parseMappings, parseOptions, parseOverrides, specOf, type PlanSpec } from './plan-spec.js';
import { preflightPlan } from './preflight.js';
import { proposeMappings } from './propose-mappings.js';
import { planWorkDir } from './staging.js';
import { saveVm } from './vm-records.js';

function notFound(id: string): SkyportError {
  return new SkyportError('NotFound', `migration plan ${id} does not exist; list plans with GET /api/v1/migrations`, { details: { planId: id } });
}

function refused(message: string, details: Record<string, unknown> = {}): SkyportError {
  return new SkyportError('InvalidState', message, { details });
}

/** Every blocker of a preflight, each naming its VM. */
function blockersOf(preflight: Awaited<ReturnType<typeof preflightPlan>>): (PreflightFinding & { vmId?: string; vm?: string })[] {
  return [
    ...preflight.findings.filter((f) => f.severity === 'blocker'),
    ...preflight.vms.flatMap((v) => v.findings.filter((f) => f.severity === 'blocker').map((f) => ({ ...f, vmId: v.vmId, vm: v.sourceName }))),
  ];
}

function refuseBlocked(planId: string, preflight: Awaited<ReturnType<typeof preflightPlan>>): void {
  if (preflight.ok) return;
  const blockers = blockersOf(preflight);
  const shown = blockers.slice(0, 5).map((b) => (b.vm === undefined ? b.message : `${b.vm}: ${b.message}`));
  throw refused(`migration plan ${planId} cannot run: preflight found ${blockers.length} blocker(s): ${shown.join('; ')}${blockers.length > 5 ? '; ...' : ''}. See GET /api/v1/migrations/${planId}/preflight`, {
    findings: blockers,
  });
}

/** The selection of an action, checked against the VMs it may apply to. */
function select(vms: readonly MigrationVmRecord[], selection: MigrationVmSelection | undefined, allowed: readonly MigrationVmStatus[], action: string): MigrationVmRecord[] {
  if (selection?.vmIds === undefined) return vms.filter((v) => allowed.includes(v.status));
  return selection.vmIds.map((id) => {
    const vm = vms.find((v) => v.id === id || v.sourceInstanceId === id);
    if (vm === undefined) throw new SkyportError('NotFound', `vmIds: ${id} is not a VM of this plan`, { details: { field: 'vmIds', id } });
    if (!allowed.includes(vm.status)) throw refused(`cannot ${action} VM ${vm.id} (${vm.sourceName}): it is ${vm.status}; ${action} needs it to be ${allowed.join(' or ')}`, { vmId: vm.id, currentState: vm.status, allowedStates: allowed });
    return vm;
  });
}

export function migrationService(ctx: BrokerContext, engine: MigrationEngine): Broker['migrations'] {
  const { store } = ctx;
  const now = (): string => ctx.clock.now().toISOString();

  async function plan(id: string): Promise<MigrationPlanRecord> {
    const record = await store.migrations.getPlan(id);
    if (record === undefined || record.tenantId !== ctx.scope?.tenantId) throw notFound(id);
    return record;
  }

  async function view(record: MigrationPlanRecord): Promise<MigrationPlan> {
    return planView(record, await store.migrations.listVms({ planId: record.id }), await store.migrations.listRuns(record.id));
  }

  async function touch(record: MigrationPlanRecord): Promise<MigrationPlan> {
    return view(await store.migrations.updatePlan(record.id, { updatedAt: now() }));
  }

  /** The source instances a request names, each checked to be the caller's and in the source. */
  async function instancesOf(request: CreateMigrationPlanRequest, sourceId: string): Promise<Instance[]> {
    const chosen = new Map<string, Instance>();
    for (const [i, id] of (request.instanceIds ?? []).entries()) {
      const record = await recordOf(ctx, 'instance', id);
      if (record.providerId !== sourceId) {
        throw new SkyportError('InvalidArgument', `instanceIds[${i}]: instance ${id} is in another provider, not the plan's source`, { details: { field: `instanceIds[${i}]`, id } });
      }
      chosen.set(record.id, record.data as unknown as Instance);
    }
    if (request.selector !== undefined) {
      for (let cursor: string | undefined; ; ) {
        const page = await store.resources.list({ kind: 'instance', providerIds: [sourceId], tags: request.selector.tags, limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
        for (const r of page.items) if (r.state !== 'terminated' && r.state !== 'shutting-down') chosen.set(r.id, r.data as unknown as Instance);
        if (page.nextCursor === undefined) break;
        cursor = page.nextCursor;
      }
    }
    const instances = [...chosen.values()];
    if (instances.length === 0) {
      throw new SkyportError('InvalidArgument', 'the plan has no instances: give instanceIds, or a selector whose tags match instances of the source', { details: { field: 'instanceIds' } });
    }
    if (instances.length > MAX_PLAN_VMS) {
      throw new SkyportError('InvalidArgument', `the plan has ${instances.length} instances; a plan takes at most ${MAX_PLAN_VMS}: split it`, { details: { field: 'instanceIds', max: MAX_PLAN_VMS } });
    }
    return instances;
  }

  return {
    async list() {
      const plans = await store.migrations.listPlans(ctx.scope?.tenantId);
      return Promise.all(plans.map(view));
    },

    get: async (id) => view(await plan(id)),

    async create(request) {
      requireName('name', request.name);
      const source = await ctx.connections.get(request.sourceProviderId);
      const target = await ctx.connections.get(request.targetProviderId);
      if (source.record.id === target.record.id) {
        throw new SkyportError('InvalidArgument', `targetProviderId: ${request.targetProviderId} is the source provider; a migration moves instances to another provider`, { details: { field: 'targetProviderId' } });
      }
      const instances = await instancesOf(request, source.record.id);
      const options = parseOptions(request.options);
      const mappings = parseMappings(request.mappings);
      const overrides = parseOverrides(request.overrides, instances.map((i) => i.id));
      const proposed = await proposeMappings(new InventoryLookup(store), target, instances);
      const at = now();
      const record: MigrationPlanRecord = {
        id: newId('migrationPlan'),
        tenantId: ctx.scope!.tenantId,
        name: request.name,
        sourceProviderId: source.record.id,
        targetProviderId: target.record.id,
        spec: { ...(request.selector === undefined ? {} : { selector: request.selector }), mappings, proposed, overrides, options },
        createdAt: at,
        updatedAt: at,
        finalizedAt: null,
      };
      const vms: MigrationVmRecord[] = instances.map((instance, i) => ({
        id: newId('migrationVm'),
        planId: record.id,
        seq: i + 1,
        sourceProviderId: source.record.id,
        targetProviderId: target.record.id,
        sourceInstanceId: instance.id,
        sourceName: instance.name,
        targetName: overrides[instance.id]?.targetName ?? instance.name,
        status: 'pending',
        job: 'forward',
        step: null,
        attempt: 1,
        runId: null,
        progress: { percent: 0 },
        operationId: null,
        targetInstanceId: null,
        targetImageId: null,
        control: null,
        error: null,
        createdAt: at,
        updatedAt: at,
        startedAt: null,
        finishedAt: null,
      }));
      await store.migrations.insertPlan(record, vms);
      return view(record);
    },

    async update(id, change) {
      const record = await plan(id);
      if (record.finalizedAt !== null) throw refused(`migration plan ${id} is finalized; create a new plan`);
      const runs = await store.migrations.listRuns(id);
      if (runs.length > 0) {
        throw refused(`migration plan ${id} already ran (run ${runs.length}); a plan changes only before its first run: create a new plan`, { runs: runs.length });
      }
      if (change.name !== undefined) requireName('name', change.name);
      const vms = await store.migrations.listVms({ planId: id });
      const current = specOf(record);
      const overrides = change.overrides === undefined ? current.overrides : parseOverrides(change.overrides, vms.map((v) => v.sourceInstanceId));
      const spec: PlanSpec = {
        ...current,
        ...(change.mappings === undefined ? {} : { mappings: parseMappings(change.mappings) }),
        overrides,
        ...(change.options === undefined ? {} : { options: parseOptions({ ...current.options, ...change.options }) }),
      };
      // Each VM changes only while still pending (compare-and-set): a run that started
      // meanwhile refuses the change.
      for (const vm of vms) {
        const targetName = overrides[vm.sourceInstanceId]?.targetName ?? vm.sourceName;
        if (targetName === vm.targetName) continue;
        const saved = await saveVm(ctx, vm.id, { targetName }, { statuses: ['pending'] });
        if (saved === undefined) throw refused(`migration plan ${id} started running while it was being changed; create a new plan`);
      }
      const updated = await store.migrations.updatePlan(id, { ...(change.name === undefined ? {} : { name: change.name }), spec: { ...spec }, updatedAt: now() });
      return view(updated);
    },

    async delete(id) {
      const record = await plan(id);
      const vms = await store.migrations.listVms({ planId: id });
      const moving = vms.filter((v) => isMigrationVmActive(v.status));
      if (moving.length > 0) throw refused(`migration plan ${id} has ${moving.length} VM(s) moving; cancel it and wait before deleting it`, { moving: moving.map((v) => v.id) });
      await store.migrations.deletePlan(record.id);
      // Files a failed VM kept for its retry; the clouds' resources stay.
      for (const vm of vms) await engine.forget(vm);
      await rm(planWorkDir(engine.services.workDir, record.id), { recursive: true, force: true });
    },

    async preflight(id) {
      const record = await plan(id);
      return preflightPlan(ctx, record, await store.migrations.listVms({ planId: id }), engine.canConvert);
    },

    async run(id) {
      const record = await plan(id);
      if (record.finalizedAt !== null) throw refused(`migration plan ${id} is finalized; create a new plan`);
      const runs = await store.migrations.listRuns(id);
      if (runs.length > 0) throw refused(`migration plan ${id} already ran (run ${runs.length}); retry its failed VMs with retry, or roll it back`, { runs: runs.length });
      const vms = await store.migrations.listVms({ planId: id });
      refuseBlocked(id, await preflightPlan(ctx, record, vms, engine.canConvert));
      const runId = newId('migrationRun');
      await store.migrations
        .insertRun({ id: runId, planId: id, seq: 1, kind: 'run', vmIds: vms.map((v) => v.id), createdAt: now(), cancelRequestedAt: null, finishedAt: null })
        .catch((error: unknown) => {
          throw error instanceof SkyportError && error.code === 'AlreadyExists' ? refused(`migration plan ${id} was started by another request just now`) : error;
        });
      for (const vm of vms) {
        await saveVm(ctx, vm.id, { status: 'waiting', runId, progress: { percent: 0, message: 'waiting for a worker' } }, { statuses: ['pending'] });
      }
      engine.kick();
      return touch(record);
    },

    async pause(id) {
      const record = await plan(id);
      const vms = await store.migrations.listVms({ planId: id });
      const moving = vms.filter((v) => v.job === 'forward' && ['waiting', 'queued', 'running'].includes(v.status));
      if (moving.length === 0) throw refused(`migration plan ${id} has no VM moving; nothing to pause`);
      for (const vm of moving) {
        for (let current: MigrationVmRecord | undefined = vm, tries = 0; current !== undefined && tries < 5; tries++) {
          if (current.status === 'waiting' || current.status === 'queued') {
            // Not started in this run: held before its first step (a queued job finds it paused and ends).
            const held = await saveVm(ctx, current.id, { status: 'paused', control: null, progress: { ...current.progress, message: 'paused before it started; resume to go on' } }, { statuses: [current.status], operationId: current.operationId });
            if (held !== undefined) break;
          } else if (current.status === 'running') {
            // The step in progress finishes (a half-done disk copy is not worth keeping); the job stops before the next.
            if ((await saveVm(ctx, current.id, { control: 'pause' }, { statuses: ['running'] })) !== undefined) {
              engine.signalLocal(current.id, 'pause');
              break;
            }
          } else {
            break;
          }
          current = await store.migrations.getVm(current.id);
        }
      }
      return touch(record);
    },

    async resume(id) {
      const record = await plan(id);
      const vms = await store.migrations.listVms({ planId: id });
      const paused = vms.filter((v) => v.status === 'paused');
      if (paused.length === 0) throw refused(`migration plan ${id} has no paused VM; nothing to resume`);
      for (const vm of paused) {
        // The same attempt goes on: its step history says what is done.
        await saveVm(ctx, vm.id, { status: 'waiting', control: null, progress: { ...vm.progress, message: 'waiting to resume' } }, { statuses: ['paused'] });
      }
      engine.kick();
      return touch(record);
    },

    async cancel(id) {
      const record = await plan(id);
      const vms = await store.migrations.listVms({ planId: id });
      const moving = vms.filter((v) => v.job === 'forward' && ['waiting', 'queued', 'running', 'paused'].includes(v.status));
      if (moving.length === 0) throw refused(`migration plan ${id} has no VM moving or paused; nothing to cancel`);
      const at = now();
      for (const vm of moving) {
        // The VM may move on between the read and the write: each write checks its status.
        for (let current: MigrationVmRecord | undefined = vm, tries = 0; current !== undefined && tries < 5; tries++) {
          if (current.status === 'paused' && current.step !== null) {
            // Paused half-way: its steps are undone by a job, as a cancel of a running VM is.
            const undoing = await saveVm(ctx, current.id, { status: 'cancelling', job: 'forward', operationId: newId('operation'), control: null }, { statuses: ['paused'] });
            if (undoing !== undefined) {
              await engine.enqueue(undoing);
              break;
            }
          } else if (current.status === 'waiting' || current.status === 'queued' || current.status === 'paused') {
            const done = await saveVm(ctx, current.id, { status: 'cancelled', control: null, finishedAt: at, progress: { ...current.progress, message: 'cancelled before it started' } }, { statuses: [current.status], operationId: current.operationId });
            if (done !== undefined) break;
          } else if (current.status === 'running') {
            const flagged = await saveVm(ctx, current.id, { control: 'cancel' }, { statuses: ['running'] });
            if (flagged !== undefined) {
              engine.signalLocal(current.id, 'cancel');
              break;
            }
          } else {
            break;
          }
          current = await store.migrations.getVm(current.id);
        }
      }
      const runs = await store.migrations.listRuns(id);
      const last = runs.at(-1);
      if (last !== undefined && last.cancelRequestedAt === null) await store.migrations.updateRun(last.id, { cancelRequestedAt: at });
      engine.kick();
      return touch(record);
    },

    async retry(id, selection) {
      const record = await plan(id);
      if (record.finalizedAt !== null) throw refused(`migration plan ${id} is finalized; create a new plan`);
      const vms = await store.migrations.listVms({ planId: id });
      const again = select(vms, selection, ['failed', 'cancelled', 'rolled-back'], 'retry');
      if (again.length === 0) throw refused(`migration plan ${id} has no failed, cancelled or rolled-back VM to retry`);
      refuseBlocked(id, await preflightPlan(ctx, record, again, engine.canConvert));
      const runs = await store.migrations.listRuns(id);
      const runId = newId('migrationRun');
      await store.migrations.insertRun({ id: runId, planId: id, seq: (runs.at(-1)?.seq ?? 0) + 1, kind: 'retry', vmIds: again.map((v) => v.id), createdAt: now(), cancelRequestedAt: null, finishedAt: null });
      for (const vm of again) {
        // A failed VM that was not rolled back resumes its attempt where it stopped; one whose
        // steps were undone starts a new attempt with a fresh history.
        const resume = vm.status === 'failed';
        await saveVm(
          ctx,
          vm.id,
          {
            status: 'waiting',
            runId,
            error: null,
            control: null,
            finishedAt: null,
            ...(resume ? { progress: { ...vm.progress, message: 'waiting to resume' } } : { attempt: vm.attempt + 1, step: null, startedAt: null, progress: { percent: 0, message: 'waiting for a worker' } }),
          },
          { statuses: [vm.status] },
        );
      }
      engine.kick();
      return touch(record);
    },

    async rollback(id, selection) {
      const record = await plan(id);
      if (record.finalizedAt !== null) throw refused(`migration plan ${id} is finalized: its sources may be gone, so it cannot be rolled back`);
      const vms = await store.migrations.listVms({ planId: id });
      const back = select(vms, selection, ['cut-over', 'failed'], 'roll back');
      if (back.length === 0) throw refused(`migration plan ${id} has no cut-over or failed VM to roll back`);
      for (const vm of back) {
        const queued = await saveVm(ctx, vm.id, { status: 'queued', job: 'rollback', operationId: newId('operation'), control: null, finishedAt: null }, { statuses: [vm.status] });
        if (queued !== undefined) await engine.enqueue(queued);
      }
      return touch(record);
    },

    async finalize(id) {
      const record = await plan(id);
      if (record.finalizedAt !== null) throw refused(`migration plan ${id} is finalized already`);
      const vms = await store.migrations.listVms({ planId: id });
      const moving = vms.filter((v) => isMigrationVmActive(v.status) || v.status === 'paused');
      if (moving.length > 0) throw refused(`migration plan ${id} has ${moving.length} VM(s) moving or paused; wait for them (or resume, or cancel) before finalizing`, { moving: moving.map((v) => v.id) });
      const failed = vms.filter((v) => v.status === 'failed');
      if (failed.length > 0) {
        throw refused(`VM ${failed[0]!.sourceName} (${failed[0]!.id}) failed and was not rolled back; retry or roll it back before finalizing`, { failed: failed.map((v) => v.id) });
      }
      const updated = await store.migrations.updatePlan(id, { finalizedAt: now(), updatedAt: now() });
      for (const vm of vms.filter((v) => v.status === 'cut-over')) {
        const queued = await saveVm(ctx, vm.id, { status: 'queued', job: 'finalize', operationId: newId('operation') }, { statuses: ['cut-over'] });
        if (queued !== undefined) await engine.enqueue(queued);
      }
      return view(updated);
    },

    async steps(id, vmId) {
      await plan(id);
      const vm = await store.migrations.getVm(vmId);
      if (vm === undefined || vm.planId !== id) throw new SkyportError('NotFound', `VM ${vmId} is not part of migration plan ${id}`, { details: { planId: id, vmId } });
      return (await store.migrations.listSteps(vmId)).map(stepView);
    },

    async waitFor(id, timeoutMs) {
      const record = await plan(id);
      const deadline = Date.now() + timeoutMs;
      let wake: (() => void) | undefined;
      const unsubscribe = ctx.events.subscribe((e) => {
        if (e.type === 'migration.updated' && e.planId === id) wake?.();
      });
      try {
        for (;;) {
          const current = await view(await plan(record.id));
          if (current.status !== 'running') return current;
          const left = deadline - Date.now();
          if (left <= 0) {
            throw new SkyportError('Timeout', `migration plan ${id} is still running (${current.progress}%) after ${Math.round(timeoutMs / 1000)} s`, { details: { status: current.status, progress: current.progress } });
          }
          // Woken by the plan's own events; a poll covers jobs run by another broker process.
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Math.min(left, 1000));
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
      } finally {
        unsubscribe();
      }
    },
  };
}
