import type { BrokerEvent } from '@skyport/model';
import type { EventBus } from '../ports/index.js';

/** The event bus of a single broker process. A listener that throws never stops the others. */
export class InMemoryEventBus implements EventBus {
  readonly #listeners = new Set<(event: BrokerEvent) => void>();

  publish(event: BrokerEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A broken subscriber (e.g. a closed SSE socket) must not break the publisher.
      }
    }
  }

  subscribe(listener: (event: BrokerEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
