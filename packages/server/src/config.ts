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
  };
}
