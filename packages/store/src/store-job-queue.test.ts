/** The job-queue contract for the embedded queue (StoreJobQueue), over both dialects' stores. */
import { StoreJobQueue, systemClock, type JobQueue } from '@skyport/core';
import { runJobQueueContract } from '@skyport/core/testing';
import { createTestStore, testDatabaseUrls } from './testing.js';

for (const { dialect } of testDatabaseUrls()) {
  runJobQueueContract({
    name: `StoreJobQueue on ${dialect}`,
    recovery: 'restart',
    harness: async () => {
      const test = await createTestStore(dialect);
      return {
        store: test.store,
        queue: (workerId: string, concurrency: number): JobQueue => new StoreJobQueue({ store: test.store, clock: systemClock, workerId, concurrency, pollIntervalMs: 100 }),
        // The crashed broker's run ignores its signal (it is frozen); stopping its loop without
        // waiting leaves its claimed row running, as kill -9 would.
        crash: async (queue: JobQueue) => void queue.stop(),
        cleanup: () => test.cleanup(),
      };
    },
  });
}
