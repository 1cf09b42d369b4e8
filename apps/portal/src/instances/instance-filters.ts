/**
 * The inventory's filters live in the address (`/instances?provider=..&state=running`), so
 * a filtered view can be bookmarked, shared and reloaded, and the dashboard can link to one.
 */
import { INSTANCE_STATES, type InstanceState } from '@skyport/model';
import { navigate, useLocation, withQuery } from '../router/router.js';

export const PAGE_SIZES = [50, 100, 250, 500, 1000] as const;
const DEFAULT_PAGE_SIZE = 100;

export interface InstanceFilters {
  readonly provider: string;
  readonly states: readonly InstanceState[];
  /** As typed: a prefix (a `*` is added when sent) or an exact name ending in `*`. */
  readonly name: string;
  /** As typed: `key=value` or `key`, comma-separated. */
  readonly tag: string;
  readonly pageSize: number;
  /** The API's sort (`name`, `-state`); empty for its default, by id. */
  readonly sort: string;
}

export function useInstanceFilters(): [InstanceFilters, (change: Partial<InstanceFilters>) => void] {
  const { search } = useLocation();
  const size = Number(search.get('size'));
  const filters: InstanceFilters = {
    provider: search.get('provider') ?? '',
    states: search.getAll('state').filter((s): s is InstanceState => (INSTANCE_STATES as readonly string[]).includes(s)),
    name: search.get('name') ?? '',
    tag: search.get('tag') ?? '',
    pageSize: (PAGE_SIZES as readonly number[]).includes(size) ? size : DEFAULT_PAGE_SIZE,
    sort: search.get('sort') ?? '',
  };
  const update = (change: Partial<InstanceFilters>) => {
    const next = { ...filters, ...change };
    navigate(
      withQuery('/instances', {
        provider: next.provider,
        state: next.states,
        name: next.name,
        tag: next.tag,
        size: next.pageSize === DEFAULT_PAGE_SIZE ? undefined : String(next.pageSize),
        sort: next.sort === '' ? undefined : next.sort,
      }),
      { replace: true },
    );
  };
  return [filters, update];
}
