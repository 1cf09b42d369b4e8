import PgBoss from 'pg-boss';
import type { Clock, JobQueue, OperationRecord, Store } from '@skyport/core';
import { operationJobId } from './operation-job-id.js';

export interface PgBossJobQueueOptions {
  /** The broker's PostgreSQL URL; pg-boss keeps its tables in their own schema there. */
  readonly connectionString: string;
  /** The store whose operation rows the jobs point at. */
  readonly store: Store;
  readonly clock: Clock;
  /** Stable per broker process (see docs/operations.md): names its claims. */
  readonly workerId: string;
  /** Jobs run at once in this process. */
  readonly concurrency: number;
  /** How often idle workers ask for jobs other brokers sent; default 1000 ms. */
  readonly pollIntervalMs?: number;
  /**
   * How long one job attempt may stay active before pg-boss declares its broker dead and
   * retries it elsewhere; default 300 s. A longer operation runs in slices: its attempt is
   * interrupted shortly before this and resumed from its checkpoint by the next attempt.
   */
  readonly expireInSeconds?: number;
  /** How often pg-boss looks for expired jobs (one broker does it per interval); default 30 s. */
  readonly maintenanceIntervalSeconds?: number;
  /** Attempts of one operation before it fails for good; default 50. */
  readonly retryLimit?: number;
  /** Wait before a failed or interrupted attempt is retried; default 1 s. */
  readonly retryDelaySeconds?: number;
  /** How often operations without a live job are looked for (a broker died between storing and sending); default 60 s. */
  readonly sweepIntervalMs?: number;
  /** How old a queued operation without a job must be before the sweep sends one; default 30 s. */
  readonly sweepAfterMs?: number;
  /** PostgreSQL schema of pg-boss' tables; default `pgboss`. */
  readonly schema?: string;
  readonly onError?: (error: unknown) => void;
}

interface OperationJob {
  readonly operationId: string;
}

export const OPERATIONS_QUEUE = 'skyport-operations';
const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * The JobQueue of a scale-out deployment: pg-boss on the broker's PostgreSQL carries operation
 * ids; the operation rows stay the record users see and decide who runs what. A job's attempt
 * claims its row (`queued` → `running`); a retried attempt — its broker died, pg-boss expired
 * it — takes the row over, and the previous claim's writes are then refused (fenced), so the
 * steps of an operation run once even when a frozen broker wakes up. Handlers' checkpoints keep
 * provider calls already made from being made again.
 *
 * Jobs are fetched here rather than through `boss.work()`: work() completes or fails a whole
 * batch at once and races it against the expiry without stopping it, while an operation needs
 * its own completion, a slot per job, and an interruption before its attempt expires.
 */
export class PgBossJobQueue implements JobQueue {
  readonly #options: PgBossJobQueueOptions;
  readonly #boss: PgBoss;
  readonly #abort = new AbortController();
  readonly #running = new Set<Promise<void>>();
  readonly #expireInSeconds: number;
  readonly #retryLimit: number;
  #started: Promise<void> | undefined;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #sweeper: NodeJS.Timeout | undefined;
  #abandoned = false;

  constructor(options: PgBossJobQueueOptions) {
    this.#options = options;
    this.#expireInSeconds = options.expireInSeconds ?? 300;
    this.#retryLimit = options.retryLimit ?? 50;
    this.#boss = new PgBoss({
      connectionString: options.connectionString,
      schema: options.schema ?? 'pgboss',
      application_name: `skyport ${options.workerId}`,
      // Small: jobs are claimed a few at a time; the store has its own pool.
      max: 4,
      maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 30,
      // Skyport schedules nothing through pg-boss' cron.
      schedule: false,
    });
    this.#boss.on('error', (error) => this.#report(error));
  }

  /** Starts pg-boss (creating or upgrading its schema) and the queue; safe to call from several places. */
  #ready(): Promise<void> {
    this.#started ??= (async () => {
      await this.#boss.start();
      const queue = await this.#boss.getQueue(OPERATIONS_QUEUE);
      const settings = {
        name: OPERATIONS_QUEUE,
        policy: 'standard' as const,
        retryLimit: this.#retryLimit,
        retryDelay: this.#options.retryDelaySeconds ?? 1,
        expireInSeconds: this.#expireInSeconds,
      };
      if (queue === null) {
        await this.#boss.createQueue(OPERATIONS_QUEUE, settings).catch(async (error: unknown) => {
          // Another broker created it at the same moment.
          if ((await this.#boss.getQueue(OPERATIONS_QUEUE)) === null) throw error;
        });
      } else {
        // The broker started last sets the queue's timings (they live in the database).
        await this.#boss.updateQueue(OPERATIONS_QUEUE, settings);
      }
    })();
    return this.#started;
  }

  async notify(operationId: string): Promise<void> {
    try {
      await this.#ready();
      await this.#send(operationId);
      this.#wake?.();
    } catch (error) {
      // The operation row is stored as queued: the sweep sends its job later.
      this.#report(error);
    }
  }

  async start(run: (operationId: string, signal: AbortSignal) => Promise<void>): Promise<void> {
    await this.#ready();
    await this.#resumeOwnClaims();
    this.#loop = this.#fetchLoop(run);
    const sweepMs = this.#options.sweepIntervalMs ?? 60_000;
    this.#sweeper = setInterval(() => void this.#sweep().catch((error: unknown) => this.#report(error)), sweepMs);
    this.#sweeper.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#abort.abort(new Error('broker stopping'));
    this.#wake?.();
    await this.#loop;
    await Promise.allSettled([...this.#running]);
    if (this.#started) await this.#boss.stop({ graceful: false, wait: true, close: true }).catch((error: unknown) => this.#report(error));
  }

  /**
   * Stops as `kill -9` would (tests): no more fetching, nothing reported to pg-boss or the rows;
   * running jobs are left to expire. The connections close so the process can exit.
   */
  async abandon(): Promise<void> {
    this.#abandoned = true;
    clearInterval(this.#sweeper);
    this.#abort.abort(new Error('broker abandoned'));
    this.#wake?.();
    await this.#loop;
    // pg-boss' own stop fails active jobs it knows of; this queue fetched by hand, so it knows none.
    if (this.#started) await this.#boss.stop({ graceful: false, wait: true, close: true }).catch(() => undefined);
  }

  async #send(operationId: string): Promise<void> {
    // Same id every time: a second announcement finds the existing job (pg-boss inserts nothing).
    await this.#boss.send(OPERATIONS_QUEUE, { operationId } satisfies OperationJob, { id: operationJobId(operationId) });
  }

  /**
   * Operations this worker id held when its process died: its jobs are still `active` in
   * pg-boss until they expire. Failing them now lets pg-boss retry them at once (on any broker)
   * instead of after the expiry. Only this worker's own claims: other brokers are alive.
   */
  async #resumeOwnClaims(): Promise<void> {
    const { store, workerId } = this.#options;
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.operations.list({ statuses: ['running'], limit: 500, ...(cursor === undefined ? {} : { cursor }) });
      for (const op of page.items) if (op.lockedBy === workerId) ids.push(op.id);
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    for (const id of ids) await this.#boss.fail(OPERATIONS_QUEUE, operationJobId(id), { message: `broker ${workerId} restarted` });
  }

  /**
   * Queued operations whose job never reached pg-boss (the broker died between storing the row
   * and sending) or whose job ended while the row was put back: send (or revive) their job.
   * Idempotent, so every broker may sweep.
   */
  async #sweep(): Promise<void> {
    const { store, clock, workerId } = this.#options;
    const now = clock.now().getTime();
    const queuedBefore = new Date(now - (this.#options.sweepAfterMs ?? 30_000)).toISOString();
    // A running row untouched for two expiries whose job is over: its last attempt died when
    // pg-boss had no retries left. Put it back in the queue (its old claim stays fenced out).
    const runningBefore = new Date(now - 2 * this.#expireInSeconds * 1000).toISOString();
    const page = await store.operations.list({ statuses: ['queued', 'running'], limit: 500 });
    for (const op of page.items) {
      if (this.#abort.signal.aborted) return;
      if (op.updatedAt > (op.status === 'queued' ? queuedBefore : runningBefore)) continue;
      const id = operationJobId(op.id);
      const job = await this.#boss.getJobById<OperationJob>(OPERATIONS_QUEUE, id);
      const over = job === null || job.state === 'completed' || job.state === 'failed' || job.state === 'cancelled';
      if (!over) continue;
      if (op.status === 'running') {
        await store.operations
          .update(op.id, { status: 'queued', lockedBy: null, message: `requeued by ${workerId}: its last attempt ended without finishing`, updatedAt: clock.now().toISOString() }, op.lockedBy === null ? undefined : { lockedBy: op.lockedBy, attempts: op.attempts })
          .catch(() => undefined); // claimed meanwhile: not ours to requeue
      }
      if (job !== null) await this.#boss.deleteJob(OPERATIONS_QUEUE, id);
      await this.#send(op.id);
    }
    this.#wake?.();
  }

  async #fetchLoop(run: (operationId: string, signal: AbortSignal) => Promise<void>): Promise<void> {
    const signal = this.#abort.signal;
    const { concurrency } = this.#options;
    while (!signal.aborted) {
      const free = concurrency - this.#running.size;
      if (free <= 0) {
        // A slot frees up, or the queue stops (abandon() must not wait for frozen jobs).
        await Promise.race([...this.#running, new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))]);
        continue;
      }
      let jobs: PgBoss.JobWithMetadata<OperationJob>[] = [];
      try {
        jobs = await this.#boss.fetch<OperationJob>(OPERATIONS_QUEUE, { batchSize: free, includeMetadata: true });
      } catch (error) {
        this.#report(error);
      }
      for (const job of jobs) {
        const task = this.#attempt(job, run)
          .catch((error: unknown) => this.#report(error))
          .finally(() => {
            this.#running.delete(task);
            // A slot is free: look for the next job now rather than at the next poll.
            this.#wake?.();
          });
        this.#running.add(task);
      }
      if (jobs.length === free) continue;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.#wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, this.#options.pollIntervalMs ?? 1000);
        this.#wake = done;
      });
    }
  }

  /** One attempt of one job: claim the row, run it for at most a slice, tell pg-boss how it ended. */
  async #attempt(job: PgBoss.JobWithMetadata<OperationJob>, run: (operationId: string, signal: AbortSignal) => Promise<void>): Promise<void> {
    const { store, clock, workerId } = this.#options;
    const { operationId } = job.data;
    // A retried job means an earlier attempt ended without finishing: either its broker said so
    // (then the row is queued again) or pg-boss expired it (its broker died): take the row over.
    const claimed = await store.operations.claim(operationId, workerId, clock.now().toISOString(), { takeOver: job.retryCount > 0 });
    if (!claimed) {
      // Finished, gone, or held by a live claim that has a job of its own: nothing to run.
      await this.#boss.complete(OPERATIONS_QUEUE, job.id);
      return;
    }
    const slice = new AbortController();
    const onStop = (): void => slice.abort(this.#abort.signal.reason);
    this.#abort.signal.addEventListener('abort', onStop, { once: true });
    // Interrupt before pg-boss would expire the attempt, so a long operation yields its slot
    // and resumes from its checkpoint rather than being taken over while it runs.
    const sliceMs = Math.max(1000, this.#expireInSeconds * 1000 - Math.min(30_000, this.#expireInSeconds * 200));
    const timer = setTimeout(() => slice.abort(new Error('time slice over')), sliceMs);
    try {
      await run(operationId, slice.signal);
    } finally {
      clearTimeout(timer);
      this.#abort.signal.removeEventListener('abort', onStop);
    }
    if (this.#abandoned) return;
    const after = await store.operations.get(operationId);
    if (after !== undefined && after.attempts !== claimed.attempts) return; // taken over: the job is another attempt's now
    if (after === undefined || FINISHED.has(after.status)) {
      await this.#boss.complete(OPERATIONS_QUEUE, job.id);
      return;
    }
    if (job.retryCount >= job.retryLimit) {
      await this.#giveUp(after, job.retryCount + 1);
      await this.#boss.complete(OPERATIONS_QUEUE, job.id);
      return;
    }
    // Interrupted (shutdown or slice): pg-boss retries it after its delay, here or elsewhere.
    await this.#boss.fail(OPERATIONS_QUEUE, job.id, { message: after.message ?? 'interrupted' });
  }

  async #giveUp(op: OperationRecord, attempts: number): Promise<void> {
    const now = this.#options.clock.now().toISOString();
    const message = `operation ${op.id} was interrupted ${attempts} times without finishing; it is given up. Its last step was: ${op.message ?? 'none'}`;
    await this.#options.store.operations.update(op.id, {
      status: 'failed',
      message,
      error: { code: 'Timeout', message, retryable: true },
      lockedBy: null,
      updatedAt: now,
      finishedAt: now,
    });
  }

  #report(error: unknown): void {
    this.#options.onError?.(error);
  }
}
