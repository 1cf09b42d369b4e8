export * from './ports/index.js';
export type * from './broker.js';
export { createBroker, type BrokerDependencies } from './create-broker.js';
export { DEFAULT_TUNING, silentLogger, type BrokerTuning, type Logger } from './context.js';
export { InMemoryEventBus } from './util/in-memory-event-bus.js';
// Views of stored records, for adapters that rebuild an event from the store (scale-out event bus).
export { operationView } from './operations/operation-log.js';
export { factoryForProvider, providerView } from './provider-connections.js';
export { StoreJobQueue, type StoreJobQueueOptions } from './util/store-job-queue.js';
export { withRetry, type RetryOptions } from './util/retry.js';
export { canonicalJson, sha256Hex } from './util/hash.js';
export { RateLimiter, type RateLimitOptions } from './util/rate-limiter.js';
