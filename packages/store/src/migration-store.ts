import type {
  MigrationLoad,
  MigrationPlanRecord,
  MigrationRunRecord,
  MigrationStepRecord,
  MigrationStore,
  MigrationVmPatch,
  MigrationVmQuery,
  MigrationVmRecord,
} from '@skyport/core';
import { SkyportError, type MigrationVmStatus } from '@skyport/model';
import { sql } from 'kysely';
import { planFromRow, planToRow, runFromRow, runToRow, stepFromRow, vmFromRow, vmPatchToRow, vmToRow } from './migration-rows.js';
import type { StoreContext } from './store-context.js';
import { isUniqueViolation } from './store-errors.js';
import { inWriteTransaction } from './transactions.js';

/** Plans, runs, VMs and step histories of migrations. */
export class SqlMigrationStore implements MigrationStore {
  readonly #ctx: StoreContext;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
  }

  async insertPlan(plan: MigrationPlanRecord, vms: readonly MigrationVmRecord[]): Promise<void> {
    try {
      await inWriteTransaction(this.#ctx.db, this.#ctx.dialect, async (trx) => {
        await trx.insertInto('migration_plans').values(planToRow(plan)).execute();
        if (vms.length > 0) await trx.insertInto('migration_vms').values(vms.map(vmToRow)).execute();
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new SkyportError('AlreadyExists', `a migration plan or VM with id '${plan.id}' already exists`, { cause: error, details: { id: plan.id } });
      throw error;
    }
  }

  async getPlan(id: string): Promise<MigrationPlanRecord | undefined> {
    const row = await this.#ctx.db.selectFrom('migration_plans').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : planFromRow(row);
  }

  async listPlans(tenantId?: string): Promise<MigrationPlanRecord[]> {
    const rows = await this.#ctx.db
      .selectFrom('migration_plans')
      .selectAll()
      .$if(tenantId !== undefined, (q) => q.where('tenant_id', '=', tenantId!))
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map(planFromRow);
  }

  async updatePlan(id: string, patch: Partial<Pick<MigrationPlanRecord, 'name' | 'spec' | 'updatedAt' | 'finalizedAt'>>): Promise<MigrationPlanRecord> {
    const values = {
      ...(patch.name === undefined ? {} : { name: patch.name }),
      ...(patch.spec === undefined ? {} : { spec: JSON.stringify(patch.spec) }),
      ...(patch.updatedAt === undefined ? {} : { updated_at: patch.updatedAt }),
      ...(patch.finalizedAt === undefined ? {} : { finalized_at: patch.finalizedAt }),
    };
    const row =
      Object.keys(values).length === 0
        ? await this.#ctx.db.selectFrom('migration_plans').selectAll().where('id', '=', id).executeTakeFirst()
        : await this.#ctx.db.updateTable('migration_plans').set(values).where('id', '=', id).returningAll().executeTakeFirst();
    if (row === undefined) throw notFound('migration plan', id);
    return planFromRow(row);
  }

  async deletePlan(id: string): Promise<void> {
    await inWriteTransaction(this.#ctx.db, this.#ctx.dialect, async (trx) => {
      await trx
        .deleteFrom('migration_steps')
        .where('vm_id', 'in', (eb) => eb.selectFrom('migration_vms').select('id').where('plan_id', '=', id))
        .execute();
      await trx.deleteFrom('migration_vms').where('plan_id', '=', id).execute();
      await trx.deleteFrom('migration_runs').where('plan_id', '=', id).execute();
      await trx.deleteFrom('migration_plans').where('id', '=', id).execute();
    });
  }

  async insertRun(run: MigrationRunRecord): Promise<void> {
    try {
      await this.#ctx.db.insertInto('migration_runs').values(runToRow(run)).execute();
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new SkyportError('AlreadyExists', `migration plan ${run.planId} already has run ${run.seq}: another run started at the same time`, { cause: error, details: { planId: run.planId, seq: run.seq } });
      }
      throw error;
    }
  }

  async listRuns(planId: string): Promise<MigrationRunRecord[]> {
    const rows = await this.#ctx.db.selectFrom('migration_runs').selectAll().where('plan_id', '=', planId).orderBy('seq').execute();
    return rows.map(runFromRow);
  }

  async updateRun(id: string, patch: Partial<Pick<MigrationRunRecord, 'cancelRequestedAt' | 'finishedAt'>>): Promise<MigrationRunRecord> {
    const values = {
      ...(patch.cancelRequestedAt === undefined ? {} : { cancel_requested_at: patch.cancelRequestedAt }),
      ...(patch.finishedAt === undefined ? {} : { finished_at: patch.finishedAt }),
    };
    const row =
      Object.keys(values).length === 0
        ? await this.#ctx.db.selectFrom('migration_runs').selectAll().where('id', '=', id).executeTakeFirst()
        : await this.#ctx.db.updateTable('migration_runs').set(values).where('id', '=', id).returningAll().executeTakeFirst();
    if (row === undefined) throw notFound('migration run', id);
    return runFromRow(row);
  }

  async getVm(id: string): Promise<MigrationVmRecord | undefined> {
    const row = await this.#ctx.db.selectFrom('migration_vms').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : vmFromRow(row);
  }

  async listVms(query: MigrationVmQuery): Promise<MigrationVmRecord[]> {
    if (query.statuses?.length === 0) return [];
    const rows = await this.#ctx.db
      .selectFrom('migration_vms')
      .selectAll()
      .$if(query.planId !== undefined, (q) => q.where('plan_id', '=', query.planId!))
      .$if(query.statuses !== undefined, (q) => q.where('status', 'in', query.statuses!))
      // Across plans: oldest plan first, so a large plan does not starve one created earlier.
      .orderBy('created_at')
      .orderBy('plan_id')
      .orderBy('seq')
      .execute();
    return rows.map(vmFromRow);
  }

  async updateVm(
    id: string,
    patch: MigrationVmPatch,
    expect?: { readonly statuses?: readonly MigrationVmStatus[]; readonly operationId?: string | null },
  ): Promise<MigrationVmRecord | undefined> {
    const values = vmPatchToRow(patch);
    const statuses = expect?.statuses;
    if (statuses?.length === 0) {
      if ((await this.getVm(id)) === undefined) throw notFound('migration VM', id);
      return undefined;
    }
    const operationId = expect?.operationId;
    const row =
      Object.keys(values).length === 0
        ? await this.#ctx.db.selectFrom('migration_vms').selectAll().where('id', '=', id).executeTakeFirst()
        : await this.#ctx.db
            .updateTable('migration_vms')
            .set(values)
            .where('id', '=', id)
            .$if(statuses !== undefined, (q) => q.where('status', 'in', statuses!))
            .$if(operationId !== undefined, (q) => (operationId === null ? q.where('operation_id', 'is', null) : q.where('operation_id', '=', operationId!)))
            .returningAll()
            .executeTakeFirst();
    if (row !== undefined) return vmFromRow(row);
    if (expect === undefined || (await this.getVm(id)) === undefined) throw notFound('migration VM', id);
    return undefined;
  }

  async load(statuses: readonly MigrationVmStatus[]): Promise<MigrationLoad> {
    const bySource: Record<string, number> = {};
    const byTarget: Record<string, number> = {};
    const byPlan: Record<string, number> = {};
    if (statuses.length === 0) return { bySource, byTarget, byPlan };
    const rows = await this.#ctx.db
      .selectFrom('migration_vms')
      .select(['plan_id', 'source_provider_id', 'target_provider_id'])
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('status', 'in', statuses)
      .groupBy(['plan_id', 'source_provider_id', 'target_provider_id'])
      .execute();
    for (const row of rows) {
      const n = Number(row.n);
      bySource[row.source_provider_id] = (bySource[row.source_provider_id] ?? 0) + n;
      byTarget[row.target_provider_id] = (byTarget[row.target_provider_id] ?? 0) + n;
      byPlan[row.plan_id] = (byPlan[row.plan_id] ?? 0) + n;
    }
    return { bySource, byTarget, byPlan };
  }

  async appendStep(entry: Omit<MigrationStepRecord, 'seq'>): Promise<MigrationStepRecord> {
    const { dialect } = this.#ctx;
    return inWriteTransaction(this.#ctx.db, dialect, async (trx) => {
      // SQLite's write transaction is exclusive already; on PostgreSQL two appends to one VM
      // would read the same last number, so they queue on a lock named after the VM.
      if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${entry.vmId}))`.execute(trx);
      const last = await trx
        .selectFrom('migration_steps')
        .select((eb) => eb.fn.max<number | string | null>('seq').as('seq'))
        .where('vm_id', '=', entry.vmId)
        .executeTakeFirst();
      const row = {
        vm_id: entry.vmId,
        seq: Number(last?.seq ?? 0) + 1,
        attempt: entry.attempt,
        step: entry.step,
        kind: entry.kind,
        event: entry.event,
        output: entry.output === null ? null : JSON.stringify(entry.output),
        error: entry.error === null ? null : JSON.stringify(entry.error),
        at: entry.at,
      };
      await trx.insertInto('migration_steps').values(row).execute();
      return stepFromRow(row);
    });
  }

  async listSteps(vmId: string): Promise<MigrationStepRecord[]> {
    const rows = await this.#ctx.db.selectFrom('migration_steps').selectAll().where('vm_id', '=', vmId).orderBy('seq').execute();
    return rows.map(stepFromRow);
  }
}

function notFound(what: string, id: string): SkyportError {
  return new SkyportError('NotFound', `${what} '${id}' does not exist`, { details: { id } });
}
