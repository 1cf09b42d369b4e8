/** The LeaseStore and operation claim contract, on every dialect from testDatabaseUrls(). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Clock, OperationRecord } from '@skyport/core';
import { SkyportError } from '@skyport/model';
import { createTestStore, testDatabaseUrls, type TestStore } from './testing.js';

/** A clock the test moves by hand, so expiry is exact and instant. */
class ManualClock implements Clock {
  #now = Date.parse('2025-01-01T00:00:00.000Z');
  now(): Date {
    return new Date(this.#now);
  }
  advance(ms: number): void {
    this.#now += ms;
  }
  async sleep(): Promise<void> {}
}

function operation(id: string): OperationRecord {
  const at = '2025-01-01T00:00:00.000Z';
  return { id, type: 'instance.create', status: 'queued', providerId: null, targetKind: null, targetId: null, input: {}, progress: 0, message: null, result: null, error: null, attempts: 0, lockedBy: null, createdAt: at, updatedAt: at, finishedAt: null };
}

for (const { dialect } of testDatabaseUrls()) {
  describe(`${dialect}: leases and claims`, () => {
    const clock = new ManualClock();
    let test: TestStore;
    before(async () => {
      test = await createTestStore(dialect, { clock });
    });
    after(async () => {
      await test.cleanup();
    });

    it('one holder at a time; the holder renews; another takes over only after expiry', async () => {
      const { leases } = test.store;
      assert.equal(await leases.acquire('poll:a', 'broker-1', 10_000), true);
      assert.equal(await leases.acquire('poll:a', 'broker-2', 10_000), false, 'held by broker-1');
      const first = await leases.get('poll:a');
      assert.equal(first?.holder, 'broker-1');
      clock.advance(6_000);
      assert.equal(await leases.acquire('poll:a', 'broker-1', 10_000), true, 'the holder extends it');
      assert.equal((await leases.get('poll:a'))?.acquiredAt, first?.acquiredAt, 'extending keeps when it was taken');
      clock.advance(6_000);
      assert.equal(await leases.acquire('poll:a', 'broker-2', 10_000), false, 'extended: still broker-1');
      assert.equal(await leases.renew('poll:a', 'broker-1', 10_000), true);
      clock.advance(10_001);
      assert.equal(await leases.acquire('poll:a', 'broker-2', 10_000), true, 'expired: broker-2 takes it over');
      assert.equal(await leases.renew('poll:a', 'broker-1', 10_000), false, 'the old holder lost it');
      assert.equal((await leases.get('poll:a'))?.holder, 'broker-2');
    });

    it('release frees a lease at once, and only for its holder', async () => {
      const { leases } = test.store;
      assert.equal(await leases.acquire('poll:b', 'broker-1', 60_000), true);
      await leases.release('poll:b', 'broker-2');
      assert.equal((await leases.get('poll:b'))?.holder, 'broker-1', 'a non-holder cannot release it');
      await leases.release('poll:b', 'broker-1');
      assert.equal(await leases.get('poll:b'), undefined);
      assert.equal(await leases.acquire('poll:b', 'broker-2', 60_000), true);
    });

    it('concurrent acquires: exactly one wins', async () => {
      const { leases } = test.store;
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => leases.acquire('poll:race', `broker-${i}`, 60_000)));
      assert.equal(results.filter(Boolean).length, 1);
      const holder = (await leases.get('poll:race'))?.holder;
      assert.equal(holder, `broker-${results.indexOf(true)}`);
    });

    it('lists leases by prefix and refuses a ttl that is not positive', async () => {
      const { leases } = test.store;
      await leases.acquire('zz:1', 'x', 1000);
      await leases.acquire('zz:2', 'y', 1000);
      await leases.acquire('zz_other', 'y', 1000);
      assert.deepEqual((await leases.list('zz:')).map((l) => l.name), ['zz:1', 'zz:2']);
      await assert.rejects(leases.acquire('zz:3', 'x', 0), (e: unknown) => e instanceof SkyportError && e.code === 'InvalidArgument');
    });

    it('claim: a queued operation is claimed once; a running one only by takeover', async () => {
      const ops = test.store.operations;
      await ops.insert(operation('op-claim-1'));
      const at = clock.now().toISOString();
      const claims = await Promise.all(['w-1', 'w-2', 'w-3'].map((w) => ops.claim('op-claim-1', w, at)));
      const won = claims.filter((c) => c !== undefined);
      assert.equal(won.length, 1, 'one of three concurrent claims wins');
      assert.equal(won[0]?.status, 'running');
      assert.equal(won[0]?.attempts, 1);
      const holder = won[0]!.lockedBy!;
      assert.equal(await ops.claim('op-claim-1', 'w-9', at), undefined, 'held: no claim without takeover');
      const taken = await ops.claim('op-claim-1', 'w-9', at, { takeOver: true });
      assert.equal(taken?.lockedBy, 'w-9');
      assert.equal(taken?.attempts, 2);
      // The previous holder's fenced writes are refused; the new holder's go through.
      await assert.rejects(ops.update('op-claim-1', { progress: 50 }, { lockedBy: holder, attempts: 1 }), (e: unknown) => e instanceof SkyportError && e.code === 'InvalidState' && e.details?.['claimLost'] === true);
      const done = await ops.update('op-claim-1', { status: 'succeeded', lockedBy: null }, { lockedBy: 'w-9', attempts: 2 });
      assert.equal(done.status, 'succeeded');
      assert.equal(await ops.claim('op-claim-1', 'w-10', at, { takeOver: true }), undefined, 'a finished operation is never claimed');
      assert.equal(await ops.claim('op-missing', 'w-10', at, { takeOver: true }), undefined);
      await assert.rejects(ops.update('op-missing', { progress: 1 }, { lockedBy: 'w', attempts: 1 }), (e: unknown) => e instanceof SkyportError && e.code === 'NotFound');
    });
  });
}
