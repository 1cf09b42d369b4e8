export type * from './cloud-driver.js';
export type * from './store.js';
export { RESOURCE_SORT_FIELDS } from './store.js';
export type * from './event-bus.js';
export type * from './vault.js';
export type * from './job-queue.js';
export type * from './disk-converter.js';
export { systemClock, type Clock } from './clock.js';
