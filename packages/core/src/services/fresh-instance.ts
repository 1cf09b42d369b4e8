import type { Instance } from '@skyport/model';
import type { BrokerContext } from '../context.js';
import type { ResourceRecord } from '../ports/index.js';

/**
 * Reads an instance from its provider and writes it to the inventory, so decisions that
 * depend on its state are made on the provider's current state, not a possibly stale cache.
 */
export async function freshInstance(ctx: BrokerContext, record: ResourceRecord): Promise<Instance> {
  const { driver } = await ctx.connections.get(record.providerId);
  const native = await driver.getInstance(record.nativeId);
  if (!native) {
    const gone = await ctx.inventory.patch(record, { state: 'terminated', data: { ...record.data, state: 'terminated', rawState: 'not found at provider' } });
    return gone.data as unknown as Instance;
  }
  return (await ctx.inventory.put(record.providerId, 'instance', native, record.id)).data as unknown as Instance;
}
