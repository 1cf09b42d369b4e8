import type { ClaimFence, OperationQuery, OperationRecord, OperationStore, Page } from '@skyport/core';
import { SkyportError, type OperationStatus, type ResourceKind, type SkyportErrorJson } from '@skyport/model';
import type { Selectable, Updateable } from 'kysely';
import { checkLimit, decodeCursor, encodeCursor, invalidCursor } from './cursor.js';
import { parseJson, parseNullableJson } from './json.js';
import type { OperationsTable } from './schema.js';
import type { StoreContext } from './store-context.js';
import { isUniqueViolation } from './store-errors.js';
import { inWriteTransaction } from './transactions.js';

type OperationPatch = Parameters<OperationStore['update']>[1];

export class SqlOperationStore implements OperationStore {
  readonly #ctx: StoreContext;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
  }

  async insert(record: OperationRecord): Promise<void> {
    try {
      await this.#ctx.db.insertInto('operations').values(toRow(record)).execute();
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new SkyportError('AlreadyExists', `an operation with id '${record.id}' already exists`, { cause: error, details: { id: record.id } });
      }
      throw error;
    }
  }

  async get(id: string): Promise<OperationRecord | undefined> {
    const row = await this.#ctx.db.selectFrom('operations').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : fromRow(row);
  }

  /** Newest first by (createdAt, id); the cursor holds both of the last item. */
  async list(query: OperationQuery): Promise<Page<OperationRecord>> {
    checkLimit(query.limit);
    const after = query.cursor === undefined ? undefined : decodeOperationCursor(query.cursor);
    if (query.statuses?.length === 0 || query.types?.length === 0) return { items: [] };
    const statuses = query.statuses;
    const types = query.types;
    const rows = await this.#ctx.db
      .selectFrom('operations')
      .selectAll()
      .$if(statuses !== undefined, (q) => (statuses!.length === 1 ? q.where('status', '=', statuses![0]!) : q.where('status', 'in', statuses!)))
      .$if(types !== undefined, (q) => (types!.length === 1 ? q.where('type', '=', types![0]!) : q.where('type', 'in', types!)))
      .$if(query.providerId !== undefined, (q) => q.where('provider_id', '=', query.providerId!))
      .$if(query.targetId !== undefined, (q) => q.where('target_id', '=', query.targetId!))
      .$if(after !== undefined, (q) =>
        q.where((eb) => eb.or([eb('created_at', '<', after!.createdAt), eb.and([eb('created_at', '=', after!.createdAt), eb('id', '<', after!.id)])])),
      )
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(query.limit + 1)
      .execute();
    const items = rows.slice(0, query.limit).map(fromRow);
    if (rows.length <= query.limit) return { items };
    const last = items[items.length - 1]!;
    return { items, nextCursor: encodeCursor('op', JSON.stringify([last.createdAt, last.id])) };
  }

  async update(id: string, patch: OperationPatch, expect?: ClaimFence): Promise<OperationRecord> {
    const values = patchToRow(patch);
    const row =
      Object.keys(values).length === 0
        ? await this.#ctx.db
            .selectFrom('operations')
            .selectAll()
            .where('id', '=', id)
            .$if(expect !== undefined, (q) => q.where('locked_by', '=', expect!.lockedBy).where('attempts', '=', expect!.attempts))
            .executeTakeFirst()
        : await this.#ctx.db
            .updateTable('operations')
            .set(values)
            .where('id', '=', id)
            .$if(expect !== undefined, (q) => q.where('locked_by', '=', expect!.lockedBy).where('attempts', '=', expect!.attempts))
            .returningAll()
            .executeTakeFirst();
    if (row === undefined) {
      const current = expect === undefined ? undefined : await this.get(id);
      if (current === undefined) throw new SkyportError('NotFound', `operation '${id}' does not exist`, { details: { id } });
      throw new SkyportError(
        'InvalidState',
        `operation '${id}' is no longer held by ${expect!.lockedBy} (attempt ${expect!.attempts}); it is ${current.status}${current.lockedBy === null ? '' : ` under ${current.lockedBy}`} (attempt ${current.attempts})`,
        { details: { id, claimLost: true, status: current.status, lockedBy: current.lockedBy, attempts: current.attempts } },
      );
    }
    return fromRow(row);
  }

  async claim(id: string, workerId: string, now: string, options?: { readonly takeOver?: boolean }): Promise<OperationRecord | undefined> {
    const takeOver = options?.takeOver === true;
    // One conditional update: two workers claiming the same row are serialized by its row lock
    // (PostgreSQL) or the write lock (SQLite); the loser's condition no longer holds.
    const row = await this.#ctx.db
      .updateTable('operations')
      .set((eb) => ({ status: 'running', locked_by: workerId, attempts: eb('attempts', '+', 1), updated_at: now }))
      .where('id', '=', id)
      .where((eb) => (takeOver ? eb('status', 'in', ['queued', 'running']) : eb('status', '=', 'queued')))
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : fromRow(row);
  }

  /**
   * One statement picks and moves the oldest queued operation. On PostgreSQL `SKIP LOCKED`
   * lets concurrent workers take different rows instead of queueing on the same one; on
   * SQLite the write transaction is exclusive, so the pick cannot race.
   */
  async claimNext(workerId: string, now: string): Promise<OperationRecord | undefined> {
    const { dialect } = this.#ctx;
    const row = await inWriteTransaction(this.#ctx.db, dialect, (trx) =>
      trx
        .updateTable('operations')
        .set((eb) => ({ status: 'running', locked_by: workerId, attempts: eb('attempts', '+', 1), updated_at: now }))
        .where('id', '=', (eb) =>
          eb
            .selectFrom('operations')
            .select('id')
            .where('status', '=', 'queued')
            .orderBy('created_at')
            .orderBy('id')
            .limit(1)
            .$if(dialect === 'postgres', (q) => q.forUpdate().skipLocked()),
        )
        .where('status', '=', 'queued')
        .returningAll()
        .executeTakeFirst(),
    );
    return row === undefined ? undefined : fromRow(row);
  }

  async requeueRunning(workerIds?: readonly string[]): Promise<number> {
    if (workerIds?.length === 0) return 0;
    const result = await this.#ctx.db
      .updateTable('operations')
      .set({ status: 'queued', locked_by: null, updated_at: this.#ctx.clock.now().toISOString() })
      .where('status', '=', 'running')
      .$if(workerIds !== undefined, (q) => q.where('locked_by', 'in', workerIds!))
      .executeTakeFirstOrThrow();
    return Number(result.numUpdatedRows);
  }
}

function decodeOperationCursor(cursor: string): { createdAt: string; id: string } {
  const payload = decodeCursor('op', cursor);
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    throw invalidCursor(cursor);
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'string') throw invalidCursor(cursor);
  return { createdAt: parsed[0], id: parsed[1] };
}

function toRow(record: OperationRecord): OperationsTable {
  return {
    id: record.id,
    type: record.type,
    status: record.status,
    provider_id: record.providerId,
    target_kind: record.targetKind,
    target_id: record.targetId,
    input: JSON.stringify(record.input),
    progress: record.progress,
    message: record.message,
    result: record.result === null ? null : JSON.stringify(record.result),
    error: record.error === null ? null : JSON.stringify(record.error),
    attempts: record.attempts,
    locked_by: record.lockedBy,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    finished_at: record.finishedAt,
  };
}

function patchToRow(patch: OperationPatch): Updateable<OperationsTable> {
  const row: Updateable<OperationsTable> = {};
  if (patch.type !== undefined) row.type = patch.type;
  if (patch.status !== undefined) row.status = patch.status;
  if (patch.providerId !== undefined) row.provider_id = patch.providerId;
  if (patch.targetKind !== undefined) row.target_kind = patch.targetKind;
  if (patch.targetId !== undefined) row.target_id = patch.targetId;
  if (patch.input !== undefined) row.input = JSON.stringify(patch.input);
  if (patch.progress !== undefined) row.progress = patch.progress;
  if (patch.message !== undefined) row.message = patch.message;
  if (patch.result !== undefined) row.result = patch.result === null ? null : JSON.stringify(patch.result);
  if (patch.error !== undefined) row.error = patch.error === null ? null : JSON.stringify(patch.error);
  if (patch.attempts !== undefined) row.attempts = patch.attempts;
  if (patch.lockedBy !== undefined) row.locked_by = patch.lockedBy;
  if (patch.updatedAt !== undefined) row.updated_at = patch.updatedAt;
  if (patch.finishedAt !== undefined) row.finished_at = patch.finishedAt;
  return row;
}

function fromRow(row: Selectable<OperationsTable>): OperationRecord {
  return {
    id: row.id,
    type: row.type,
    status: row.status as OperationStatus,
    providerId: row.provider_id,
    targetKind: row.target_kind as ResourceKind | null,
    targetId: row.target_id,
    input: parseJson<Record<string, unknown>>(row.input),
    progress: Number(row.progress),
    message: row.message,
    result: parseNullableJson<Record<string, unknown>>(row.result),
    error: parseNullableJson<SkyportErrorJson>(row.error),
    attempts: Number(row.attempts),
    lockedBy: row.locked_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
  };
}
