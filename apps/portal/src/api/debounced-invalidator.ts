import type { QueryClient, QueryKey } from '@tanstack/react-query';

/**
 * Collects "these queries are stale" and refetches them in one go a little later. A sync of
 * a large cloud publishes thousands of events in a burst; refetching a page per event would
 * flood the broker, once per burst is enough. `maxWaitMs` keeps a steady stream of events
 * from postponing the refetch forever.
 */
export class DebouncedInvalidator {
  readonly #pending = new Map<string, QueryKey>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #firstAt = 0;

  constructor(
    private readonly queryClient: QueryClient,
    private readonly delayMs = 250,
    private readonly maxWaitMs = 1000,
  ) {}

  add(queryKey: QueryKey): void {
    this.#pending.set(JSON.stringify(queryKey), queryKey);
    const now = Date.now();
    if (this.#timer === undefined) this.#firstAt = now;
    clearTimeout(this.#timer);
    const wait = Math.max(0, Math.min(this.delayMs, this.#firstAt + this.maxWaitMs - now));
    this.#timer = setTimeout(() => this.flush(), wait);
  }

  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const keys = [...this.#pending.values()];
    this.#pending.clear();
    for (const queryKey of keys) void this.queryClient.invalidateQueries({ queryKey });
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#pending.clear();
  }
}
