/** Tenant names for tenant ids in tables: ids are what the API returns, names what users type. */
import type { Quotas, SkyportClient } from '@skyport/client';

/**
 * A lookup from id to `name` for the tenants the caller can see (all of them for system
 * administrators, its own otherwise); an id it cannot see is shown as the id.
 */
export async function tenantNames(client: SkyportClient): Promise<(id: string | null | undefined) => string> {
  const names = new Map((await client.tenants.list().catch(() => [])).map((t) => [t.id, t.name]));
  return (id) => (id === null || id === undefined ? '' : (names.get(id) ?? id));
}

/** The quota keys, as the API names them and as `--quota` takes them. */
export const QUOTA_KEYS = ['instances', 'vcpus', 'memoryMiB', 'volumeGiB'] as const satisfies readonly (keyof Quotas)[];

/** `instances=10 vcpus=40`, or `unlimited` when no limit is set. */
export function formatQuotas(quotas: Quotas): string {
  const set = QUOTA_KEYS.filter((key) => quotas[key] !== undefined).map((key) => `${key}=${quotas[key]}`);
  return set.length === 0 ? 'unlimited' : set.join(' ');
}
