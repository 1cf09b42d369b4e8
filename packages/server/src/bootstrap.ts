import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_TENANT_ID, newId, type Principal } from '@skyport/model';
import { sha256Hex, type Broker, type Store } from '@skyport/core';

export interface AdminToken {
  /** The token, when it is known (created now, or read back from its file). */
  readonly token?: string;
  readonly path: string;
  readonly createdNow: boolean;
  /** The first administrator, for what the broker does on its own behalf at start (seeding). */
  readonly principal: Principal;
}

/** Fixed ids, so a database upgraded from before tenancy and a new one agree. */
export { DEFAULT_TENANT_ID };
export const ADMIN_USER_ID = 'usr-00000000000000000';

/**
 * On first start creates the `default` tenant, the `admin` user (a system administrator) and
 * its API token; stores only the token's hash and writes the token to `<data dir>/admin-token`
 * with mode 0600.
 */
export async function ensureAdminToken(store: Store, dataDir: string, now: Date): Promise<AdminToken> {
  const path = join(dataDir, 'admin-token');
  const at = now.toISOString();
  if (!(await store.tenants.get(DEFAULT_TENANT_ID))) {
    await store.tenants.insert({ id: DEFAULT_TENANT_ID, name: 'default', quotas: {}, createdAt: at });
  }
  if (!(await store.users.get(ADMIN_USER_ID))) {
    await store.users.insert({ id: ADMIN_USER_ID, name: 'admin', passwordHash: null, systemAdmin: true, memberships: [{ tenantId: DEFAULT_TENANT_ID, role: 'admin' }], createdAt: at, deletedAt: null });
  }
  const principal: Principal = { userId: ADMIN_USER_ID, userName: 'admin', tenantId: DEFAULT_TENANT_ID, role: 'admin', systemAdmin: true, via: 'token', door: 'internal' };
  if ((await store.tokens.list()).length > 0) {
    const token = existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined;
    return { ...(token === undefined ? {} : { token }), path, createdNow: false, principal };
  }
  const token = `skp_${randomBytes(32).toString('base64url')}`;
  await store.tokens.insert({
    id: newId('token'),
    name: 'admin',
    tokenHash: sha256Hex(token),
    userId: ADMIN_USER_ID,
    tenantId: DEFAULT_TENANT_ID,
    role: 'admin',
    kind: 'api',
    createdAt: at,
    expiresAt: null,
    lastUsedAt: null,
    revokedAt: null,
  });
  writeFileSync(path, token + '\n', { mode: 0o600 });
  return { token, path, createdNow: true, principal };
}

/** The two simulated clouds a new user finds on first start. */
export const DEFAULT_SIM_CLOUDS = [
  { name: 'sim-east', region: 'us-east-1' },
  { name: 'sim-west', region: 'us-west-2' },
] as const;

export async function seedSimulatedClouds(broker: Broker): Promise<void> {
  for (const cloud of DEFAULT_SIM_CLOUDS) {
    await broker.providers.add({ name: cloud.name, driver: 'sim', region: cloud.region });
  }
}

/**
 * The host's own hypervisor, added on first start. Without QEMU it is still added, as
 * `unavailable` with the command that installs QEMU as its reason; its poller retries, so it
 * becomes available once QEMU is installed. Its skyport-tiny image builds in the background.
 */
export const LOCAL_CLOUD = { name: 'local', driver: 'qemu' } as const;

export async function seedLocalCloud(broker: Broker): Promise<void> {
  await broker.providers.add({ name: LOCAL_CLOUD.name, driver: LOCAL_CLOUD.driver }, { keepIfUnavailable: true });
}
