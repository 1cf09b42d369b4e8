import type { IdempotencyRecord, IdempotencyStore } from '@skyport/core';
import type { Selectable } from 'kysely';
import type { IdempotencyKeysTable } from './schema.js';
import type { StoreContext } from './store-context.js';

export class SqlIdempotencyStore implements IdempotencyStore {
  readonly #ctx: StoreContext;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
  }

  async get(scope: string, key: string): Promise<IdempotencyRecord | undefined> {
    const row = await this.#ctx.db.selectFrom('idempotency_keys').selectAll().where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
    return row === undefined ? undefined : fromRow(row);
  }

  /**
   * Insert-or-nothing, then read back: the database's key decides the winner of a race, and
   * every caller reads the winner's record. On PostgreSQL a conflicting insert waits for the
   * other transaction to commit, so the read after it always finds the row.
   */
  async putIfAbsent(record: IdempotencyRecord): Promise<IdempotencyRecord> {
    await this.#ctx.db
      .insertInto('idempotency_keys')
      .values({
        scope: record.scope,
        key: record.key,
        request_hash: record.requestHash,
        operation_id: record.operationId,
        created_at: record.createdAt,
      })
      .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
      .execute();
    const stored = await this.get(record.scope, record.key);
    // Only a concurrent expire() between the two statements can get here; the caller's
    // record is then the truth it may act on.
    return stored ?? record;
  }

  async expire(before: string): Promise<number> {
    const result = await this.#ctx.db.deleteFrom('idempotency_keys').where('created_at', '<', before).executeTakeFirstOrThrow();
    return Number(result.numDeletedRows);
  }
}

function fromRow(row: Selectable<IdempotencyKeysTable>): IdempotencyRecord {
  return { scope: row.scope, key: row.key, requestHash: row.request_hash, operationId: row.operation_id, createdAt: row.created_at };
}
