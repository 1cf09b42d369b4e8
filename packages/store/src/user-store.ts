import type { UserRecord, UserStore } from '@skyport/core';
import { SkyportError } from '@skyport/model';
import { sql, type Selectable, type Updateable } from 'kysely';
import { parseJson } from './json.js';
import type { UsersTable } from './schema.js';
import type { StoreContext } from './store-context.js';
import { isUniqueViolation } from './store-errors.js';

type UserPatch = Parameters<UserStore['update']>[1];

/**
 * Users are never removed, only marked deleted: their name stays taken and their id stays
 * meaningful in the audit log. `get` and `getByName` return deleted users too (with
 * `deletedAt` set); `list` leaves them out.
 */
export class SqlUserStore implements UserStore {
  readonly #ctx: StoreContext;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
  }

  async insert(record: UserRecord): Promise<void> {
    try {
      await this.#ctx.db.insertInto('users').values(toRow(record)).execute();
    } catch (error) {
      if (isUniqueViolation(error)) {
        const holder = await this.getByName(record.name);
        if (holder !== undefined && holder.id !== record.id) {
          throw new SkyportError('AlreadyExists', `a user named '${record.name}' already exists${holder.deletedAt === null ? '' : ' (deleted; its name stays reserved)'}; choose another name`, {
            cause: error,
            details: { field: 'name', name: record.name, existingId: holder.id },
          });
        }
        throw new SkyportError('AlreadyExists', `a user with id '${record.id}' already exists`, { cause: error, details: { field: 'id', id: record.id } });
      }
      throw error;
    }
  }

  async get(id: string): Promise<UserRecord | undefined> {
    const row = await this.#ctx.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : fromRow(row);
  }

  async getByName(name: string): Promise<UserRecord | undefined> {
    const row = await this.#ctx.db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
    return row === undefined ? undefined : fromRow(row);
  }

  /** By name; with a tenant, the users with a membership in it (system admins are not implied). */
  async list(tenantId?: string): Promise<UserRecord[]> {
    const { dialect } = this.#ctx;
    const member =
      tenantId === undefined
        ? undefined
        : dialect === 'postgres'
          ? sql<boolean>`users.memberships::jsonb @> ${JSON.stringify([{ tenantId }])}::jsonb`
          : sql<boolean>`exists (select 1 from json_each(users.memberships) as m where json_extract(m.value, '$.tenantId') = ${tenantId})`;
    const rows = await this.#ctx.db
      .selectFrom('users')
      .selectAll()
      .where('deleted_at', 'is', null)
      .$if(member !== undefined, (q) => q.where(member!))
      .orderBy('name')
      .execute();
    return rows.map(fromRow);
  }

  async update(id: string, patch: UserPatch): Promise<void> {
    const values: Updateable<UsersTable> = {};
    if (patch.passwordHash !== undefined) values.password_hash = patch.passwordHash;
    if (patch.memberships !== undefined) values.memberships = JSON.stringify(patch.memberships);
    if (patch.systemAdmin !== undefined) values.system_admin = patch.systemAdmin ? 1 : 0;
    if (patch.deletedAt !== undefined) values.deleted_at = patch.deletedAt;
    if (Object.keys(values).length === 0) {
      if ((await this.get(id)) === undefined) throw notFound(id);
      return;
    }
    const { numUpdatedRows } = await this.#ctx.db.updateTable('users').set(values).where('id', '=', id).executeTakeFirstOrThrow();
    if (numUpdatedRows === 0n) throw notFound(id);
  }
}

function notFound(id: string): SkyportError {
  return new SkyportError('NotFound', `user '${id}' does not exist`, { details: { id } });
}

function toRow(record: UserRecord): UsersTable {
  return {
    id: record.id,
    name: record.name,
    password_hash: record.passwordHash,
    system_admin: record.systemAdmin ? 1 : 0,
    memberships: JSON.stringify(record.memberships),
    created_at: record.createdAt,
    deleted_at: record.deletedAt,
  };
}

function fromRow(row: Selectable<UsersTable>): UserRecord {
  return {
    id: row.id,
    name: row.name,
    passwordHash: row.password_hash,
    systemAdmin: Number(row.system_admin) === 1,
    memberships: parseJson<UserRecord['memberships']>(row.memberships),
    createdAt: row.created_at,
    deletedAt: row.deleted_at,
  };
}
