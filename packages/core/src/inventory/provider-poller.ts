import { isTransitional, toSkyportError, type InstanceState, type ResourceKind } from '@skyport/model';
import type { BrokerContext } from '../context.js';
import type { CloudDriver } from '../ports/index.js';
import { providerView } from '../provider-connections.js';
import { withRetry } from '../util/retry.js';
import type { PollerLease } from './poller-lease.js';
import type { AnyNative } from './resource-mapper.js';

/**
 * Listing order matters: referenced kinds first, so references resolve to broker ids.
 * `lister` gives undefined for an optional kind the driver does not have; that kind is skipped.
 */
const SYNC_ORDER: readonly { kind: ResourceKind; lister: (d: CloudDriver) => (() => Promise<AnyNative[]>) | undefined }[] = [
  { kind: 'location', lister: (d) => () => d.listLocations() },
  { kind: 'hardwareProfile', lister: (d) => () => d.listHardwareProfiles() },
  { kind: 'image', lister: (d) => () => d.listImages() },
  { kind: 'keyPair', lister: (d) => () => d.listKeyPairs() },
  // Before instances: they refer to their groups.
  { kind: 'securityGroup', lister: (d) => d.listSecurityGroups?.bind(d) },
  { kind: 'instance', lister: (d) => () => d.listInstances() },
  { kind: 'snapshot', lister: (d) => () => d.listSnapshots() },
  { kind: 'volume', lister: (d) => () => d.listVolumes() },
];

const TRANSITIONAL_OTHER = new Set(['creating', 'attaching', 'detaching', 'deleting', 'pending']);

export interface PollerStatus {
  readonly intervalMs: number;
  readonly nextPollAt: number;
}

/**
 * Keeps one provider's inventory fresh. The interval adapts: fast while anything is in a
 * transitional state or just changed, slowly growing to the idle interval when nothing moves,
 * backing off exponentially while the provider fails. Requests for a sync while one runs are
 * coalesced into the next one.
 */
export class ProviderPoller {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #queued: Promise<void> | undefined;
  #intervalMs: number;
  #nextPollAt = 0;
  #failures = 0;
  #stopped = false;

  /**
   * With a lease, scheduled polls run only while this broker holds it (several brokers share
   * a database); `syncNow` from a user always runs: the store serializes concurrent syncs of a
   * provider, so a sync asked of a non-holder is safe, merely one more listing.
   */
  constructor(
    private readonly ctx: BrokerContext,
    readonly providerId: string,
    private readonly lease?: PollerLease,
  ) {
    this.#intervalMs = ctx.tuning.pollFastMs;
  }

  start(): void {
    this.#schedule(0);
  }

  /** Stops polling and waits for a sync in flight, so nobody calls a driver after it is closed. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running?.catch(() => undefined);
    await this.lease?.release().catch(() => undefined);
  }

  /** Runs a sync that starts after this call (joining one already queued); resolves when done. */
  syncNow(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (!this.#running) return this.#run();
    this.#queued ??= this.#running.then(() => {
      this.#queued = undefined;
      return this.#run();
    });
    return this.#queued;
  }

  /** Asks for a quicker next poll, e.g. after a user action. */
  hurry(): void {
    this.#intervalMs = this.ctx.tuning.pollFastMs;
    if (this.#nextPollAt - Date.now() > this.#intervalMs) this.#schedule(this.#intervalMs);
  }

  status(): PollerStatus {
    return { intervalMs: this.#intervalMs, nextPollAt: this.#nextPollAt };
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#nextPollAt = Date.now() + delayMs;
    // A lease holder wakes at least every checkEveryMs to renew; a non-holder to look whether it is free.
    this.#arm(this.lease ? Math.min(delayMs, this.lease.checkEveryMs) : delayMs);
  }

  #arm(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tick(), delayMs);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    if (this.#stopped) return;
    if (this.lease) {
      const wasHeld = this.lease.held;
      const held = await this.lease.ensure().catch((error: unknown) => {
        this.ctx.logger.warn({ providerId: this.providerId, err: error instanceof Error ? error.message : String(error) }, 'poller lease check failed');
        return false;
      });
      if (held !== wasHeld) this.ctx.logger.info({ providerId: this.providerId, holder: this.lease.holder, lease: this.lease.name }, held ? 'poller lease taken: this broker polls the provider' : 'poller lease lost: another broker polls the provider');
      if (this.#stopped) return;
      if (!held) return this.#arm(this.lease.checkEveryMs);
      const wait = this.#nextPollAt - Date.now();
      // Just taken over: the previous holder's schedule is unknown, so poll now.
      if (wait > 0 && wasHeld) return this.#arm(Math.min(wait, this.lease.checkEveryMs));
    }
    void this.syncNow();
  }

  #run(): Promise<void> {
    const run = this.#syncOnce().finally(() => {
      this.#running = undefined;
      this.#schedule(this.#intervalMs);
    });
    this.#running = run;
    return run;
  }

  async #syncOnce(): Promise<void> {
    const { ctx } = this;
    const { tuning } = ctx;
    let record;
    try {
      record = await ctx.store.providers.get(this.providerId);
      if (!record) {
        this.#stopped = true;
        return;
      }
      const { driver } = await ctx.connections.get(this.providerId);
      let changes = 0;
      let moving = false;
      for (const { kind, lister } of SYNC_ORDER) {
        const list = lister(driver);
        if (list === undefined) continue;
        const natives = await withRetry(list, {
          attempts: 3,
          baseDelayMs: tuning.retryBaseDelayMs,
          maxDelayMs: 5_000,
          clock: ctx.clock,
        });
        const result = await ctx.inventory.sync(this.providerId, kind, natives);
        changes += result.created.length + result.updated.length + result.vanished.length;
        moving ||= natives.some((n) => {
          const state = (n as { state?: string }).state;
          return state !== undefined && (kind === 'instance' ? isTransitional(state as InstanceState) : TRANSITIONAL_OTHER.has(state));
        });
      }
      this.#failures = 0;
      // Fast while things move; after a quiet poll, stretch the interval towards idle.
      this.#intervalMs = moving || changes > 0 ? tuning.pollFastMs : Math.min(tuning.pollIdleMs, Math.round(this.#intervalMs * 2));
      const patch = { status: 'available' as const, statusReason: null, lastSyncAt: ctx.clock.now().toISOString(), lastSyncError: null };
      await ctx.store.providers.update(this.providerId, patch);
      ctx.events.publish({ type: 'provider.updated', provider: providerView({ ...record, ...patch }, ctx.drivers.get(record.driver)) });
    } catch (raw) {
      const error = toSkyportError(raw);
      this.#failures++;
      this.#intervalMs = Math.min(tuning.pollMaxBackoffMs, tuning.pollFastMs * 2 ** this.#failures);
      ctx.logger.warn({ providerId: this.providerId, code: error.code, err: error.message }, 'inventory sync failed');
      if (!record) return;
      const unreachable = error.code === 'ProviderUnavailable' || error.code === 'Timeout' || error.code === 'Unauthenticated';
      const patch = {
        lastSyncError: `${error.code}: ${error.message}`,
        ...(unreachable ? { status: 'unavailable' as const, statusReason: error.message } : {}),
      };
      await ctx.store.providers.update(this.providerId, patch).catch(() => undefined);
      ctx.events.publish({ type: 'provider.updated', provider: providerView({ ...record, ...patch }, ctx.drivers.get(record.driver)) });
    }
  }
}
