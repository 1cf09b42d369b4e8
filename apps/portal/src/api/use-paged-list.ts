/** A server-paged list of one inventory kind, with its cursor pager. */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { Page } from '@skyport/client';
import type { ResourceKind } from '@skyport/model';
import { queryKeys } from './query-keys.js';
import { useCursorPages } from './use-cursor-pages.js';

export interface PagedParams {
  readonly provider?: string;
  readonly limit: number;
}

export function usePagedList<T>(kind: ResourceKind, params: PagedParams, fetchPage: (query: PagedParams & { readonly cursor?: string }) => Promise<Page<T>>) {
  const pages = useCursorPages(JSON.stringify(params));
  const query = pages.cursor === undefined ? params : { ...params, cursor: pages.cursor };
  const list = useQuery({ queryKey: queryKeys.list(kind, query), queryFn: () => fetchPage(query), placeholderData: keepPreviousData });
  const nextCursor = list.data?.nextCursor;
  return {
    list,
    rows: list.data?.items ?? [],
    pager: {
      page: pages.page,
      hasNext: nextCursor !== undefined,
      busy: list.isFetching,
      onPrevious: pages.previous,
      onNext: () => nextCursor !== undefined && pages.next(nextCursor),
    },
  };
}

/** `provider` for a list query when one is chosen ('' = all). */
export function providerParams(provider: string, limit = 100): PagedParams {
  return provider === '' ? { limit } : { provider, limit };
}
