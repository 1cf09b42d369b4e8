import { sql, type Kysely } from 'kysely';
import type { Dialect } from './schema.js';

/**
 * 0003: leases, the named expiring locks several brokers use to share a duty (which broker
 * polls a provider). One row per lease; a holder that stops renewing loses it at `expires_at`.
 * `if not exists`, as every migration here: SQLite migrations are not transactional.
 */
export async function leasesMigration(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const text = dialect === 'postgres' ? sql`text collate "C"` : 'text';
  await db.schema
    .createTable('leases')
    .ifNotExists()
    .addColumn('name', text, (c) => c.primaryKey())
    .addColumn('holder', text, (c) => c.notNull())
    .addColumn('acquired_at', text, (c) => c.notNull())
    .addColumn('expires_at', text, (c) => c.notNull())
    .execute();
}
