/**
 * A broker started in this process for an end-to-end test: SQLite in a fresh temporary data
 * folder, free ports, no seeded clouds, fast polling, and an admin client.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type SkyportClient } from '@skyport/client';
import type { Operation } from '@skyport/model';
import { loadConfig } from '../config.js';
import { startServer, type RunningServer, type StartOptions } from '../start-server.js';

/** Polling fast enough that operations settle in a test's time. */
export const FAST_TUNING = { pollFastMs: 100, pollIdleMs: 500, operationPollMs: 50, retryBaseDelayMs: 20 } as const;

export interface TestBroker {
  readonly server: RunningServer;
  /** The first administrator, through the REST API. */
  readonly client: SkyportClient;
  readonly dataDir: string;
  /** Waits for the operation and insists it succeeded, naming its error otherwise. */
  settle(operation: Promise<Operation>): Promise<Operation>;
  close(): Promise<void>;
}

export async function startTestBroker(name: string, options: StartOptions = {}): Promise<TestBroker> {
  const dataDir = await mkdtemp(join(tmpdir(), `skyport-${name}-`));
  const server = await startServer(
    loadConfig({ SKYPORT_DATA_DIR: dataDir, SKYPORT_PORT: '0', SKYPORT_EC2_PORT: '0', SKYPORT_LOG_LEVEL: process.env['E2E_LOG'] ?? 'silent', SKYPORT_SEED_SIM: 'false', SKYPORT_SEED_LOCAL: 'false' }),
    { tuning: FAST_TUNING, ...options },
  );
  const client = createClient({ baseUrl: server.url, token: server.adminToken.token! });
  return {
    server,
    client,
    dataDir,
    async settle(operation) {
      const done = await client.operations.waitFor((await operation).id, { timeoutSeconds: 60 });
      assert.equal(done.status, 'succeeded', `${done.type}: ${JSON.stringify(done.error)}`);
      return done;
    },
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Adding a provider whose cloud refuses its credentials fails as a bad request whose cause is
 * kept, with the cloud's words, and leaves no provider behind.
 */
export async function assertCredentialsRefused(broker: TestBroker, name: string, addition: Promise<unknown>, words: RegExp): Promise<void> {
  await assert.rejects(addition, (error: unknown) => {
    const e = error as { code?: string; message?: string; details?: Record<string, unknown> };
    return e.code === 'InvalidArgument' && e.details?.['cause'] === 'Unauthenticated' && words.test(e.message ?? '');
  });
  assert.equal((await broker.client.providers.list()).some((p) => p.name === name), false, `no provider ${name} was added`);
}
