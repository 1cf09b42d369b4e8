import { isAbsolute, join, resolve } from 'node:path';
import { SkyportError } from '@skyport/model';

/** Everything the broker reads from its environment, validated once at start. */
export interface ServerConfig {
  readonly host: string;
  readonly port: number;
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
    dataDir,
    databaseUrl,
    logLevel: logLevel as ServerConfig['logLevel'],
    ...(masterKey === undefined ? {} : { masterKey }),
    seedSimulatedClouds: env['SKYPORT_SEED_SIM'] !== 'false',
  };
}
