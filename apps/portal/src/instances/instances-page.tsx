/**
 * One inventory table of every instance in every cloud. Pages come from the server (cursor
 * pages of 50–1000 rows, only the chosen columns' fields), so 10k or 100k instances cost the
 * browser one page; the next page is fetched ahead. Rows change live through the event stream.
 */
import { useEffect, useMemo, useState } from 'react';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { INSTANCE_STATES, type Instance } from '@skyport/model';
import type { InstanceListQuery, Page } from '@skyport/client';
import { useClient, useRights } from '../session/session-provider.js';
import { useInstanceStates, useProviderName } from '../api/use-catalogue.js';
import { queryKeys } from '../api/query-keys.js';
import { useCursorPages } from '../api/use-cursor-pages.js';
import { PageTitle } from '../components/page-title.js';
import { ErrorText } from '../components/error-text.js';
import { Pager } from '../components/pager.js';
import { Link } from '../router/router.js';
import { INSTANCE_COLUMNS, type InstanceRow } from './instance-columns.js';
import { useColumnChoice } from './use-column-choice.js';
import { ColumnChooser } from './column-chooser.js';
import { FilterBar } from './filter-bar.js';
import { BulkActions } from './bulk-actions.js';
import { useInstanceFilters, type InstanceFilters } from './instance-filters.js';
import { nameFilter, parseTagFilter } from './filter-values.js';

export function InstancesPage() {
  const client = useClient();
  const queryClient = useQueryClient();
  const { canChange } = useRights();
  const states = useInstanceStates();
  const providerName = useProviderName();
  const [filters, setFilters] = useInstanceFilters();
  const [chosen, toggleColumn] = useColumnChoice();
  const columns = INSTANCE_COLUMNS.filter((column) => column.fixed === true || chosen.has(column.key));
  const fields = [...new Set(columns.flatMap((column) => column.fields))].sort();

  // Keyed by its text, so an equal query is the same object and effects do not rerun.
  const baseKey = JSON.stringify(listQuery(filters, fields));
  const base = useMemo(() => JSON.parse(baseKey) as InstanceListQuery, [baseKey]);
  const pages = useCursorPages(baseKey);
  const query = pages.cursor === undefined ? base : { ...base, cursor: pages.cursor };
  const list = useQuery({
    queryKey: queryKeys.list('instance', query),
    queryFn: () => client.instances.list(query) as Promise<Page<InstanceRow>>,
    placeholderData: keepPreviousData,
  });
  const total = useTotal(filters);

  // The next page is fetched while this one is read, so Next shows it at once.
  const nextCursor = list.data?.nextCursor;
  useEffect(() => {
    if (nextCursor === undefined) return;
    const next = { ...base, cursor: nextCursor };
    void queryClient.prefetchQuery({ queryKey: queryKeys.list('instance', next), queryFn: () => client.instances.list(next) });
  }, [nextCursor, base, client, queryClient]);

  const rows = list.data?.items ?? [];
  const [selectedIds, setSelectedIds] = useState<ReadonlySet<string>>(new Set());
  // A selection belongs to the rows on screen: another page or filter starts afresh.
  const queryKey = JSON.stringify(query);
  useEffect(() => setSelectedIds(new Set()), [queryKey]);
  const selected = rows.filter((row) => selectedIds.has(row.id));
  const toggle = (id: string, on: boolean) => {
    const next = new Set(selectedIds);
    if (on) next.add(id);
    else next.delete(id);
    setSelectedIds(next);
  };
  const allSelected = rows.length > 0 && selected.length === rows.length;

  const first = (pages.page - 1) * filters.pageSize + 1;
  const summary = rows.length === 0 ? undefined : `${first.toLocaleString()}–${(first + rows.length - 1).toLocaleString()}${total === undefined ? '' : ` of ${total.toLocaleString()}`}`;

  return (
    <section>
      <PageTitle title="Instances" actions={<Link to="/launch" className="button primary">Launch instance</Link>}>
        Instances
      </PageTitle>
      <FilterBar filters={filters} onChange={setFilters} error={list.error} />
      <div className="table-tools">
        {canChange ? <BulkActions selected={selected} states={states} onClear={() => setSelectedIds(new Set())} /> : <span />}
        <ColumnChooser chosen={chosen} onToggle={toggleColumn} />
      </div>
      <ErrorText error={list.error} />
      <div className="table-scroll">
        <table className="data-table instances-table" aria-busy={list.isFetching}>
          <caption className="visually-hidden">{`Instances in every provider, ordered by ${sortCaption(filters.sort)}`}</caption>
          <thead>
            <tr>
              {canChange ? (
                <th scope="col" className="select-col">
                  <input type="checkbox" aria-label="Select every instance on this page" checked={allSelected} onChange={(e) => setSelectedIds(new Set(e.target.checked ? rows.map((r) => r.id) : []))} />
                </th>
              ) : null}
              {columns.map((column) => (
                <th key={column.key} scope="col" className={column.numeric === true ? 'numeric' : undefined} aria-sort={ariaSort(column.sort, filters.sort)}>
                  {column.sort === undefined ? (
                    column.label
                  ) : (
                    <button type="button" className="sort-button" onClick={() => setFilters({ sort: nextSort(column.sort!, filters.sort) })}>
                      {column.label}
                      <span aria-hidden="true">{sortMark(column.sort, filters.sort)}</span>
                    </button>
                  )}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id} data-id={row.id} data-name={row.name} className={selectedIds.has(row.id) ? 'selected' : undefined}>
                {canChange ? (
                  <td className="select-col">
                    <input type="checkbox" aria-label={`Select ${row.name ?? row.id}`} checked={selectedIds.has(row.id)} onChange={(e) => toggle(row.id, e.target.checked)} />
                  </td>
                ) : null}
                {columns.map((column) => (
                  <td key={column.key} className={column.numeric === true ? 'numeric' : undefined}>
                    {column.render(row, { providerName, states })}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        {list.isPending ? <p role="status">Loading instances…</p> : null}
        {list.isSuccess && rows.length === 0 ? <p className="empty">No instances match these filters.</p> : null}
      </div>
      <Pager
        noun="instances"
        page={pages.page}
        hasNext={nextCursor !== undefined}
        busy={list.isFetching}
        summary={summary}
        onPrevious={pages.previous}
        onNext={() => nextCursor !== undefined && pages.next(nextCursor)}
      />
      <p className="muted small">Name, state, provider and id sort on the server, across every page; other columns show the page as it came.</p>
    </section>
  );
}

/** Ascending, then descending, then back to the API's default (by id). */
function nextSort(column: string, current: string): string {
  if (current === column) return `-${column}`;
  if (current === `-${column}`) return '';
  return column;
}

function ariaSort(column: string | undefined, current: string): 'ascending' | 'descending' | undefined {
  if (column === undefined) return undefined;
  if (current === column || (current === '' && column === 'id')) return 'ascending';
  return current === `-${column}` ? 'descending' : undefined;
}

function sortMark(column: string, current: string): string {
  const order = ariaSort(column, current);
  return order === 'ascending' ? ' ▲' : order === 'descending' ? ' ▼' : '';
}

function sortCaption(sort: string): string {
  if (sort === '') return 'id';
  return sort.startsWith('-') ? `${sort.slice(1)}, descending` : sort;
}

function listQuery(filters: InstanceFilters, fields: readonly (keyof Instance)[]): InstanceListQuery {
  const name = nameFilter(filters.name);
  const tags = parseTagFilter(filters.tag);
  return {
    limit: filters.pageSize,
    fields,
    ...(filters.sort === '' ? {} : { sort: filters.sort }),
    ...(filters.provider === '' ? {} : { provider: filters.provider }),
    ...(filters.states.length === 0 ? {} : { state: filters.states }),
    ...(name === undefined ? {} : { name }),
    ...(tags === undefined ? {} : { tags }),
  };
}

/**
 * How many instances the filters match, when the per-state counts can tell (filters on
 * provider and state only); name and tag filters have no count in the API.
 */
function useTotal(filters: InstanceFilters): number | undefined {
  const client = useClient();
  const provider = filters.provider === '' ? null : filters.provider;
  const { data } = useQuery({
    queryKey: queryKeys.counts(provider),
    queryFn: () => client.instances.counts(provider ?? undefined),
    enabled: filters.name === '' && filters.tag === '',
  });
  if (data === undefined || filters.name !== '' || filters.tag !== '') return undefined;
  const states = filters.states.length === 0 ? INSTANCE_STATES : filters.states;
  return states.reduce((sum, state) => sum + data[state], 0);
}
