/**
 * Faults on every side at once: two sim clouds fail 10% of calls with a server error and
 * throttle another 10%, three brokers share 200 operations, and one broker is killed (-9)
 * mid-way and restarted. No operation may be lost or run twice; each ends succeeded, or failed
 * with the provider's reason.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createClient, type SkyportClient } from '@skyport/client';
import type { Operation } from '@skyport/model';
import type { OperationRecord } from '@skyport/core';
import { createTestStore, type TestStore } from '@skyport/store/testing';
import { BrokerCluster } from './testing/broker-cluster.js';
import { simInstanceNames } from './testing/sim-ground-truth.js';

const OPERATIONS = 200;
const FAULTS = { errorRate: 0.1, throttleRate: 0.1, retryAfterMs: 200 };

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('faults: 20% provider faults, 3 brokers, 200 operations, one broker killed and restarted', { timeout: 300_000 }, () => {
  let baseDir: string;
  let db: TestStore;
  let cluster: BrokerCluster;
  const clients: SkyportClient[] = [];
  const clouds = ['faulty-a', 'faulty-b'];
  const images = new Map<string, string>();

  before(async () => {
    baseDir = await mkdtemp(join(tmpdir(), 'skyport-faults-'));
    db = await createTestStore('postgres');
    cluster = new BrokerCluster({ databaseUrl: db.url, baseDir, env: { SKYPORT_JOB_EXPIRY_SECONDS: '8', SKYPORT_POLL_LEASE_MS: '3000' } });
    const b1 = await cluster.start('b1');
    const token = cluster.adminToken('b1');
    const admin = createClient({ baseUrl: b1.url, token });
    for (const name of clouds) {
      // Added without faults (the connection test must pass), then faulty from the brokers' start.
      await admin.providers.add({ name, driver: 'sim', region: `${name}-1`, settings: { dataDir: join(baseDir, `cloud-${name}`), latencyMs: 15, transitionMs: 1000 } });
      await admin.providers.sync(name);
      images.set(name, (await admin.images.list({ provider: [name], name: 'debian-12' })).items[0]!.id);
    }
    // Settings are read when a driver is made: turn faults on in the store, then start the
    // brokers that will do the work (b1 restarts to pick them up too).
    for (const provider of await db.store.providers.list()) {
      await db.store.providers.update(provider.id, { settings: { ...provider.settings, faults: FAULTS } });
    }
    await cluster.kill('b1');
    for (const name of ['b1', 'b2', 'b3']) clients.push(createClient({ baseUrl: (await cluster.start(name)).url, token }));
  });

  after(async () => {
    await cluster?.stopAll();
    await db?.cleanup();
    await rm(baseDir, { recursive: true, force: true });
  });

  test('zero lost, zero duplicated; every failure names its reason', async () => {
    const started = Date.now();
    const ops: Operation[] = [];
    // Requests spread over the three brokers, a few at a time as clients would send them.
    for (let i = 0; i < OPERATIONS; i += 10) {
      ops.push(
        ...(await Promise.all(
          Array.from({ length: 10 }, (_, j) => {
            const n = i + j;
            const cloud = clouds[n % 2]!;
            return clients[n % 3]!.instances.create({ providerId: cloud, name: `f-${n}`, imageId: images.get(cloud)!, hardwareProfileId: 'small' });
          }),
        )),
      );
    }
    const rows = async (): Promise<OperationRecord[]> => (await Promise.all(ops.map((op) => db.store.operations.get(op.id)))).map((r) => r!);
    const finished = (r: OperationRecord): boolean => r.status === 'succeeded' || r.status === 'failed';

    // A third through, kill the broker running the most, restart it 3 s later.
    const victim = await until('a third of the operations to finish', 120_000, async () => {
      const now = await rows();
      if (now.filter(finished).length < OPERATIONS / 3) return undefined;
      const counts = new Map<string, number>();
      for (const r of now) if (r.status === 'running' && r.lockedBy) counts.set(r.lockedBy, (counts.get(r.lockedBy) ?? 0) + 1);
      const busiest = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
      return busiest && cluster.byWorkerId(busiest[0]);
    });
    await cluster.kill(victim.name);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await cluster.start(victim.name);

    const final = await until('every operation to finish', 180_000, async () => {
      const now = await rows();
      return now.every(finished) && now;
    });
    const seconds = (Date.now() - started) / 1000;

    const failed = final.filter((r) => r.status === 'failed');
    for (const r of failed) {
      assert.ok(r.error?.code && r.error.message.length > 10, `${r.id} failed without a reason: ${JSON.stringify(r.error)}`);
      // Only the providers' faults may fail an operation, never the brokers' own races or crashes.
      assert.ok(['ProviderUnavailable', 'Throttled', 'Timeout'].includes(r.error.code), `${r.id} failed for a reason that is not the provider's: ${JSON.stringify(r.error)}`);
    }
    // Ground truth at the providers: no name twice; every succeeded create exactly once.
    const atProviders = new Map<string, number>();
    for (const name of clouds) for (const [instance, n] of simInstanceNames(join(baseDir, `cloud-${name}`))) atProviders.set(instance, (atProviders.get(instance) ?? 0) + n);
    const duplicated = [...atProviders.entries()].filter(([, n]) => n > 1);
    assert.deepEqual(duplicated, [], 'no instance was created twice');
    final.forEach((r, i) => {
      if (r.status === 'succeeded') assert.equal(atProviders.get(`f-${i}`), 1, `f-${i} succeeded and exists once`);
    });
    const reasons: Record<string, number> = {};
    for (const r of failed) reasons[r.error!.code] = (reasons[r.error!.code] ?? 0) + 1;
    const summary = {
      operations: final.length,
      succeeded: final.length - failed.length,
      failed: failed.length,
      failureReasons: reasons,
      retriedAcrossBrokers: final.filter((r) => r.attempts > 1).length,
      lost: 0,
      duplicated: duplicated.length,
      killed: victim.name,
      seconds: Math.round(seconds),
    };
    process.stdout.write(`# fault test: ${JSON.stringify(summary)}\n`);
    assert.ok(summary.succeeded > OPERATIONS / 2, `most operations succeed despite faults (${summary.succeeded})`);
  });
});
