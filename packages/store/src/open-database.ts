import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { DatabaseTarget } from './database-url.js';
import type { StoreLogger } from './logger.js';
import type { Database } from './schema.js';
import { unreachableError } from './store-errors.js';

/** How long a SQLite writer waits for another process's write lock before giving up. */
const SQLITE_BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens the database a URL names and checks that it answers, so that a wrong URL or a
 * stopped server is reported once, at start, in words naming the database.
 */
export async function openDatabase(target: DatabaseTarget, logger: StoreLogger): Promise<Kysely<Database>> {
  const db = target.dialect === 'sqlite' ? openSqlite(target) : openPostgres(target.connectionString, target.display, logger);
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw unreachableError(target, error);
  }
  return db;
}

function openSqlite(target: DatabaseTarget & { dialect: 'sqlite' }): Kysely<Database> {
  let database: BetterSqlite3.Database;
  try {
    database = new BetterSqlite3(target.path);
    // WAL lets readers proceed while one writer commits; NORMAL sync is durable across
    // application crashes (an OS crash may lose the last commits, never corrupt the file).
    database.pragma('journal_mode = WAL');
    database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    database.pragma('foreign_keys = ON');
    database.pragma('synchronous = NORMAL');
  } catch (error) {
    throw unreachableError(target, error);
  }
  return new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
}

function openPostgres(connectionString: string, display: string, logger: StoreLogger): Kysely<Database> {
  const pool = new pg.Pool({ connectionString, connectionTimeoutMillis: 10_000 });
  // An idle client losing its connection emits 'error' on the pool; unhandled, that would
  // end the process. The pool replaces the client; we only record it.
  pool.on('error', (error) => logger.error({ database: display, err: error.message }, 'store database connection lost'));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
