/** The job-queue contract for the pg-boss queue, on a fresh PostgreSQL database, and its sweep. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { systemClock, type JobQueue } from '@skyport/core';
import { runJobQueueContract } from '@skyport/core/testing';
import { createTestStore } from '@skyport/store/testing';
import { PgBossJobQueue } from './pg-boss-job-queue.js';

runJobQueueContract({
  name: 'PgBossJobQueue on postgres',
  recovery: 'takeover',
  timeoutMs: 40_000,
  harness: async () => {
    const test = await createTestStore('postgres');
    return {
      store: test.store,
      queue: (workerId: string, concurrency: number): JobQueue =>
        new PgBossJobQueue({
          connectionString: test.url,
          store: test.store,
          clock: systemClock,
          workerId,
          concurrency,
          pollIntervalMs: 200,
          // Short, so a crashed broker's job is retried within the test's patience.
          expireInSeconds: 3,
          maintenanceIntervalSeconds: 1,
          retryDelaySeconds: 0,
          onError: (error) => process.stderr.write(`queue ${workerId}: ${String(error)}\n`),
        }),
      crash: (queue: JobQueue) => (queue as PgBossJobQueue).abandon(),
      cleanup: () => test.cleanup(),
    };
  },
});

describe('PgBossJobQueue sweep', () => {
  it('runs an operation whose job was never sent (its broker died between storing the row and sending)', async () => {
    const test = await createTestStore('postgres');
    const queue = new PgBossJobQueue({ connectionString: test.url, store: test.store, clock: systemClock, workerId: 'sweeper', concurrency: 2, pollIntervalMs: 100, sweepIntervalMs: 200, sweepAfterMs: 100 });
    try {
      const at = new Date(Date.now() - 1000).toISOString();
      await test.store.operations.insert({ id: 'op-orphan', type: 'contract.test', status: 'queued', providerId: null, targetKind: null, targetId: null, input: {}, progress: 0, message: null, result: null, error: null, attempts: 0, lockedBy: null, createdAt: at, updatedAt: at, finishedAt: null });
      const ran: string[] = [];
      await queue.start(async (id) => {
        ran.push(id);
        const op = (await test.store.operations.get(id))!;
        await test.store.operations.update(id, { status: 'succeeded', lockedBy: null }, { lockedBy: 'sweeper', attempts: op.attempts });
      });
      const deadline = Date.now() + 10_000;
      while ((await test.store.operations.get('op-orphan'))?.status !== 'succeeded') {
        assert.ok(Date.now() < deadline, 'the orphaned operation was never run');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.deepEqual(ran, ['op-orphan']);
    } finally {
      await queue.stop();
      await test.cleanup();
    }
  });
});
