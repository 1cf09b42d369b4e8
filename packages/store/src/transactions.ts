import { sql, type Kysely } from 'kysely';
import type { Database, Dialect } from './schema.js';

/**
 * Runs `work` in a transaction that intends to write. On SQLite it starts with BEGIN IMMEDIATE,
 * taking the write lock up front: a deferred transaction that reads first and writes later can
 * fail with SQLITE_BUSY when another process wrote in between, and the busy timeout does not
 * help with that case. PostgreSQL's row locks make an ordinary transaction enough.
 *
 * `work` must use the handle it is given, never the outer one: on SQLite the outer handle
 * waits for the one connection this transaction holds.
 */
export async function inWriteTransaction<T>(db: Kysely<Database>, dialect: Dialect, work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  if (dialect === 'postgres') return db.transaction().execute(work);
  return db.connection().execute(async (connection) => {
    await sql`begin immediate`.execute(connection);
    let result: T;
    try {
      result = await work(connection);
    } catch (error) {
      // SQLite may already have rolled back on its own (e.g. after SQLITE_FULL); the original
      // error is the one worth reporting.
      await sql`rollback`.execute(connection).catch(() => undefined);
      throw error;
    }
    await sql`commit`.execute(connection);
    return result;
  });
}
