/**
 * What one broker event does to the query cache. Changes to things already on screen are
 * patched in place at once (a state badge flips without a request); what cannot be patched
 * (a new instance may belong on any page, a changed state may leave a filtered list) is
 * refetched, debounced.
 */
import type { QueryClient } from '@tanstack/react-query';
import type { Page, ProviderView } from '@skyport/client';
import type { BrokerEvent, MigrationPlan, Operation } from '@skyport/model';
import { queryKeys } from './query-keys.js';
import type { DebouncedInvalidator } from './debounced-invalidator.js';

type Identified = { readonly id: string };

/** The page with `item` merged over its entry of the same id; the same page when absent. */
function patchPage<T extends Identified>(page: Page<T> | undefined, item: Identified): Page<T> | undefined {
  if (page === undefined) return page;
  const at = page.items.findIndex((entry) => entry.id === item.id);
  if (at === -1) return page;
  const items = page.items.slice();
  // A list may hold only some fields (column choice); extra ones do no harm.
  items[at] = { ...items[at], ...item } as T;
  return { ...page, items };
}

function dropFromPage<T extends Identified>(page: Page<T> | undefined, id: string): Page<T> | undefined {
  if (page === undefined || !page.items.some((entry) => entry.id === id)) return page;
  return { ...page, items: page.items.filter((entry) => entry.id !== id) };
}

/** Whether a list query's parameters filter on something an update can change. */
function isFiltered(queryKey: readonly unknown[]): boolean {
  const params = queryKey[2] as Record<string, unknown> | undefined;
  return params !== undefined && ['state', 'name', 'tags'].some((key) => params[key] !== undefined);
}

export function applyEvent(queryClient: QueryClient, later: DebouncedInvalidator, event: BrokerEvent): void {
  switch (event.type) {
    case 'resource.created':
    case 'resource.updated': {
      const item = event.resource as Identified;
      const detail = queryKeys.detail(event.kind, event.id);
      // Only entries someone looked at: a 10k-instance sync must not fill the cache.
      if (queryClient.getQueryData(detail) !== undefined) queryClient.setQueryData(detail, item);
      queryClient.setQueriesData<Page<Identified>>({ queryKey: queryKeys.lists(event.kind) }, (page) => patchPage(page, item));
      if (event.type === 'resource.created') later.add(queryKeys.lists(event.kind));
      else queryClient.getQueryCache().findAll({ queryKey: queryKeys.lists(event.kind) }).filter((q) => isFiltered(q.queryKey)).forEach((q) => later.add(q.queryKey));
      if (event.kind === 'instance') later.add(['instances', 'counts']);
      return;
    }
    case 'resource.deleted':
      queryClient.setQueriesData<Page<Identified>>({ queryKey: queryKeys.lists(event.kind) }, (page) => dropFromPage(page, event.id));
      later.add(queryKeys.lists(event.kind));
      if (event.kind === 'instance') later.add(['instances', 'counts']);
      return;
    case 'operation.updated':
      applyOperation(queryClient, event.operation);
      if (EXPORTS.has(event.operation.type) && event.operation.status === 'succeeded') later.add(queryKeys.exports());
      return;
    case 'provider.updated':
      queryClient.setQueryData<ProviderView[]>(queryKeys.providers(), (providers) => {
        if (providers === undefined) return providers;
        // The event carries the provider's record; its capabilities are kept from the list.
        const at = providers.findIndex((p) => p.id === event.provider.id);
        if (at === -1) {
          later.add(queryKeys.providers());
          return providers;
        }
        const next = providers.slice();
        next[at] = { ...providers[at]!, ...event.provider };
        return next;
      });
      return;
    case 'migration.updated':
      // The VM moves at once; the plan's derived status, counts and progress follow on a refetch.
      queryClient.setQueryData<MigrationPlan>(queryKeys.migration(event.planId), (plan) =>
        plan === undefined ? plan : { ...plan, vms: plan.vms.map((vm) => (vm.id === event.vm.id ? event.vm : vm)) },
      );
      later.add(queryKeys.migration(event.planId));
      later.add(queryKeys.migrations());
      later.add(['migrations', 'steps', event.planId, event.vm.id]);
      return;
    case 'provider.deleted':
      queryClient.setQueryData<ProviderView[]>(queryKeys.providers(), (providers) => providers?.filter((p) => p.id !== event.providerId));
      // Everything of that provider is gone from every list.
      later.add([]);
      return;
  }
}

/** Operations whose success makes a downloadable OVA. */
const EXPORTS = new Set(['image.export', 'instance.export']);

function applyOperation(queryClient: QueryClient, operation: Operation): void {
  queryClient.setQueryData(queryKeys.operation(operation.id), operation);
  if (operation.targetId === undefined) return;
  queryClient.setQueryData<Page<Operation>>(queryKeys.operationsOf(operation.targetId), (page) => {
    if (page === undefined) return page;
    const rest = page.items.filter((o) => o.id !== operation.id);
    // Newest first, as the API lists them.
    return { ...page, items: [operation, ...rest].sort((a, b) => b.createdAt.localeCompare(a.createdAt)) };
  });
}
