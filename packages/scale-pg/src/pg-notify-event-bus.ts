import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { EventBus } from '@skyport/core';
import type { BrokerEvent } from '@skyport/model';
import { isStub, pack, type Envelope, type EventStub } from './event-envelope.js';

export interface PgNotifyEventBusOptions {
  readonly connectionString: string;
  /** Rebuilds an event that travelled as ids only (it did not fit in a notification). */
  readonly reload: (stub: EventStub) => Promise<BrokerEvent | undefined>;
  /** The channel; brokers sharing a database must use the same one. Default `skyport_events`. */
  readonly channel?: string;
  readonly onError?: (error: unknown) => void;
}

/** Events waiting to be sent while the connection is down; beyond this the oldest are dropped. */
const MAX_PENDING = 10_000;

/**
 * The EventBus of several brokers on one PostgreSQL: every event is delivered at once to this
 * process' subscribers, then sent with NOTIFY so every other broker delivers it to its own
 * (SSE clients of any broker see events raised on any broker). Events published in the same
 * tick go out batched in as few notifications as fit the 8000-byte payload limit; one
 * connection sends them in order, so each broker's events arrive in the order it raised them.
 *
 * Delivery across brokers is at most once: events raised while a broker's connection is down
 * are lost to it. That is acceptable because events are change hints; the store stays the
 * truth (pollers, waits and clients re-read it).
 */
export class PgNotifyEventBus implements EventBus {
  readonly #options: PgNotifyEventBusOptions;
  readonly #channel: string;
  readonly #origin = randomUUID();
  readonly #listeners = new Set<(event: BrokerEvent) => void>();
  #client: pg.Client | undefined;
  #connecting: Promise<void> | undefined;
  #pending: BrokerEvent[] = [];
  #flushing: Promise<void> | undefined;
  #receiving: Promise<void> = Promise.resolve();
  #closed = false;
  #retryTimer: NodeJS.Timeout | undefined;

  constructor(options: PgNotifyEventBusOptions) {
    this.#options = options;
    this.#channel = options.channel ?? 'skyport_events';
    if (!/^[a-z_][a-z0-9_]*$/.test(this.#channel)) throw new Error(`event channel "${this.#channel}" must be a lowercase SQL identifier`);
  }

  /** Connects and listens; events published before are sent once connected. */
  async start(): Promise<void> {
    await this.#connect();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    await this.#flushing;
    await this.#client?.end().catch(() => undefined);
    this.#client = undefined;
  }

  publish(event: BrokerEvent): void {
    this.#deliver(event);
    if (this.#closed) return;
    this.#pending.push(event);
    // Bounded only while disconnected (connected, a large sync's events all go out); trimmed in
    // halves so a long outage costs amortized O(1) per event, not a splice each time.
    if (this.#client === undefined && this.#pending.length > MAX_PENDING) this.#pending = this.#pending.slice(-MAX_PENDING / 2);
    // Batch everything published in this tick into as few notifications as fit.
    this.#scheduleFlush();
  }

  #scheduleFlush(): void {
    if (this.#flushing !== undefined) return;
    const flushing = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#flush())
      .finally(() => {
        this.#flushing = undefined;
        // Published while the batch was being sent: send those too.
        if (this.#pending.length > 0 && this.#client !== undefined && !this.#closed) this.#scheduleFlush();
      });
    this.#flushing = flushing;
  }

  subscribe(listener: (event: BrokerEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #deliver(event: BrokerEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A broken subscriber (e.g. a closed SSE socket) must not break the publisher.
      }
    }
  }

  async #flush(): Promise<void> {
    try {
      while (this.#pending.length > 0 && !this.#closed) {
        const client = this.#client;
        if (!client) return; // sent once reconnected
        const batch = this.#pending;
        this.#pending = [];
        for (const payload of pack(this.#origin, batch)) {
          await client.query('select pg_notify($1, $2)', [this.#channel, payload]);
        }
      }
    } catch (error) {
      this.#options.onError?.(error);
    }
  }

  #connect(): Promise<void> {
    this.#connecting ??= (async () => {
      const client = new pg.Client({ connectionString: this.#options.connectionString, application_name: 'skyport events' });
      client.on('error', (error) => {
        this.#options.onError?.(error);
        this.#lost(client);
      });
      client.on('end', () => this.#lost(client));
      client.on('notification', (message) => {
        if (message.channel === this.#channel && message.payload !== undefined) this.#receive(message.payload);
      });
      await client.connect();
      await client.query(`listen ${this.#channel}`);
      this.#client = client;
      this.#scheduleFlush();
    })().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  /** The connection dropped: reconnect with a growing pause until it works again. */
  #lost(client: pg.Client, attempt = 0): void {
    if (this.#client !== client && attempt === 0) return;
    this.#client = undefined;
    if (this.#closed) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      this.#connect().catch((error: unknown) => {
        this.#options.onError?.(error);
        this.#lost(client, attempt + 1);
      });
    }, Math.min(30_000, 250 * 2 ** attempt));
    this.#retryTimer.unref();
  }

  #receive(payload: string): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(payload) as Envelope;
    } catch (error) {
      this.#options.onError?.(error);
      return;
    }
    if (envelope.o === this.#origin) return;
    // A chain, so a stub that must be re-read does not let later events overtake it.
    this.#receiving = this.#receiving.then(async () => {
      for (const wire of envelope.e) {
        try {
          const event = isStub(wire) ? await this.#options.reload(wire) : wire;
          if (event) this.#deliver(event);
        } catch (error) {
          this.#options.onError?.(error);
        }
      }
    });
  }
}
