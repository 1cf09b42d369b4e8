import { createHash } from 'node:crypto';
import type { Principal } from '@skyport/model';
import type { AuditRecord, Clock, Store } from '../ports/index.js';
import type { AuditEntry, AuditVerification } from '../broker.js';
import { canonicalJson } from '../util/hash.js';

export interface AuditEvent {
  readonly action: string;
  readonly target?: { readonly kind: string; readonly id: string };
  readonly tenantId: string | null;
  readonly result: 'success' | 'failure';
  readonly errorCode?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** The fields a hash covers: everything but the hash itself. */
function hashOf(record: Omit<AuditRecord, 'hash'>): string {
  return createHash('sha256').update(canonicalJson(record)).digest('hex');
}

export function auditView(record: AuditRecord): AuditEntry {
  return {
    seq: record.seq,
    at: record.at,
    tenantId: record.tenantId,
    actor: { userId: record.actorUserId, userName: record.actorName, via: record.via, ...(record.credentialId === null ? {} : { credentialId: record.credentialId }) },
    door: record.door,
    ...(record.address === null ? {} : { address: record.address }),
    action: record.action,
    ...(record.targetKind === null || record.targetId === null ? {} : { target: { kind: record.targetKind, id: record.targetId } }),
    result: record.result,
    ...(record.errorCode === null ? {} : { errorCode: record.errorCode }),
    hash: record.hash,
  };
}

/** Append-only, hash-chained: each entry's hash covers the previous entry's hash. */
export class AuditLog {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async record(principal: Principal, event: AuditEvent): Promise<AuditRecord> {
    const at = this.clock.now().toISOString();
    return this.store.audit.append((last) => {
      const entry: Omit<AuditRecord, 'hash'> = {
        seq: (last?.seq ?? 0) + 1,
        at,
        tenantId: event.tenantId,
        actorUserId: principal.userId,
        actorName: principal.userName,
        via: principal.via,
        credentialId: principal.credentialId ?? null,
        door: principal.door ?? 'internal',
        address: principal.address ?? null,
        action: event.action,
        targetKind: event.target?.kind ?? null,
        targetId: event.target?.id ?? null,
        result: event.result,
        errorCode: event.errorCode ?? null,
        details: event.details ?? null,
        prevHash: last?.hash ?? '',
      };
      return { ...entry, hash: hashOf(entry) };
    });
  }

  /** Recomputes every hash and link; numbering gaps reveal deletions. */
  async verify(): Promise<AuditVerification> {
    let previous: AuditRecord | undefined;
    let entries = 0;
    for (;;) {
      const batch = await this.store.audit.scan(previous?.seq ?? 0, 1000);
      if (batch.length === 0) return { ok: true, entries };
      for (const record of batch) {
        const expectedSeq = (previous?.seq ?? 0) + 1;
        if (record.seq !== expectedSeq) return { ok: false, entries, brokenAt: expectedSeq, reason: `entry ${expectedSeq} is missing (deleted)` };
        if (record.prevHash !== (previous?.hash ?? '')) return { ok: false, entries, brokenAt: record.seq, reason: `entry ${record.seq} does not link to entry ${expectedSeq - 1}` };
        const { hash, ...rest } = record;
        if (hashOf(rest) !== hash) return { ok: false, entries, brokenAt: record.seq, reason: `entry ${record.seq} was altered after it was written` };
        previous = record;
        entries++;
      }
    }
  }

  async *export(): AsyncIterable<string> {
    let after = 0;
    for (;;) {
      const batch = await this.store.audit.scan(after, 1000);
      if (batch.length === 0) return;
      for (const record of batch) yield JSON.stringify(record) + '\n';
      after = batch.at(-1)!.seq;
    }
  }
}
