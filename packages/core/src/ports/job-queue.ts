/**
 * Runs operations. Embedded: workers in this process claim queued operations from the
 * store. Scale-out: an engine on PostgreSQL implements the same port.
 */
export interface JobQueue {
  /** Tells workers an operation is waiting (it is already stored as `queued`). */
  notify(operationId: string): void;
  /** Starts claiming operations and passing them to `run`. */
  start(run: (operationId: string, signal: AbortSignal) => Promise<void>): Promise<void>;
  /** Stops claiming, aborts running jobs' signals and waits for them to settle. */
  stop(): Promise<void>;
}
