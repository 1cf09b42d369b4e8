/**
 * Runs one request per item, a few at a time: a bulk action on hundreds of rows must not
 * trip the broker's per-token rate limit, nor wait for each request in turn.
 */
export interface EachResult<T> {
  readonly item: T;
  readonly error?: unknown;
}

export async function runOnEach<T>(items: readonly T[], action: (item: T) => Promise<unknown>, concurrency = 8): Promise<EachResult<T>[]> {
  const results: EachResult<T>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const at = next++;
      const item = items[at]!;
      try {
        await action(item);
        results[at] = { item };
      } catch (error) {
        results[at] = { item, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
