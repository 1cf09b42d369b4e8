/**
 * The driver's background work: actions return as soon as they are accepted and finish here
 * (boots, ACPI stops, copies). Work on one resource runs in order (a destroy waits for the boot
 * it follows); `close()` aborts the shared signal and waits for everything to settle.
 */
export class TaskRunner {
  readonly #tails = new Map<string, Promise<unknown>>();
  readonly #running = new Set<Promise<unknown>>();
  readonly #abort = new AbortController();

  /** Aborted when the driver closes; long waits listen to it. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get closed(): boolean {
    return this.#abort.signal.aborted;
  }

  /** Runs `work` after earlier work on `key`; the caller awaits the result. */
  serial<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    this.#tails.set(key, tail);
    this.#track(tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return next;
  }

  /** Like serial, but nobody waits: failures are handled inside `work` (they become resource states). */
  background(key: string, work: () => Promise<void>): void {
    void this.serial(key, work).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.#abort.abort(new Error('the qemu driver is closing'));
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  #track(promise: Promise<unknown>): void {
    this.#running.add(promise);
    void promise.finally(() => this.#running.delete(promise));
  }
}
