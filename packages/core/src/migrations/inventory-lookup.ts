import type { MigrationVmStatus, ResourceKind } from '@skyport/model';
import type { MigrationVmRecord, ResourceRecord, Store } from '../ports/index.js';

/**
 * Reads of one provider's inventory for planning, cached for the life of one request or step:
 * a plan of hundreds of VMs asks the same few questions (which profiles, which key pairs) for
 * each of them. The caller has already checked that the tenant owns the provider.
 */
export class InventoryLookup {
  readonly #all = new Map<string, Promise<ResourceRecord[]>>();
  readonly #migrationVms = new Map<string, Promise<MigrationVmRecord[]>>();

  constructor(private readonly store: Store) {}

  /** Every live record of a kind (kinds with few records: profiles, key pairs, groups, locations). */
  all(providerId: string, kind: ResourceKind): Promise<ResourceRecord[]> {
    const key = `${providerId}/${kind}`;
    let pending = this.#all.get(key);
    if (pending === undefined) {
      pending = this.#list(providerId, kind);
      this.#all.set(key, pending);
    }
    return pending;
  }

  async #list(providerId: string, kind: ResourceKind): Promise<ResourceRecord[]> {
    const items: ResourceRecord[] = [];
    for (let cursor: string | undefined; ; ) {
      const page = await this.store.resources.list({ kind, providerIds: [providerId], limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
      items.push(...page.items);
      if (page.nextCursor === undefined) return items;
      cursor = page.nextCursor;
    }
  }

  /** A record of the provider by broker id or by name. */
  async byIdOrName(providerId: string, kind: ResourceKind, value: string): Promise<ResourceRecord | undefined> {
    const all = await this.all(providerId, kind);
    return all.find((r) => r.id === value) ?? all.find((r) => r.name === value);
  }

  /** Records of any kind with exactly this name (instances and images: looked up, not listed whole). */
  async named(providerId: string, kind: ResourceKind, name: string): Promise<ResourceRecord[]> {
    if (name.includes('*')) return [];
    return (await this.store.resources.list({ kind, providerIds: [providerId], name, limit: 20 })).items;
  }

  /** VMs of every plan in these statuses (read once: a plan asks it for each of its VMs). */
  migrationVms(statuses: readonly MigrationVmStatus[]): Promise<MigrationVmRecord[]> {
    const key = statuses.join(',');
    let pending = this.#migrationVms.get(key);
    if (pending === undefined) {
      pending = this.store.migrations.listVms({ statuses });
      this.#migrationVms.set(key, pending);
    }
    return pending;
  }

  async get(id: string): Promise<ResourceRecord | undefined> {
    const record = await this.store.resources.get(id);
    return record === undefined || record.vanishedAt !== null ? undefined : record;
  }
}
