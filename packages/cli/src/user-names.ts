/** User names for user ids in tables (tokens, access keys): ids are what the API returns. */
import type { SkyportClient } from '@skyport/client';

/**
 * A lookup from id to name. Only admins see other users' credentials, and only they may list
 * users; everyone else sees their own, whose name whoami gives. An id that cannot be named is
 * shown as the id.
 */
export async function userNames(client: SkyportClient, userIds: Iterable<string>): Promise<(id: string) => string> {
  const ids = new Set(userIds);
  if (ids.size === 0) return (id) => id;
  if (ids.size === 1) {
    const me = await client.whoami();
    if (ids.has(me.userId)) return (id) => (id === me.userId ? me.userName : id);
  }
  // Names are a nicety: without the right to list users, the ids are shown.
  const names = new Map((await client.users.list().catch(() => [])).map((u) => [u.id, u.name]));
  return (id) => names.get(id) ?? id;
}
