import type { Clock } from '@skyport/core';
import type { Kysely } from 'kysely';
import type { StoreLogger } from './logger.js';
import type { Database, Dialect } from './schema.js';

/** What every store implementation shares. */
export interface StoreContext {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  readonly clock: Clock;
  readonly logger: StoreLogger;
}
