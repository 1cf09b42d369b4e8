/** Rows of the migration tables to the port's records and back. */
import type { MigrationPlanRecord, MigrationRunRecord, MigrationStepRecord, MigrationVmPatch, MigrationVmRecord } from '@skyport/core';
import type { MigrationVmStatus, SkyportErrorJson } from '@skyport/model';
import type { Selectable, Updateable } from 'kysely';
import { parseJson, parseNullableJson } from './json.js';
import type { MigrationPlansTable, MigrationRunsTable, MigrationStepsTable, MigrationVmsTable } from './schema.js';

export function planToRow(record: MigrationPlanRecord): MigrationPlansTable {
  return {
    id: record.id,
    tenant_id: record.tenantId,
    name: record.name,
    source_provider_id: record.sourceProviderId,
    target_provider_id: record.targetProviderId,
    spec: JSON.stringify(record.spec),
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    finalized_at: record.finalizedAt,
  };
}

export function planFromRow(row: Selectable<MigrationPlansTable>): MigrationPlanRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    sourceProviderId: row.source_provider_id,
    targetProviderId: row.target_provider_id,
    spec: parseJson<Record<string, unknown>>(row.spec),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finalizedAt: row.finalized_at,
  };
}

export function runToRow(record: MigrationRunRecord): MigrationRunsTable {
  return {
    id: record.id,
    plan_id: record.planId,
    seq: record.seq,
    kind: record.kind,
    vm_ids: JSON.stringify(record.vmIds),
    created_at: record.createdAt,
    cancel_requested_at: record.cancelRequestedAt,
    finished_at: record.finishedAt,
  };
}

export function runFromRow(row: Selectable<MigrationRunsTable>): MigrationRunRecord {
  return {
    id: row.id,
    planId: row.plan_id,
    seq: Number(row.seq),
    kind: row.kind as MigrationRunRecord['kind'],
    vmIds: parseJson<string[]>(row.vm_ids),
    createdAt: row.created_at,
    cancelRequestedAt: row.cancel_requested_at,
    finishedAt: row.finished_at,
  };
}

export function vmToRow(record: MigrationVmRecord): MigrationVmsTable {
  return {
    id: record.id,
    plan_id: record.planId,
    seq: record.seq,
    source_provider_id: record.sourceProviderId,
    target_provider_id: record.targetProviderId,
    source_instance_id: record.sourceInstanceId,
    source_name: record.sourceName,
    target_name: record.targetName,
    status: record.status,
    job: record.job,
    step: record.step,
    attempt: record.attempt,
    run_id: record.runId,
    progress: JSON.stringify(record.progress),
    operation_id: record.operationId,
    target_instance_id: record.targetInstanceId,
    target_image_id: record.targetImageId,
    control: record.control,
    error: record.error === null ? null : JSON.stringify(record.error),
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    started_at: record.startedAt,
    finished_at: record.finishedAt,
  };
}

/** Only the fields present in the patch; `null` clears a nullable column. */
export function vmPatchToRow(patch: MigrationVmPatch): Updateable<MigrationVmsTable> {
  const row: Updateable<MigrationVmsTable> = {};
  const set = <K extends keyof MigrationVmsTable>(key: K, value: MigrationVmsTable[K] | undefined): void => {
    if (value !== undefined) row[key] = value;
  };
  set('source_name', patch.sourceName);
  set('target_name', patch.targetName);
  set('status', patch.status);
  set('job', patch.job);
  set('step', patch.step);
  set('attempt', patch.attempt);
  set('run_id', patch.runId);
  set('progress', patch.progress === undefined ? undefined : JSON.stringify(patch.progress));
  set('operation_id', patch.operationId);
  set('target_instance_id', patch.targetInstanceId);
  set('target_image_id', patch.targetImageId);
  set('control', patch.control);
  set('error', patch.error === undefined ? undefined : patch.error === null ? null : JSON.stringify(patch.error));
  set('updated_at', patch.updatedAt);
  set('started_at', patch.startedAt);
  set('finished_at', patch.finishedAt);
  return row;
}

export function vmFromRow(row: Selectable<MigrationVmsTable>): MigrationVmRecord {
  return {
    id: row.id,
    planId: row.plan_id,
    seq: Number(row.seq),
    sourceProviderId: row.source_provider_id,
    targetProviderId: row.target_provider_id,
    sourceInstanceId: row.source_instance_id,
    sourceName: row.source_name,
    targetName: row.target_name,
    status: row.status as MigrationVmStatus,
    job: row.job as MigrationVmRecord['job'],
    step: row.step,
    attempt: Number(row.attempt),
    runId: row.run_id,
    progress: parseJson<Record<string, unknown>>(row.progress),
    operationId: row.operation_id,
    targetInstanceId: row.target_instance_id,
    targetImageId: row.target_image_id,
    control: row.control as MigrationVmRecord['control'],
    error: parseNullableJson<SkyportErrorJson>(row.error),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

export function stepFromRow(row: Selectable<MigrationStepsTable>): MigrationStepRecord {
  return {
    vmId: row.vm_id,
    seq: Number(row.seq),
    attempt: Number(row.attempt),
    step: row.step,
    kind: row.kind as MigrationStepRecord['kind'],
    event: row.event as MigrationStepRecord['event'],
    output: parseNullableJson<Record<string, unknown>>(row.output),
    error: parseNullableJson<SkyportErrorJson>(row.error),
    at: row.at,
  };
}
