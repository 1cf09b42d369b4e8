import { systemClock, type Clock, type Store } from '@skyport/core';
import { sql } from 'kysely';
import { SqlAccessKeyStore } from './access-key-store.js';
import { SqlApiTokenStore } from './api-token-store.js';
import { SqlAuditStore } from './audit-store.js';
import { parseDatabaseUrl } from './database-url.js';
import { SqlIdempotencyStore } from './idempotency-store.js';
import { SqlMigrationStore } from './migration-store.js';
import { SqlLeaseStore } from './lease-store.js';
import { silentLogger, type StoreLogger } from './logger.js';
import { openDatabase } from './open-database.js';
import { SqlOperationStore } from './operation-store.js';
import { SqlProviderStore, resealProviderCredentials } from './provider-store.js';
import { SqlResourceStore } from './resource-store.js';
import { runMigrations } from './run-migrations.js';
import type { StoreContext } from './store-context.js';
import { guardMethods, toStoreError } from './store-errors.js';
import { SqlTenantStore } from './tenant-store.js';
import { SqlUserStore } from './user-store.js';

export interface CreateStoreOptions {
  /**
   * `postgres://USER:PASSWORD@HOST:PORT/DB` (or `postgresql://`) for PostgreSQL;
   * `sqlite:PATH`, a bare file path or `:memory:` for SQLite.
   */
  readonly url: string;
  readonly logger?: StoreLogger;
  /** Time source for the few timestamps the store sets itself (requeueRunning). */
  readonly clock?: Clock;
}

/**
 * Opens the store a URL names and checks that the database answers. The schema is not
 * touched until `migrate()`; call it once at start. Throws SkyportError('Internal') naming
 * the database (never its password) when it cannot be opened or reached.
 */
export async function createStore(options: CreateStoreOptions): Promise<Store> {
  const target = parseDatabaseUrl(options.url);
  const logger = options.logger ?? silentLogger;
  const db = await openDatabase(target, logger);
  const ctx: StoreContext = { db, dialect: target.dialect, clock: options.clock ?? systemClock, logger };
  let closing: Promise<void> | undefined;
  const maintenance = guardMethods({ resealProviderCredentials: (reseal: (sealed: string) => string) => resealProviderCredentials(ctx, reseal) }, target);

  return {
    dialect: target.dialect,
    providers: guardMethods(new SqlProviderStore(ctx), target),
    resources: guardMethods(new SqlResourceStore(ctx), target),
    operations: guardMethods(new SqlOperationStore(ctx), target),
    idempotency: guardMethods(new SqlIdempotencyStore(ctx), target),
    tokens: guardMethods(new SqlApiTokenStore(ctx), target),
    tenants: guardMethods(new SqlTenantStore(ctx), target),
    users: guardMethods(new SqlUserStore(ctx), target),
    accessKeys: guardMethods(new SqlAccessKeyStore(ctx), target),
    audit: guardMethods(new SqlAuditStore(ctx), target),
    migrations: guardMethods(new SqlMigrationStore(ctx), target),
    leases: guardMethods(new SqlLeaseStore(ctx), target),
    resealProviderCredentials: maintenance.resealProviderCredentials,
    migrate: () => runMigrations(db, target, logger),
    close: () => {
      closing ??= (async () => {
        try {
          // SQLite advises a statistics check before closing a connection that wrote.
          if (target.dialect === 'sqlite') await sql`pragma optimize`.execute(db).catch(() => undefined);
          await db.destroy();
        } catch (error) {
          throw toStoreError(error, target);
        }
      })();
      return closing;
    },
  };
}
