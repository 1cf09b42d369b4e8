import { sql, type Kysely } from 'kysely';
import type { Dialect } from './schema.js';

/**
 * `0003_migration_plans`: plans, their runs, their VMs and each VM's step history.
 *
 * Only new tables and indexes, each `if not exists`: SQLite migrations run outside a
 * transaction, so a crash half-way must leave a state this migration finishes on the next start.
 * No foreign keys, as elsewhere: the store deletes a plan's rows together in one transaction.
 */
export async function migrationPlansMigration(db: Kysely<any>, dialect: Dialect): Promise<void> {
  // Byte-order text on PostgreSQL, as in 0001.
  const text = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
  const clusteredByKey = dialect === 'sqlite' ? sql`without rowid` : sql``;

  await db.schema
    .createTable('migration_plans')
    .ifNotExists()
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('tenant_id', text, (c) => c.notNull())
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('source_provider_id', text, (c) => c.notNull())
    .addColumn('target_provider_id', text, (c) => c.notNull())
    .addColumn('spec', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('updated_at', text, (c) => c.notNull())
    .addColumn('finalized_at', text)
    .execute();

  await db.schema
    .createTable('migration_runs')
    .ifNotExists()
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('plan_id', text, (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('kind', text, (c) => c.notNull())
    .addColumn('vm_ids', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('cancel_requested_at', text)
    .addColumn('finished_at', text)
    // Two requests starting a run of one plan at once: the second insert fails instead of
    // both runs taking the same VMs.
    .addUniqueConstraint('migration_runs_plan_seq_key', ['plan_id', 'seq'])
    .execute();

  await db.schema
    .createTable('migration_vms')
    .ifNotExists()
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('plan_id', text, (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('source_provider_id', text, (c) => c.notNull())
    .addColumn('target_provider_id', text, (c) => c.notNull())
    .addColumn('source_instance_id', text, (c) => c.notNull())
    .addColumn('source_name', text, (c) => c.notNull())
    .addColumn('target_name', text, (c) => c.notNull())
    .addColumn('status', text, (c) => c.notNull())
    .addColumn('job', text, (c) => c.notNull())
    .addColumn('step', text)
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('run_id', text)
    .addColumn('progress', text, (c) => c.notNull())
    .addColumn('operation_id', text)
    .addColumn('target_instance_id', text)
    .addColumn('target_image_id', text)
    .addColumn('control', text)
    .addColumn('error', text)
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('updated_at', text, (c) => c.notNull())
    .addColumn('started_at', text)
    .addColumn('finished_at', text)
    .execute();

  // A plan's VMs in order; the dispatcher's scan of waiting and busy VMs across plans.
  await db.schema.createIndex('migration_vms_plan_seq').ifNotExists().on('migration_vms').columns(['plan_id', 'seq']).execute();
  await db.schema.createIndex('migration_vms_status').ifNotExists().on('migration_vms').columns(['status', 'created_at', 'id']).execute();
  await db.schema.createIndex('migration_plans_tenant_created').ifNotExists().on('migration_plans').columns(['tenant_id', 'created_at', 'id']).execute();

  // Read whole, in order, by VM: the primary key is the only index it needs.
  await db.schema
    .createTable('migration_steps')
    .ifNotExists()
    .addColumn('vm_id', text, (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('step', text, (c) => c.notNull())
    .addColumn('kind', text, (c) => c.notNull())
    .addColumn('event', text, (c) => c.notNull())
    .addColumn('output', text)
    .addColumn('error', text)
    .addColumn('at', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('migration_steps_pkey', ['vm_id', 'seq'])
    .modifyEnd(clusteredByKey)
    .execute();
}
