import type { Dialect } from './schema.js';

/**
 * Bound parameters one statement may carry: SQLite as bundled by better-sqlite3 allows 32766
 * (SQLITE_MAX_VARIABLE_NUMBER), PostgreSQL's protocol 65535. A little is kept back for the
 * parameters outside the value list.
 */
const MAX_PARAMETERS: Record<Dialect, number> = { sqlite: 32_000, postgres: 65_000 };

/** How many rows of `columns` values fit in one multi-row statement. */
export function rowsPerStatement(dialect: Dialect, columns: number): number {
  return Math.max(1, Math.floor(MAX_PARAMETERS[dialect] / columns));
}

export function* chunksOf<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}
