export { runJobQueueContract, type JobQueueContractOptions, type JobQueueHarness } from './job-queue-contract.js';
