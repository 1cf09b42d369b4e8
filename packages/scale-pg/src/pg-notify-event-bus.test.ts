/** The LISTEN/NOTIFY event bus between two bus instances (two brokers) on one PostgreSQL. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrokerEvent } from '@skyport/model';
import { createTestStore, type TestStore } from '@skyport/store/testing';
import { PAYLOAD_LIMIT, pack, type EventStub } from './event-envelope.js';
import { PgNotifyEventBus } from './pg-notify-event-bus.js';

function resourceEvent(i: number, padding = 0): BrokerEvent {
  return { type: 'resource.updated', kind: 'instance', providerId: 'prv-1', id: `i-${i}`, resource: { id: `i-${i}`, note: 'x'.repeat(padding) } };
}

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('event envelope packing', () => {
  it('packs events in order into payloads under the limit; an oversized event travels as a stub', () => {
    const events = [...Array.from({ length: 300 }, (_, i) => resourceEvent(i, 50)), resourceEvent(999, 20_000), { type: 'provider.deleted', providerId: 'prv-2' } as BrokerEvent];
    const payloads = pack('origin-1', events);
    assert.ok(payloads.length > 1);
    for (const p of payloads) assert.ok(Buffer.byteLength(p) <= PAYLOAD_LIMIT, `payload of ${Buffer.byteLength(p)} bytes`);
    const wire = payloads.flatMap((p) => (JSON.parse(p) as { e: unknown[] }).e);
    assert.equal(wire.length, events.length);
    assert.deepEqual(wire[300], { stub: 'resource', type: 'resource.updated', kind: 'instance', providerId: 'prv-1', id: 'i-999' });
    assert.deepEqual(wire.slice(0, 300), events.slice(0, 300));
  });
});

describe('PgNotifyEventBus', () => {
  let db: TestStore;
  let a: PgNotifyEventBus;
  let b: PgNotifyEventBus;
  const reloaded: EventStub[] = [];

  before(async () => {
    db = await createTestStore('postgres');
    const reload = async (stub: EventStub): Promise<BrokerEvent | undefined> => {
      reloaded.push(stub);
      return stub.stub === 'resource' ? { type: stub.type, kind: 'instance', providerId: stub.providerId, id: stub.id, resource: { reloaded: true } } : undefined;
    };
    a = new PgNotifyEventBus({ connectionString: db.url, reload, channel: 'skyport_test_events' });
    b = new PgNotifyEventBus({ connectionString: db.url, reload, channel: 'skyport_test_events' });
    await a.start();
    await b.start();
  });
  after(async () => {
    await a.close();
    await b.close();
    await db.cleanup();
  });

  it('delivers locally at once and to the other broker in order, without echo', async () => {
    const onA: BrokerEvent[] = [];
    const onB: BrokerEvent[] = [];
    const offA = a.subscribe((e) => onA.push(e));
    const offB = b.subscribe((e) => onB.push(e));
    const events = Array.from({ length: 500 }, (_, i) => resourceEvent(i, 100));
    for (const e of events) a.publish(e);
    assert.equal(onA.length, 500, 'local subscribers get events synchronously');
    await until('500 events on the other broker', () => onB.length >= 500);
    assert.deepEqual(onB, events, 'same events, same order');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(onA.length, 500, 'a broker does not receive its own events twice');
    offA();
    offB();
  });

  it('an event over the payload limit is re-read by the receiver', async () => {
    const onB: BrokerEvent[] = [];
    const off = b.subscribe((e) => onB.push(e));
    a.publish(resourceEvent(7, 20_000));
    a.publish({ type: 'provider.deleted', providerId: 'prv-9' });
    await until('both events', () => onB.length >= 2);
    assert.deepEqual(onB[0], { type: 'resource.updated', kind: 'instance', providerId: 'prv-1', id: 'i-7', resource: { reloaded: true } });
    assert.deepEqual(onB[1], { type: 'provider.deleted', providerId: 'prv-9' });
    assert.equal(reloaded.length, 1);
    off();
  });
});
