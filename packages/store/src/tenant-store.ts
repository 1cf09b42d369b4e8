import type { QuotaRecord, TenantRecord, TenantStore } from '@skyport/core';
import { SkyportError } from '@skyport/model';
import type { Selectable, Updateable } from 'kysely';
import { parseJson } from './json.js';
import type { TenantsTable } from './schema.js';
import type { StoreContext } from './store-context.js';
import { isUniqueViolation } from './store-errors.js';

type TenantPatch = Parameters<TenantStore['update']>[1];

export class SqlTenantStore implements TenantStore {
  readonly #ctx: StoreContext;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
  }

  async insert(record: TenantRecord): Promise<void> {
    try {
      await this.#ctx.db
        .insertInto('tenants')
        .values({ id: record.id, name: record.name, quotas: JSON.stringify(record.quotas), created_at: record.createdAt })
        .execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw await this.#conflict(record.id, record.name, error);
      throw error;
    }
  }

  async get(id: string): Promise<TenantRecord | undefined> {
    const row = await this.#ctx.db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : fromRow(row);
  }

  async getByName(name: string): Promise<TenantRecord | undefined> {
    const row = await this.#ctx.db.selectFrom('tenants').selectAll().where('name', '=', name).executeTakeFirst();
    return row === undefined ? undefined : fromRow(row);
  }

  /** By name. */
  async list(): Promise<TenantRecord[]> {
    const rows = await this.#ctx.db.selectFrom('tenants').selectAll().orderBy('name').execute();
    return rows.map(fromRow);
  }

  /** `quotas` replaces the whole quota set (an absent limit becomes unlimited). */
  async update(id: string, patch: TenantPatch): Promise<void> {
    const values: Updateable<TenantsTable> = {};
    if (patch.name !== undefined) values.name = patch.name;
    if (patch.quotas !== undefined) values.quotas = JSON.stringify(patch.quotas);
    if (Object.keys(values).length === 0) {
      if ((await this.get(id)) === undefined) throw notFound(id);
      return;
    }
    let changed: bigint;
    try {
      ({ numUpdatedRows: changed } = await this.#ctx.db.updateTable('tenants').set(values).where('id', '=', id).executeTakeFirstOrThrow());
    } catch (error) {
      if (isUniqueViolation(error) && patch.name !== undefined) throw await this.#conflict(id, patch.name, error);
      throw error;
    }
    if (changed === 0n) throw notFound(id);
  }

  /** Names the key that is taken: the name (the usual case) or the id. */
  async #conflict(id: string, name: string, cause: unknown): Promise<SkyportError> {
    const holder = await this.getByName(name);
    if (holder !== undefined && holder.id !== id) {
      return new SkyportError('AlreadyExists', `a tenant named '${name}' already exists; choose another name`, {
        cause,
        details: { field: 'name', name, existingId: holder.id },
      });
    }
    return new SkyportError('AlreadyExists', `a tenant with id '${id}' already exists`, { cause, details: { field: 'id', id } });
  }
}

function notFound(id: string): SkyportError {
  return new SkyportError('NotFound', `tenant '${id}' does not exist`, { details: { id } });
}

function fromRow(row: Selectable<TenantsTable>): TenantRecord {
  return { id: row.id, name: row.name, quotas: parseJson<QuotaRecord>(row.quotas), createdAt: row.created_at };
}
