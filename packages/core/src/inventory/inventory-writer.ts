import { SkyportError, newId, type ResourceKind } from '@skyport/model';
import type { EventBus, ResourceRecord, Store, SyncResult, Clock } from '../ports/index.js';
import type { KeyedMutex } from '../util/keyed-mutex.js';
import { UNRESOLVED_PREFIX, stateOf, tagsOf, toBrokerEntity, type AnyNative } from './resource-mapper.js';

/**
 * The only writer of the inventory cache. Assigns broker ids to native resources (serialized
 * per provider, so a poll and a user action never give one resource two ids), writes records
 * and publishes what changed.
 */
export class InventoryWriter {
  constructor(
    private readonly store: Store,
    private readonly events: EventBus,
    private readonly clock: Clock,
    private readonly locks: KeyedMutex,
  ) {}

  /** Replaces the inventory of one kind in one provider with a fresh listing. */
  async sync(providerId: string, kind: ResourceKind, natives: readonly AnyNative[]): Promise<SyncResult> {
    return this.locks.run(providerId, async () => {
      const now = this.clock.now().toISOString();
      const records = await this.#toRecords(providerId, kind, natives, now);
      const result = await this.store.resources.sync(providerId, kind, records, now);
      if (result.created.length + result.updated.length + result.vanished.length > 0) {
        const byId = new Map(records.map((r) => [r.id, r]));
        for (const id of result.created) this.events.publish({ type: 'resource.created', kind, providerId, id, resource: byId.get(id)?.data });
        for (const id of result.updated) this.events.publish({ type: 'resource.updated', kind, providerId, id, resource: byId.get(id)?.data });
        for (const id of result.vanished) this.events.publish({ type: 'resource.deleted', kind, providerId, id });
      }
      return result;
    });
  }

  /**
   * Writes one resource as just read from the provider. `id` forces the broker id (an
   * operation announces the id of what it creates before the provider has answered).
   */
  async put(providerId: string, kind: ResourceKind, native: AnyNative, id?: string): Promise<ResourceRecord> {
    return this.locks.run(providerId, async () => {
      // The lock above serializes this process only: another broker's poll may insert the same
      // native resource between the read and the write below (AlreadyExists). Read again and
      // redo, so the same rules apply to what it wrote.
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.#put(providerId, kind, native, id);
        } catch (error) {
          if (attempt >= 3 || !(error instanceof SkyportError && error.code === 'AlreadyExists')) throw error;
        }
      }
    });
  }

  async #put(providerId: string, kind: ResourceKind, native: AnyNative, id?: string): Promise<ResourceRecord> {
    const now = this.clock.now().toISOString();
    let existing = await this.store.resources.getByNativeId(providerId, kind, native.nativeId);
    if (existing && id !== undefined && existing.id !== id) {
      // A poll listed the new resource before its operation wrote it and gave it another id.
      // The operation's id was announced to the user first, so it wins.
      await this.store.resources.delete(existing.id);
      this.events.publish({ type: 'resource.deleted', kind, providerId, id: existing.id });
      existing = undefined;
    }
    const [record] = await this.#toRecords(providerId, kind, [native], now, id ?? existing?.id);
    if (!record) throw new Error('unreachable: one native record gives one record');
    const merged: ResourceRecord = { ...record, createdAt: existing?.createdAt ?? now };
    const changed =
      !existing ||
      existing.vanishedAt !== null ||
      existing.state !== merged.state ||
      existing.name !== merged.name ||
      JSON.stringify(existing.tags) !== JSON.stringify(merged.tags) ||
      JSON.stringify(existing.data) !== JSON.stringify(merged.data);
    if (existing && !changed) return existing;
    await this.store.resources.put(merged);
    this.events.publish({ type: existing ? 'resource.updated' : 'resource.created', kind, providerId, id: merged.id, resource: merged.data });
    return merged;
  }

  /** Writes a known record with a change the provider already accepted (e.g. tags). */
  async patch(record: ResourceRecord, change: Partial<Pick<ResourceRecord, 'tags' | 'state' | 'data'>>): Promise<ResourceRecord> {
    return this.locks.run(record.providerId, async () => {
      const updated: ResourceRecord = { ...record, ...change, updatedAt: this.clock.now().toISOString() };
      await this.store.resources.put(updated);
      this.events.publish({ type: 'resource.updated', kind: record.kind, providerId: record.providerId, id: record.id, resource: updated.data });
      return updated;
    });
  }

  async remove(record: ResourceRecord): Promise<void> {
    await this.locks.run(record.providerId, async () => {
      await this.store.resources.delete(record.id);
      this.events.publish({ type: 'resource.deleted', kind: record.kind, providerId: record.providerId, id: record.id });
    });
  }

  async #toRecords(
    providerId: string,
    kind: ResourceKind,
    natives: readonly AnyNative[],
    now: string,
    forcedId?: string,
  ): Promise<ResourceRecord[]> {
    // Pass 1: collect every native id referenced, per kind, to resolve each kind in one query.
    const wanted = new Map<ResourceKind, Set<string>>();
    const collect = (refKind: ResourceKind, nativeId: string): string => {
      let set = wanted.get(refKind);
      if (!set) wanted.set(refKind, (set = new Set()));
      set.add(nativeId);
      return '';
    };
    for (const native of natives) toBrokerEntity(kind, '', providerId, native, collect);
    const resolved = new Map<ResourceKind, Map<string, string>>();
    for (const [refKind, ids] of wanted) resolved.set(refKind, await this.store.resources.idsForNativeIds(providerId, refKind, [...ids]));

    const own = forcedId === undefined ? await this.store.resources.idsForNativeIds(providerId, kind, natives.map((n) => n.nativeId)) : new Map<string, string>();
    const ref = (refKind: ResourceKind, nativeId: string): string => resolved.get(refKind)?.get(nativeId) ?? `${UNRESOLVED_PREFIX}${nativeId}`;

    return natives.map((native) => {
      const id = forcedId ?? own.get(native.nativeId) ?? newId(kind);
      return {
        id,
        providerId,
        kind,
        nativeId: native.nativeId,
        name: native.name,
        state: stateOf(kind, native),
        tags: tagsOf(native),
        data: toBrokerEntity(kind, id, providerId, native, ref),
        createdAt: now,
        updatedAt: now,
        vanishedAt: null,
      };
    });
  }
}
