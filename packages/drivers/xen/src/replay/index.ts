/** The replayed XAPI pool, for tests in other packages (the broker's end-to-end tests). */
export { XapiReplay, REPLAY_USER, type XapiReplayOptions } from './xapi-replay.js';
