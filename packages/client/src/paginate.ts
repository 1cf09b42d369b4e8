/** Walks every page of a list. */
import type { Page } from './types.js';

/**
 * Yields every item of a list, fetching the next page only when the previous one is used
 * up. `list` is any list method of the client, e.g.
 * `for await (const i of paginate(client.instances.list, { state: 'running' }))`.
 */
export async function* paginate<T, Q extends { readonly cursor?: string }>(
  list: (query?: Q) => Promise<Page<T>>,
  // NoInfer: the query's type comes from the list method, so a typo in it is an error.
  query?: NoInfer<Q>,
): AsyncGenerator<T, void, undefined> {
  let cursor = query?.cursor;
  for (;;) {
    const page = await list(cursor === undefined ? query : ({ ...query, cursor } as Q));
    yield* page.items;
    if (page.nextCursor === undefined || page.nextCursor === cursor) return;
    cursor = page.nextCursor;
  }
}
