/**
 * `@skyport/driver-openstack/testing`: the replayed OpenStack cloud (recorded API-reference
 * exchanges behind a small state machine), for tests of other packages that need an
 * OpenStack provider, e.g. the broker's end-to-end tests.
 */
export { OpenStackReplayCloud, REPLAY_USER, REPLAY_APPLICATION_CREDENTIAL, type ReplayCloudOptions } from './replay-cloud.js';
export { ReplayServer, REPLAY_MICROVERSION, type ReplayAnswer, type ReplayRequest } from './replay-server.js';
export { loadExchanges, FIXTURES_DIR, type Exchange } from './recordings.js';
export { makeSeedImage } from './seed-image.js';
