/**
 * A whole broker for the EC2 API's end-to-end tests: the real server (SQLite in a temp folder,
 * REST and EC2 on free loopback ports) with a fast `sim` provider and an access key for its
 * administrator — what a user has after `skyport access-key create`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Broker, CreatedAccessKey } from '@skyport/core';
import type { Principal } from '@skyport/model';
import { loadConfig, startServer, type RunningServer } from '@skyport/server';

/** Fast enough for tests, slow enough that transitional states are seen. */
export const FAST_SIM = { latencyMs: 1, transitionMs: 150 };
export const TUNING = { pollFastMs: 200, pollIdleMs: 1000, operationPollMs: 40, retryBaseDelayMs: 20 };

export interface Ec2TestBroker {
  readonly server: RunningServer;
  /** `http://127.0.0.1:<port>`: the `--endpoint-url`. */
  readonly endpoint: string;
  /** The sim provider's name: the `--region`. */
  readonly region: string;
  readonly key: CreatedAccessKey;
  /** The broker as the administrator, to arrange and check things outside EC2. */
  readonly admin: Broker;
  readonly dataDir: string;
  /** An access key of a viewer (read-only) in the same tenant. */
  viewerKey(): Promise<CreatedAccessKey>;
  close(): Promise<void>;
}

export async function startEc2Broker(options: { readonly region?: string; readonly settings?: Record<string, unknown> } = {}): Promise<Ec2TestBroker> {
  const dataDir = await mkdtemp(join(tmpdir(), 'skyport-ec2-'));
  const config = loadConfig({ SKYPORT_DATA_DIR: dataDir, SKYPORT_PORT: '0', SKYPORT_EC2_PORT: '0', SKYPORT_LOG_LEVEL: 'silent', SKYPORT_SEED_SIM: 'false', SKYPORT_SEED_LOCAL: 'false' });
  const server = await startServer(config, { tuning: TUNING });
  try {
    const principal = server.adminToken.principal;
    const admin = server.broker.as(principal);
    const region = options.region ?? 'fast';
    await admin.providers.add({ name: region, driver: 'sim', region: `${region}-1`, settings: { ...FAST_SIM, ...options.settings } });
    await admin.providers.sync(region);
    const key = await admin.accessKeys.create();
    return {
      server,
      endpoint: server.ec2Url,
      region,
      key,
      admin,
      dataDir,
      async viewerKey() {
        const user = await admin.users.create({ name: `viewer-${Date.now()}`, memberships: [{ tenantId: principal.tenantId, role: 'viewer' }] });
        const viewer: Principal = { userId: user.id, userName: user.name, tenantId: principal.tenantId, role: 'viewer', systemAdmin: false, via: 'token' };
        return server.broker.as(viewer).accessKeys.create();
      },
      async close() {
        await server.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await server.close();
    throw error;
  }
}
