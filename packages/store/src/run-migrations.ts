import { SkyportError, isSkyportError } from '@skyport/model';
import type { Kysely } from 'kysely';
import type { StoreLogger } from './logger.js';
import { createMigrator } from './migrations.js';
import type { Database } from './schema.js';
import { causeText, isUnreachable, toStoreError, type DatabaseIdentity } from './store-errors.js';

/** Applies pending migrations; applying none (an up-to-date schema) is the normal case. */
export async function runMigrations(db: Kysely<Database>, database: DatabaseIdentity, logger: StoreLogger): Promise<void> {
  const { display } = database;
  const { error, results = [] } = await createMigrator(db, database.dialect).migrateToLatest();
  for (const result of results) {
    if (result.status === 'Success') logger.info({ database: display, migration: result.migrationName }, 'store migration applied');
  }
  if (error === undefined) return;
  // A connection problem says what to check; anything else is a problem of the migration.
  if (isSkyportError(error) || isUnreachable(error)) throw toStoreError(error, database);
  const failed = results.find((result) => result.status === 'Error')?.migrationName;
  throw new SkyportError(
    'Internal',
    `migrating the store database (${display}) failed${failed === undefined ? '' : ` at ${failed}`}: ${causeText(error)}. Fix the cause and migrate again; migrations already recorded as applied are not repeated.`,
    { cause: error, details: { database: display, ...(failed === undefined ? {} : { migration: failed }) } },
  );
}
