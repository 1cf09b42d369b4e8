/** The job-queue contract for the pg-boss queue, on a fresh PostgreSQL database. */
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
