import type { LeaseStore } from '../ports/index.js';

/**
 * The right to poll one provider. Several brokers share a database; each runs a poller for
 * every provider, but only the lease holder polls, so a provider is listed once per interval
 * however many brokers run. The holder renews well before expiry; when it dies, the lease
 * expires and the next broker to check takes it over.
 */
export class PollerLease {
  #heldUntil = 0;

  constructor(
    private readonly leases: LeaseStore,
    readonly name: string,
    readonly holder: string,
    readonly ttlMs: number,
  ) {}

  /** How often the holder renews and non-holders check: a third of the ttl, so two renewals may fail before it lapses. */
  get checkEveryMs(): number {
    return Math.max(100, Math.floor(this.ttlMs / 3));
  }

  /** True while this broker holds the lease; takes or renews it when due. */
  async ensure(): Promise<boolean> {
    const now = Date.now();
    if (this.#heldUntil - now > this.ttlMs - this.checkEveryMs) return true;
    const held = await this.leases.acquire(this.name, this.holder, this.ttlMs);
    this.#heldUntil = held ? now + this.ttlMs : 0;
    return held;
  }

  get held(): boolean {
    return this.#heldUntil > Date.now();
  }

  /** Gives the lease up (clean stop), so another broker takes over without waiting for expiry. */
  async release(): Promise<void> {
    if (this.#heldUntil === 0) return;
    this.#heldUntil = 0;
    await this.leases.release(this.name, this.holder);
  }
}
