import { operationView, providerView, type DriverFactory, type Store } from '@skyport/core';
import type { BrokerEvent, ResourceKind } from '@skyport/model';
import type { EventStub } from './event-envelope.js';

/** Rebuilds an event that travelled as a stub from what the store holds now. */
export function storeEventReloader(store: Store, drivers: readonly DriverFactory[]): (stub: EventStub) => Promise<BrokerEvent | undefined> {
  const byName = new Map(drivers.map((d) => [d.name, d]));
  return async (stub) => {
    switch (stub.stub) {
      case 'resource': {
        const record = await store.resources.get(stub.id);
        // Gone since: its deletion event follows.
        if (!record) return undefined;
        return { type: stub.type, kind: stub.kind as ResourceKind, providerId: stub.providerId, id: stub.id, resource: record.data };
      }
      case 'operation': {
        const record = await store.operations.get(stub.id);
        return record && { type: 'operation.updated', operation: operationView(record) };
      }
      case 'provider': {
        const record = await store.providers.get(stub.id);
        return record && { type: 'provider.updated', provider: providerView(record, byName.get(record.driver)) };
      }
    }
  };
}
