import type { ProviderRecord, ProviderStore } from '@skyport/core';
import { SkyportError, type ProviderStatus } from '@skyport/model';
import type { Selectable, Updateable } from 'kysely';
import { parseJson } from './json.js';
import type { ProvidersTable } from './schema.js';
import type { StoreContext } from './store-context.js';
import { isUniqueViolation } from './store-errors.js';
import { inWriteTransaction } from './transactions.js';

type ProviderPatch = Parameters<ProviderStore['update']>[1];

export class SqlProviderStore implements ProviderStore {
  readonly #ctx: StoreContext;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
  }

  async insert(record: ProviderRecord): Promise<void> {
    try {
      await this.#ctx.db.insertInto('providers').values(toRow(record)).execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw await this.#conflict(record.id, record.name, error);
      throw error;
    }
  }

  async get(id: string): Promise<ProviderRecord | undefined> {
    const row = await this.#ctx.db.selectFrom('providers').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : fromRow(row);
  }

  async getByName(name: string): Promise<ProviderRecord | undefined> {
    const row = await this.#ctx.db.selectFrom('providers').selectAll().where('name', '=', name).executeTakeFirst();
    return row === undefined ? undefined : fromRow(row);
  }

  /** By name (unique across tenants, so the order is total). */
  async list(tenantId?: string): Promise<ProviderRecord[]> {
    const rows = await this.#ctx.db
      .selectFrom('providers')
      .selectAll()
      .$if(tenantId !== undefined, (q) => q.where('tenant_id', '=', tenantId!))
      .orderBy('name')
      .execute();
    return rows.map(fromRow);
  }

  async update(id: string, patch: ProviderPatch): Promise<void> {
    const values = patchToRow(patch);
    if (Object.keys(values).length === 0) {
      if ((await this.get(id)) === undefined) throw notFound(id);
      return;
    }
    let changed: bigint;
    try {
      ({ numUpdatedRows: changed } = await this.#ctx.db.updateTable('providers').set(values).where('id', '=', id).executeTakeFirstOrThrow());
    } catch (error) {
      if (isUniqueViolation(error) && patch.name !== undefined) throw await this.#conflict(id, patch.name, error);
      throw error;
    }
    if (changed === 0n) throw notFound(id);
  }

  async delete(id: string): Promise<void> {
    await this.#ctx.db.deleteFrom('providers').where('id', '=', id).execute();
  }

  /** Names the key that is taken: the name (the usual case) or the id. */
  async #conflict(id: string, name: string, cause: unknown): Promise<SkyportError> {
    const holder = await this.getByName(name);
    if (holder !== undefined && holder.id !== id) {
      return new SkyportError('AlreadyExists', `a provider named '${name}' already exists; choose another name or update that provider`, {
        cause,
        details: { field: 'name', name, existingId: holder.id },
      });
    }
    return new SkyportError('AlreadyExists', `a provider with id '${id}' already exists`, { cause, details: { field: 'id', id } });
  }
}

function notFound(id: string): SkyportError {
  return new SkyportError('NotFound', `provider '${id}' does not exist`, { details: { id } });
}

function toRow(record: ProviderRecord): ProvidersTable {
  return {
    id: record.id,
    tenant_id: record.tenantId,
    name: record.name,
    driver: record.driver,
    endpoint: record.endpoint,
    region: record.region,
    settings: JSON.stringify(record.settings),
    sealed_credentials: record.sealedCredentials,
    status: record.status,
    status_reason: record.statusReason,
    created_at: record.createdAt,
    last_sync_at: record.lastSyncAt,
    last_sync_error: record.lastSyncError,
  };
}

function patchToRow(patch: ProviderPatch): Updateable<ProvidersTable> {
  const row: Updateable<ProvidersTable> = {};
  if (patch.tenantId !== undefined) row.tenant_id = patch.tenantId;
  if (patch.name !== undefined) row.name = patch.name;
  if (patch.driver !== undefined) row.driver = patch.driver;
  if (patch.endpoint !== undefined) row.endpoint = patch.endpoint;
  if (patch.region !== undefined) row.region = patch.region;
  if (patch.settings !== undefined) row.settings = JSON.stringify(patch.settings);
  if (patch.sealedCredentials !== undefined) row.sealed_credentials = patch.sealedCredentials;
  if (patch.status !== undefined) row.status = patch.status;
  if (patch.statusReason !== undefined) row.status_reason = patch.statusReason;
  if (patch.lastSyncAt !== undefined) row.last_sync_at = patch.lastSyncAt;
  if (patch.lastSyncError !== undefined) row.last_sync_error = patch.lastSyncError;
  return row;
}

function fromRow(row: Selectable<ProvidersTable>): ProviderRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    driver: row.driver,
    endpoint: row.endpoint,
    region: row.region,
    settings: parseJson<Record<string, unknown>>(row.settings),
    sealedCredentials: row.sealed_credentials,
    status: row.status as ProviderStatus,
    statusReason: row.status_reason,
    createdAt: row.created_at,
    lastSyncAt: row.last_sync_at,
    lastSyncError: row.last_sync_error,
  };
}

/**
 * Re-seals every provider's credentials in one write transaction (master key rotation): either
 * all move to the new key or, when `reseal` throws, none. Providers without credentials are
 * skipped and not counted. On PostgreSQL the rows are locked first, so an update racing the
 * rotation waits and cannot be overwritten with a value re-sealed from its old credentials.
 */
export async function resealProviderCredentials(ctx: StoreContext, reseal: (sealed: string) => string): Promise<number> {
  return inWriteTransaction(ctx.db, ctx.dialect, async (trx) => {
    const rows = await trx
      .selectFrom('providers')
      .select(['id', 'sealed_credentials'])
      .where('sealed_credentials', 'is not', null)
      .orderBy('id')
      .$if(ctx.dialect === 'postgres', (q) => q.forUpdate())
      .execute();
    for (const row of rows) {
      await trx.updateTable('providers').set({ sealed_credentials: reseal(row.sealed_credentials!) }).where('id', '=', row.id).execute();
    }
    return rows.length;
  });
}
