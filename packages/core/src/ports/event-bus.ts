import type { BrokerEvent } from '@skyport/model';

/**
 * Inventory and operation changes. In one process an in-memory bus; across processes a
 * PostgreSQL LISTEN/NOTIFY implementation of the same port.
 */
export interface EventBus {
  publish(event: BrokerEvent): void;
  /** Returns the function that unsubscribes. */
  subscribe(listener: (event: BrokerEvent) => void): () => void;
}
