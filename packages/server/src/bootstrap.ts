import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newId } from '@skyport/model';
import { sha256Hex, type Broker, type Store } from '@skyport/core';

export interface AdminToken {
  /** The token, when it is known (created now, or read back from its file). */
  readonly token?: string;
  readonly path: string;
  readonly createdNow: boolean;
}

/**
 * On first start (no tokens at all) creates the admin token, stores only its hash and writes
 * the token to `<data dir>/admin-token` with mode 0600.
 */
export async function ensureAdminToken(store: Store, dataDir: string, now: Date): Promise<AdminToken> {
  const path = join(dataDir, 'admin-token');
  if ((await store.tokens.list()).length > 0) {
    const token = existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined;
    return { ...(token === undefined ? {} : { token }), path, createdNow: false };
  }
  const token = `skp_${randomBytes(32).toString('base64url')}`;
  await store.tokens.insert({ id: newId('token'), name: 'admin', tokenHash: sha256Hex(token), role: 'admin', createdAt: now.toISOString(), expiresAt: null, lastUsedAt: null });
  writeFileSync(path, token + '\n', { mode: 0o600 });
  return { token, path, createdNow: true };
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
