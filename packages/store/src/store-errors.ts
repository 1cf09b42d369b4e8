import { SkyportError, isSkyportError } from '@skyport/model';
import type { Dialect } from './schema.js';
import { APPEND_ONLY_SQLSTATE } from './tenancy-migration.js';

/** Which database an error is about, in words safe to show (no password). */
export interface DatabaseIdentity {
  readonly dialect: Dialect;
  readonly display: string;
}

const WHAT_TO_CHECK: Record<Dialect, string> = {
  postgres: 'Check that PostgreSQL is running and accepts connections there, and that the user, password and database name in the store URL are right.',
  sqlite: 'Check that the directory exists and the broker may write there, and that the file is a SQLite database.',
};

/**
 * The table an append-only trigger refused a change to, or undefined for any other error.
 * Both dialects' triggers say `<table> is append-only: <op> refused`.
 */
export function appendOnlyTable(error: unknown): string | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if ((code !== APPEND_ONLY_SQLSTATE && code !== 'SQLITE_CONSTRAINT_TRIGGER') || typeof message !== 'string') return undefined;
  return /(\w+) is append-only/.exec(message)?.[1];
}

/** SQLite result codes and PostgreSQL SQLSTATEs that mean "a unique key is taken". */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/** Errors that say the database is not there (or not for us), as opposed to a bad query. */
export function isUnreachable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return true;
    // PostgreSQL: class 08 connection exception, 28 authorization, 3D000 unknown database,
    // 57P0x server shutting down or starting.
    if (/^(08|28)/.test(code) || code === '3D000' || /^57P0[1-3]$/.test(code)) return true;
    if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_NOTADB' || code === 'SQLITE_READONLY') return true;
  }
  return typeof message === 'string' && /connection terminated|timeout expired|connect ETIMEDOUT/i.test(message);
}

export function causeText(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return causeText(error.errors[0]);
  if (error instanceof Error) return error.message || (error as { code?: string }).code || error.name;
  return String(error);
}

export function unreachableError(database: DatabaseIdentity, error: unknown): SkyportError {
  return new SkyportError('Internal', `the store database (${database.display}) cannot be used: ${causeText(error)}. ${WHAT_TO_CHECK[database.dialect]}`, {
    cause: error,
    retryable: true,
    details: { database: database.display },
  });
}

/**
 * What a caller of the store sees for any failure: our own SkyportErrors pass through; a
 * database that cannot be reached says which one and what to check; anything else is an
 * Internal error naming the database.
 */
export function toStoreError(error: unknown, database: DatabaseIdentity): SkyportError {
  if (isSkyportError(error)) return error;
  if (isUnreachable(error)) return unreachableError(database, error);
  const table = appendOnlyTable(error);
  if (table !== undefined) {
    return new SkyportError('Forbidden', `the ${table} table is append-only: its entries can be neither changed nor deleted (${causeText(error)})`, {
      cause: error,
      details: { table, database: database.display },
    });
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) {
    // Another process kept the write lock longer than the busy timeout.
    return new SkyportError('Internal', `the store database (${database.display}) stayed locked by another writer: ${causeText(error)}. Retry; if it persists, look for another program holding a transaction open on the file.`, {
      cause: error,
      retryable: true,
      details: { database: database.display },
    });
  }
  return new SkyportError('Internal', `the store database (${database.display}) failed: ${causeText(error)}`, { cause: error, details: { database: database.display } });
}

/**
 * Wraps every method of a store object so that nothing but SkyportError leaves the package,
 * as the conventions require at package boundaries.
 */
export function guardMethods<T extends object>(target: T, database: DatabaseIdentity): T {
  const guarded: Record<string, unknown> = {};
  let proto: object | null = target;
  while (proto !== null && proto !== Object.prototype) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const value = (target as Record<string, unknown>)[name];
      if (name === 'constructor' || name in guarded || typeof value !== 'function') continue;
      guarded[name] = async (...args: unknown[]) => {
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } catch (error) {
          throw toStoreError(error, database);
        }
      };
    }
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return guarded as T;
}
