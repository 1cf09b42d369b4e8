export { createStore, type CreateStoreOptions } from './create-store.js';
export type { StoreLogger } from './logger.js';
export type { Database } from './schema.js';
