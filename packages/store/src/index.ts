export { createStore, type CreateStoreOptions } from './create-store.js';
export type { StoreLogger } from './logger.js';
export type { Database } from './schema.js';
export { DEFAULT_TENANT_ID, DEFAULT_TENANT_NAME, UPGRADE_ADMIN_USER_ID, UPGRADE_ADMIN_USER_NAME } from './tenancy-migration.js';
