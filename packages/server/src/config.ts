import { isAbsolute, join, resolve } from 'node:path';
import { SkyportError } from '@skyport/model';

/** Everything the broker reads from its environment, validated once at start. */
export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  /** Port of the EC2 Query API (`SKYPORT_EC2_PORT`; default 8773 as Eucalyptus, or 0 when `port` is 0); 0 picks a free one. */
  readonly ec2Port: number;
  readonly dataDir: string;
  /** `postgres://...` or a SQLite file path. */
  readonly databaseUrl: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Base64 of 32 bytes; when absent a key file in the data dir is used (created on first start). */
  readonly masterKey?: string;
  /** Create the two simulated clouds on first start. */
  readonly seedSimulatedClouds: boolean;
  /** Add the `local` provider (this host's QEMU) on first start. */
  readonly seedLocalCloud: boolean;
  /** `SKYPORT_WORKER_ID`: names this broker's claims; default kept in `<data dir>/worker-id` (see scale-out.ts). */
  readonly workerId?: string;
  /** `SKYPORT_JOB_EXPIRY_SECONDS` (PostgreSQL): a job attempt older than this is retried on another broker; default 300. */
  readonly jobExpirySeconds: number;
  /** `SKYPORT_POLL_LEASE_MS`: lifetime of a provider's poller lease; default 15000. */
  readonly pollLeaseMs?: number;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ServerConfig {
  const host = env['SKYPORT_HOST'] ?? '127.0.0.1';
  const rawPort = env['SKYPORT_PORT'] ?? '8080';
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65535) {
    throw new SkyportError('InvalidArgument', `SKYPORT_PORT "${rawPort}" is not a port number (0-65535)`, { details: { field: 'SKYPORT_PORT' } });
  }
  // A broker told to pick a free REST port (tests, benchmarks, several brokers on one host)
  // picks a free EC2 port too, unless told otherwise; else it takes the Eucalyptus port.
  const rawEc2Port = env['SKYPORT_EC2_PORT'] ?? (port === 0 ? '0' : '8773');
  const ec2Port = Number(rawEc2Port);
  if (!/^\d+$/.test(rawEc2Port) || ec2Port > 65535) {
    throw new SkyportError('InvalidArgument', `SKYPORT_EC2_PORT "${rawEc2Port}" is not a port number (0-65535)`, { details: { field: 'SKYPORT_EC2_PORT' } });
  }
  const rawDir = env['SKYPORT_DATA_DIR'] ?? '.skyport';
  const dataDir = isAbsolute(rawDir) ? rawDir : resolve(cwd, rawDir);
  const databaseUrl = env['SKYPORT_DATABASE_URL'] ?? join(dataDir, 'skyport.db');
  const logLevel = env['SKYPORT_LOG_LEVEL'] ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new SkyportError('InvalidArgument', `SKYPORT_LOG_LEVEL "${logLevel}" is not one of ${LOG_LEVELS.join(', ')}`, { details: { field: 'SKYPORT_LOG_LEVEL' } });
  }
  const masterKey = env['SKYPORT_MASTER_KEY'];
  return {
    host,
    port,
    ec2Port,
    dataDir,
    databaseUrl,
    logLevel: logLevel as ServerConfig['logLevel'],
    ...(masterKey === undefined ? {} : { masterKey }),
    seedSimulatedClouds: env['SKYPORT_SEED_SIM'] !== 'false',
    seedLocalCloud: env['SKYPORT_SEED_LOCAL'] !== 'false',
    ...(env['SKYPORT_WORKER_ID'] ? { workerId: env['SKYPORT_WORKER_ID'] } : {}),
    jobExpirySeconds: positiveInteger(env, 'SKYPORT_JOB_EXPIRY_SECONDS', 300),
    ...(env['SKYPORT_POLL_LEASE_MS'] ? { pollLeaseMs: positiveInteger(env, 'SKYPORT_POLL_LEASE_MS', 15_000) } : {}),
  };
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw new SkyportError('InvalidArgument', `${name} "${raw}" must be a whole number of at least 1`, { details: { field: name } });
  }
  return Number(raw);
}
