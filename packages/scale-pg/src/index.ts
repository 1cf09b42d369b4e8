export { PgBossJobQueue, OPERATIONS_QUEUE, type PgBossJobQueueOptions } from './pg-boss-job-queue.js';
export { PgNotifyEventBus, type PgNotifyEventBusOptions } from './pg-notify-event-bus.js';
export { storeEventReloader } from './store-event-reloader.js';
export { operationJobId } from './operation-job-id.js';
export { PAYLOAD_LIMIT, pack, type EventStub } from './event-envelope.js';
