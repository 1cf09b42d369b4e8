import type { Clock, JobQueue, Store } from '../ports/index.js';

export interface StoreJobQueueOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly workerId: string;
  /** Jobs run at once in this process. */
  readonly concurrency: number;
  /** How often idle workers look for work that another process queued. */
  readonly pollIntervalMs?: number;
  readonly onError?: (error: unknown) => void;
}

/**
 * The embedded job queue: operations are rows in the store; workers claim them atomically
 * (`claimNext`), so a broker that crashed leaves `running` rows that the next start puts back
 * in the queue. Used with SQLite (one process); the PostgreSQL deployment swaps in a queue
 * engine behind the same port.
 */
export class StoreJobQueue implements JobQueue {
  readonly #options: StoreJobQueueOptions;
  readonly #abort = new AbortController();
  readonly #running = new Set<Promise<void>>();
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;

  constructor(options: StoreJobQueueOptions) {
    this.#options = options;
  }

  notify(): Promise<void> {
    // The row is the job: waking an idle worker is all there is to do.
    this.#wake?.();
    return Promise.resolve();
  }

  async start(run: (operationId: string, signal: AbortSignal) => Promise<void>): Promise<void> {
    // Work claimed by this worker id before a crash is ours to redo.
    await this.#options.store.operations.requeueRunning([this.#options.workerId]);
    this.#loop = this.#claimLoop(run);
  }

  async stop(): Promise<void> {
    this.#abort.abort(new Error('broker stopping'));
    this.#wake?.();
    await this.#loop;
    await Promise.allSettled([...this.#running]);
  }

  async #claimLoop(run: (operationId: string, signal: AbortSignal) => Promise<void>): Promise<void> {
    const { store, clock, workerId, concurrency } = this.#options;
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      if (this.#running.size >= concurrency) {
        await Promise.race(this.#running);
        continue;
      }
      let claimed;
      try {
        claimed = await store.operations.claimNext(workerId, clock.now().toISOString());
      } catch (error) {
        this.#options.onError?.(error);
      }
      if (claimed) {
        const job = run(claimed.id, signal)
          .catch((error: unknown) => this.#options.onError?.(error))
          .finally(() => this.#running.delete(job));
        this.#running.add(job);
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.#options.pollIntervalMs ?? 1000);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }
}
