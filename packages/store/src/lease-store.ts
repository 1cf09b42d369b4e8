import type { LeaseRecord, LeaseStore } from '@skyport/core';
import { SkyportError } from '@skyport/model';
import type { Selectable } from 'kysely';
import type { LeasesTable } from './schema.js';
import type { StoreContext } from './store-context.js';

function checkTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs < 1) throw new SkyportError('InvalidArgument', `a lease's ttl must be a positive number of milliseconds, not ${ttlMs}`);
}

/**
 * Leases as single rows changed by single statements, so two brokers racing for one lease are
 * decided by the database: an insert that meets an existing row takes it over only when that
 * row is expired or already the caller's (`on conflict ... do update ... where`).
 */
export class SqlLeaseStore implements LeaseStore {
  readonly #ctx: StoreContext;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
  }

  async acquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    checkTtl(ttlMs);
    const now = this.#ctx.clock.now();
    const at = now.toISOString();
    const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
    const row = await this.#ctx.db
      .insertInto('leases')
      .values({ name, holder, acquired_at: at, expires_at: expiresAt })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet((eb) => ({
            // A renewal by the holder keeps when it first took the lease.
            acquired_at: eb.case().when('leases.holder', '=', holder).then(eb.ref('leases.acquired_at')).else(eb.ref('excluded.acquired_at')).end(),
            holder: eb.ref('excluded.holder'),
            expires_at: eb.ref('excluded.expires_at'),
          }))
          .where((eb) => eb.or([eb('leases.holder', '=', holder), eb('leases.expires_at', '<=', at)])),
      )
      .returning('holder')
      .executeTakeFirst();
    return row?.holder === holder;
  }

  async renew(name: string, holder: string, ttlMs: number): Promise<boolean> {
    checkTtl(ttlMs);
    const expiresAt = new Date(this.#ctx.clock.now().getTime() + ttlMs).toISOString();
    const result = await this.#ctx.db.updateTable('leases').set({ expires_at: expiresAt }).where('name', '=', name).where('holder', '=', holder).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async release(name: string, holder: string): Promise<void> {
    await this.#ctx.db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
  }

  async get(name: string): Promise<LeaseRecord | undefined> {
    const row = await this.#ctx.db.selectFrom('leases').selectAll().where('name', '=', name).executeTakeFirst();
    return row === undefined ? undefined : fromRow(row);
  }

  async list(prefix: string): Promise<LeaseRecord[]> {
    // A range rather than LIKE: no escaping of `%` and `_` in names, and it uses the primary key.
    const rows = await this.#ctx.db
      .selectFrom('leases')
      .selectAll()
      .where('name', '>=', prefix)
      .where('name', '<', prefix + '\u{10FFFF}')
      .orderBy('name')
      .execute();
    return rows.map(fromRow);
  }
}

function fromRow(row: Selectable<LeasesTable>): LeaseRecord {
  return { name: row.name, holder: row.holder, acquiredAt: row.acquired_at, expiresAt: row.expires_at };
}
