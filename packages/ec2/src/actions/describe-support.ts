/**
 * What every Describe action shares: ids or filters, MaxResults and NextToken over the
 * broker's inventory. Filters the inventory can answer (exact tags, states) are pushed down;
 * every filter is also applied here, so pushing down is only a shortcut.
 */
import type { ListQuery, Page } from '@skyport/core';
import { exactValues, filterPredicate, findFilter, type Filter, type FilterSpec } from '../protocol/filters.js';
import { decodeNextToken, encodeNextToken, queryKey } from '../protocol/next-token.js';
import { invalidCombination } from '../protocol/ec2-error.js';
import type { QueryParams } from '../protocol/query-params.js';
import type { Subject } from '../protocol/error-mapping.js';
import { getAllInProvider } from './ids.js';

export interface Paging {
  readonly maxResults?: number;
  readonly nextToken?: string;
}

/** Reads MaxResults (in EC2's range for the action) and NextToken. */
export function readPaging(params: QueryParams, range: { readonly min: number; readonly max: number }): Paging {
  const maxResults = params.integer('MaxResults', range);
  const nextToken = params.string('NextToken');
  return { ...(maxResults === undefined ? {} : { maxResults }), ...(nextToken === undefined ? {} : { nextToken }) };
}

/** EC2 refuses MaxResults together with explicit ids. */
export function refuseIdsWithPaging(paging: Paging, idsParameter: string, ids: readonly unknown[]): void {
  if (ids.length > 0 && (paging.maxResults !== undefined || paging.nextToken !== undefined)) {
    throw invalidCombination(`The parameter ${idsParameter} cannot be used with MaxResults or NextToken`);
  }
}

/** Tag filters the inventory can answer: `tag:<key>` or `tag-key` with one exact value. */
export function tagPushDown(filters: readonly Filter[]): Record<string, string | null> | undefined {
  const tags: Record<string, string | null> = {};
  for (const filter of filters) {
    const exact = exactValues(filter);
    if (exact?.length !== 1) continue;
    if (filter.name.startsWith('tag:')) tags[filter.name.slice(4)] = exact[0]!;
    else if (filter.name === 'tag-key' && !Object.hasOwn(tags, exact[0]!)) tags[exact[0]!] = null;
  }
  return Object.keys(tags).length === 0 ? undefined : tags;
}

export interface InventoryDescribe<T> {
  readonly action: string;
  readonly filters: readonly Filter[];
  readonly spec: FilterSpec<T>;
  readonly paging: Paging;
  /** The broker's list, scoped to the region's provider and the pushed-down filters. */
  readonly list: (query: ListQuery) => Promise<Page<T>>;
  readonly query: ListQuery;
  /** Anything else that defines the query, for binding NextToken to it. */
  readonly extra?: unknown;
  /** A condition beyond the filters (owners, options). */
  readonly also?: (item: T) => boolean;
}

/** Whole-inventory scan budget per request, so a filter that matches little cannot run away. */
const SCAN_BUDGET = 20_000;
const PAGE = 1000;

/**
 * One page of matching items. Without MaxResults EC2 returns everything; with it, at most that
 * many and a NextToken when more may follow (possibly fewer, as EC2 allows, when filters
 * leave most of the inventory out).
 */
export async function describeInventory<T>(d: InventoryDescribe<T>): Promise<{ readonly items: T[]; readonly nextToken?: string }> {
  const key = queryKey([d.action, d.filters, d.extra ?? null]);
  const start = decodeNextToken(d.paging.nextToken, key);
  const matches = filterPredicate(d.filters, d.spec);
  const keep = d.also === undefined ? matches : (item: T) => matches(item) && d.also!(item);
  const items: T[] = [];
  let cursor = start?.cursor;
  let scanned = 0;
  const max = d.paging.maxResults;
  for (;;) {
    const limit = max === undefined ? PAGE : Math.min(PAGE, max - items.length);
    const page = await d.list({ ...d.query, limit, ...(cursor === undefined ? {} : { cursor }) });
    scanned += page.items.length;
    for (const item of page.items) if (keep(item)) items.push(item);
    cursor = page.nextCursor;
    if (cursor === undefined) return { items };
    if (max !== undefined && (items.length >= max || scanned >= SCAN_BUDGET)) return { items, nextToken: encodeNextToken({ cursor }, key) };
  }
}

/** A page of an in-memory list (small lists: zones, instance types, tags). */
export function pageOfList<T>(action: string, all: readonly T[], paging: Paging, extra: unknown): { readonly items: T[]; readonly nextToken?: string } {
  const key = queryKey([action, extra]);
  const offset = decodeNextToken(paging.nextToken, key)?.offset ?? 0;
  if (paging.maxResults === undefined) return { items: all.slice(offset) };
  const end = offset + paging.maxResults;
  return { items: all.slice(offset, end), ...(end < all.length ? { nextToken: encodeNextToken({ offset: end }, key) } : {}) };
}

export function filterByName(filters: readonly Filter[], name: string): readonly string[] | undefined {
  return exactValues(findFilter(filters, name));
}

export interface DescribeRequest<T> extends InventoryDescribe<T> {
  readonly subject: Subject;
  readonly ids: readonly string[];
  readonly providerId: string;
  readonly region: string;
  readonly get: (id: string) => Promise<T>;
}

/** By ids (all must exist in the region's provider, then filtered) or a page of the inventory. */
export async function describeResources<T extends { readonly id: string; readonly providerId: string }>(d: DescribeRequest<T>): Promise<{ readonly items: T[]; readonly nextToken?: string }> {
  if (d.ids.length === 0) return describeInventory(d);
  const found = await getAllInProvider(d.subject, d.ids, d.providerId, d.region, d.get);
  const matches = filterPredicate(d.filters, d.spec);
  return { items: found.filter((item) => matches(item) && (d.also === undefined || d.also(item))) };
}
