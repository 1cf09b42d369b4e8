/**
 * EC2 filters: `Filter.N.Name` with `Filter.N.Value.M`. Values of one filter are alternatives
 * (OR), filters combine with AND; `*` and `?` are wildcards (`\` escapes them); `tag:<key>`,
 * `tag-key` and `tag-value` work on every taggable kind.
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Filtering.html#Filtering_Resources_CLI
 */
import type { Tags } from '@skyport/model';
import { Ec2Error, missingParameter } from './ec2-error.js';
import type { QueryParams } from './query-params.js';

export interface Filter {
  readonly name: string;
  readonly values: readonly string[];
}

/** How to read a filterable field from an item: one value, several, or none. */
export type FilterField<T> = (item: T) => string | number | boolean | undefined | readonly (string | undefined)[];

export interface FilterSpec<T> {
  readonly fields: Readonly<Record<string, FilterField<T>>>;
  /** The item's tags, for `tag:<key>`, `tag-key` and `tag-value`; absent for untaggable kinds. */
  readonly tags?: (item: T) => Tags;
}

const MAX_FILTERS = 50;
const MAX_VALUES = 200;

/** Reads `Filter.N`, refusing filter names the action does not know (EC2 does the same). */
export function readFilters<T>(params: QueryParams, spec: FilterSpec<T>): Filter[] {
  const filters = params.structures('Filter', (prefix) => {
    const name = params.string(`${prefix}.Name`);
    if (name === undefined || name === '') throw missingParameter(`${prefix}.Name`);
    const values = params.list(`${prefix}.Value`);
    if (values.length === 0) throw missingParameter(`${prefix}.Value.1`, `the filter ${name} needs at least one value`);
    if (values.length > MAX_VALUES) throw new Ec2Error('FilterLimitExceeded', `The filter ${name} has ${values.length} values; at most ${MAX_VALUES} are allowed`);
    return { name, values };
  });
  if (filters.length > MAX_FILTERS) throw new Ec2Error('FilterLimitExceeded', `The request has ${filters.length} filters; at most ${MAX_FILTERS} are allowed`);
  for (const filter of filters) {
    const isTagFilter = spec.tags !== undefined && (filter.name.startsWith('tag:') || filter.name === 'tag-key' || filter.name === 'tag-value');
    if (!isTagFilter && !Object.hasOwn(spec.fields, filter.name)) {
      const known = [...Object.keys(spec.fields), ...(spec.tags ? ['tag:<key>', 'tag-key', 'tag-value'] : [])];
      throw new Ec2Error('InvalidParameterValue', `The filter '${filter.name}' is invalid; the filters this action supports are ${known.join(', ')}`);
    }
  }
  return filters;
}

function wildcardRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) source += escapeRegExp(pattern[++i]!);
    else if (c === '*') source += '[\\s\\S]*';
    else if (c === '?') source += '[\\s\\S]';
    else source += escapeRegExp(c);
  }
  return new RegExp(`^${source}$`, 'u');
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The values, when none has a wildcard: they can then be pushed down to the inventory query. */
export function exactValues(filter: Filter | undefined): readonly string[] | undefined {
  if (filter === undefined) return undefined;
  return filter.values.some((v) => /[*?\\]/.test(v)) ? undefined : filter.values;
}

export function findFilter(filters: readonly Filter[], name: string): Filter | undefined {
  return filters.find((f) => f.name === name);
}

/** A predicate for items that pass every filter. */
export function filterPredicate<T>(filters: readonly Filter[], spec: FilterSpec<T>): (item: T) => boolean {
  const compiled = filters.map((filter) => {
    const patterns = filter.values.map(wildcardRegExp);
    const anyMatches = (candidates: readonly (string | undefined)[]): boolean => candidates.some((c) => c !== undefined && patterns.some((p) => p.test(c)));
    if (spec.tags && filter.name.startsWith('tag:')) {
      const key = filter.name.slice(4);
      return (item: T) => anyMatches([spec.tags!(item)[key]]);
    }
    if (spec.tags && filter.name === 'tag-key') return (item: T) => anyMatches(Object.keys(spec.tags!(item)));
    if (spec.tags && filter.name === 'tag-value') return (item: T) => anyMatches(Object.values(spec.tags!(item)));
    const field = spec.fields[filter.name]!;
    return (item: T) => {
      const value = field(item);
      const list = Array.isArray(value) ? (value as readonly (string | undefined)[]) : [value === undefined ? undefined : String(value)];
      return anyMatches(list);
    };
  });
  return (item) => compiled.every((matches) => matches(item));
}
