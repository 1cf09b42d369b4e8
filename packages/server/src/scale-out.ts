import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { systemClock, type DriverFactory, type EventBus, type JobQueue, type Logger, type Store } from '@skyport/core';
import { PgBossJobQueue, PgNotifyEventBus, storeEventReloader } from '@skyport/scale-pg';
import type { ServerConfig } from './config.js';

/**
 * This broker's worker id: SKYPORT_WORKER_ID, else `<host>-<random>` kept in the data folder.
 * It must survive restarts: the embedded queue resumes the operations a crashed broker held by
 * this id, and the pg-boss queue fails this id's leftover jobs at start so they are retried at
 * once rather than after their expiry. Brokers must not share one (give each its own data
 * folder or SKYPORT_WORKER_ID): a shared id would make one broker resume another's live work.
 */
export function stableWorkerId(config: ServerConfig): string {
  if (config.workerId !== undefined) return config.workerId;
  const path = join(config.dataDir, 'worker-id');
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const id = `${hostname().replace(/[^A-Za-z0-9.-]/g, '-').slice(0, 40)}-${randomBytes(4).toString('hex')}`;
  writeFileSync(path, id + '\n', { mode: 0o600 });
  return id;
}

export interface ScaleOut {
  readonly queue: JobQueue;
  readonly events: EventBus;
  close(): Promise<void>;
}

/**
 * On PostgreSQL several brokers share the database: jobs go through pg-boss and events through
 * LISTEN/NOTIFY. On SQLite (one process) nothing is returned and the broker keeps its embedded
 * queue and in-memory bus.
 */
export async function createScaleOut(config: ServerConfig, store: Store, drivers: readonly DriverFactory[], workerId: string, concurrency: number, logger: Logger): Promise<ScaleOut | undefined> {
  if (store.dialect !== 'postgres') return undefined;
  const events = new PgNotifyEventBus({
    connectionString: config.databaseUrl,
    reload: storeEventReloader(store, drivers),
    onError: (err) => logger.warn({ err }, 'event bus connection problem'),
  });
  await events.start();
  const expireInSeconds = config.jobExpirySeconds;
  const queue = new PgBossJobQueue({
    connectionString: config.databaseUrl,
    store,
    clock: systemClock,
    workerId,
    concurrency,
    expireInSeconds,
    // Expired jobs are noticed within a tenth of the expiry (one broker looks per interval).
    maintenanceIntervalSeconds: Math.max(1, Math.min(30, Math.round(expireInSeconds / 10))),
    onError: (err) => logger.error({ err }, 'job queue error'),
  });
  return {
    queue,
    events,
    close: () => events.close(),
  };
}
