import { join } from 'node:path';
import { SkyportError, type Capabilities, type Provider } from '@skyport/model';
import type { CloudDriver, DriverFactory, ProviderRecord, Store, Vault } from './ports/index.js';
import type { Scope } from './scope.js';

export interface Connection {
  readonly record: ProviderRecord;
  readonly factory: DriverFactory;
  readonly driver: CloudDriver;
}

/** Another tenant's provider is reported exactly like a missing one. */
export function providerNotFound(idOrName: string): SkyportError {
  return new SkyportError('NotFound', `provider ${idOrName} does not exist; list providers with GET /api/v1/providers`, { details: { provider: idOrName } });
}

/** The folder a provider's driver keeps its files in; named after the provider, so it survives re-adding. */
export function providerDataDir(dataDir: string, providerName: string): string {
  return join(dataDir, 'providers', providerName);
}

/** The factory as one provider sees it: its capabilities narrowed to the provider's settings. */
export function factoryForProvider(factory: DriverFactory, settings: Readonly<Record<string, unknown>>): DriverFactory {
  if (factory.capabilitiesFor === undefined) return factory;
  return { ...factory, capabilities: factory.capabilitiesFor(settings) };
}

/** Provider lookups and live drivers; scoped versions see one tenant's providers only. */
export interface Connections {
  factoryFor(driverName: string): DriverFactory;
  /** Resolves a provider by id or name. */
  record(idOrName: string): Promise<ProviderRecord>;
  get(idOrName: string): Promise<Connection>;
  drop(providerId: string): Promise<void>;
  closeAll(): Promise<void>;
}

/** One live driver per provider, created on first use with its decrypted credentials. */
export class ProviderConnections implements Connections {
  readonly #cache = new Map<string, Connection>();

  constructor(
    private readonly store: Store,
    private readonly vault: Vault,
    private readonly drivers: ReadonlyMap<string, DriverFactory>,
    private readonly dataDir: string,
  ) {}

  factoryFor(driverName: string): DriverFactory {
    const factory = this.drivers.get(driverName);
    if (!factory) {
      throw new SkyportError('InvalidArgument', `unknown driver "${driverName}"; available drivers: ${[...this.drivers.keys()].join(', ')}`, {
        details: { field: 'driver', allowed: [...this.drivers.keys()] },
      });
    }
    return factory;
  }

  /** Resolves a provider by id or name. */
  async record(idOrName: string): Promise<ProviderRecord> {
    const record = (await this.store.providers.get(idOrName)) ?? (await this.store.providers.getByName(idOrName));
    if (!record) throw providerNotFound(idOrName);
    return record;
  }

  /** The same lookups, limited to one tenant's providers. */
  scoped(scope: Scope): Connections {
    const inner = this;
    return {
      factoryFor: (driverName) => inner.factoryFor(driverName),
      async record(idOrName) {
        const record = await inner.record(idOrName);
        if (!scope.owns(record)) throw providerNotFound(idOrName);
        return record;
      },
      async get(idOrName) {
        return inner.get((await this.record(idOrName)).id);
      },
      drop: (providerId) => inner.drop(providerId),
      closeAll: () => inner.closeAll(),
    };
  }

  async get(idOrName: string): Promise<Connection> {
    const cached = this.#cache.get(idOrName);
    if (cached) return cached;
    const record = await this.record(idOrName);
    const existing = this.#cache.get(record.id);
    if (existing) return existing;
    const factory = factoryForProvider(this.factoryFor(record.driver), record.settings);
    const driver = factory.create({
      providerId: record.id,
      name: record.name,
      ...(record.endpoint === null ? {} : { endpoint: record.endpoint }),
      ...(record.region === null ? {} : { region: record.region }),
      credentials: record.sealedCredentials === null ? {} : (JSON.parse(this.vault.open(record.sealedCredentials)) as Record<string, string>),
      settings: record.settings,
      dataDir: providerDataDir(this.dataDir, record.name),
    });
    const connection = { record, factory, driver };
    this.#cache.set(record.id, connection);
    return connection;
  }

  /** Forgets (and closes) a provider's driver. */
  async drop(providerId: string): Promise<void> {
    const connection = this.#cache.get(providerId);
    this.#cache.delete(providerId);
    await connection?.driver.close();
  }

  async closeAll(): Promise<void> {
    const all = [...this.#cache.values()];
    this.#cache.clear();
    await Promise.allSettled(all.map((c) => c.driver.close()));
  }
}

const NO_CAPABILITIES: Capabilities = { instances: { stopStart: false, reboot: false, userData: false, console: false, profileOverrides: false, keyPair: false } };

export function providerView(record: ProviderRecord, factory: DriverFactory | undefined): Provider & Pick<DriverFactory, 'capabilities' | 'behaviour'> {
  return {
    id: record.id,
    tenantId: record.tenantId,
    name: record.name,
    driver: record.driver,
    ...(record.endpoint === null ? {} : { endpoint: record.endpoint }),
    ...(record.region === null ? {} : { region: record.region }),
    settings: record.settings,
    status: record.status,
    ...(record.statusReason === null ? {} : { statusReason: record.statusReason }),
    createdAt: record.createdAt,
    ...(record.lastSyncAt === null ? {} : { lastSyncAt: record.lastSyncAt }),
    ...(record.lastSyncError === null ? {} : { lastSyncError: record.lastSyncError }),
    capabilities: factory === undefined ? NO_CAPABILITIES : factoryForProvider(factory, record.settings).capabilities,
    behaviour: factory?.behaviour ?? { createdStopped: false, stopDeletes: false, stopPreservesDisk: true },
  };
}
