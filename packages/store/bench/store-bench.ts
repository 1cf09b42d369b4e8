/**
 * Measures what the store promises at inventory scale: a 100k-record sync (first and
 * repeated) and filtered page queries over 100k instances, on SQLite and PostgreSQL.
 *   node --conditions=source --import tsx packages/store/bench/store-bench.ts [sqlite|postgres] [count]
 */
import type { ResourceQuery, Store } from '@skyport/core';
import { createTestStore, testDatabaseUrls } from '@skyport/store/testing';
import { instanceListing, LIST_QUERIES } from './inventory-fixture.js';

const only = process.argv[2];
const count = Number(process.argv[3] ?? 100_000);

async function time<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await work();
  return [result, performance.now() - start];
}

async function bench(store: Store, dialect: string): Promise<void> {
  const at = '2025-01-01T00:00:00.000Z';
  const listing = instanceListing('prv-a', count, at);
  const [first, firstMs] = await time(() => store.resources.sync('prv-a', 'instance', listing, at));
  const [second, secondMs] = await time(() => store.resources.sync('prv-a', 'instance', listing, '2025-01-01T00:05:00.000Z'));
  console.log(`${dialect}: sync ${count} first ${firstMs.toFixed(0)} ms (created ${first.created.length}), second ${secondMs.toFixed(0)} ms (changes ${second.created.length + second.updated.length + second.vanished.length})`);
  // A small change set: 1% changed state, 1% gone.
  const changed = listing.filter((_, i) => i % 100 !== 3).map((r, i) => (i % 100 === 5 ? { ...r, state: 'stopped', data: { ...r.data, state: 'stopped' } } : r));
  const [third, thirdMs] = await time(() => store.resources.sync('prv-a', 'instance', changed, '2025-01-01T00:10:00.000Z'));
  console.log(`${dialect}: sync with 1% changed, 1% gone ${thirdMs.toFixed(0)} ms (updated ${third.updated.length}, vanished ${third.vanished.length})`);
  await store.resources.sync('prv-b', 'instance', instanceListing('prv-b', count / 20, at, { seed: 2 }), at);

  for (const [label, filter] of Object.entries(LIST_QUERIES)) {
    const query: ResourceQuery = { kind: 'instance', limit: 100, ...filter };
    const first = await store.resources.list(query);
    // The middle of the result: a page after a cursor taken from half-way through the ids.
    const midCursor = first.nextCursor === undefined ? undefined : Buffer.from(`res:i-8`).toString('base64url');
    const samples: number[] = [];
    const deepSamples: number[] = [];
    for (let i = 0; i < 15; i++) {
      samples.push((await time(() => store.resources.list(query)))[1]);
      if (midCursor !== undefined) deepSamples.push((await time(() => store.resources.list({ ...query, cursor: midCursor })))[1]);
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    console.log(`${dialect}: ${label.padEnd(30)} first page ${median(samples).toFixed(2).padStart(7)} ms, mid page ${median(deepSamples).toFixed(2).padStart(7)} ms, items ${first.items.length}`);
  }
}

for (const database of testDatabaseUrls()) {
  if (only !== undefined && only !== database.dialect) continue;
  const test = await createTestStore(database);
  try {
    await bench(test.store, database.dialect);
  } finally {
    await test.cleanup();
  }
}
