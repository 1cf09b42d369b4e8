import { SkyportError, type Operation } from '@skyport/model';
import type { Broker } from './broker.js';
import { DEFAULT_TUNING, silentLogger, type BrokerContext, type BrokerTuning, type Logger } from './context.js';
import { InventoryWriter } from './inventory/inventory-writer.js';
import { ProviderPoller } from './inventory/provider-poller.js';
import { OperationLog, operationView } from './operations/operation-log.js';
import { runOperation } from './operations/run-operation.js';
import { systemClock, type Clock, type DriverFactory, type EventBus, type JobQueue, type Store, type Vault } from './ports/index.js';
import { ProviderConnections, providerView } from './provider-connections.js';
import { instanceService, keyPairService, snapshotService, tagService, volumeService } from './services/compute.js';
import { providerService, type PollerRegistry } from './services/providers.js';
import { listKind, recordOf } from './services/queries.js';
import { sha256Hex } from './util/hash.js';
import { InMemoryEventBus } from './util/in-memory-event-bus.js';
import { KeyedMutex } from './util/keyed-mutex.js';
import { StoreJobQueue } from './util/store-job-queue.js';
import type { HardwareProfile, Image, Location } from '@skyport/model';

export interface BrokerDependencies {
  readonly store: Store;
  readonly drivers: readonly DriverFactory[];
  readonly vault: Vault;
  /** Folder for drivers' files (each provider gets `providers/<name>` in it). */
  readonly dataDir: string;
  readonly clock?: Clock;
  readonly events?: EventBus;
  /** Defaults to the embedded queue over the store. */
  readonly queue?: JobQueue;
  /** Stable per process: operations it held when it crashed are resumed by the same id. */
  readonly workerId?: string;
  readonly logger?: Logger;
  readonly tuning?: Partial<BrokerTuning>;
}

/** Records when a token was last used at most this often, to keep reads cheap. */
const TOKEN_TOUCH_INTERVAL_MS = 60_000;

export function createBroker(deps: BrokerDependencies): Broker {
  const clock = deps.clock ?? systemClock;
  const events = deps.events ?? new InMemoryEventBus();
  const logger = deps.logger ?? silentLogger;
  const tuning = { ...DEFAULT_TUNING, ...deps.tuning };
  const queue = deps.queue ?? new StoreJobQueue({ store: deps.store, clock, workerId: deps.workerId ?? 'embedded', concurrency: tuning.concurrency, onError: (err) => logger.error({ err }, 'job queue error') });
  const drivers = new Map(deps.drivers.map((d) => [d.name, d]));
  const locks = new KeyedMutex();
  const ctx: BrokerContext = {
    store: deps.store,
    clock,
    events,
    vault: deps.vault,
    queue,
    logger,
    tuning,
    drivers,
    connections: new ProviderConnections(deps.store, deps.vault, drivers, deps.dataDir),
    inventory: new InventoryWriter(deps.store, events, clock, locks),
    operations: new OperationLog(deps.store, events, clock, queue),
    locks,
    dataDir: deps.dataDir,
  };

  const pollerMap = new Map<string, ProviderPoller>();
  let started = false;
  const pollers: PollerRegistry = {
    ensure(providerId) {
      let poller = pollerMap.get(providerId);
      if (!poller) {
        poller = new ProviderPoller(ctx, providerId);
        pollerMap.set(providerId, poller);
        if (started) poller.start();
      }
      return poller;
    },
    async remove(providerId) {
      const poller = pollerMap.get(providerId);
      pollerMap.delete(providerId);
      await poller?.stop();
    },
    get: (providerId) => pollerMap.get(providerId),
  };
  const hurry = (providerId: string): void => pollerMap.get(providerId)?.hurry();
  const lastTouched = new Map<string, number>();

  const broker: Broker = {
    drivers: {
      list: () => [...drivers.values()].map(({ name, description, capabilities, behaviour, configFields }) => ({ name, description, capabilities, behaviour, configFields })),
    },
    providers: providerService(ctx, pollers),
    locations: { list: (q) => listKind<Location>(ctx, 'location', q), get: async (id) => (await recordOf(ctx, 'location', id)).data as unknown as Location },
    hardwareProfiles: { list: (q) => listKind<HardwareProfile>(ctx, 'hardwareProfile', q), get: async (id) => (await recordOf(ctx, 'hardwareProfile', id)).data as unknown as HardwareProfile },
    images: { list: (q) => listKind<Image>(ctx, 'image', q), get: async (id) => (await recordOf(ctx, 'image', id)).data as unknown as Image },
    instances: instanceService(ctx, hurry),
    keyPairs: keyPairService(ctx),
    volumes: volumeService(ctx, hurry),
    snapshots: snapshotService(ctx, hurry),
    tags: tagService(ctx),
    operations: {
      async list(query = {}) {
        const page = await ctx.store.operations.list({ limit: query.limit ?? 100, ...query });
        return { items: page.items.map(operationView), ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) };
      },
      get: async (id) => operationView(await ctx.operations.get(id)),
      async waitFor(id, timeoutMs) {
        const deadline = Date.now() + timeoutMs;
        // Wake on the operation's own events; poll as a fallback (another process may run it).
        let wake: (() => void) | undefined;
        const unsubscribe = events.subscribe((e) => {
          if (e.type === 'operation.updated' && e.operation.id === id) wake?.();
        });
        try {
          for (;;) {
            const op: Operation = operationView(await ctx.operations.get(id));
            if (op.status === 'succeeded' || op.status === 'failed' || op.status === 'cancelled') return op;
            const left = deadline - Date.now();
            if (left <= 0) {
              throw new SkyportError('Timeout', `operation ${id} is still ${op.status} (${op.progress}%) after ${Math.round(timeoutMs / 1000)} s`, { details: { status: op.status, progress: op.progress } });
            }
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, Math.min(left, 1000));
              wake = () => {
                clearTimeout(timer);
                resolve();
              };
            });
          }
        } finally {
          unsubscribe();
        }
      },
    },
    events: { subscribe: (listener) => events.subscribe(listener) },
    auth: {
      async authenticate(token) {
        const record = token.length > 0 ? await ctx.store.tokens.findByHash(sha256Hex(token)) : undefined;
        const now = clock.now();
        if (!record) throw new SkyportError('Unauthenticated', 'the API token is not valid');
        if (record.expiresAt !== null && record.expiresAt <= now.toISOString()) throw new SkyportError('Unauthenticated', `the API token "${record.name}" expired at ${record.expiresAt}`);
        if (now.getTime() - (lastTouched.get(record.id) ?? 0) > TOKEN_TOUCH_INTERVAL_MS) {
          lastTouched.set(record.id, now.getTime());
          await ctx.store.tokens.touch(record.id, now.toISOString());
        }
        return { tokenId: record.id, role: record.role };
      },
    },
    async start() {
      if (started) return;
      started = true;
      for (const record of await ctx.store.providers.list()) {
        if (!drivers.has(record.driver)) {
          const patch = { status: 'unavailable' as const, statusReason: `driver "${record.driver}" is not installed in this broker` };
          await ctx.store.providers.update(record.id, patch);
          events.publish({ type: 'provider.updated', provider: providerView({ ...record, ...patch }, undefined) });
          continue;
        }
        pollers.ensure(record.id).start();
      }
      await queue.start((operationId, signal) => runOperation(ctx, operationId, signal, hurry));
    },
    async stop() {
      await Promise.all([...pollerMap.values()].map((p) => p.stop()));
      await queue.stop();
      await ctx.connections.closeAll();
    },
  };
  return broker;
}
