import type { Page, ResourceQuery, ResourceRecord, ResourceStore, SyncResult } from '@skyport/core';
import { SkyportError, type ResourceKind } from '@skyport/model';
import { sql, type Kysely } from 'kysely';
import { chunksOf, rowsPerStatement } from './chunks.js';
import { checkLimit } from './cursor.js';
import { serializeTags } from './json.js';
import { deleteTagRows, insertTagRows, resourceFromRow, tagRows } from './resource-rows.js';
import { decodeResourceCursor, encodeResourceCursor, ID_ORDER, resourcePageQuery } from './resource-filter.js';
import { syncResources } from './resource-sync.js';
import type { Database } from './schema.js';
import type { StoreContext } from './store-context.js';
import { inWriteTransaction } from './transactions.js';
import { isUniqueViolation } from './store-errors.js';

export class SqlResourceStore implements ResourceStore {
  readonly #ctx: StoreContext;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
  }

  async get(id: string): Promise<ResourceRecord | undefined> {
    const row = await this.#ctx.db.selectFrom('resources').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : resourceFromRow(row);
  }

  async getByNativeId(providerId: string, kind: ResourceKind, nativeId: string): Promise<ResourceRecord | undefined> {
    const row = await this.#ctx.db
      .selectFrom('resources')
      .selectAll()
      .where('provider_id', '=', providerId)
      .where('kind', '=', kind)
      .where('native_id', '=', nativeId)
      .executeTakeFirst();
    return row === undefined ? undefined : resourceFromRow(row);
  }

  /** Vanished records count too: a resource that reappears keeps the id it had. */
  async idsForNativeIds(providerId: string, kind: ResourceKind, nativeIds: readonly string[]): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    for (const chunk of chunksOf([...new Set(nativeIds)], rowsPerStatement(this.#ctx.dialect, 1))) {
      const rows = await this.#ctx.db
        .selectFrom('resources')
        .select(['id', 'native_id'])
        .where('provider_id', '=', providerId)
        .where('kind', '=', kind)
        .where('native_id', 'in', chunk)
        .execute();
      for (const row of rows) ids.set(row.native_id, row.id);
    }
    return ids;
  }

  /**
   * Ordered by id, or by the sort column then id; `nextCursor` encodes where the page ended
   * (keyset pagination: a page costs the same at row 10 and at row 100,000).
   */
  async list(query: ResourceQuery): Promise<Page<ResourceRecord>> {
    checkLimit(query.limit);
    const sort = query.sort ?? ID_ORDER;
    const after = query.cursor === undefined ? undefined : decodeResourceCursor(query.cursor, sort);
    const pageQuery = await resourcePageQuery(this.#ctx.db, this.#ctx.dialect, query, after);
    if (pageQuery === undefined) return { items: [] };
    const rows = await pageQuery.execute();
    const items = rows.slice(0, query.limit).map(resourceFromRow);
    return rows.length > query.limit ? { items, nextCursor: encodeResourceCursor(items[items.length - 1]!, sort) } : { items };
  }

  /** Present resources only; kinds without state (null) are not counted. */
  async countByState(kind: ResourceKind, providerId?: string): Promise<Record<string, number>> {
    const rows = await this.#ctx.db
      .selectFrom('resources')
      .select(['state', sql<number | string | bigint>`count(*)`.as('count')])
      .where('kind', '=', kind)
      .where('vanished_at', 'is', null)
      .where('state', 'is not', null)
      .$if(providerId !== undefined, (q) => q.where('provider_id', '=', providerId!))
      .groupBy('state')
      .execute();
    const counts: Record<string, number> = {};
    // PostgreSQL returns count(*) as a bigint string.
    for (const row of rows) counts[row.state!] = Number(row.count);
    return counts;
  }

  async put(record: ResourceRecord): Promise<void> {
    const row = {
      id: record.id,
      provider_id: record.providerId,
      kind: record.kind,
      native_id: record.nativeId,
      name: record.name,
      state: record.state,
      tags: serializeTags(record.tags),
      data: JSON.stringify(record.data),
      created_at: record.createdAt,
      updated_at: record.updatedAt,
      vanished_at: null,
    };
    // Another broker's poll may insert the same native resource under another id between the
    // check below and the insert: that is the same conflict, reported the same way.
    await inWriteTransaction(this.#ctx.db, this.#ctx.dialect, async (trx) => {
      await refuseNativeIdTakenByOther(trx, record);
      await trx
        .insertInto('resources')
        .values(row)
        .onConflict((oc) =>
          oc.column('id').doUpdateSet((eb) => ({
            provider_id: eb.ref('excluded.provider_id'),
            kind: eb.ref('excluded.kind'),
            native_id: eb.ref('excluded.native_id'),
            name: eb.ref('excluded.name'),
            state: eb.ref('excluded.state'),
            tags: eb.ref('excluded.tags'),
            data: eb.ref('excluded.data'),
            created_at: eb.ref('excluded.created_at'),
            updated_at: eb.ref('excluded.updated_at'),
            vanished_at: null,
          })),
        )
        .execute();
      await deleteTagRows(trx, this.#ctx.dialect, [record.id]);
      await insertTagRows(trx, this.#ctx.dialect, tagRows(record.id, record.tags));
    }).catch((error: unknown) => {
      if (!isUniqueViolation(error)) throw error;
      throw new SkyportError('AlreadyExists', `${record.kind} '${record.nativeId}' of provider '${record.providerId}' was stored under another id meanwhile; read it again`, {
        cause: error,
        details: { id: record.id, nativeId: record.nativeId },
      });
    });
  }

  sync(providerId: string, kind: ResourceKind, records: readonly ResourceRecord[], syncedAt: string): Promise<SyncResult> {
    return syncResources(this.#ctx, providerId, kind, records, syncedAt);
  }

  async delete(id: string): Promise<void> {
    await inWriteTransaction(this.#ctx.db, this.#ctx.dialect, async (trx) => {
      await trx.deleteFrom('resource_tags').where('resource_id', '=', id).execute();
      await trx.deleteFrom('resources').where('id', '=', id).execute();
    });
  }

  async deleteByProvider(providerId: string): Promise<void> {
    await inWriteTransaction(this.#ctx.db, this.#ctx.dialect, async (trx) => {
      await trx
        .deleteFrom('resource_tags')
        .where('resource_id', 'in', (eb) => eb.selectFrom('resources').select('id').where('provider_id', '=', providerId))
        .execute();
      await trx.deleteFrom('resources').where('provider_id', '=', providerId).execute();
    });
  }
}

/**
 * `put` replaces by id. A second row for the same provider resource would break the
 * one-record-per-native-id rule that sync relies on, so it is refused by name.
 */
async function refuseNativeIdTakenByOther(db: Kysely<Database>, record: ResourceRecord): Promise<void> {
  const other = await db
    .selectFrom('resources')
    .select('id')
    .where('provider_id', '=', record.providerId)
    .where('kind', '=', record.kind)
    .where('native_id', '=', record.nativeId)
    .where('id', '!=', record.id)
    .executeTakeFirst();
  if (other !== undefined) {
    throw new SkyportError('AlreadyExists', `${record.kind} '${record.nativeId}' of provider '${record.providerId}' is already stored as '${other.id}'; put it under that id`, {
      details: { id: record.id, existingId: other.id, nativeId: record.nativeId },
    });
  }
}
