import { sql, type ColumnDefinitionBuilder, type Kysely, type RawBuilder } from 'kysely';
import { DEFAULT_TENANT_ID } from '@skyport/model';
import type { Dialect } from './schema.js';

/**
 * The tenant that providers and API tokens of a pre-tenancy database are moved into. The id is
 * fixed so that the broker can find it after an upgrade without looking it up by name.
 */
export { DEFAULT_TENANT_ID };
export const DEFAULT_TENANT_NAME = 'default';
/**
 * The user that owns the API tokens of a pre-tenancy database: a system admin, admin of the
 * default tenant, without a password, so that an upgraded broker keeps accepting its old
 * admin token.
 */
export const UPGRADE_ADMIN_USER_ID = 'usr-00000000000000000';
export const UPGRADE_ADMIN_USER_NAME = 'admin';

/** SQLSTATE the PostgreSQL append-only trigger raises (a user-defined class, so it is ours alone). */
export const APPEND_ONLY_SQLSTATE = 'SK001';

/**
 * `0002_tenancy`: tenants, users, access keys, the audit log, and the tenant (and owner) of
 * providers and API tokens.
 *
 * Kysely runs PostgreSQL migrations in a transaction; on SQLite it does not, so this one opens
 * its own (SQLite's DDL is transactional too): the backfill of existing rows must never be
 * seen half done. Every step is also written to be repeatable, because a crash after the
 * commit but before Kysely records the migration runs it again on the next start.
 */
export async function tenancyMigration(db: Kysely<any>, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') return tenancy(db, dialect);
  // IMMEDIATE: another process starting at the same time waits here rather than failing
  // half-way with SQLITE_BUSY.
  await sql`begin immediate`.execute(db);
  try {
    await tenancy(db, dialect);
  } catch (error) {
    await sql`rollback`.execute(db).catch(() => undefined);
    throw error;
  }
  await sql`commit`.execute(db);
}

async function tenancy(db: Kysely<any>, dialect: Dialect): Promise<void> {
  // Same column types as 0001: byte-order text on PostgreSQL (see `initial`).
  const text = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;

  await db.schema
    .createTable('tenants')
    .ifNotExists()
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('quotas', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addUniqueConstraint('tenants_name_key', ['name'])
    .execute();

  // Memberships are a JSON array: a user has a handful, always read with the user, and the
  // rare "members of a tenant" list filters with the dialect's JSON functions.
  await db.schema
    .createTable('users')
    .ifNotExists()
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('password_hash', text)
    .addColumn('system_admin', 'integer', (c) => c.notNull().check(sql`system_admin in (0, 1)`))
    .addColumn('memberships', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('deleted_at', text)
    .addUniqueConstraint('users_name_key', ['name'])
    .execute();

  // No foreign keys to users or tenants here or below: users are never removed (only marked
  // deleted), tenants have no delete, and the audit log must outlive whatever it names.
  await db.schema
    .createTable('access_keys')
    .ifNotExists()
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('user_id', text, (c) => c.notNull())
    .addColumn('tenant_id', text, (c) => c.notNull())
    .addColumn('sealed_secret', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('last_used_at', text)
    .addColumn('revoked_at', text)
    .execute();

  // `seq` is assigned by the store as last + 1 inside the append transaction, never by a
  // sequence: a sequence leaves gaps on rollback, and a gap must mean a deleted entry. On
  // SQLite `integer primary key` is the rowid itself (no second index).
  await db.schema
    .createTable('audit_log')
    .ifNotExists()
    .addColumn('seq', dialect === 'postgres' ? 'bigint' : 'integer', (c) => c.primaryKey().check(sql`seq > 0`))
    .addColumn('at', text, (c) => c.notNull())
    .addColumn('tenant_id', text)
    .addColumn('actor_user_id', text, (c) => c.notNull())
    .addColumn('actor_name', text, (c) => c.notNull())
    .addColumn('via', text, (c) => c.notNull())
    .addColumn('credential_id', text)
    .addColumn('door', text, (c) => c.notNull())
    .addColumn('address', text)
    .addColumn('action', text, (c) => c.notNull())
    .addColumn('target_kind', text)
    .addColumn('target_id', text)
    .addColumn('result', text, (c) => c.notNull().check(sql`result in ('success', 'failure')`))
    .addColumn('error_code', text)
    .addColumn('details', text)
    .addColumn('prev_hash', text, (c) => c.notNull())
    .addColumn('hash', text, (c) => c.notNull())
    .execute();

  // New NOT NULL columns on existing tables need a default for the rows already there
  // (SQLite cannot add a NOT NULL column otherwise, nor tighten one later). '' is only that
  // placeholder: the backfill below replaces it, the store always writes a real value, and on
  // PostgreSQL the default is dropped again at the end.
  const placeholder = (c: ColumnDefinitionBuilder) => c.notNull().defaultTo('');
  await addColumn(db, dialect, 'providers', 'tenant_id', text, placeholder);
  await addColumn(db, dialect, 'api_tokens', 'user_id', text, placeholder);
  await addColumn(db, dialect, 'api_tokens', 'tenant_id', text, placeholder);
  await addColumn(db, dialect, 'api_tokens', 'kind', text, (c) => c.notNull().defaultTo('api'));
  await addColumn(db, dialect, 'api_tokens', 'revoked_at', text);

  await backfill(db);

  if (dialect === 'postgres') {
    for (const [table, column] of [
      ['providers', 'tenant_id'],
      ['api_tokens', 'user_id'],
      ['api_tokens', 'tenant_id'],
    ] as const) {
      await sql`alter table ${sql.table(table)} alter column ${sql.ref(column)} drop default`.execute(db);
    }
  }

  // Per-tenant and per-user lists, in the order they are listed (name; newest first).
  const indexes: [name: string, table: string, columns: string[]][] = [
    ['providers_tenant_name', 'providers', ['tenant_id', 'name']],
    ['api_tokens_user_created', 'api_tokens', ['user_id', 'created_at', 'id']],
    ['api_tokens_tenant_created', 'api_tokens', ['tenant_id', 'created_at', 'id']],
    ['access_keys_user_created', 'access_keys', ['user_id', 'created_at', 'id']],
    ['access_keys_tenant_created', 'access_keys', ['tenant_id', 'created_at', 'id']],
    // One tenant's audit entries, newest first, without reading the others'.
    ['audit_log_tenant_seq', 'audit_log', ['tenant_id', 'seq']],
  ];
  for (const [name, table, columns] of indexes) {
    await db.schema.createIndex(name).ifNotExists().on(table).columns(columns).execute();
  }

  await appendOnlyTriggers(db, dialect, 'audit_log');
}

/** Adds a column unless a previous, interrupted run already did. */
async function addColumn(
  db: Kysely<any>,
  dialect: Dialect,
  table: string,
  column: string,
  type: RawBuilder<unknown>,
  build: (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder = (c) => c,
): Promise<void> {
  const exists =
    dialect === 'postgres'
      ? await sql<{ found: number }>`select 1 as found from information_schema.columns where table_schema = current_schema() and table_name = ${table} and column_name = ${column}`.execute(db)
      : await sql<{ found: number }>`select 1 as found from pragma_table_info(${table}) where name = ${column}`.execute(db);
  if (exists.rows.length > 0) return;
  await db.schema.alterTable(table).addColumn(column, type, build).execute();
}

/**
 * Gives the rows of a pre-tenancy database an owner: providers and tokens go to the default
 * tenant, tokens to the `admin` user. Neither is created for a database that has no such rows
 * (a fresh install creates its own first tenant and user). `on conflict do nothing` and the
 * `= ''` conditions make a second run change nothing.
 */
async function backfill(db: Kysely<any>): Promise<void> {
  const orphanProvider = await db.selectFrom('providers').select('id').where('tenant_id', '=', '').limit(1).executeTakeFirst();
  const orphanToken = await db
    .selectFrom('api_tokens')
    .select('id')
    .where((eb) => eb.or([eb('tenant_id', '=', ''), eb('user_id', '=', '')]))
    .limit(1)
    .executeTakeFirst();
  if (orphanProvider === undefined && orphanToken === undefined) return;
  const now = new Date().toISOString();

  await db
    .insertInto('tenants')
    .values({ id: DEFAULT_TENANT_ID, name: DEFAULT_TENANT_NAME, quotas: '{}', created_at: now })
    .onConflict((oc) => oc.doNothing())
    .execute();
  await db.updateTable('providers').set({ tenant_id: DEFAULT_TENANT_ID }).where('tenant_id', '=', '').execute();

  if (orphanToken === undefined) return;
  await db
    .insertInto('users')
    .values({
      id: UPGRADE_ADMIN_USER_ID,
      name: UPGRADE_ADMIN_USER_NAME,
      password_hash: null,
      system_admin: 1,
      memberships: JSON.stringify([{ tenantId: DEFAULT_TENANT_ID, role: 'admin' }]),
      created_at: now,
      deleted_at: null,
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
  // Tokens keep their role: an old viewer token stays a viewer although its user is admin.
  await db.updateTable('api_tokens').set({ tenant_id: DEFAULT_TENANT_ID }).where('tenant_id', '=', '').execute();
  await db.updateTable('api_tokens').set({ user_id: UPGRADE_ADMIN_USER_ID }).where('user_id', '=', '').execute();
}

/**
 * Makes a table append-only in the database itself, so that not even SQL run beside the
 * broker (a console, a script with the broker's credentials) can rewrite history. The message
 * starts with the table name and `is append-only`, which the store maps to Forbidden.
 */
async function appendOnlyTriggers(db: Kysely<any>, dialect: Dialect, table: 'audit_log'): Promise<void> {
  if (dialect === 'sqlite') {
    // SQLite has no TRUNCATE; a DELETE without WHERE skips its truncate shortcut when the
    // table has a delete trigger, so the trigger sees every row.
    for (const op of ['update', 'delete'] as const) {
      await sql
        .raw(`create trigger if not exists ${table}_no_${op} before ${op} on ${table} begin select raise(abort, '${table} is append-only: ${op.toUpperCase()} refused'); end`)
        .execute(db);
    }
    return;
  }
  await sql
    .raw(
      `create or replace function skyport_refuse_append_only_change() returns trigger language plpgsql as $$
begin
  raise exception '% is append-only: % refused', tg_table_name, tg_op using errcode = '${APPEND_ONLY_SQLSTATE}';
end
$$`,
    )
    .execute(db);
  // Row triggers do not see TRUNCATE; a statement trigger does. Drop-then-create rather than
  // `create or replace trigger` keeps PostgreSQL 12 and 13 supported.
  const triggers: [name: string, when: string][] = [
    [`${table}_no_update_delete`, 'before update or delete on %t for each row'],
    [`${table}_no_truncate`, 'before truncate on %t for each statement'],
  ];
  for (const [name, when] of triggers) {
    await sql.raw(`drop trigger if exists ${name} on ${table}`).execute(db);
    await sql.raw(`create trigger ${name} ${when.replace('%t', table)} execute function skyport_refuse_append_only_change()`).execute(db);
  }
}
