import { rm, stat } from 'node:fs/promises';
import { SkyportError, newId, toSkyportError } from '@skyport/model';
import type { AddProviderOptions, AddProviderRequest, Broker, ProviderView, SyncStatus } from '../broker.js';
import type { BrokerContext } from '../context.js';
import type { ProviderPoller } from '../inventory/provider-poller.js';
import type { ProviderRecord } from '../ports/index.js';
import { providerDataDir, providerView } from '../provider-connections.js';

/** Provider names are used in URLs, CLI arguments and folder names. */
const PROVIDER_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export interface PollerRegistry {
  ensure(providerId: string): ProviderPoller;
  remove(providerId: string): Promise<void>;
  get(providerId: string): ProviderPoller | undefined;
}

export function providerService(ctx: BrokerContext, pollers: PollerRegistry): Broker['providers'] {
  const view = (record: ProviderRecord): ProviderView => providerView(record, ctx.drivers.get(record.driver));

  const syncStatus = (record: ProviderRecord): SyncStatus => {
    const status = pollers.get(record.id)?.status();
    return {
      providerId: record.id,
      ...(record.lastSyncAt === null ? {} : { lastSyncAt: record.lastSyncAt }),
      ...(record.lastSyncError === null ? {} : { lastSyncError: record.lastSyncError }),
      intervalMs: status?.intervalMs ?? 0,
      nextPollInMs: status ? Math.max(0, status.nextPollAt - Date.now()) : 0,
    };
  };

  return {
    async add(request: AddProviderRequest, options?: AddProviderOptions) {
      if (!PROVIDER_NAME.test(request.name)) {
        throw new SkyportError('InvalidArgument', `name "${request.name}" is not a valid provider name: use 1-63 lowercase letters, digits and '-', starting with a letter or digit`, {
          details: { field: 'name', allowed: PROVIDER_NAME.source },
        });
      }
      const factory = ctx.connections.factoryFor(request.driver);
      if (await ctx.store.providers.getByName(request.name)) {
        throw new SkyportError('AlreadyExists', `a provider named "${request.name}" already exists; choose another name or remove it first`, { details: { field: 'name' } });
      }
      const credentials = request.credentials ?? {};
      for (const field of factory.configFields) {
        const present = field.secret ? credentials[field.name] !== undefined : field.name === 'endpoint' ? request.endpoint !== undefined : field.name === 'region' ? request.region !== undefined : request.settings?.[field.name] !== undefined;
        if (field.required && !present) {
          throw new SkyportError('InvalidArgument', `driver ${factory.name} needs ${field.secret ? 'credentials.' : ''}${field.name}: ${field.description}`, { details: { field: field.name } });
        }
      }
      const known = new Set(factory.configFields.filter((f) => f.secret).map((f) => f.name));
      for (const name of Object.keys(credentials)) {
        if (!known.has(name)) {
          throw new SkyportError('InvalidArgument', `driver ${factory.name} takes no credential "${name}"; it takes: ${[...known].join(', ') || 'none'}`, { details: { field: `credentials.${name}`, allowed: [...known] } });
        }
      }
      const now = ctx.clock.now().toISOString();
      if (!ctx.scope) throw new SkyportError('Internal', 'a provider can only be added on behalf of a caller (it needs a tenant)');
      const record: ProviderRecord = {
        id: newId('provider'),
        tenantId: ctx.scope.tenantId,
        name: request.name,
        driver: factory.name,
        endpoint: request.endpoint ?? null,
        region: request.region ?? null,
        settings: request.settings ?? {},
        sealedCredentials: Object.keys(credentials).length === 0 ? null : ctx.vault.seal(JSON.stringify(credentials)),
        status: 'available',
        statusReason: null,
        createdAt: now,
        lastSyncAt: null,
        lastSyncError: null,
      };
      // Check the credentials before anything is stored: a provider that cannot connect is not added.
      const dataDir = providerDataDir(ctx.dataDir, record.name);
      const folderExisted = await stat(dataDir).then(() => true, () => false);
      const driver = factory.create({
        providerId: record.id,
        name: record.name,
        ...(request.endpoint === undefined ? {} : { endpoint: request.endpoint }),
        ...(request.region === undefined ? {} : { region: request.region }),
        credentials,
        settings: record.settings,
        dataDir,
      });
      let unavailableBecause: string | undefined;
      try {
        await driver.testConnection();
      } catch (raw) {
        const error = toSkyportError(raw);
        if (options?.keepIfUnavailable === true && error.code === 'ProviderUnavailable') {
          // Shown to the user as the provider's status reason (e.g. the command that installs QEMU).
          unavailableBecause = error.message;
        } else {
          await driver.close().catch(() => undefined);
          if (!folderExisted) await rm(dataDir, { recursive: true, force: true });
          throw new SkyportError(error.code === 'Unauthenticated' ? 'InvalidArgument' : error.code, `provider ${request.name} was not added: the connection test failed: ${error.message}`, {
            ...(error.providerCode === undefined ? {} : { providerCode: error.providerCode }),
            ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
            details: { field: 'credentials', cause: error.code },
          });
        }
      }
      await driver.close();
      const stored: ProviderRecord = unavailableBecause === undefined ? record : { ...record, status: 'unavailable', statusReason: unavailableBecause };
      await ctx.store.providers.insert(stored);
      ctx.scope.invalidate();
      const added = view(stored);
      ctx.events.publish({ type: 'provider.updated', provider: added });
      // The first sync runs in the background; `sync` waits for one when a caller needs it.
      pollers.ensure(record.id).start();
      return added;
    },

    list: async () => (await ctx.store.providers.list(ctx.scope?.tenantId)).map(view),
    get: async (idOrName) => view(await ctx.connections.record(idOrName)),

    async test(idOrName) {
      const { driver } = await ctx.connections.get(idOrName);
      const started = Date.now();
      try {
        await driver.testConnection();
        return { ok: true, latencyMs: Date.now() - started };
      } catch (raw) {
        const error = toSkyportError(raw);
        return { ok: false, latencyMs: Date.now() - started, error: { code: error.code, message: error.message } };
      }
    },

    async remove(idOrName) {
      const record = await ctx.connections.record(idOrName);
      await pollers.remove(record.id);
      await ctx.connections.drop(record.id);
      await ctx.store.resources.deleteByProvider(record.id);
      await ctx.store.providers.delete(record.id);
      ctx.scope?.invalidate();
      ctx.events.publish({ type: 'provider.deleted', providerId: record.id });
    },

    async sync(idOrName) {
      const record = await ctx.connections.record(idOrName);
      await pollers.ensure(record.id).syncNow();
      const after = await ctx.connections.record(record.id);
      // The poller clears lastSyncError on every successful sync, so a value here is this sync's failure.
      if (after.lastSyncError !== null) {
        throw new SkyportError('ProviderUnavailable', `sync of provider ${after.name} failed: ${after.lastSyncError}`, { details: { provider: after.name } });
      }
      return syncStatus(after);
    },

    syncStatus: async (idOrName) => syncStatus(await ctx.connections.record(idOrName)),
  };
}
