/**
 * Runs operations. Embedded: workers in this process claim queued operations from the
 * store. Scale-out: an engine on PostgreSQL (pg-boss) implements the same port. Either way the
 * operation row is the record users see and the arbiter of who runs it: a worker runs an
 * operation only after claiming its row (`queued` → `running`, attempts + 1).
 *
 * Every implementation passes the contract in `@skyport/core/testing` (`runJobQueueContract`).
 */
export interface JobQueue {
  /**
   * Tells workers an operation is waiting (it is already stored as `queued`). Resolves once the
   * queue holds it durably; never rejects: an implementation that cannot hand the job over
   * reports the error and finds the still-queued row again on its own (sweep).
   */
  notify(operationId: string): Promise<void>;
  /**
   * Starts claiming operations and passing them to `run`, which is called only with an
   * operation this worker has just claimed (its row is `running` under this worker).
   */
  start(run: (operationId: string, signal: AbortSignal) => Promise<void>): Promise<void>;
  /** Stops claiming, aborts running jobs' signals and waits for them to settle. */
  stop(): Promise<void>;
}
