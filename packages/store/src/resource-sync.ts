import type { ResourceRecord, SyncResult } from '@skyport/core';
import { SkyportError, type ResourceKind } from '@skyport/model';
import { sql, type Kysely } from 'kysely';
import { insertRows } from './bulk-insert.js';
import { chunksOf, rowsPerStatement } from './chunks.js';
import { serializeTags } from './json.js';
import { deleteTagRows, insertTagRows, tagRows } from './resource-rows.js';
import type { Database, Dialect, ResourcesTable, ResourceTagsTable } from './schema.js';
import type { StoreContext } from './store-context.js';
import { isUniqueViolation } from './store-errors.js';
import { inWriteTransaction } from './transactions.js';

/** A listed record with its JSON already serialized, since comparing is done on text. */
interface Listed {
  readonly record: ResourceRecord;
  readonly tags: string;
  readonly data: string;
}

/** The columns a sync compares, read once for the whole provider and kind. */
interface Stored {
  readonly id: string;
  readonly native_id: string;
  readonly name: string;
  readonly state: string | null;
  readonly tags: string;
  readonly data: string;
  readonly vanished_at: string | null;
}

interface SyncPlan {
  readonly result: SyncResult;
  /** Rows for resources not stored before. */
  readonly inserts: ResourcesTable[];
  /** Rows that replace stored ones (changed, or back from vanished), under the stored id. */
  readonly overwrites: ResourcesTable[];
  readonly vanish: string[];
  /** Resources whose tag rows are replaced (changed tags); new ones have none to delete. */
  readonly retag: string[];
  readonly tagRows: ResourceTagsTable[];
  /** Rows of this provider and kind once the sync is done, vanished ones included. */
  readonly storedAfter: number;
}

const RESOURCE_COLUMNS = ['id', 'provider_id', 'kind', 'native_id', 'name', 'state', 'tags', 'data', 'created_at', 'updated_at', 'vanished_at'] as const;

/** On an existing id only what a sync owns changes; identity and created_at stay. */
const OVERWRITE =
  'on conflict (id) do update set name = excluded.name, state = excluded.state, tags = excluded.tags, data = excluded.data, updated_at = excluded.updated_at, vanished_at = null';

/**
 * Replaces the stored inventory of one provider and kind by a fresh listing, in one write
 * transaction: one read of what is stored, a comparison in memory on serialized text, then
 * multi-row statements for only what differs. A listing identical to what is stored writes
 * nothing, so a steady-state sync costs one indexed read.
 *
 * A record that had vanished and is listed again is reported in `created`: consumers of the
 * sync result saw it go (as `vanished`), so for them it comes back; it keeps its id and
 * `createdAt`.
 */
export async function syncResources(ctx: StoreContext, providerId: string, kind: ResourceKind, records: readonly ResourceRecord[], syncedAt: string): Promise<SyncResult> {
  const listing = prepareListing(providerId, kind, records);
  let plan: SyncPlan;
  try {
    plan = await inWriteTransaction(ctx.db, ctx.dialect, async (trx) => {
      // Two brokers syncing the same provider and kind at once would both plan from the same
      // snapshot; on PostgreSQL the second waits here for the first to commit (SQLite's write
      // transaction already excludes the other).
      if (ctx.dialect === 'postgres') await sql`select pg_advisory_xact_lock(hashtextextended(${`skyport.sync:${providerId}:${kind}`}, 0))`.execute(trx);
      const stored = await trx
        .selectFrom('resources')
        .select(['id', 'native_id', 'name', 'state', 'tags', 'data', 'vanished_at'])
        .where('provider_id', '=', providerId)
        .where('kind', '=', kind)
        .execute();
      const planned = planSync(stored, listing, syncedAt);
      await applyPlan(trx, ctx.dialect, planned, syncedAt);
      return planned;
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new SkyportError('AlreadyExists', `a record of the ${kind} listing of provider '${providerId}' uses an id that another stored resource already has; take ids from idsForNativeIds or new ones`, {
        cause: error,
      });
    }
    throw error;
  }
  const written = plan.inserts.length + plan.overwrites.length + plan.vanish.length;
  if (written >= STATISTICS_MIN_ROWS && written * 10 >= plan.storedAfter) {
    // The sync is committed; stale statistics only cost speed, so a failure here is logged.
    await refreshStatistics(ctx.db, ctx.dialect).catch((error: unknown) =>
      ctx.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'refreshing planner statistics after a sync failed'),
    );
  }
  return plan.result;
}

function prepareListing(providerId: string, kind: ResourceKind, records: readonly ResourceRecord[]): Listed[] {
  const nativeIds = new Set<string>();
  const ids = new Set<string>();
  return records.map((record) => {
    if (record.providerId !== providerId || record.kind !== kind) {
      throw new SkyportError('InvalidArgument', `record '${record.id}' is a ${record.kind} of provider '${record.providerId}', but this sync is for ${kind} of provider '${providerId}'`, {
        details: { id: record.id },
      });
    }
    if (nativeIds.has(record.nativeId)) {
      throw new SkyportError('InvalidArgument', `native id '${record.nativeId}' appears twice in the ${kind} listing of provider '${providerId}'; each resource must be listed once`, {
        details: { nativeId: record.nativeId },
      });
    }
    if (ids.has(record.id)) {
      throw new SkyportError('InvalidArgument', `id '${record.id}' is used by two records of the ${kind} listing of provider '${providerId}'`, { details: { id: record.id } });
    }
    nativeIds.add(record.nativeId);
    ids.add(record.id);
    return { record, tags: serializeTags(record.tags), data: JSON.stringify(record.data) };
  });
}

function planSync(stored: readonly Stored[], listing: readonly Listed[], syncedAt: string): SyncPlan {
  const byNativeId = new Map<string, Stored>();
  for (const row of stored) byNativeId.set(row.native_id, row);

  const created: string[] = [];
  const updated: string[] = [];
  const inserts: ResourcesTable[] = [];
  const overwrites: ResourcesTable[] = [];
  const retag: string[] = [];
  const tagged: { id: string; record: ResourceRecord }[] = [];

  for (const item of listing) {
    const { record } = item;
    const old = byNativeId.get(record.nativeId);
    if (old === undefined) {
      created.push(record.id);
      inserts.push(toRow(record.id, item, record.createdAt, record.updatedAt));
      tagged.push({ id: record.id, record });
      continue;
    }
    byNativeId.delete(record.nativeId);
    const changed = old.name !== record.name || old.state !== record.state || old.tags !== item.tags || old.data !== item.data;
    if (old.vanished_at !== null) created.push(old.id);
    else if (changed) updated.push(old.id);
    else continue;
    // The stored id wins over the record's: ids are handed out once per native id.
    overwrites.push(toRow(old.id, item, record.createdAt, syncedAt));
    if (old.tags !== item.tags) {
      retag.push(old.id);
      tagged.push({ id: old.id, record });
    }
  }

  // What is left was not listed: gone at the provider, unless already marked so.
  const vanish: string[] = [];
  for (const old of byNativeId.values()) if (old.vanished_at === null) vanish.push(old.id);

  // Rows are written in key order: btree inserts then land next to each other (on an empty
  // index, at its right edge) instead of on random pages, which roughly halves the cost of
  // a first sync on both databases.
  inserts.sort(byId);
  overwrites.sort(byId);
  tagged.sort(byId);
  const newTagRows: ResourceTagsTable[] = [];
  for (const { id, record } of tagged) for (const row of tagRows(id, record.tags)) newTagRows.push(row);

  return {
    result: { created, updated, vanished: vanish },
    inserts,
    overwrites,
    vanish,
    retag,
    tagRows: newTagRows,
    storedAfter: stored.length + inserts.length,
  };
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function toRow(id: string, item: Listed, createdAt: string, updatedAt: string): ResourcesTable {
  const { record } = item;
  return {
    id,
    provider_id: record.providerId,
    kind: record.kind,
    native_id: record.nativeId,
    name: record.name,
    state: record.state,
    tags: item.tags,
    data: item.data,
    created_at: createdAt,
    updated_at: updatedAt,
    vanished_at: null,
  };
}

async function applyPlan(db: Kysely<Database>, dialect: Dialect, plan: SyncPlan, syncedAt: string): Promise<void> {
  await insertRows(db, dialect, 'resources', RESOURCE_COLUMNS, plan.inserts);
  await insertRows(db, dialect, 'resources', RESOURCE_COLUMNS, plan.overwrites, OVERWRITE);
  for (const chunk of chunksOf(plan.vanish, rowsPerStatement(dialect, 1))) {
    await db.updateTable('resources').set({ vanished_at: syncedAt, updated_at: syncedAt }).where('id', 'in', chunk).execute();
  }
  // Tag rows of vanished resources stay, so `includeVanished` lists can still filter by tag.
  await deleteTagRows(db, dialect, plan.retag);
  await insertTagRows(db, dialect, plan.tagRows);
}

/**
 * A sync that wrote at least this many rows, and at least a tenth of what the provider has of
 * the kind, refreshes the planner's statistics.
 */
const STATISTICS_MIN_ROWS = 1_000;

/**
 * After a large sync (typically the first one of a provider) the planner's picture of the
 * tables is stale, and it may pick the wrong index for filtered lists until autovacuum
 * (PostgreSQL) or a later `PRAGMA optimize` (SQLite) catches up.
 */
async function refreshStatistics(db: Kysely<Database>, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') {
    await sql`analyze resources, resource_tags`.execute(db);
  } else {
    // A full ANALYZE: `PRAGMA optimize` samples so few rows that its estimates of how many
    // resources share a state or name prefix are far off, which is what the planner needs.
    await sql`analyze resources`.execute(db);
    await sql`analyze resource_tags`.execute(db);
  }
}
