import type { AccessKeyRecord, AccessKeyStore } from '@skyport/core';
import { SkyportError } from '@skyport/model';
import type { Selectable } from 'kysely';
import type { AccessKeysTable } from './schema.js';
import type { StoreContext } from './store-context.js';
import { isUniqueViolation } from './store-errors.js';
import { inWriteTransaction } from './transactions.js';

type AccessKeyFilter = Parameters<AccessKeyStore['list']>[0];

/** Like API tokens, access keys are revoked, never removed. */
export class SqlAccessKeyStore implements AccessKeyStore {
  readonly #ctx: StoreContext;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
  }

  async insert(record: AccessKeyRecord): Promise<void> {
    try {
      await this.#ctx.db.insertInto('access_keys').values(toRow(record)).execute();
    } catch (error) {
      // The id is public (it travels in every signed request); the secret is never named.
      if (isUniqueViolation(error)) {
        throw new SkyportError('AlreadyExists', `access key '${record.id}' already exists`, { cause: error, details: { id: record.id } });
      }
      throw error;
    }
  }

  /** Revoked keys are returned too; refusing them is the caller's decision. */
  async get(id: string): Promise<AccessKeyRecord | undefined> {
    const row = await this.#ctx.db.selectFrom('access_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : fromRow(row);
  }

  /** Newest first (ties by id, descending), revoked keys included, as API tokens. */
  async list(filter: AccessKeyFilter = {}): Promise<AccessKeyRecord[]> {
    const rows = await this.#ctx.db
      .selectFrom('access_keys')
      .selectAll()
      .$if(filter.userId !== undefined, (q) => q.where('user_id', '=', filter.userId!))
      .$if(filter.tenantId !== undefined, (q) => q.where('tenant_id', '=', filter.tenantId!))
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map(fromRow);
  }

  async touch(id: string, at: string): Promise<void> {
    await this.#ctx.db.updateTable('access_keys').set({ last_used_at: at }).where('id', '=', id).execute();
  }

  /** Revoking twice keeps the first time; an unknown id is NotFound. */
  async revoke(id: string, at: string): Promise<void> {
    const { numUpdatedRows } = await this.#ctx.db
      .updateTable('access_keys')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirstOrThrow();
    if (numUpdatedRows === 0n && (await this.get(id)) === undefined) {
      throw new SkyportError('NotFound', `access key '${id}' does not exist`, { details: { id } });
    }
  }

  /**
   * Re-seals every secret, revoked keys included (their secret is still sealed under the old
   * master key, which is about to go away), in one write transaction: all or, when `reseal`
   * throws, none. On PostgreSQL the rows are locked first so that a concurrent write waits.
   */
  async reseal(reseal: (sealed: string) => string): Promise<number> {
    const { dialect } = this.#ctx;
    return inWriteTransaction(this.#ctx.db, dialect, async (trx) => {
      const rows = await trx
        .selectFrom('access_keys')
        .select(['id', 'sealed_secret'])
        .orderBy('id')
        .$if(dialect === 'postgres', (q) => q.forUpdate())
        .execute();
      for (const row of rows) {
        await trx.updateTable('access_keys').set({ sealed_secret: reseal(row.sealed_secret) }).where('id', '=', row.id).execute();
      }
      return rows.length;
    });
  }
}

function toRow(record: AccessKeyRecord): AccessKeysTable {
  return {
    id: record.id,
    user_id: record.userId,
    tenant_id: record.tenantId,
    sealed_secret: record.sealedSecret,
    created_at: record.createdAt,
    last_used_at: record.lastUsedAt,
    revoked_at: record.revokedAt,
  };
}

function fromRow(row: Selectable<AccessKeysTable>): AccessKeyRecord {
  return {
    id: row.id,
    userId: row.user_id,
    tenantId: row.tenant_id,
    sealedSecret: row.sealed_secret,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}
