import type { ApiTokenRecord, ApiTokenStore } from '@skyport/core';
import { SkyportError } from '@skyport/model';
import type { Selectable } from 'kysely';
import type { ApiTokensTable } from './schema.js';
import type { StoreContext } from './store-context.js';
import { isUniqueViolation } from './store-errors.js';

export class SqlApiTokenStore implements ApiTokenStore {
  readonly #ctx: StoreContext;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
  }

  async insert(record: ApiTokenRecord): Promise<void> {
    try {
      await this.#ctx.db
        .insertInto('api_tokens')
        .values({
          id: record.id,
          name: record.name,
          token_hash: record.tokenHash,
          role: record.role,
          created_at: record.createdAt,
          expires_at: record.expiresAt,
          last_used_at: record.lastUsedAt,
        })
        .execute();
    } catch (error) {
      // The hash is not named: it identifies a secret.
      if (isUniqueViolation(error)) {
        throw new SkyportError('AlreadyExists', `API token '${record.id}' (or one with the same token) already exists`, { cause: error, details: { id: record.id } });
      }
      throw error;
    }
  }

  async findByHash(tokenHash: string): Promise<ApiTokenRecord | undefined> {
    const row = await this.#ctx.db.selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return row === undefined ? undefined : fromRow(row);
  }

  async list(): Promise<ApiTokenRecord[]> {
    const rows = await this.#ctx.db.selectFrom('api_tokens').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows.map(fromRow);
  }

  async touch(id: string, at: string): Promise<void> {
    await this.#ctx.db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.#ctx.db.deleteFrom('api_tokens').where('id', '=', id).execute();
  }
}

function fromRow(row: Selectable<ApiTokensTable>): ApiTokenRecord {
  return {
    id: row.id,
    name: row.name,
    tokenHash: row.token_hash,
    role: row.role as ApiTokenRecord['role'],
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
  };
}
