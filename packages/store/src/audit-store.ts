import type { AuditRecord, AuditStore, Page } from '@skyport/core';
import { SkyportError } from '@skyport/model';
import { sql, type Insertable, type Selectable } from 'kysely';
import { checkLimit, decodeCursor, encodeCursor, invalidCursor } from './cursor.js';
import { parseNullableJson } from './json.js';
import type { AuditLogTable } from './schema.js';
import type { StoreContext } from './store-context.js';
import { inWriteTransaction } from './transactions.js';

type AuditBuild = Parameters<AuditStore['append']>[0];
type AuditListQuery = Parameters<AuditStore['list']>[0];

/**
 * Key of the PostgreSQL advisory lock that serializes appenders across processes ('skyaudit'
 * in ASCII). An advisory lock rather than LOCK TABLE: it needs no privilege on the table, so
 * the broker's role may be limited to SELECT and INSERT on audit_log.
 */
const APPEND_LOCK_KEY = '8316874596358056308';

export class SqlAuditStore implements AuditStore {
  readonly #ctx: StoreContext;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
  }

  /**
   * Reads the last entry and inserts `build(last)` in one write transaction, which only one
   * appender at a time may hold: BEGIN IMMEDIATE on SQLite (the database's single write lock),
   * a transaction-level advisory lock on PostgreSQL (released by commit or rollback). The
   * built entry must continue the chain (seq = last.seq + 1, prevHash = last.hash, or 1 and ''
   * for the first); anything else is refused before it is written.
   */
  async append(build: AuditBuild): Promise<AuditRecord> {
    const { dialect } = this.#ctx;
    return inWriteTransaction(this.#ctx.db, dialect, async (trx) => {
      // Taken before the read: under READ COMMITTED the next statement's snapshot then sees
      // the previous holder's committed entry.
      if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${APPEND_LOCK_KEY}::bigint)`.execute(trx);
      const lastRow = await trx.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
      const last = lastRow === undefined ? undefined : { seq: Number(lastRow.seq), hash: lastRow.hash };
      const record = build(last);
      const seq = (last?.seq ?? 0) + 1;
      const prevHash = last?.hash ?? '';
      if (record.seq !== seq || record.prevHash !== prevHash) {
        throw new SkyportError(
          'InvalidArgument',
          `audit entry ${String(record.seq)} does not continue the log: the next entry must have seq ${seq} and prevHash '${prevHash}' (build must use the last entry it is given)`,
          { details: { expectedSeq: seq, seq: record.seq } },
        );
      }
      await trx.insertInto('audit_log').values(toRow(record)).execute();
      return record;
    });
  }

  /** Newest first; the cursor holds the seq of the page's last entry. */
  async list(query: AuditListQuery): Promise<Page<AuditRecord>> {
    checkLimit(query.limit);
    const before = query.cursor === undefined ? undefined : decodeSeqCursor(query.cursor);
    const rows = await this.#ctx.db
      .selectFrom('audit_log')
      .selectAll()
      .$if(query.tenantId !== undefined, (q) => q.where('tenant_id', '=', query.tenantId!))
      .$if(before !== undefined, (q) => q.where('seq', '<', before!))
      .orderBy('seq', 'desc')
      .limit(query.limit + 1)
      .execute();
    const items = rows.slice(0, query.limit).map(fromRow);
    if (rows.length <= query.limit) return { items };
    return { items, nextCursor: encodeCursor('audit', String(items[items.length - 1]!.seq)) };
  }

  /** Oldest first from `afterSeq` (0 for the start); `limit` as for lists, 1..1000. */
  async scan(afterSeq: number, limit: number): Promise<AuditRecord[]> {
    checkLimit(limit);
    if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) {
      throw new SkyportError('InvalidArgument', `afterSeq ${String(afterSeq)} is not valid; use 0 for the start or the seq of the last entry already read`, {
        details: { field: 'afterSeq' },
      });
    }
    const rows = await this.#ctx.db.selectFrom('audit_log').selectAll().where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
    return rows.map(fromRow);
  }
}

function decodeSeqCursor(cursor: string): number {
  const payload = decodeCursor('audit', cursor);
  const seq = /^[1-9][0-9]{0,15}$/.test(payload) ? Number(payload) : NaN;
  if (!Number.isSafeInteger(seq)) throw invalidCursor(cursor);
  return seq;
}

function toRow(record: AuditRecord): Insertable<AuditLogTable> {
  return {
    seq: record.seq,
    at: record.at,
    tenant_id: record.tenantId,
    actor_user_id: record.actorUserId,
    actor_name: record.actorName,
    via: record.via,
    credential_id: record.credentialId,
    door: record.door,
    address: record.address,
    action: record.action,
    target_kind: record.targetKind,
    target_id: record.targetId,
    result: record.result,
    error_code: record.errorCode,
    details: record.details === null ? null : JSON.stringify(record.details),
    prev_hash: record.prevHash,
    hash: record.hash,
  };
}

function fromRow(row: Selectable<AuditLogTable>): AuditRecord {
  return {
    seq: Number(row.seq),
    at: row.at,
    tenantId: row.tenant_id,
    actorUserId: row.actor_user_id,
    actorName: row.actor_name,
    via: row.via,
    credentialId: row.credential_id,
    door: row.door,
    address: row.address,
    action: row.action,
    targetKind: row.target_kind,
    targetId: row.target_id,
    result: row.result as AuditRecord['result'],
    errorCode: row.error_code,
    details: parseNullableJson<Record<string, unknown>>(row.details),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
