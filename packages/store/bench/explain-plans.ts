/**
 * Prints the query plan of every filter in LIST_QUERIES over 100k instances, for both
 * dialects: the check that each page query walks an index in id order or reads only a few
 * rows, rather than scanning and sorting the kind.
 *   node --conditions=source --import tsx packages/store/bench/explain-plans.ts [sqlite|postgres]
 */
import { CompiledQuery } from 'kysely';
import { createTestStore, testDatabaseUrls } from '@skyport/store/testing';
import { parseDatabaseUrl } from '../src/database-url.js';
import { silentLogger } from '../src/logger.js';
import { openDatabase } from '../src/open-database.js';
import { resourcePageQuery } from '../src/resource-filter.js';
import { instanceListing, LIST_QUERIES } from './inventory-fixture.js';

const only = process.argv[2];
/** A page end in the middle of each sort column, for the plan of a second page. */
const MID_VALUES = { id: 'i-8', name: 'web-0005', state: 'running', providerId: 'prv-a' } as const;
const at = '2025-01-01T00:00:00.000Z';

for (const database of testDatabaseUrls()) {
  if (only !== undefined && only !== database.dialect) continue;
  const test = await createTestStore(database);
  const target = parseDatabaseUrl(test.url);
  const db = await openDatabase(target, silentLogger);
  try {
    await test.store.resources.sync('prv-a', 'instance', instanceListing('prv-a', 100_000, at), at);
    await test.store.resources.sync('prv-b', 'instance', instanceListing('prv-b', 5_000, at, { seed: 2 }), at);
    for (const [label, filter] of Object.entries(LIST_QUERIES)) {
      for (const after of [undefined, 'i-8']) {
        const query = await resourcePageQuery(db, target.dialect, { kind: 'instance', limit: 100, ...filter }, after === undefined ? undefined : { value: MID_VALUES[filter.sort?.field ?? 'id'], id: after });
        const compiled = query!.compile();
        const explain = target.dialect === 'sqlite' ? 'explain query plan ' : 'explain (analyze, costs off, timing off, summary on) ';
        const { rows } = await db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(explain + compiled.sql, [...compiled.parameters]));
        const times: number[] = [];
        for (let i = 0; i < 7; i++) {
          const start = performance.now();
          await query!.execute();
          times.push(performance.now() - start);
        }
        const median = times.sort((a, b) => a - b)[3]!;
        console.log(`\n${database.dialect}: ${label}${after === undefined ? '' : ' (after a cursor)'}: ${median.toFixed(2)} ms`);
        for (const row of rows) console.log(`  ${String(row['detail'] ?? row['QUERY PLAN'])}`);
      }
    }
  } finally {
    await db.destroy();
    await test.cleanup();
  }
}
