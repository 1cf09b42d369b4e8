/**
 * One job of one VM, run by a job-queue worker as an operation of type `migration.vm`: the
 * forward steps, the compensations (cancel, rollback, failure), or finalize. The VM record is
 * the truth; the operation only carries the job. A worker that dies leaves both as they were,
 * and the next worker to claim the operation resumes from the VM's status and step history.
 */
import { SkyportError, isMigrationVmActive, toSkyportError, type MigrationVmStatus, type SkyportErrorJson } from '@skyport/model';
import type { ClaimFence, MigrationVmRecord, OperationRecord } from '../ports/index.js';
import { specOf } from './plan-spec.js';
import type { EngineServices } from './step-types.js';
import { saveVm } from './vm-records.js';
import { PausedBefore, VmWorkflow, type WorkflowHost } from './vm-workflow.js';

export const MIGRATION_JOB = 'migration.vm';

export interface MigrationJobInput {
  readonly planId: string;
  readonly vmId: string;
  readonly job: MigrationVmRecord['job'];
}

/** The status a VM has while each kind of job holds it. */
export const JOB_STATUS: Readonly<Record<MigrationVmRecord['job'], MigrationVmStatus>> = { forward: 'running', rollback: 'rolling-back', finalize: 'finalizing' };

const HELD: readonly MigrationVmStatus[] = ['queued', 'running', 'cancelling', 'rolling-back', 'finalizing'];

/** Another worker or request took the VM away from this job (it is no longer the VM's operation). */
class Superseded extends Error {}

/** How often a running job looks for a cancel or pause request made through another broker process. */
const CANCEL_POLL_MS = 500;

export interface JobCallbacks {
  /** Registers the job's control, so a cancel or pause in this process reaches it at once. */
  register(vmId: string, control: (request: 'cancel' | 'pause') => void): () => void;
  /** After the job: dispatch more VMs, hurry the providers' pollers. */
  settled(vm: MigrationVmRecord | undefined): void;
}

interface Outcome {
  readonly status: MigrationVmStatus;
  readonly error?: SkyportErrorJson | null;
  /** Shown as the VM's progress message. */
  readonly message?: string;
}

export async function runVmJob(services: EngineServices, op: OperationRecord, shutdown: AbortSignal, callbacks: JobCallbacks): Promise<void> {
  const { ctx } = services;
  const input = op.input as unknown as MigrationJobInput;
  if (op.lockedBy === null) return;
  // Every operation write is fenced by this claim: a worker whose job the queue gave to another
  // (it was declared dead) stops at its next step instead of racing the new one.
  const fence: ClaimFence = { lockedBy: op.lockedBy, attempts: op.attempts };
  const found = await ctx.store.migrations.getVm(input.vmId);
  if (found === undefined || found.operationId !== op.id) return finishOperation(services, op, fence, 'cancelled', 'the migration VM no longer needs this job');
  const claimed = await saveVm(
    ctx,
    found.id,
    { status: found.status === 'queued' ? JOB_STATUS[found.job] : found.status, startedAt: found.startedAt ?? ctx.clock.now().toISOString(), finishedAt: null },
    { statuses: HELD, operationId: op.id },
  );
  if (claimed === undefined) return finishOperation(services, op, fence, 'cancelled', `migration VM ${found.id} was changed before a worker took it`);

  let vm = claimed;
  const cancel = new AbortController();
  // A pause waits for the step in progress to end; a cancel stops it at once.
  let pauseRequested = vm.control === 'pause';
  const unregister = callbacks.register(vm.id, (request) => {
    if (request === 'pause') pauseRequested = true;
    else cancel.abort(new SkyportError('InvalidState', 'cancelled by request'));
  });
  const poll = setInterval(() => {
    void ctx.store.migrations.getVm(vm.id).then((fresh) => {
      if (fresh?.control === 'cancel') cancel.abort(new SkyportError('InvalidState', 'cancelled by request'));
      if (fresh?.control === 'pause') pauseRequested = true;
    }, () => undefined);
  }, CANCEL_POLL_MS);
  poll.unref();
  try {
    if (vm.control === 'cancel') cancel.abort();
    const plan = await ctx.store.migrations.getPlan(vm.planId);
    if (plan === undefined) throw new SkyportError('NotFound', `migration plan ${vm.planId} no longer exists`);
    const host: WorkflowHost = {
      services,
      plan,
      spec: specOf(plan),
      source: await ctx.connections.get(plan.sourceProviderId),
      target: await ctx.connections.get(plan.targetProviderId),
      vm: () => vm,
      save: async (patch) => {
        const saved = await saveVm(ctx, vm.id, patch, { statuses: HELD, operationId: op.id });
        if (saved === undefined) throw new Superseded();
        vm = saved;
        // The operation mirrors the VM's progress, and its fenced write checks the claim.
        const progress = saved.progress as { percent?: number; message?: string };
        await ctx.operations
          .update(op.id, { progress: Math.min(99, Math.round(progress.percent ?? 0)), message: `${saved.sourceName}: ${saved.status}${saved.step === null ? '' : ` (${saved.step})`}${progress.message === undefined ? '' : `: ${progress.message}`}` }, fence)
          .catch((error: unknown) => {
            throw isClaimLost(error) ? new Superseded() : error;
          });
      },
    };
    const workflow = await VmWorkflow.open(host);
    const outcome = await drive(workflow, host, shutdown, cancel.signal, () => pauseRequested);
    const done = await saveVm(
      ctx,
      vm.id,
      {
        status: outcome.status,
        ...(outcome.error === undefined ? {} : { error: outcome.error }),
        ...(outcome.status === 'cut-over' || outcome.status === 'finalized'
          ? { progress: { ...workflow.progress.current, percent: 100, message: outcome.status === 'cut-over' ? 'cut over' : 'finalized' } }
          : { progress: { ...workflow.progress.current, ...(outcome.message === undefined ? {} : { message: outcome.message }) } }),
        control: null,
        finishedAt: ctx.clock.now().toISOString(),
      },
      { statuses: HELD, operationId: op.id },
    );
    if (done === undefined) throw new Superseded();
    vm = done;
    await finishRun(services, vm);
    const opStatus = outcome.status === 'failed' || (outcome.status === 'rolled-back' && outcome.error) ? 'failed' : outcome.status === 'cancelled' ? 'cancelled' : 'succeeded';
    await finishOperation(services, op, fence, opStatus, `${vm.sourceName}: ${outcome.status}`, outcome.error ?? undefined);
  } catch (raw) {
    if (raw instanceof Superseded) {
      ctx.logger.warn({ operationId: op.id, vmId: vm.id }, 'migration job taken over by another worker; this run stops');
      return;
    }
    if (shutdown.aborted) {
      // Interrupted (broker stopping, or the job's time slice over), not failed: the next
      // claim resumes from the VM's history.
      await ctx.operations.update(op.id, { status: 'queued', lockedBy: null, message: 'interrupted; resumes from its last completed step' }, fence).catch((error: unknown) => {
        if (!isClaimLost(error)) throw error;
      });
      return;
    }
    // Something outside the steps failed (the plan or a provider vanished, a bug): the VM
    // must not stay held, or nothing would ever pick it up again.
    const error = toSkyportError(raw);
    ctx.logger.error({ err: raw, vmId: vm.id }, 'migration job failed outside its steps');
    await saveVm(ctx, vm.id, { status: 'failed', error: error.toJSON(), control: null, finishedAt: ctx.clock.now().toISOString() }, { statuses: HELD, operationId: op.id }).catch(() => undefined);
    await finishOperation(services, op, fence, 'failed', error.message, error.toJSON());
  } finally {
    clearInterval(poll);
    unregister();
    callbacks.settled(vm);
  }
}

/** Runs what the VM's status asks for, turning failures and cancels into the matching end state. */
async function drive(workflow: VmWorkflow, host: WorkflowHost, shutdown: AbortSignal, cancel: AbortSignal, pauseRequested: () => boolean): Promise<Outcome> {
  const status = host.vm().status;
  const undo = async (during: MigrationVmStatus, end: MigrationVmStatus, error: SkyportErrorJson | null): Promise<Outcome> => {
    if (host.vm().status !== during) await host.save({ status: during, ...(error === null ? {} : { error }) });
    try {
      // Compensations run to the end even when the cancel switch was what stopped the steps.
      await workflow.compensate(shutdown);
      return { status: end, error };
    } catch (raw) {
      if (shutdown.aborted) throw raw;
      const failure = toSkyportError(raw);
      const what = error === null ? failure.message : `${error.message}; then undoing its steps failed: ${failure.message}`;
      return { status: 'failed', error: { ...failure.toJSON(), message: what } };
    }
  };
  switch (status) {
    case 'running':
      try {
        await workflow.forward(AbortSignal.any([shutdown, cancel]), pauseRequested);
        return { status: 'cut-over', error: null };
      } catch (raw) {
        if (raw instanceof Superseded || shutdown.aborted) throw raw;
        if (raw instanceof PausedBefore && !cancel.aborted) return { status: 'paused', error: null, message: `paused before ${raw.step}; resume to go on` };
        if (cancel.aborted) return undo('cancelling', 'cancelled', null);
        const error = toSkyportError(raw).toJSON();
        if (host.spec.options.rollbackOnFailure) return undo('rolling-back', 'rolled-back', error);
        return { status: 'failed', error };
      }
    case 'cancelling':
      return undo('cancelling', 'cancelled', null);
    case 'rolling-back':
      return undo('rolling-back', 'rolled-back', host.vm().error);
    case 'finalizing':
      await workflow.finalize(shutdown);
      return { status: 'finalized' };
    default:
      throw new SkyportError('Internal', `migration VM ${host.vm().id} is ${status}; no job runs in that status`);
  }
}

async function finishOperation(services: EngineServices, op: OperationRecord, fence: ClaimFence, status: 'succeeded' | 'failed' | 'cancelled', message: string, error?: SkyportErrorJson): Promise<void> {
  await services.ctx.operations
    .update(
      op.id,
      {
        status,
        progress: 100,
        message,
        ...(error === undefined ? {} : { error }),
        lockedBy: null,
        finishedAt: services.ctx.clock.now().toISOString(),
      },
      fence,
    )
    .catch((raw: unknown) => {
      if (!isClaimLost(raw)) throw raw;
    });
}

function isClaimLost(error: unknown): boolean {
  return error instanceof SkyportError && error.code === 'InvalidState' && error.details?.['claimLost'] === true;
}

/** Marks the VM's run finished once none of its VMs is moving any more. */
async function finishRun(services: EngineServices, vm: MigrationVmRecord): Promise<void> {
  if (vm.runId === null) return;
  const { store } = services.ctx;
  const runs = await store.migrations.listRuns(vm.planId);
  const run = runs.find((r) => r.id === vm.runId);
  if (run === undefined || run.finishedAt !== null) return;
  const vms = await store.migrations.listVms({ planId: vm.planId });
  // A paused VM is not moving, but its run is not over: resuming continues it.
  if (vms.some((v) => v.runId === run.id && v.job === 'forward' && (isMigrationVmActive(v.status) || v.status === 'paused'))) return;
  await store.migrations.updateRun(run.id, { finishedAt: services.ctx.clock.now().toISOString() });
}

