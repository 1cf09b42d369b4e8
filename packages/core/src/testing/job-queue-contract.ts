/**
 * The contract every JobQueue implementation passes, registered with node:test like the
 * driver conformance suite: the embedded StoreJobQueue (SQLite and PostgreSQL) and the pg-boss
 * queue run the same cases. The operation row is the arbiter: a run is legal only for the
 * worker whose claim holds the row, and each operation ends with exactly one successful run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SkyportError } from '@skyport/model';
import type { ClaimFence, JobQueue, OperationRecord, Store } from '../ports/index.js';

/** One test's world: a store and a way to make queues (each one stands for a broker). */
export interface JobQueueHarness {
  readonly store: Store;
  /** A queue for one broker process; not started. */
  queue(workerId: string, concurrency: number): JobQueue;
  /**
   * Simulates `kill -9` of the broker that owns `queue`: it stops claiming and talks to nobody
   * again, leaving its running jobs as they are (no requeue, no failure reported).
   */
  crash(queue: JobQueue): Promise<void>;
  cleanup(): Promise<void>;
}

export interface JobQueueContractOptions {
  /** Names the suite in reports, e.g. `StoreJobQueue on sqlite`. */
  readonly name: string;
  readonly harness: () => Promise<JobQueueHarness>;
  /**
   * How the operation of a crashed broker comes back: `restart` when a broker starting again
   * with the same worker id resumes it (embedded queue), `takeover` when any other broker takes
   * it over once the engine declares the job dead (expiry).
   */
  readonly recovery: 'restart' | 'takeover';
  /** Longest a case waits for operations to finish; default 30 s. */
  readonly timeoutMs?: number;
}

interface RunLog {
  readonly workerId: string;
  readonly operationId: string;
  readonly attempts: number;
}

type Behaviour = 'succeed' | 'hang' | 'interruptible';

let sequence = 0;

async function insertQueued(store: Store, count: number, label: string): Promise<string[]> {
  const ids: string[] = [];
  const base = Date.now();
  for (let i = 0; i < count; i++) {
    // Distinct, ordered creation times: queues may run oldest first.
    const at = new Date(base + i).toISOString();
    const id = `op-${label}-${process.pid}-${++sequence}`;
    const record: OperationRecord = {
      id,
      type: 'contract.test',
      status: 'queued',
      providerId: null,
      targetKind: null,
      targetId: null,
      input: {},
      progress: 0,
      message: null,
      result: null,
      error: null,
      attempts: 0,
      lockedBy: null,
      createdAt: at,
      updatedAt: at,
      finishedAt: null,
    };
    await store.operations.insert(record);
    ids.push(id);
  }
  return ids;
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A worker's `run`: checks that the row is claimed by this worker, records the run, and ends
 * the operation the way runOperation does, with writes fenced by the claim.
 */
class Worker {
  readonly runs: RunLog[] = [];
  active = 0;
  maxActive = 0;
  behaviour: Behaviour = 'succeed';
  readonly #release: (() => void)[] = [];

  constructor(
    private readonly store: Store,
    readonly workerId: string,
  ) {}

  /** Lets every hanging run go on (so a test can end). */
  releaseAll(): void {
    for (const release of this.#release.splice(0)) release();
  }

  readonly run = async (operationId: string, signal: AbortSignal): Promise<void> => {
    const op = await this.store.operations.get(operationId);
    assert.ok(op, `run was called for ${operationId}, which does not exist`);
    assert.equal(op.status, 'running', `run was called for ${operationId} while it is ${op.status}: a queue must claim before it runs`);
    assert.equal(op.lockedBy, this.workerId, `run was called on ${this.workerId} for ${operationId}, claimed by ${op.lockedBy}`);
    const fence: ClaimFence = { lockedBy: this.workerId, attempts: op.attempts };
    this.runs.push({ workerId: this.workerId, operationId, attempts: op.attempts });
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      if (this.behaviour === 'hang') {
        // A broker frozen mid-step: ignores its signal until released.
        await new Promise<void>((resolve) => this.#release.push(resolve));
      } else {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.behaviour === 'interruptible' ? 60_000 : 20);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          }, { once: true });
        });
      }
      const now = new Date().toISOString();
      if (signal.aborted || this.behaviour === 'interruptible') {
        await this.store.operations.update(operationId, { status: 'queued', lockedBy: null, updatedAt: now }, fence);
        return;
      }
      await this.store.operations.update(operationId, { status: 'succeeded', progress: 100, lockedBy: null, updatedAt: now, finishedAt: now }, fence);
    } finally {
      this.active--;
    }
  };
}

function isClaimLost(error: unknown): boolean {
  return error instanceof SkyportError && error.code === 'InvalidState' && error.details?.['claimLost'] === true;
}

async function statuses(store: Store, ids: readonly string[]): Promise<string[]> {
  return Promise.all(ids.map(async (id) => (await store.operations.get(id))?.status ?? 'missing'));
}

/** Registers the job-queue contract for one implementation with node:test. */
export function runJobQueueContract(options: JobQueueContractOptions): void {
  const timeoutMs = options.timeoutMs ?? 30_000;

  describe(`job queue contract: ${options.name}`, () => {
    let h: JobQueueHarness;
    const started: JobQueue[] = [];
    const workers: Worker[] = [];

    before(async () => {
      h = await options.harness();
    });
    after(async () => {
      for (const w of workers) w.releaseAll();
      await Promise.allSettled(started.map((q) => q.stop()));
      await h.cleanup();
    });

    async function broker(workerId: string, concurrency: number, behaviour: Behaviour = 'succeed'): Promise<{ queue: JobQueue; worker: Worker }> {
      const worker = new Worker(h.store, workerId);
      worker.behaviour = behaviour;
      workers.push(worker);
      const queue = h.queue(workerId, concurrency);
      await queue.start(worker.run);
      started.push(queue);
      return { queue, worker };
    }

    async function stop(queue: JobQueue): Promise<void> {
      started.splice(started.indexOf(queue), 1);
      await queue.stop();
    }

    it('runs a notified operation once, under the claim of the worker that runs it', async () => {
      const { queue, worker } = await broker(`solo-${++sequence}`, 2);
      const [id] = await insertQueued(h.store, 1, 'solo');
      await queue.notify(id!);
      await waitFor(`${id} to succeed`, timeoutMs, async () => (await h.store.operations.get(id!))?.status === 'succeeded');
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(worker.runs.map((r) => r.operationId), [id]);
      const op = await h.store.operations.get(id!);
      assert.equal(op?.attempts, 1, 'one claim');
      assert.equal(op?.lockedBy, null, 'the claim is released when the operation ends');
      await stop(queue);
    });

    it('three brokers share 30 operations: each runs exactly once, no broker beyond its concurrency', async () => {
      const brokers = await Promise.all([1, 2, 3].map((n) => broker(`share-${n}-${++sequence}`, 3)));
      const ids = await insertQueued(h.store, 30, 'share');
      // Operations are announced on whichever broker took the request.
      await Promise.all(ids.map((id, i) => brokers[i % 3]!.queue.notify(id)));
      await waitFor('30 operations to succeed', timeoutMs, async () => (await statuses(h.store, ids)).every((s) => s === 'succeeded'));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const runs = brokers.flatMap((b) => b.worker.runs);
      assert.equal(runs.length, 30, `30 runs, not ${runs.length}`);
      assert.deepEqual(new Set(runs.map((r) => r.operationId)), new Set(ids), 'every operation ran');
      for (const b of brokers) assert.ok(b.worker.maxActive <= 3, `${b.worker.workerId} ran ${b.worker.maxActive} at once; its concurrency is 3`);
      await Promise.all(brokers.map((b) => stop(b.queue)));
    });

    it('announcing an operation twice runs it once', async () => {
      const { queue, worker } = await broker(`twice-${++sequence}`, 2);
      const [id] = await insertQueued(h.store, 1, 'twice');
      await queue.notify(id!);
      await queue.notify(id!);
      await waitFor(`${id} to succeed`, timeoutMs, async () => (await h.store.operations.get(id!))?.status === 'succeeded');
      await queue.notify(id!);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(worker.runs.length, 1, 'a finished operation is not run again');
      await stop(queue);
    });

    it('stop() aborts running jobs and waits for them; another broker resumes the interrupted operation', async () => {
      const a = await broker(`stopping-${++sequence}`, 1, 'interruptible');
      const [id] = await insertQueued(h.store, 1, 'stop');
      await a.queue.notify(id!);
      await waitFor(`${id} to start on the first broker`, timeoutMs, () => a.worker.runs.length === 1);
      const stopping = stop(a.queue);
      await stopping;
      assert.equal(a.worker.active, 0, 'stop() resolves after running jobs settled');
      assert.equal((await h.store.operations.get(id!))?.status, 'queued', 'the interrupted operation is queued again');
      const b = await broker(`resumer-${++sequence}`, 1);
      await waitFor(`${id} to be resumed by another broker`, timeoutMs, async () => (await h.store.operations.get(id!))?.status === 'succeeded');
      assert.deepEqual(b.worker.runs.map((r) => r.operationId), [id]);
      await stop(b.queue);
    });

    it(
      options.recovery === 'restart'
        ? "a crashed broker's operation is resumed when a broker with its worker id starts again"
        : "a crashed broker's operation is taken over by another broker; the crashed one can no longer write",
      async () => {
        const crashedId = `crashing-${++sequence}`;
        const a = await broker(crashedId, 1, 'hang');
        const [id] = await insertQueued(h.store, 1, 'crash');
        await a.queue.notify(id!);
        await waitFor(`${id} to start on the broker that will crash`, timeoutMs, () => a.worker.runs.length === 1);
        await h.crash(a.queue);
        started.splice(started.indexOf(a.queue), 1);
        const b = await broker(options.recovery === 'restart' ? crashedId : `survivor-${++sequence}`, 1);
        await waitFor(`${id} to be finished after the crash`, timeoutMs, async () => (await h.store.operations.get(id!))?.status === 'succeeded');
        assert.deepEqual(b.worker.runs.map((r) => r.operationId), [id], 'the operation ran again after the crash');
        assert.ok(b.worker.runs[0]!.attempts > a.worker.runs[0]!.attempts, 'the new run holds a newer claim');
        // The frozen run wakes up: its fenced write must fail, the result must stay.
        const stale: ClaimFence = { lockedBy: crashedId, attempts: a.worker.runs[0]!.attempts };
        await assert.rejects(h.store.operations.update(id!, { status: 'failed' }, stale), isClaimLost);
        assert.equal((await h.store.operations.get(id!))?.status, 'succeeded');
        a.worker.releaseAll();
      },
    );
  });
}
