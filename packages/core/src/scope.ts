import type { BrokerEvent, Principal } from '@skyport/model';
import type { ProviderRecord, Store } from './ports/index.js';

/**
 * The tenant a call acts in. Every resource belongs to a provider and every provider to a
 * tenant, so scoping is one question: does the tenant own this provider? Something of another
 * tenant is reported exactly like something that does not exist, so ids cannot be probed.
 */
export class Scope {
  #providerIds: Promise<Set<string>> | undefined;

  constructor(
    private readonly store: Store,
    readonly principal: Principal,
  ) {}

  get tenantId(): string {
    return this.principal.tenantId;
  }

  /** The tenant's providers, read once per scope (one request). */
  async providerIds(): Promise<string[]> {
    return [...(await this.#load())];
  }

  async ownsProvider(providerId: string): Promise<boolean> {
    return (await this.#load()).has(providerId);
  }

  owns(record: ProviderRecord): boolean {
    return record.tenantId === this.tenantId;
  }

  /** Forget the cached provider list (after adding or removing a provider). */
  invalidate(): void {
    this.#providerIds = undefined;
  }

  #load(): Promise<Set<string>> {
    this.#providerIds ??= this.store.providers.list(this.tenantId).then((list) => new Set(list.map((p) => p.id)));
    return this.#providerIds;
  }
}

/**
 * Filters the event stream to one tenant. Long-lived (an SSE connection), so it follows
 * provider events to learn about providers added or removed while it listens.
 */
export function tenantEventFilter(owned: Set<string>, tenantId: string): (event: BrokerEvent) => boolean {
  return (event) => {
    switch (event.type) {
      case 'provider.updated':
        if (event.provider.tenantId !== tenantId) return false;
        owned.add(event.provider.id);
        return true;
      case 'provider.deleted': {
        const mine = owned.has(event.providerId);
        owned.delete(event.providerId);
        return mine;
      }
      case 'operation.updated':
        return event.operation.providerId !== undefined && owned.has(event.operation.providerId);
      default:
        return owned.has(event.providerId);
    }
  };
}
