/**
 * Test databases for every dialect the store supports, in the spirit of Backstage's
 * TestDatabases: a package's tests loop over `testDatabaseUrls()` and run the same cases
 * against a fresh, migrated store from `createTestStore()` per dialect. PostgreSQL is never
 * skipped: when it cannot be reached, creating the store fails and says how to fix it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock, Store } from '@skyport/core';
import { SkyportError } from '@skyport/model';
import pg from 'pg';
import { createStore } from './create-store.js';
import { describePostgresUrl } from './database-url.js';
import type { StoreLogger } from './logger.js';

export type TestDialect = 'sqlite' | 'postgres';

export interface TestDatabase {
  readonly dialect: TestDialect;
  /**
   * PostgreSQL: the server URL used to create and drop test databases. SQLite: the directory
   * under which every test store gets its own temporary file.
   */
  readonly url: string;
}

export interface TestStore {
  readonly dialect: TestDialect;
  /** URL of this store's own database, e.g. to open it a second time. */
  readonly url: string;
  readonly store: Store;
  /** Closes the store and removes its database (file or PostgreSQL database). */
  cleanup(): Promise<void>;
}

export interface CreateTestStoreOptions {
  readonly logger?: StoreLogger;
  readonly clock?: Clock;
  /** `false` leaves the database empty, e.g. to test a migration from an older schema. */
  readonly migrate?: boolean;
}

export const DEFAULT_TEST_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Every dialect to test against: SQLite always, PostgreSQL from SKYPORT_TEST_POSTGRES_URL. */
export function testDatabaseUrls(): TestDatabase[] {
  const postgres = process.env['SKYPORT_TEST_POSTGRES_URL']?.trim() || DEFAULT_TEST_POSTGRES_URL;
  return [
    { dialect: 'sqlite', url: tmpdir() },
    { dialect: 'postgres', url: postgres },
  ];
}

/** A fresh, isolated store of that dialect, migrated unless `migrate: false`; call `cleanup()` when done. */
export async function createTestStore(database: TestDialect | TestDatabase, options: CreateTestStoreOptions = {}): Promise<TestStore> {
  const target = typeof database === 'string' ? testDatabaseUrls().find((candidate) => candidate.dialect === database)! : database;
  return target.dialect === 'sqlite' ? createSqliteTestStore(target.url, options) : createPostgresTestStore(target.url, options);
}

async function createSqliteTestStore(directory: string, options: CreateTestStoreOptions): Promise<TestStore> {
  const dir = await mkdtemp(join(directory, 'skyport-store-test-'));
  const url = `sqlite:${join(dir, 'store.db')}`;
  try {
    const store = await createStore({ url, ...storeOptions(options) });
    if (options.migrate !== false) await store.migrate();
    return {
      dialect: 'sqlite',
      url,
      store,
      cleanup: async () => {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function createPostgresTestStore(serverUrl: string, options: CreateTestStoreOptions): Promise<TestStore> {
  const name = `skyport_test_${randomBytes(6).toString('hex')}`;
  await withAdminClient(serverUrl, async (client) => {
    // Concurrent CREATE DATABASE calls (test files run in parallel) can find the template
    // busy for a moment; try again shortly rather than failing the suite.
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query(`create database ${name}`);
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== '55006' || attempt >= 10) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const drop = () => withAdminClient(serverUrl, (client) => client.query(`drop database if exists ${name} with (force)`));
  try {
    const store = await createStore({ url: url.toString(), ...storeOptions(options) });
    try {
      if (options.migrate !== false) await store.migrate();
    } catch (error) {
      await store.close();
      throw error;
    }
    return {
      dialect: 'postgres',
      url: url.toString(),
      store,
      cleanup: async () => {
        await store.close();
        await drop();
      },
    };
  } catch (error) {
    await drop().catch(() => undefined);
    throw error;
  }
}

function storeOptions({ logger, clock }: CreateTestStoreOptions): { logger?: StoreLogger; clock?: Clock } {
  return { ...(logger === undefined ? {} : { logger }), ...(clock === undefined ? {} : { clock }) };
}

async function withAdminClient<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    const cause = error instanceof AggregateError ? error.errors[0] : error;
    throw new SkyportError(
      'Internal',
      `the store tests need PostgreSQL, which cannot be reached (${describePostgresUrl(new URL(serverUrl))}): ${cause instanceof Error ? cause.message : String(cause)}. ` +
        `Start PostgreSQL there, or set SKYPORT_TEST_POSTGRES_URL to a server where the user may create databases.`,
      { cause: error },
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
