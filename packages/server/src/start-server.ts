import { mkdirSync } from 'node:fs';
import { pino, type Logger as PinoLogger } from 'pino';
import { DEFAULT_TUNING, createBroker, type BrokerService, type BrokerTuning } from '@skyport/core';
import { createApi, type ApiRateLimits } from '@skyport/api';
import { createEc2Api } from '@skyport/ec2';
import { createStore } from '@skyport/store';
import { simDriver } from '@skyport/driver-sim';
import { qemuDriver } from '@skyport/driver-qemu';
import { openstackDriver } from '@skyport/driver-openstack';
import { vsphereDriver } from '@skyport/driver-vsphere';
import { ec2Driver } from '@skyport/driver-ec2';
import { skyportDriver } from '@skyport/driver-skyport';
import { libvirtDriver } from '@skyport/driver-libvirt';
import { xenDriver } from '@skyport/driver-xen';
import { proxmoxDriver } from '@skyport/driver-proxmox';
import type { DriverFactory } from '@skyport/core';
import type { ServerConfig } from './config.js';
import { AesGcmVault } from './file-vault.js';
import { ensureAdminToken, seedLocalCloud, seedSimulatedClouds, type AdminToken } from './bootstrap.js';
import { VERSION } from './version.js';
import { createScaleOut, stableWorkerId, type ScaleOut } from './scale-out.js';
import { servePortal } from './serve-portal.js';

/** Every driver this broker build ships. The only place concrete drivers are named. */
export const DRIVERS: readonly DriverFactory[] = [simDriver, qemuDriver, skyportDriver, ec2Driver, vsphereDriver, libvirtDriver, openstackDriver, xenDriver, proxmoxDriver];

export interface RunningServer {
  readonly url: string;
  /** The EC2 Query API's endpoint (`aws ec2 --endpoint-url`). */
  readonly ec2Url: string;
  readonly broker: BrokerService;
  readonly adminToken: AdminToken;
  readonly logger: PinoLogger;
  close(): Promise<void>;
}

export interface StartOptions {
  readonly tuning?: Partial<BrokerTuning>;
  readonly rateLimits?: Partial<ApiRateLimits>;
  /** The built portal to serve at `/` (default: apps/portal/dist of this checkout). */
  readonly portalDir?: string;
  /** Called before pollers and job workers start, e.g. to follow events from the very first one. */
  readonly beforeStart?: (broker: BrokerService, adminToken: AdminToken) => void;
}

/** Composition root: config -> store, vault, drivers, broker, REST API; then listens. */
export async function startServer(config: ServerConfig, options: StartOptions = {}): Promise<RunningServer> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const logger = pino({ level: config.logLevel, redact: ['req.headers.authorization', '*.credentials', '*.secretAccessKey'] });
  const store = await createStore({ url: config.databaseUrl });
  let scaleOut: ScaleOut | undefined;
  try {
    await store.migrate();
    const vault = AesGcmVault.fromConfig(config.masterKey, config.dataDir);
    // On PostgreSQL: pg-boss jobs and LISTEN/NOTIFY events, so several brokers share the work.
    const workerId = stableWorkerId(config);
    const tuning = { ...(config.pollLeaseMs === undefined ? {} : { pollLeaseMs: config.pollLeaseMs }), ...options.tuning };
    scaleOut = await createScaleOut(config, store, DRIVERS, workerId, tuning.concurrency ?? DEFAULT_TUNING.concurrency, logger);
    const broker = createBroker({
      store,
      vault,
      drivers: DRIVERS,
      dataDir: config.dataDir,
      logger,
      workerId,
      tuning,
      ...(scaleOut === undefined ? {} : { queue: scaleOut.queue, events: scaleOut.events }),
    });
    const adminToken = await ensureAdminToken(store, config.dataDir, new Date());
    if (adminToken.createdNow && config.seedSimulatedClouds) await seedSimulatedClouds(broker.as(adminToken.principal));
    if (adminToken.createdNow && config.seedLocalCloud) await seedLocalCloud(broker.as(adminToken.principal));
    options.beforeStart?.(broker, adminToken);
    await broker.start();
    const app = await createApi({ service: broker, version: VERSION, ...(options.rateLimits === undefined ? {} : { rateLimits: options.rateLimits }), logger: logger.child({ component: 'api' }) });
    await servePortal(app, options.portalDir);
    const address = await app.listen({ host: config.host, port: config.port });
    const url = address.replace('[::1]', 'localhost');
    const ec2 = await createEc2Api({ service: broker, logger: logger.child({ component: 'ec2' }) });
    const ec2Url = (
      await ec2.listen({ host: config.host, port: config.ec2Port }).catch(async (error: unknown) => {
        await app.close();
        await broker.stop();
        throw error;
      })
    ).replace('[::1]', 'localhost');
    return {
      url,
      ec2Url,
      broker,
      adminToken,
      logger,
      async close() {
        await ec2.close();
        await app.close();
        await broker.stop();
        await scaleOut?.close();
        await store.close();
      },
    };
  } catch (error) {
    await scaleOut?.close().catch(() => undefined);
    await store.close();
    throw error;
  }
}
