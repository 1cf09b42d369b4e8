import type { BrokerEvent } from '@skyport/model';

/**
 * What travels in one NOTIFY: the sending broker and a batch of events. PostgreSQL limits a
 * payload to 8000 bytes; batches are packed to stay under PAYLOAD_LIMIT, and an event too big on
 * its own travels as a stub (its ids only) that the receiver re-reads from the store.
 */
export interface Envelope {
  /** The sending bus instance: a broker skips its own notifications (it delivered them locally). */
  readonly o: string;
  readonly e: readonly WireEvent[];
}

export type EventStub =
  | { readonly stub: 'resource'; readonly type: 'resource.created' | 'resource.updated'; readonly kind: string; readonly providerId: string; readonly id: string }
  | { readonly stub: 'operation'; readonly id: string }
  | { readonly stub: 'provider'; readonly id: string };

export type WireEvent = BrokerEvent | EventStub;

/** Bytes, not characters: the limit is on the encoded payload. Some room is kept for the envelope. */
export const PAYLOAD_LIMIT = 7900;

export function isStub(event: WireEvent): event is EventStub {
  return 'stub' in event;
}

/** The ids-only form of an event that does not fit in one notification. */
export function stubOf(event: BrokerEvent): WireEvent {
  switch (event.type) {
    case 'resource.created':
    case 'resource.updated':
      return { stub: 'resource', type: event.type, kind: event.kind, providerId: event.providerId, id: event.id };
    case 'operation.updated':
      return { stub: 'operation', id: event.operation.id };
    case 'provider.updated':
      return { stub: 'provider', id: event.provider.id };
    default:
      // resource.deleted and provider.deleted are ids already.
      return event;
  }
}

/** Packs events, in order, into as few payloads under the limit as possible. */
export function pack(origin: string, events: readonly BrokerEvent[]): string[] {
  const payloads: string[] = [];
  const head = `{"o":${JSON.stringify(origin)},"e":[`;
  let body: string[] = [];
  let size = Buffer.byteLength(head) + 2;
  const flush = (): void => {
    if (body.length > 0) payloads.push(`${head}${body.join(',')}]}`);
    body = [];
    size = Buffer.byteLength(head) + 2;
  };
  for (const event of events) {
    let json = JSON.stringify(event);
    let bytes = Buffer.byteLength(json);
    if (bytes + Buffer.byteLength(head) + 2 > PAYLOAD_LIMIT) {
      json = JSON.stringify(stubOf(event));
      bytes = Buffer.byteLength(json);
    }
    if (size + bytes + 1 > PAYLOAD_LIMIT) flush();
    body.push(json);
    size += bytes + 1;
  }
  flush();
  return payloads;
}
