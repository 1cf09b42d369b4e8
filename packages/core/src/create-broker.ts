import { SkyportError, type HardwareProfile, type Location, type Operation, type Principal } from '@skyport/model';
import type { Broker, BrokerService } from './broker.js';
import { DEFAULT_TUNING, silentLogger, type BrokerContext, type BrokerTuning, type Logger } from './context.js';
import { InventoryWriter } from './inventory/inventory-writer.js';
import { ProviderPoller } from './inventory/provider-poller.js';
import { PollerLease } from './inventory/poller-lease.js';
import { OperationLog, operationView } from './operations/operation-log.js';
import { runOperation } from './operations/run-operation.js';
import { systemClock, type Clock, type DiskConverter, type DriverFactory, type EventBus, type JobQueue, type OperationRecord, type Store, type Vault } from './ports/index.js';
import { ProviderConnections, providerView } from './provider-connections.js';
import { Scope, tenantEventFilter } from './scope.js';
import { AuditLog } from './security/audit-log.js';
import { authService } from './security/auth-service.js';
import { guarded } from './security/guard.js';
import { instanceService, keyPairService, snapshotService, tagService, volumeService } from './services/compute.js';
import { imageService } from './services/images.js';
import { MigrationEngine } from './migrations/migration-engine.js';
import { migrationService } from './migrations/migration-service.js';
import { applianceImports, instanceExports } from './services/appliances.js';
import { exportFileService } from './services/export-files.js';
import { sweepApplianceFiles } from './appliances/appliance-sweeper.js';
import { providerService, type PollerRegistry } from './services/providers.js';
import { listKind, recordOf } from './services/queries.js';
import { securityGroupService } from './services/security-groups.js';
import { tenancyServices } from './services/tenancy.js';
import { InMemoryEventBus } from './util/in-memory-event-bus.js';
import { KeyedMutex } from './util/keyed-mutex.js';
import { StoreJobQueue } from './util/store-job-queue.js';

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
  /** Disk conversion for migrations; default: qemu-img through @skyport/disk. */
  readonly diskConverter?: DiskConverter;
}

export function createBroker(deps: BrokerDependencies): BrokerService {
  const clock = deps.clock ?? systemClock;
  const events = deps.events ?? new InMemoryEventBus();
  const logger = deps.logger ?? silentLogger;
  const tuning = { ...DEFAULT_TUNING, ...deps.tuning };
  const workerId = deps.workerId ?? 'embedded';
  const queue = deps.queue ?? new StoreJobQueue({ store: deps.store, clock, workerId, concurrency: tuning.concurrency, onError: (err) => logger.error({ err }, 'job queue error') });
  const drivers = new Map(deps.drivers.map((d) => [d.name, d]));
  const locks = new KeyedMutex();
  const connections = new ProviderConnections(deps.store, deps.vault, drivers, deps.dataDir);
  const ctx: BrokerContext = {
    store: deps.store,
    clock,
    events,
    vault: deps.vault,
    queue,
    logger,
    tuning,
    drivers,
    connections,
    inventory: new InventoryWriter(deps.store, events, clock, locks),
    operations: new OperationLog(deps.store, events, clock, queue),
    locks,
    dataDir: deps.dataDir,
    audit: new AuditLog(deps.store, clock),
  };

  const pollerMap = new Map<string, ProviderPoller>();
  let started = false;
  const pollers: PollerRegistry = {
    ensure(providerId) {
      let poller = pollerMap.get(providerId);
      if (!poller) {
        poller = new ProviderPoller(ctx, providerId, new PollerLease(ctx.store.leases, `poll:${providerId}`, workerId, tuning.pollLeaseMs));
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
  let unwatchProviders: (() => void) | undefined;
  const migrationEngine = new MigrationEngine(ctx, { ...(deps.diskConverter === undefined ? {} : { converter: deps.diskConverter }), hurry });

  // Expired exports and what crashed operations left; often enough that an export is gone
  // soon after it expires, rarely enough to cost nothing.
  let sweeper: ReturnType<typeof setInterval> | undefined;
  const sweep = () => void sweepApplianceFiles(ctx).catch((err: unknown) => logger.warn({ err }, 'could not sweep appliance files'));

  /** The use cases with every lookup limited to the caller's tenant. */
  function scopedBroker(principal: Principal): Broker {
    const scope = new Scope(deps.store, principal);
    const sctx: BrokerContext = { ...ctx, scope, connections: connections.scoped(scope) };
    const operation = async (id: string): Promise<OperationRecord> => {
      const record = await sctx.store.operations.get(id);
      if (!record || record.providerId === null || !(await scope.ownsProvider(record.providerId))) {
        throw new SkyportError('NotFound', `operation ${id} does not exist`, { details: { operationId: id } });
      }
      return record;
    };
    return {
      drivers: {
        list: () => [...drivers.values()].map(({ name, description, capabilities, behaviour, configFields }) => ({ name, description, capabilities, behaviour, configFields })),
      },
      providers: providerService(sctx, pollers),
      locations: { list: (q) => listKind<Location>(sctx, 'location', q), get: async (id) => (await recordOf(sctx, 'location', id)).data as unknown as Location },
      hardwareProfiles: { list: (q) => listKind<HardwareProfile>(sctx, 'hardwareProfile', q), get: async (id) => (await recordOf(sctx, 'hardwareProfile', id)).data as unknown as HardwareProfile },
      images: { ...imageService(sctx, hurry), ...applianceImports(sctx, hurry) },
      securityGroups: securityGroupService(sctx),
      instances: { ...instanceService(sctx, hurry), ...instanceExports(sctx, hurry) },
      exports: exportFileService(sctx),
      keyPairs: keyPairService(sctx),
      volumes: volumeService(sctx, hurry),
      snapshots: snapshotService(sctx, hurry),
      tags: tagService(sctx),
      migrations: migrationService(sctx, migrationEngine),
      operations: {
        async list(query = {}) {
          if (query.providerId !== undefined) await sctx.connections.record(query.providerId);
          // The store pages by one provider at most; a tenant spans several, so other tenants'
          // operations are dropped here. A page may then hold fewer than `limit` items.
          const page = await sctx.store.operations.list({ ...query, limit: query.limit ?? 100 });
          const owned = await scope.providerIds();
          const items = page.items.filter((r) => r.providerId !== null && owned.includes(r.providerId)).map(operationView);
          return { items, ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) };
        },
        get: async (id) => operationView(await operation(id)),
        async waitFor(id, timeoutMs) {
          await operation(id);
          const deadline = Date.now() + timeoutMs;
          // Wake on the operation's own events; poll as a fallback (another process may run it).
          let wake: (() => void) | undefined;
          const unsubscribe = events.subscribe((e) => {
            if (e.type === 'operation.updated' && e.operation.id === id) wake?.();
          });
          try {
            for (;;) {
              const op = operationView(await ctx.operations.get(id));
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
      events: {
        subscribe(listener) {
          // Events are published before a subscriber could ask which tenant owns them: keep a set
          // of owned providers, filled now and kept current by provider events.
          const owned = new Set<string>();
          const mine = tenantEventFilter(owned, principal.tenantId);
          let ready = false;
          const early: Parameters<typeof listener>[0][] = [];
          const unsubscribe = events.subscribe((event) => {
            if (!ready) early.push(event);
            else if (mine(event)) listener(event);
          });
          void scope.providerIds().then((ids) => {
            for (const id of ids) owned.add(id);
            ready = true;
            for (const event of early.splice(0)) if (mine(event)) listener(event);
          });
          return unsubscribe;
        },
      },
      ...tenancyServices(sctx, principal),
      whoami: () => principal,
    };
  }

  return {
    as: (principal) => guarded(scopedBroker(principal), principal, ctx.audit, logger),
    auth: authService(ctx),
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
      // Providers added or removed through another broker on the same database (their events
      // arrive over the shared bus): this broker keeps a poller for each too, so it can take
      // over their polling lease when the holder dies.
      unwatchProviders = events.subscribe((event) => {
        if (event.type === 'provider.updated' && !pollerMap.has(event.provider.id) && drivers.has(event.provider.driver)) pollers.ensure(event.provider.id);
        else if (event.type === 'provider.deleted' && pollerMap.has(event.providerId)) void pollers.remove(event.providerId);
      });
      await queue.start((operationId, signal) => migrationEngine.run(operationId, signal, () => runOperation(ctx, operationId, signal, hurry)));
      await migrationEngine.start();
      sweep();
      sweeper = setInterval(sweep, Math.max(1000, Math.min(tuning.exportRetentionMs / 2, 60 * 60_000)));
      sweeper.unref();
    },
    async stop() {
      unwatchProviders?.();
      if (sweeper !== undefined) clearInterval(sweeper);
      sweeper = undefined;
      await Promise.all([...pollerMap.values()].map((p) => p.stop()));
      await migrationEngine.stop();
      await queue.stop();
      await migrationEngine.releaseAll();
      await connections.closeAll();
    },
  };
}
