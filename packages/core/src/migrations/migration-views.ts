/** Store records to the model's views; plan and run statuses are derived from the VMs, never stored. */
import {
  isMigrationVmActive,
  type MigrationPlan,
  type MigrationPlanStatus,
  type MigrationProgress,
  type MigrationRun,
  type MigrationRunStatus,
  type MigrationStepEntry,
  type MigrationStepId,
  type MigrationVm,
  type MigrationVmStatus,
} from '@skyport/model';
import type { MigrationPlanRecord, MigrationRunRecord, MigrationStepRecord, MigrationVmRecord } from '../ports/index.js';
import { specOf } from './plan-spec.js';

const DONE: readonly MigrationVmStatus[] = ['cut-over', 'finalized'];

export function vmView(r: MigrationVmRecord): MigrationVm {
  return {
    id: r.id,
    planId: r.planId,
    ...(r.runId === null ? {} : { runId: r.runId }),
    sourceInstanceId: r.sourceInstanceId,
    sourceName: r.sourceName,
    targetName: r.targetName,
    status: r.status,
    ...(r.step === null ? {} : { step: r.step as MigrationStepId }),
    attempt: r.attempt,
    progress: r.progress as unknown as MigrationProgress,
    ...(r.targetInstanceId === null ? {} : { targetInstanceId: r.targetInstanceId }),
    ...(r.targetImageId === null ? {} : { targetImageId: r.targetImageId }),
    ...(r.operationId === null ? {} : { operationId: r.operationId }),
    ...(r.error === null ? {} : { error: r.error }),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    ...(r.startedAt === null ? {} : { startedAt: r.startedAt }),
    ...(r.finishedAt === null ? {} : { finishedAt: r.finishedAt }),
  };
}

function runStatus(run: MigrationRunRecord, vms: ReadonlyMap<string, MigrationVmRecord>): MigrationRunStatus {
  const mine = run.vmIds.map((id) => vms.get(id)).filter((v) => v !== undefined);
  // A VM taken over by a later run ended this one without success.
  const current = mine.filter((v) => v.runId === run.id);
  if (current.some((v) => v.job === 'forward' && isMigrationVmActive(v.status))) return 'running';
  if (current.some((v) => v.status === 'paused')) return 'paused';
  if (run.cancelRequestedAt !== null) return 'cancelled';
  return current.length === mine.length && current.every((v) => DONE.includes(v.status) || (v.status === 'rolled-back' && v.error === null)) ? 'succeeded' : 'failed';
}

export function runView(run: MigrationRunRecord, vms: ReadonlyMap<string, MigrationVmRecord>): MigrationRun {
  return {
    id: run.id,
    planId: run.planId,
    seq: run.seq,
    kind: run.kind,
    vmIds: run.vmIds,
    status: runStatus(run, vms),
    createdAt: run.createdAt,
    ...(run.cancelRequestedAt === null ? {} : { cancelRequestedAt: run.cancelRequestedAt }),
    ...(run.finishedAt === null ? {} : { finishedAt: run.finishedAt }),
  };
}

export function planStatus(plan: MigrationPlanRecord, vms: readonly MigrationVmRecord[], runs: readonly MigrationRunRecord[]): MigrationPlanStatus {
  if (vms.some((v) => isMigrationVmActive(v.status))) return 'running';
  if (vms.some((v) => v.status === 'paused')) return 'paused';
  if (plan.finalizedAt !== null) return 'finalized';
  if (runs.length === 0) return 'draft';
  if (vms.some((v) => v.status === 'failed' || (v.status === 'rolled-back' && v.error !== null))) return 'failed';
  if (vms.some((v) => v.status === 'cancelled')) return 'cancelled';
  if (vms.every((v) => v.status === 'rolled-back' || v.status === 'pending')) return 'rolled-back';
  return 'completed';
}

function percentOf(v: MigrationVmRecord): number {
  if (DONE.includes(v.status)) return 100;
  return Number((v.progress as { percent?: unknown }).percent ?? 0) || 0;
}

export function planView(plan: MigrationPlanRecord, vms: readonly MigrationVmRecord[], runs: readonly MigrationRunRecord[]): MigrationPlan {
  const spec = specOf(plan);
  const byId = new Map(vms.map((v) => [v.id, v]));
  const counts: Partial<Record<MigrationVmStatus, number>> = {};
  for (const v of vms) counts[v.status] = (counts[v.status] ?? 0) + 1;
  return {
    id: plan.id,
    tenantId: plan.tenantId,
    name: plan.name,
    sourceProviderId: plan.sourceProviderId,
    targetProviderId: plan.targetProviderId,
    status: planStatus(plan, vms, runs),
    ...(spec.selector === undefined ? {} : { selector: spec.selector }),
    mappings: spec.mappings,
    proposed: spec.proposed,
    overrides: spec.overrides,
    options: spec.options,
    progress: vms.length === 0 ? 0 : Math.round(vms.reduce((sum, v) => sum + percentOf(v), 0) / vms.length),
    counts,
    vms: vms.map(vmView),
    runs: runs.map((r) => runView(r, byId)),
    createdAt: plan.createdAt,
    updatedAt: plan.updatedAt,
    ...(plan.finalizedAt === null ? {} : { finalizedAt: plan.finalizedAt }),
  };
}

export function stepView(r: MigrationStepRecord): MigrationStepEntry {
  return {
    vmId: r.vmId,
    seq: r.seq,
    attempt: r.attempt,
    step: r.step,
    kind: r.kind,
    event: r.event,
    ...(r.output === null ? {} : { output: r.output }),
    ...(r.error === null ? {} : { error: r.error }),
    at: r.at,
  };
}
