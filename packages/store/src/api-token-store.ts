import type { ApiTokenRecord, ApiTokenStore } from '@skyport/core';
import { SkyportError } from '@skyport/model';
import type { Selectable } from 'kysely';
import type { ApiTokensTable } from './schema.js';
import type { StoreContext } from './store-context.js';
import { isUniqueViolation } from './store-errors.js';

type TokenFilter = Parameters<ApiTokenStore['list']>[0];

/**
 * Tokens are never removed: a revoked token stays listed (as revoked) and stays findable by
 * hash, so that the broker can tell "revoked" from "unknown" and the audit log's credential
 * ids keep pointing at something.
 */
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
          user_id: record.userId,
          tenant_id: record.tenantId,
          role: record.role,
          kind: record.kind,
          created_at: record.createdAt,
          expires_at: record.expiresAt,
          last_used_at: record.lastUsedAt,
          revoked_at: record.revokedAt,
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

  async get(id: string): Promise<ApiTokenRecord | undefined> {
    const row = await this.#ctx.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : fromRow(row);
  }

  /** Revoked and expired tokens are returned too; refusing them is the caller's decision. */
  async findByHash(tokenHash: string): Promise<ApiTokenRecord | undefined> {
    const row = await this.#ctx.db.selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return row === undefined ? undefined : fromRow(row);
  }

  /** Newest first (ties by id, descending); both filters together mean both must match. */
  async list(filter: TokenFilter = {}): Promise<ApiTokenRecord[]> {
    const rows = await this.#ctx.db
      .selectFrom('api_tokens')
      .selectAll()
      .$if(filter.userId !== undefined, (q) => q.where('user_id', '=', filter.userId!))
      .$if(filter.tenantId !== undefined, (q) => q.where('tenant_id', '=', filter.tenantId!))
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map(fromRow);
  }

  async touch(id: string, at: string): Promise<void> {
    await this.#ctx.db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
  }

  /**
   * Revoking twice keeps the first time: that is when the token stopped working. An unknown
   * id is NotFound, so that a caller revoking the wrong id learns of it.
   */
  async revoke(id: string, at: string): Promise<void> {
    const { numUpdatedRows } = await this.#ctx.db
      .updateTable('api_tokens')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirstOrThrow();
    if (numUpdatedRows === 0n && (await this.get(id)) === undefined) {
      throw new SkyportError('NotFound', `API token '${id}' does not exist`, { details: { id } });
    }
  }

  /** Revokes the user's tokens not revoked yet; a user without tokens is not an error. */
  async revokeByUser(userId: string, at: string): Promise<void> {
    await this.#ctx.db.updateTable('api_tokens').set({ revoked_at: at }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
  }
}

function fromRow(row: Selectable<ApiTokensTable>): ApiTokenRecord {
  return {
    id: row.id,
    name: row.name,
    tokenHash: row.token_hash,
    userId: row.user_id,
    tenantId: row.tenant_id,
    role: row.role as ApiTokenRecord['role'],
    kind: row.kind as ApiTokenRecord['kind'],
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}
