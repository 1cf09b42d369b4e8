/**
 * Three broker processes on one PostgreSQL, driven over REST as an operator would: any broker
 * answers, an event raised on one reaches SSE clients of another, one broker at a time polls a
 * provider (another takes over when it dies), and `kill -9` of a broker during 20 concurrent
 * operations and a four-VM migration loses none and runs none twice.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createClient, type SkyportClient } from '@skyport/client';
import type { BrokerEvent, Operation } from '@skyport/model';
import { createTestStore, type TestStore } from '@skyport/store/testing';
import { BrokerCluster } from './testing/broker-cluster.js';
import { simInstanceNames } from './testing/sim-ground-truth.js';

const ENV = {
  // A dead broker's jobs are retried after 8 s, its polling lease taken over within about 6 s
  // (renewed every 2 s: a busy machine may delay a renewal without losing the lease).
  SKYPORT_JOB_EXPIRY_SECONDS: '8',
  SKYPORT_POLL_LEASE_MS: '6000',
};

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('scale-out: three brokers on one PostgreSQL', { timeout: 240_000 }, () => {
  let baseDir: string;
  let simDir: string;
  let simDstDir: string;
  let db: TestStore;
  let cluster: BrokerCluster;
  const clients = new Map<string, SkyportClient>();
  let providerId: string;
  let imageId: string;

  const client = (name: string): SkyportClient => clients.get(name)!;
  const connect = (name: string, url: string, token: string): void => void clients.set(name, createClient({ baseUrl: url, token }));

  before(async () => {
    baseDir = await mkdtemp(join(tmpdir(), 'skyport-scale-'));
    simDir = join(baseDir, 'sim-shared');
    simDstDir = join(baseDir, 'sim-shared-dst');
    db = await createTestStore('postgres');
    cluster = new BrokerCluster({ databaseUrl: db.url, baseDir, env: ENV });
    // The first broker makes the admin; the others join the same database.
    const b1 = await cluster.start('b1');
    const token = cluster.adminToken('b1');
    connect('b1', b1.url, token);
    // Every broker drives the same simulated cloud: its state lives in one shared folder.
    const provider = await client('b1').providers.add({ name: 'shared', driver: 'sim', region: 'shared-1', settings: { dataDir: simDir, latencyMs: 20, transitionMs: 2500 } });
    providerId = provider.id;
    await client('b1').providers.sync('shared');
    imageId = (await client('b1').images.list({ provider: ['shared'], name: 'debian-12' })).items[0]!.id;
    for (const name of ['b2', 'b3']) connect(name, (await cluster.start(name)).url, token);
  });

  after(async () => {
    await cluster?.stopAll();
    await db?.cleanup();
    await rm(baseDir, { recursive: true, force: true });
  });

  test('any broker answers, and an event raised on one broker reaches an SSE client of another', async () => {
    for (const name of ['b1', 'b2', 'b3']) assert.equal((await client(name).providers.get('shared')).id, providerId);
    const seen: BrokerEvent[] = [];
    const abort = new AbortController();
    let accepted!: () => void;
    const ready = new Promise<void>((resolve) => (accepted = resolve));
    const stream = client('b3')
      .events({ types: ['operation.updated'], onOpen: () => accepted() }, (event) => seen.push(event), abort.signal)
      .catch(() => undefined);
    await ready;
    // Created through b1: its `queued` event is raised on b1 whoever runs it.
    const op = await client('b1').instances.create({ providerId: 'shared', name: 'sse-probe', imageId, hardwareProfileId: 'small' });
    await until('the queued event on b3', 10_000, async () => seen.some((e) => e.type === 'operation.updated' && e.operation.id === op.id && e.operation.status === 'queued'));
    await until('the finished event on b3', 30_000, async () => seen.some((e) => e.type === 'operation.updated' && e.operation.id === op.id && e.operation.status === 'succeeded'));
    abort.abort();
    await stream;
  });

  test('one broker polls the provider; another takes over when it is killed', async () => {
    const lease = await until('a poller lease', 15_000, async () => db.store.leases.get(`poll:${providerId}`));
    const holder = cluster.byWorkerId(lease.holder);
    assert.ok(holder, `the lease holder ${lease.holder} is one of the brokers`);
    // Only the holder says it polls this provider.
    const pollers = [...cluster.brokers.values()].filter((b) => b.logs.some((l) => l['msg'] === 'poller lease taken: this broker polls the provider' && l['providerId'] === providerId));
    assert.deepEqual(pollers.map((b) => b.name), [holder.name], 'exactly one broker took the lease');
    const before = (await client('b1').providers.syncStatus('shared')).lastSyncAt;
    await cluster.kill(holder.name);
    const next = await until('another broker to take the lease', 20_000, async () => {
      const now = await db.store.leases.get(`poll:${providerId}`);
      return now && now.holder !== lease.holder && now;
    });
    const survivor = cluster.byWorkerId(next.holder)!;
    assert.notEqual(survivor.name, holder.name);
    const other = [...clients.keys()].find((n) => n !== holder.name)!;
    await until('a sync by the new holder', 20_000, async () => {
      const status = await client(other).providers.syncStatus('shared');
      return status.lastSyncAt !== undefined && status.lastSyncAt !== before && (before === undefined || status.lastSyncAt > before);
    });
    // Bring it back (same folder, same worker id) for the next test.
    connect(holder.name, (await cluster.start(holder.name)).url, cluster.adminToken('b1'));
  });

  test('a quota holds across brokers: twelve creates at once through three brokers let exactly the room through', async () => {
    const usage = await client('b1').tenants.usage('default');
    await client('b1').tenants.setQuotas('default', { instances: usage.used.instances + 2 });
    try {
      const names = ['b1', 'b2', 'b3'];
      const tries = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) => client(names[i % 3]!).instances.create({ providerId: 'shared', name: `q-${i}`, imageId, hardwareProfileId: 'small' })),
      );
      const accepted = tries.filter((t): t is PromiseFulfilledResult<Operation> => t.status === 'fulfilled');
      const refused = tries.filter((t): t is PromiseRejectedResult => t.status === 'rejected');
      assert.equal(accepted.length, 2, JSON.stringify(refused.map((r) => (r.reason as Error).message)));
      for (const r of refused) assert.equal((r.reason as { code?: string }).code, 'QuotaExceeded', (r.reason as Error).message);
      for (const op of accepted) assert.equal((await client('b1').operations.waitFor(op.value.id, { timeoutSeconds: 60 })).status, 'succeeded');
      assert.equal((await client('b2').tenants.usage('default')).used.instances, usage.used.instances + 2);
    } finally {
      await client('b1').tenants.setQuotas('default', {});
    }
  });

  test('kill -9 of a broker during 20 concurrent operations and a migration: every one finishes, exactly once', async () => {
    const names = ['b1', 'b2', 'b3'];
    // A second cloud, also shared by every broker, and four running instances to move there.
    await client('b1').providers.add({ name: 'shared-dst', driver: 'sim', region: 'dst-1', settings: { dataDir: simDstDir, latencyMs: 20, transitionMs: 1500 } });
    const sources = await Promise.all(Array.from({ length: 4 }, (_, i) => client(names[i % 3]!).instances.create({ providerId: 'shared', name: `mv-${i}`, imageId, hardwareProfileId: 'small' })));
    await until('the sources to run', 60_000, async () => {
      const rows = await Promise.all(sources.map((op) => db.store.operations.get(op.id)));
      return rows.every((r) => r?.status === 'succeeded');
    });
    const plan = await client('b2').migrations.create({
      name: 'under-fire',
      sourceProviderId: 'shared',
      targetProviderId: 'shared-dst',
      instanceIds: (await Promise.all(sources.map((op) => client('b1').operations.get(op.id)))).map((op) => op.targetId!),
      options: { maxParallel: 4 },
    });
    await client('b3').migrations.run(plan.id);
    const ops: Operation[] = await Promise.all(
      Array.from({ length: 20 }, (_, i) => client(names[i % 3]!).instances.create({ providerId: 'shared', name: `mb-${i}`, imageId, hardwareProfileId: 'small' })),
    );
    // Kill the broker running the most of them (and of the migration's VMs), while they run.
    const runningBy = await until('operations to run', 20_000, async () => {
      const counts = new Map<string, number>();
      const vmOps = (await client('b1').migrations.get(plan.id)).vms.flatMap((vm) => (vm.operationId === undefined ? [] : [{ id: vm.operationId }]));
      for (const op of [...ops, ...vmOps]) {
        const row = await db.store.operations.get(op.id);
        if (row?.status === 'running' && row.lockedBy) counts.set(row.lockedBy, (counts.get(row.lockedBy) ?? 0) + 1);
      }
      const best = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
      return best !== undefined && best[1] >= 2 && best;
    });
    const victim = cluster.byWorkerId(runningBy[0])!;
    await cluster.kill(victim.name);
    const survivor = names.find((n) => n !== victim.name)!;
    const final = await until('all 20 operations to finish', 90_000, async () => {
      const rows = await Promise.all(ops.map((op) => db.store.operations.get(op.id)));
      return rows.every((r) => r?.status === 'succeeded' || r?.status === 'failed') && rows;
    });
    for (const row of final) assert.equal(row!.status, 'succeeded', `${row!.id}: ${JSON.stringify(row!.error)}`);
    assert.ok(final.some((r) => r!.attempts > 1), 'some operations were taken over from the killed broker');
    // Exactly once, at the provider itself: every name once, no extra instance.
    const atProvider = simInstanceNames(simDir);
    for (let i = 0; i < 20; i++) assert.equal(atProvider.get(`mb-${i}`), 1, `mb-${i} exists once at the provider`);
    // And the inventory, read through a surviving broker, agrees.
    await client(survivor).providers.sync('shared');
    const listed = (await client(survivor).instances.list({ provider: ['shared'], name: 'mb-*', limit: 100 })).items;
    assert.equal(listed.length, 20);
    assert.equal(new Set(listed.map((i) => i.name)).size, 20);
    assert.ok(listed.every((i) => i.state === 'running'));

    // The migration finishes too, each VM once at the target, with one imported image each.
    const moved = await client(survivor).migrations.waitFor(plan.id, { timeoutSeconds: 120 });
    assert.equal(moved.status, 'completed', JSON.stringify(moved.vms.map((v) => [v.sourceName, v.status, v.error?.message])));
    const atTarget = simInstanceNames(simDstDir);
    for (let i = 0; i < 4; i++) assert.equal(atTarget.get(`mv-${i}`), 1, `mv-${i} exists once at the target`);
    await client(survivor).providers.sync('shared-dst');
    for (const vm of moved.vms) {
      const images = (await client(survivor).images.list({ provider: ['shared-dst'], name: `skyport-mig-${vm.id}`, limit: 10 })).items;
      assert.equal(images.length, 1, `one image for ${vm.sourceName}`);
    }
  });
});
