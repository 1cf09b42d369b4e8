import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Dialect } from './schema.js';
import { leasesMigration } from './leases-migration.js';
import { tenancyMigration } from './tenancy-migration.js';
import { migrationPlansMigration } from './migration-plans-migration.js';

/**
 * Schema migrations, kept in code so a bundled server needs no migration files on disk.
 * Names sort in the order they must run (`0001_initial`, `0002_...`); Kysely's Migrator refuses
 * to run a list whose already-applied prefix changed, so a released migration is never edited,
 * only followed by a new one.
 */
export function migrationProvider(dialect: Dialect): MigrationProvider {
  const migrations: Record<string, Migration> = {
    '0001_initial': { up: (db) => initial(db, dialect) },
    '0002_tenancy': { up: (db) => tenancyMigration(db, dialect) },
    '0003_migration_plans': { up: (db) => migrationPlansMigration(db, dialect) },
    '0003_leases': { up: (db) => leasesMigration(db, dialect) },
  };
  return { getMigrations: async () => migrations };
}

export function createMigrator(db: Kysely<any>, dialect: Dialect): Migrator {
  return new Migrator({ db, provider: migrationProvider(dialect) });
}

/**
 * Every statement says `if not exists`: Kysely cannot wrap SQLite migrations in a transaction,
 * so a crash half-way must leave a state the same migration can finish on the next start.
 */
async function initial(db: Kysely<any>, dialect: Dialect): Promise<void> {
  // Text is compared byte by byte on both dialects. PostgreSQL otherwise compares by the
  // cluster's locale (often en_US.UTF-8 or C.UTF-8), which makes every btree step call
  // strcoll: several times slower on the large syncs, a page order that differs from
  // SQLite's, and no index use for a `LIKE 'web-%'` name prefix. Nothing here is sorted for
  // humans, so byte order loses nothing. SQLite's default BINARY collation is byte order.
  const text = dialect === 'postgres' ? sql`text collate "C"` : 'text';
  // Small rows looked up by their primary key are stored in that key's btree on SQLite (no
  // separate rowid table), one btree less to maintain per insert. PostgreSQL has no such
  // table kind; its heap plus primary key index is the equivalent.
  const clusteredByKey = dialect === 'sqlite' ? sql`without rowid` : sql``;

  await db.schema
    .createTable('providers')
    .ifNotExists()
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('driver', text, (c) => c.notNull())
    .addColumn('endpoint', text)
    .addColumn('region', text)
    .addColumn('settings', text, (c) => c.notNull())
    .addColumn('sealed_credentials', text)
    .addColumn('status', text, (c) => c.notNull())
    .addColumn('status_reason', text)
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('last_sync_at', text)
    .addColumn('last_sync_error', text)
    .addUniqueConstraint('providers_name_key', ['name'])
    .execute();

  // No foreign key to providers: resources are a cache of what providers report, removed by
  // `deleteByProvider`; a constraint would only order the broker's deletes for no gain.
  await db.schema
    .createTable('resources')
    .ifNotExists()
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('provider_id', text, (c) => c.notNull())
    .addColumn('kind', text, (c) => c.notNull())
    .addColumn('native_id', text, (c) => c.notNull())
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('state', text)
    .addColumn('tags', text, (c) => c.notNull())
    .addColumn('data', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('updated_at', text, (c) => c.notNull())
    .addColumn('vanished_at', text)
    .addUniqueConstraint('resources_native_key', ['provider_id', 'kind', 'native_id'])
    .execute();

  // Lists are always one kind, ordered by id, LIMIT n. Two plans serve any filter: walk
  // (kind, id) and stop after n matches (cheap when the filter matches often), or read the
  // few matching rows through an index led by the filter column and sort them (cheap when it
  // matches rarely); the planner picks by statistics. Filter indexes end with id, so a
  // single-valued filter (one provider, one state, an exact name) needs no sort at all and
  // does not depend on the planner's guess.
  const resourceIndexes: Record<string, string[]> = {
    resources_kind_id: ['kind', 'id'],
    resources_kind_provider: ['kind', 'provider_id', 'id'],
    resources_kind_state: ['kind', 'state', 'id'],
    resources_kind_name: ['kind', 'name', 'id'],
  };
  for (const [name, columns] of Object.entries(resourceIndexes)) {
    await db.schema.createIndex(name).ifNotExists().on('resources').columns(columns).execute();
  }

  // Kept in step with `resources.tags` by the store. No foreign key either: on PostgreSQL a
  // per-row constraint trigger would dominate the cost of a large sync; the store deletes tag
  // rows together with their resource in the same transaction.
  await db.schema
    .createTable('resource_tags')
    .ifNotExists()
    .addColumn('resource_id', text, (c) => c.notNull())
    .addColumn('key', text, (c) => c.notNull())
    .addColumn('value', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('resource_tags_pkey', ['resource_id', 'key'])
    .modifyEnd(clusteredByKey)
    .execute();
  // resource_id last makes the index covering: a tag filter finds matching resources without
  // touching the table.
  await db.schema
    .createIndex('resource_tags_key_value')
    .ifNotExists()
    .on('resource_tags')
    .columns(['key', 'value', 'resource_id'])
    .execute();

  await db.schema
    .createTable('operations')
    .ifNotExists()
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('type', text, (c) => c.notNull())
    .addColumn('status', text, (c) => c.notNull())
    .addColumn('provider_id', text)
    .addColumn('target_kind', text)
    .addColumn('target_id', text)
    .addColumn('input', text, (c) => c.notNull())
    .addColumn('progress', 'integer', (c) => c.notNull())
    .addColumn('message', text)
    .addColumn('result', text)
    .addColumn('error', text)
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('locked_by', text)
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('updated_at', text, (c) => c.notNull())
    .addColumn('finished_at', text)
    .execute();

  // Operations are listed newest first and claimed oldest first, always by (created_at, id).
  const operationIndexes: Record<string, string[]> = {
    operations_created: ['created_at', 'id'],
    operations_status_created: ['status', 'created_at', 'id'],
    operations_provider_created: ['provider_id', 'created_at', 'id'],
    operations_target_created: ['target_id', 'created_at', 'id'],
  };
  for (const [name, columns] of Object.entries(operationIndexes)) {
    await db.schema.createIndex(name).ifNotExists().on('operations').columns(columns).execute();
  }

  await db.schema
    .createTable('idempotency_keys')
    .ifNotExists()
    .addColumn('scope', text, (c) => c.notNull())
    .addColumn('key', text, (c) => c.notNull())
    .addColumn('request_hash', text, (c) => c.notNull())
    .addColumn('operation_id', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pkey', ['scope', 'key'])
    .modifyEnd(clusteredByKey)
    .execute();
  // For `expire`, which deletes by age.
  await db.schema
    .createIndex('idempotency_keys_created')
    .ifNotExists()
    .on('idempotency_keys')
    .column('created_at')
    .execute();

  await db.schema
    .createTable('api_tokens')
    .ifNotExists()
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('token_hash', text, (c) => c.notNull())
    .addColumn('role', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('expires_at', text)
    .addColumn('last_used_at', text)
    .addUniqueConstraint('api_tokens_token_hash_key', ['token_hash'])
    .execute();
}
