/**
 * The query parameters every inventory list shares (`provider`, `name`, `tag`, `limit`,
 * `cursor`, `fields`, `includeVanished`), their one parser into the broker's `ListQuery`,
 * and field selection. Lists of different kinds differ only in the entity schema they pass.
 */
import { Type, type TObject, type TProperties } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { ListQuery, ResourceSort, ResourceSortField } from '@skyport/core';
import type { Page } from '@skyport/core';
import { SkyportError } from '@skyport/model';

/** Items per page when `limit` is not given. */
export const DEFAULT_LIMIT = 100;

/** Values of a parameter given repeatedly (`?a=1&a=2`), as a comma list (`?a=1,2`) or both. */
const ListParam = (description: string) => Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description }));

export const listQueryProperties = {
  provider: ListParam('Only these providers (id or name); repeat the parameter or give a comma list.'),
  name: Type.Optional(Type.String({ minLength: 1, description: 'Exact name, or a prefix when it ends with `*` (`web-*`).' })),
  tag: Type.Optional(
    Type.Array(Type.String({ minLength: 1 }), { description: '`key=value`, or `key` for "has the tag"; repeat for several (all must match).' }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: DEFAULT_LIMIT, description: 'Items per page.' })),
  cursor: Type.Optional(Type.String({ minLength: 1, description: '`nextCursor` of the previous page.' })),
  fields: ListParam('Only these top-level fields of each item (`id` is always included); comma list.'),
  includeVanished: Type.Optional(Type.Boolean({ description: 'Also list resources the last sync no longer found at the provider.' })),
  sort: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'Order of the list: `name`, `provider`, `id`, or `state` for kinds that have one; a leading `-` sorts descending (`-name`). Ties are broken by id. By id when absent. A `cursor` continues only the sort it was taken with.',
    }),
  ),
} satisfies TProperties;

/** The querystring of a list: the shared parameters plus any the kind adds (`state`). */
export function ListQuerystring<T extends TProperties = Record<never, never>>(extra: T = {} as T) {
  return Type.Object({ ...listQueryProperties, ...extra }, { additionalProperties: false });
}

/** A list parameter whose values come from a fixed set, checked by `checkAllowed`. */
export const AllowedListParam = (description: string, allowed: readonly string[]) =>
  ListParam(`${description}; repeat the parameter or give a comma list. Allowed: ${allowed.join(', ')}.`);

/** The validated shared parameters, as `toListQuery` reads them. */
export interface ListQuerystringValues {
  readonly provider?: readonly string[];
  readonly name?: string;
  readonly tag?: readonly string[];
  readonly limit?: number;
  readonly cursor?: string;
  readonly fields?: readonly string[];
  readonly includeVanished?: boolean;
  readonly sort?: string;
}

/** Sort names in the API and the inventory fields they order by. */
const SORT_FIELDS: Record<string, ResourceSortField> = { id: 'id', name: 'name', provider: 'providerId', state: 'state' };

/** `-name` → `{ field: 'name', descending: true }`; refuses names the kind cannot sort by. */
export function parseSort(value: string | undefined, withState: boolean): ResourceSort | undefined {
  if (value === undefined) return undefined;
  const descending = value.startsWith('-');
  const name = descending ? value.slice(1) : value;
  const allowed = Object.keys(SORT_FIELDS).filter((n) => withState || n !== 'state');
  const field = allowed.includes(name) ? SORT_FIELDS[name] : undefined;
  if (field === undefined) {
    throw new SkyportError('InvalidArgument', `query/sort "${value}" is not a sort of this list; allowed: ${allowed.flatMap((n) => [n, `-${n}`]).join(', ')}`, {
      details: { field: 'sort', in: 'query', allowed },
    });
  }
  return descending ? { field, descending } : { field };
}

/**
 * Flattens repeated and comma-separated values. Fastify (Ajv `coerceTypes: 'array'`) has
 * already turned a single value into a one-element array.
 */
export function splitList(values: readonly string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  const items = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  return items.length === 0 ? undefined : items;
}

/** Checks every value of a comma-list parameter against its allowed values, by name. */
export function checkAllowed<T extends string>(parameter: string, values: readonly string[] | undefined, allowed: readonly T[]): T[] | undefined {
  if (values === undefined) return undefined;
  for (const value of values) {
    if (!(allowed as readonly string[]).includes(value)) {
      throw new SkyportError('InvalidArgument', `query/${parameter} "${value}" is not allowed; allowed: ${allowed.join(', ')}`, {
        details: { field: parameter, in: 'query', allowed },
      });
    }
  }
  return values as T[];
}

/** `tag=env=prod&tag=team` → `{ env: 'prod', team: null }` (the broker's tag filter). */
export function parseTags(values: readonly string[] | undefined): Record<string, string | null> | undefined {
  if (values === undefined) return undefined;
  const tags: Record<string, string | null> = {};
  for (const value of values) {
    const at = value.indexOf('=');
    const key = at === -1 ? value : value.slice(0, at);
    if (key === '') {
      throw new SkyportError('InvalidArgument', `query/tag "${value}" has no key; use key=value or key`, { details: { field: 'tag', in: 'query' } });
    }
    tags[key] = at === -1 ? null : value.slice(at + 1);
  }
  return tags;
}

/**
 * The broker's `ListQuery` from the shared parameters; `states` are checked by the caller.
 * `withState`: the kind has states, so it can be sorted by one.
 */
export function toListQuery(query: ListQuerystringValues, states?: readonly string[], withState = false): ListQuery {
  const providerIds = splitList(query.provider);
  const tags = parseTags(query.tag);
  const sort = parseSort(query.sort, withState);
  return {
    ...(providerIds === undefined ? {} : { providerIds }),
    ...(states === undefined ? {} : { states }),
    ...(query.name === undefined ? {} : { name: query.name }),
    ...(tags === undefined ? {} : { tags }),
    ...(query.includeVanished === undefined ? {} : { includeVanished: query.includeVanished }),
    // Ajv fills the default; the fallback only keeps the type honest.
    limit: query.limit ?? DEFAULT_LIMIT,
    ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
    ...(sort === undefined ? {} : { sort }),
  };
}

/** Picks the requested top-level fields of an item. */
export type FieldSelector = (item: object) => Record<string, unknown>;

/**
 * A selector for `fields`, or undefined when all fields are wanted. Unknown names are
 * refused with the list of the entity's fields, taken from its schema.
 */
export function fieldSelector(entity: TObject, kind: string, fields: readonly string[] | undefined): FieldSelector | undefined {
  const wanted = splitList(fields);
  if (wanted === undefined) return undefined;
  const allowed = Object.keys(entity.properties);
  for (const field of wanted) {
    if (!allowed.includes(field)) {
      throw new SkyportError('InvalidArgument', `query/fields "${field}" is not a field of ${kind}; allowed: ${allowed.join(', ')}`, {
        details: { field: 'fields', in: 'query', allowed },
      });
    }
  }
  const keys = ['id', ...wanted.filter((f) => f !== 'id')];
  return (item) => {
    const source = item as Record<string, unknown>;
    const picked: Record<string, unknown> = {};
    for (const key of keys) if (source[key] !== undefined) picked[key] = source[key];
    return picked;
  };
}

/**
 * The page as the reply payload. With `fields`, items lack properties the response schema
 * requires, so the route's compiled serializer (which would refuse them) is swapped for
 * `JSON.stringify`; the selector only copies fields named in the schema, so nothing
 * undeclared leaks through.
 */
export function pageReply<T extends object>(reply: FastifyReply, page: Page<T>, select: FieldSelector | undefined): Page<T> {
  if (select === undefined) return page;
  reply.type('application/json; charset=utf-8').serializer(JSON.stringify);
  const projected = { items: page.items.map(select), ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) };
  // The type says Page<T> because the route's declared reply type is the full entity.
  return projected as unknown as Page<T>;
}
