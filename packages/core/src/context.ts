import type { DriverFactory, Clock, EventBus, JobQueue, Store, Vault } from './ports/index.js';
import type { KeyedMutex } from './util/keyed-mutex.js';
import type { Connections } from './provider-connections.js';
import type { Scope } from './scope.js';
import type { AuditLog } from './security/audit-log.js';
import type { InventoryWriter } from './inventory/inventory-writer.js';
import type { OperationLog } from './operations/operation-log.js';

/** Minimal structured logger (pino's shape), so the core does not depend on a logging library. */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {}, debug() {} };

export interface BrokerTuning {
  /** Poll interval while something is changing (transitional states, recent actions). */
  readonly pollFastMs: number;
  /** Poll interval of a quiet provider. */
  readonly pollIdleMs: number;
  /** Longest wait after repeated provider failures. */
  readonly pollMaxBackoffMs: number;
  /** How often a running operation re-reads the resource it waits on. */
  readonly operationPollMs: number;
  /** How long an operation may wait for a state before it fails with Timeout. */
  readonly operationTimeoutMs: number;
  /** Attempts for a retryable provider error inside one step. */
  readonly retryAttempts: number;
  readonly retryBaseDelayMs: number;
  /** Jobs run at once in this process. */
  readonly concurrency: number;
  /**
   * Lifetime of a provider's poller lease (one broker polls a provider at a time); its holder
   * renews it every third of this, and a dead holder's providers are taken over within about this long.
   */
  readonly pollLeaseMs: number;
  /** Migration VMs moving at once out of one provider, across all plans. */
  readonly migrationsPerSource: number;
  /** Migration VMs moving at once into one provider, across all plans. */
  readonly migrationsPerTarget: number;
  /** Largest OVA an import accepts. */
  readonly maxUploadBytes: number;
  /** How long an exported OVA is kept for download. */
  readonly exportRetentionMs: number;
}

export const DEFAULT_TUNING: BrokerTuning = {
  pollFastMs: 2_000,
  pollIdleMs: 30_000,
  pollMaxBackoffMs: 300_000,
  operationPollMs: 500,
  operationTimeoutMs: 15 * 60_000,
  retryAttempts: 5,
  retryBaseDelayMs: 250,
  concurrency: 16,
  pollLeaseMs: 15_000,
  migrationsPerSource: 4,
  migrationsPerTarget: 4,
  maxUploadBytes: 64 * 1024 ** 3,
  exportRetentionMs: 24 * 60 * 60_000,
};

/** What the services share. Built once by createBroker. */
export interface BrokerContext {
  readonly store: Store;
  readonly clock: Clock;
  readonly events: EventBus;
  readonly vault: Vault;
  readonly queue: JobQueue;
  readonly logger: Logger;
  readonly tuning: BrokerTuning;
  readonly drivers: ReadonlyMap<string, DriverFactory>;
  /** Scoped to the caller's tenant in a caller's context. */
  readonly connections: Connections;
  readonly inventory: InventoryWriter;
  readonly operations: OperationLog;
  readonly locks: KeyedMutex;
  /** Where each provider's driver may keep files. */
  readonly dataDir: string;
  readonly audit: AuditLog;
  /** Present in a caller's context (Broker from `as(principal)`); absent for pollers and workers. */
  readonly scope?: Scope;
}
