import { CompiledQuery, type Kysely } from 'kysely';
import { chunksOf, rowsPerStatement } from './chunks.js';
import type { Database, Dialect } from './schema.js';

/**
 * Multi-row INSERT for the large writes of a sync, each statement as large as the dialect's
 * parameter limit allows. The SQL text is assembled here rather than by Kysely's builder,
 * whose per-value nodes cost more than the database itself on 100k-row syncs; table and
 * column names come from the typed schema and every value is a bound parameter.
 *
 * `suffix` is a constant clause appended to each statement (e.g. `on conflict ... do ...`).
 */
export async function insertRows<T extends keyof Database & string>(
  db: Kysely<Database>,
  dialect: Dialect,
  table: T,
  columns: readonly (keyof Database[T] & string)[],
  rows: readonly Database[T][],
  suffix = '',
): Promise<void> {
  const head = `insert into "${table}" (${columns.map((column) => `"${column}"`).join(', ')}) values `;
  for (const chunk of chunksOf(rows, rowsPerStatement(dialect, columns.length))) {
    const parameters: unknown[] = new Array(chunk.length * columns.length);
    const tuples: string[] = new Array(chunk.length);
    let p = 0;
    for (let r = 0; r < chunk.length; r++) {
      const row = chunk[r]!;
      const marks: string[] = new Array(columns.length);
      for (let c = 0; c < columns.length; c++) {
        parameters[p++] = row[columns[c]!];
        marks[c] = dialect === 'postgres' ? `$${p}` : '?';
      }
      tuples[r] = `(${marks.join(', ')})`;
    }
    await db.executeQuery(CompiledQuery.raw(`${head}${tuples.join(', ')}${suffix === '' ? '' : ` ${suffix}`}`, parameters));
  }
}
