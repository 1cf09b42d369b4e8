import { SkyportError, newId, type Operation, type ResourceKind } from '@skyport/model';
import type { ClaimFence, Clock, EventBus, JobQueue, OperationRecord, Store } from '../ports/index.js';

export interface NewOperation {
  /** A pre-assigned id (an idempotency key is bound to it before the operation exists). */
  readonly id?: string;
  readonly type: string;
  readonly providerId: string;
  readonly targetKind: ResourceKind;
  readonly targetId: string;
  readonly input: Readonly<Record<string, unknown>>;
  readonly message: string;
}

export function operationView(record: OperationRecord): Operation {
  return {
    id: record.id,
    type: record.type,
    status: record.status,
    ...(record.providerId === null ? {} : { providerId: record.providerId }),
    ...(record.targetKind === null ? {} : { targetKind: record.targetKind }),
    ...(record.targetId === null ? {} : { targetId: record.targetId }),
    progress: record.progress,
    ...(record.message === null ? {} : { message: record.message }),
    ...(record.result === null ? {} : { result: record.result }),
    ...(record.error === null ? {} : { error: record.error }),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    ...(record.finishedAt === null ? {} : { finishedAt: record.finishedAt }),
  };
}

/** Durable operation records: every change is stored first, then published. */
export class OperationLog {
  constructor(
    private readonly store: Store,
    private readonly events: EventBus,
    private readonly clock: Clock,
    private readonly queue: JobQueue,
  ) {}

  async enqueue(op: NewOperation): Promise<Operation> {
    const now = this.clock.now().toISOString();
    const record: OperationRecord = {
      id: op.id ?? newId('operation'),
      type: op.type,
      status: 'queued',
      providerId: op.providerId,
      targetKind: op.targetKind,
      targetId: op.targetId,
      input: op.input,
      progress: 0,
      message: op.message,
      result: null,
      error: null,
      attempts: 0,
      lockedBy: null,
      createdAt: now,
      updatedAt: now,
      finishedAt: null,
    };
    await this.store.operations.insert(record);
    const view = operationView(record);
    this.events.publish({ type: 'operation.updated', operation: view });
    await this.queue.notify(record.id);
    return view;
  }

  async get(id: string): Promise<OperationRecord> {
    const record = await this.store.operations.get(id);
    if (!record) throw new SkyportError('NotFound', `operation ${id} does not exist`, { details: { operationId: id } });
    return record;
  }

  /** With `expect`, only while that claim still holds the operation (see OperationStore.update). */
  async update(id: string, patch: Partial<Omit<OperationRecord, 'id' | 'createdAt'>>, expect?: ClaimFence): Promise<OperationRecord> {
    const record = await this.store.operations.update(id, { ...patch, updatedAt: this.clock.now().toISOString() }, expect);
    this.events.publish({ type: 'operation.updated', operation: operationView(record) });
    return record;
  }
}
