import type { ResourceQuery, ResourceRecord, ResourceSort, ResourceSortField } from '@skyport/core';
import { sql, type ExpressionBuilder, type Kysely, type Selectable, type SelectQueryBuilder } from 'kysely';
import { decodeCursor, encodeCursor, invalidCursor } from './cursor.js';
import type { Database, Dialect, ResourcesTable } from './schema.js';

export const ID_ORDER: ResourceSort = { field: 'id' };

/** The column of each sort field; each has an index (kind, column, id). */
const SORT_COLUMNS = {
  id: 'resources.id',
  name: 'resources.name',
  state: 'resources.state',
  providerId: 'resources.provider_id',
} as const satisfies Record<ResourceSortField, string>;

/** Where the previous page ended: the sort column's value and the id that breaks ties. */
export interface PageEnd {
  readonly value: string;
  readonly id: string;
}

function sortValue(record: ResourceRecord, field: ResourceSortField): string {
  // `state` is null only for kinds without states, which are not sorted by it.
  return field === 'providerId' ? record.providerId : field === 'state' ? (record.state ?? '') : field === 'name' ? record.name : record.id;
}

/**
 * A cursor names its sort, so one taken under another order is refused rather than
 * silently skipping or repeating rows. Id order keeps the plain id payload.
 */
export function encodeResourceCursor(last: ResourceRecord, sort: ResourceSort): string {
  if (sort.field === 'id' && sort.descending !== true) return encodeCursor('res', last.id);
  return encodeCursor('res', JSON.stringify([sort.field, sort.descending === true ? 1 : 0, sortValue(last, sort.field), last.id]));
}

export function decodeResourceCursor(cursor: string, sort: ResourceSort): PageEnd {
  const payload = decodeCursor('res', cursor);
  if (sort.field === 'id' && sort.descending !== true) {
    if (payload.startsWith('[')) throw invalidCursor(cursor);
    return { value: payload, id: payload };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    throw invalidCursor(cursor);
  }
  if (!Array.isArray(parsed) || parsed.length !== 4 || parsed[0] !== sort.field || parsed[1] !== (sort.descending === true ? 1 : 0)) throw invalidCursor(cursor);
  const [, , value, id] = parsed as unknown[];
  if (typeof value !== 'string' || typeof id !== 'string') throw invalidCursor(cursor);
  return { value, id };
}

type ResourceSelect = SelectQueryBuilder<Database, 'resources', {}>;

/**
 * The query for one page of a resource list: filters, cursor, order, and one row more
 * than the page so the caller knows whether another page follows without counting.
 * Undefined when nothing can match.
 */
export async function resourcePageQuery(
  db: Kysely<Database>,
  dialect: Dialect,
  query: ResourceQuery,
  pageEnd: PageEnd | undefined,
): Promise<SelectQueryBuilder<Database, 'resources', Selectable<ResourcesTable>> | undefined> {
  const sort = query.sort ?? ID_ORDER;
  const byId = sort.field === 'id' && sort.descending !== true;
  const drivingTag = dialect === 'sqlite' ? await sparseTagKey(db, query.tags) : undefined;
  // The id-order cursor bound also narrows the tag rows (see filterResources); other orders
  // bound the page with a row comparison on (column, id) instead.
  const filtered = filterResources(db.selectFrom('resources'), dialect, query, { after: byId ? pageEnd?.id : undefined, drivingTag });
  if (filtered === undefined) return undefined;
  const direction = sort.descending === true ? 'desc' : 'asc';
  const column = SORT_COLUMNS[sort.field];
  let q = filtered;
  if (pageEnd !== undefined && !byId) {
    const beyond = sort.descending === true ? sql.raw('<') : sql.raw('>');
    q =
      sort.field === 'id'
        ? q.where(sql<boolean>`${sql.ref('resources.id')} ${beyond} ${pageEnd.id}`)
        : q.where(sql<boolean>`(${sql.ref(column)}, ${sql.ref('resources.id')}) ${beyond} (${pageEnd.value}, ${pageEnd.id})`);
  }
  if (sort.field !== 'id') q = q.orderBy(column, direction);
  return q.selectAll('resources').orderBy('resources.id', direction).limit(query.limit + 1);
}

export interface FilterOptions {
  /** Id of the last item of the previous page. */
  readonly after?: string | undefined;
  /** The tag key whose filter should drive the query (see `sparseTagKey`). */
  readonly drivingTag?: string | undefined;
}

/**
 * Applies the filters of a resource query and the cursor. Returns undefined when the query
 * cannot match anything (an empty list of providers or states), so the caller skips the
 * database.
 */
export function filterResources(select: ResourceSelect, dialect: Dialect, query: ResourceQuery, options: FilterOptions = {}): ResourceSelect | undefined {
  const { after, drivingTag } = options;
  if (query.providerIds?.length === 0 || query.states?.length === 0) return undefined;
  let q = select.where('resources.kind', '=', query.kind);
  // A single value is written as `=`, which every planner turns into an index range that
  // already returns rows in id order.
  if (query.providerIds !== undefined) {
    const ids = query.providerIds;
    q = ids.length === 1 ? q.where('resources.provider_id', '=', ids[0]!) : q.where('resources.provider_id', 'in', ids);
  }
  if (query.states !== undefined) {
    const states = query.states;
    q = states.length === 1 ? q.where('resources.state', '=', states[0]!) : q.where('resources.state', 'in', states);
  }
  if (query.includeVanished !== true) q = q.where('resources.vanished_at', 'is', null);
  if (query.name !== undefined) q = filterName(q, dialect, query.name);
  if (after !== undefined) q = q.where('resources.id', '>', after);
  for (const [key, value] of Object.entries(query.tags ?? {})) {
    // The cursor bound is repeated on the tag rows: planners do not carry an inequality
    // across the join, and without it a merge join would read the tag index from its start.
    const tagged = (eb: ExpressionBuilder<Database, 'resources'>) =>
      eb
        .selectFrom('resource_tags')
        .select('resource_tags.resource_id')
        .where('resource_tags.key', '=', key)
        .$if(value !== null, (t) => t.where('resource_tags.value', '=', value!))
        .$if(after !== undefined, (t) => t.where('resource_tags.resource_id', '>', after!));
    q =
      key === drivingTag
        ? q.where('resources.id', 'in', tagged)
        : q.where((eb) => eb.exists(tagged(eb).whereRef('resource_tags.resource_id', '=', 'resources.id')));
  }
  return q;
}

/**
 * Exact name, or a prefix when the name ends with `*` (other `*` are literal). The prefix
 * test must be case-sensitive and use the name index: SQLite's LIKE ignores case and cannot
 * use a BINARY index, its GLOB can; PostgreSQL's LIKE can, as the column is collated "C".
 */
function filterName(q: ResourceSelect, dialect: Dialect, name: string): ResourceSelect {
  if (!name.endsWith('*')) return q.where('resources.name', '=', name);
  const prefix = name.slice(0, -1);
  if (prefix === '') return q;
  if (dialect === 'sqlite') {
    const pattern = `${prefix.replace(/[*?[]/g, '[$&]')}*`;
    return q.where(sql<boolean>`${sql.ref('resources.name')} glob ${pattern}`);
  }
  const pattern = `${prefix.replace(/[\\%_]/g, '\\$&')}%`;
  return q.where(sql<boolean>`${sql.ref('resources.name')} like ${pattern} escape '\\'`);
}

/** Below this many tag rows a tag filter counts as sparse. */
const SPARSE_TAG_ROWS = 2_000;

/**
 * SQLite runs EXISTS as a probe per scanned row and never starts from the subquery, so a
 * rare tag means walking every resource of the kind. Written as `id IN (subquery)` the
 * planner can start from the tag index instead, but it then reads every matching tag row,
 * which is slow for a common tag. This picks the rarest tag filter when it is rare enough
 * (one bounded count per tag filter); PostgreSQL's planner makes that choice itself.
 */
export async function sparseTagKey(db: Kysely<Database>, tags: ResourceQuery['tags']): Promise<string | undefined> {
  let best: { key: string; rows: number } | undefined;
  for (const [key, value] of Object.entries(tags ?? {})) {
    const sample = db
      .selectFrom('resource_tags')
      .select(sql.lit(1).as('one'))
      .where('key', '=', key)
      .$if(value !== null, (t) => t.where('value', '=', value!))
      .limit(SPARSE_TAG_ROWS)
      .as('sample');
    const { rows } = await db.selectFrom(sample).select(sql<number>`count(*)`.as('rows')).executeTakeFirstOrThrow();
    const count = Number(rows);
    if (count < SPARSE_TAG_ROWS && (best === undefined || count < best.rows)) best = { key, rows: count };
  }
  return best?.key;
}
